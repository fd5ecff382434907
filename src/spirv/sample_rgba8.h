// The sampler for 2D 8-bit RGBA/BGRA textures (sample_rgba8.cpp): the common case of
// OpImageSample*, taken before the generic handler.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ir.h"

namespace kiln::spirv {

// Samples like image_sample() when every active lane samples one 2D texture without offsets,
// through a sampler with normalized coordinates and no border, from an R8G8B8A8 or B8G8R8A8 UNORM
// or SRGB view; returns false (having written nothing) otherwise.
bool sample_rgba8_2d(const Ins& ins, Batch& b, LaneMask mask);

// One level of such a texture filtered at 8 lanes' coordinates at once (sample_rgba8_avx2.cpp),
// for levels whose texels lie within 2 GiB of their first and whose addressing is clamp to edge or
// a power-of-two repeat on both axes.
struct Rgba8Level {
    const std::byte* texels;  // texel (0, 0)
    int32_t width, height, row_pitch;
    bool repeat[2];     // per axis: power-of-two REPEAT (else CLAMP_TO_EDGE)
    bool linear;        // LINEAR filtering (else NEAREST)
    uint32_t red_byte;  // 0: RGBA, 2: BGRA
    const float* srgb;  // NULL: UNORM; else the sRGB decoding table of R, G and B
};

namespace avx2 {
// s, t: 8 lanes' coordinates (float bits); out[c][l]: component c (R, G, B, A) of lane l, the bits
// sample_rgba8_2d's scalar path computes.
void filter_rgba8x8(const Rgba8Level& level, const uint32_t* s, const uint32_t* t, float out[4][8]);
}  // namespace avx2

}  // namespace kiln::spirv
