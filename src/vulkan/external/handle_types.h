// The external memory handle types Kiln knows, and what each can do (docs/external-memory.md):
// the one table behind the capability queries, the dedicated requirements and the checks of
// vkAllocateMemory.
#pragma once

#include "memory/payload_file.h"
#include "object.h"

namespace kiln::external {

enum class Resource { Buffer, Image };

// What a handle type can do for a buffer or an image: externalMemoryFeatures,
// exportFromImportedHandleTypes and compatibleHandleTypes; all zero when it cannot be used.
VkExternalMemoryProperties memory_properties(VkExternalMemoryHandleTypeFlagBits type, Resource resource);

// NT handles own a reference to their payload; KMT values (global share handles) own none.
bool is_nt(VkExternalMemoryHandleTypeFlagBits type);
bool is_kmt(VkExternalMemoryHandleTypeFlagBits type);
// The types a D3D runtime makes: the memory's size comes from the payload, and for all but
// D3D12_HEAP the allocation must be dedicated.
bool is_d3d(VkExternalMemoryHandleTypeFlagBits type);
// Who makes the payloads of a handle type: Kiln's Vulkan driver (the opaque types) or a D3D runtime.
memory::PayloadOrigin payload_origin(VkExternalMemoryHandleTypeFlagBits type);
// Types whose allocations must be dedicated to one image or buffer.
bool dedicated_only(VkExternalMemoryHandleTypeFlagBits type);
// Whether a resource created for `types` (VkExternalMemory{Buffer,Image}CreateInfo) must get a
// dedicated allocation.
bool requires_dedicated(VkExternalMemoryHandleTypeFlags types);

// The types memory can be exported as (compatible with each other: one payload is all of them).
inline constexpr VkExternalMemoryHandleTypeFlags kExportableTypes = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_BIT |
                                                                     VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_KMT_BIT |
                                                                     VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT;

// VK_NV_external_memory's types as the KHR type of the same meaning; 0 for anything else.
VkExternalMemoryHandleTypeFlags from_nv(VkExternalMemoryHandleTypeFlagsNV types);
VkExternalMemoryHandleTypeFlagsNV to_nv(VkExternalMemoryHandleTypeFlags types);

}  // namespace kiln::external
