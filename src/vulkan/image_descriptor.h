// Image, sampler and texel buffer descriptors resolved for the shader executor (spirv/image.h):
// done when a dispatch is recorded, as buffer descriptors are (compute.cpp).
#pragma once

#include "spirv/image.h"

namespace kiln {

struct Descriptor;

// What `descriptor` gives a shader: its view's texels, levels and codec, and its sampler. A
// descriptor that is missing, never written or names memory that is not bound resolves to an
// empty ImageDescriptor, which reads 0 and drops writes.
void resolve_image_descriptor(const Descriptor* descriptor, spirv::ImageDescriptor* out);

}  // namespace kiln
