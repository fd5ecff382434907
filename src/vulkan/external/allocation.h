// vkAllocateMemory's external half: the pNext walk that turns an allocate info into one parsed
// request, its checks, and the memory it gives -- a new exportable payload, an imported one, the
// application's host pages, or private pages when nothing external is asked for.
#pragma once

#include "device_memory.h"

namespace kiln::external {

// Fills `memory` (block, payload, export types) for `info`. On failure `memory` holds nothing and
// the result says why: VK_ERROR_INVALID_EXTERNAL_HANDLE for every bad handle and every misuse of
// the external structs (docs/external-memory.md), else the allocator's out-of-memory codes.
VkResult allocate(Device& device, const VkMemoryAllocateInfo& info, DeviceMemory& memory);

// After a successful allocation: what the application gave away to Kiln (an imported fd).
void commit(const VkMemoryAllocateInfo& info);

}  // namespace kiln::external
