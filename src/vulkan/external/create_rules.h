// The external-memory rules of vkCreateImage and vkCreateBuffer that strict mode checks: the
// handle types a resource is created for must be ones the capability queries report compatible
// for exactly its parameters, the KHR and NV structs are exclusive, and external images start
// UNDEFINED. Kiln can create such resources anyway (any memory can back them), so these rules
// fail the call only in KILN_STRICT=error.
#pragma once

#include "object.h"

namespace kiln {
class Device;
}

namespace kiln::external {

// False when vkCreateImage / vkCreateBuffer must fail (a rule broken in error mode).
bool check_image_create(const Device& device, const VkImageCreateInfo& info);
bool check_buffer_create(const Device& device, const VkBufferCreateInfo& info);

}  // namespace kiln::external
