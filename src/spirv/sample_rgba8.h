// The sampler for 2D 8-bit RGBA/BGRA textures (sample_rgba8.cpp): the common case of
// OpImageSample*, taken before the generic handler.
#pragma once

#include "ir.h"

namespace kiln::spirv {

// Samples like image_sample() when every active lane samples one 2D texture without offsets,
// through a sampler with normalized coordinates and no border, from an R8G8B8A8 or B8G8R8A8 UNORM
// or SRGB view; returns false (having written nothing) otherwise.
bool sample_rgba8_2d(const Ins& ins, Batch& b, LaneMask mask);

}  // namespace kiln::spirv
