// The handlers of image instructions (storage images, sampled images, texel buffers), compiled
// once: they spend their time in texel decoding and addressing, not in lane arithmetic, so a second
// (AVX2) build would buy nothing. Lowering (lower_image.cpp) references them directly.
//
// Operands: ins.a the image handle's register (image.h), ins.dst the result, ins.n the result's
// components; the rest in Program::tables[ins.aux ..] as ImageTable says. Reads, fetches, samples
// and queries only write the lanes of the mask (like loads); writes and atomics touch only those.
// Every access is checked against the bound view: out of bounds, reads give 0 and writes are
// dropped; no descriptor (or a handle beyond the dispatch's) acts the same.
#pragma once

#include <cstdint>

#include "ir.h"

namespace kiln::spirv {

// Program::tables layout of one image instruction (kNone: the operand is absent).
namespace image_table {
inline constexpr uint32_t kNone = UINT32_MAX;
enum : uint32_t {
    Coordinate,  // register of the coordinate (or, for writes, also see Texel)
    Shape,       // dim | arrayed << 8 (SPIR-V Dim and Arrayed of the image type)
    Lod,         // register of the Lod image operand / QuerySizeLod's level / Fetch's level
    Offset,      // register of the (Const)Offset operand: 1 to 3 signed integers
    GradX,       // registers of the Grad operand's derivatives
    GradY,
    Component,   // Gather's component register; writes: the texel register
    Extra,       // atomics: the comparator register; writes: the texel's components
    Dref,        // depth-comparison sampling: the register of the reference value
    kSize,
};
}  // namespace image_table

void image_read(const Ins& ins, Batch& b, LaneMask mask);    // OpImageRead, OpImageFetch (integer coordinates)
void image_write(const Ins& ins, Batch& b, LaneMask mask);   // OpImageWrite
// OpImageRead of an input attachment (Dim SubpassData): the texel at the fragment's pixel
// (FragCoord, whose registers Extra names) plus the coordinate, in layer 0 of the view.
void image_read_subpass(const Ins& ins, Batch& b, LaneMask mask);
void image_sample(const Ins& ins, Batch& b, LaneMask mask);  // OpImageSample(Dref)ExplicitLod (Lod or Grad)
// image_sample for every case, lane by lane; image_sample takes sample_rgba8_2d (sample_rgba8.h)
// first, which must give the same bits (tests/unit/sample_rgba8_test.cpp compares the two).
void image_sample_generic(const Ins& ins, Batch& b, LaneMask mask);
void image_gather(const Ins& ins, Batch& b, LaneMask mask);  // OpImageGather
void image_query_size(const Ins& ins, Batch& b, LaneMask mask);    // OpImageQuerySize(Lod)
void image_query_levels(const Ins& ins, Batch& b, LaneMask mask);  // OpImageQueryLevels
// OpAtomic* on an OpImageTexelPointer: ins.a the texel pointer (handle, then x, y, z registers),
// ins.imm the opcode; Program::tables as for image reads with Component = value register and
// Extra = comparator register.
void image_atomic(const Ins& ins, Batch& b, LaneMask mask);

}  // namespace kiln::spirv
