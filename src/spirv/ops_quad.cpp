// Derivative handlers (ops_quad.h). Pure: every lane's result is computed from its quad.
#include "ops_quad.h"

#include <cmath>
#include <cstring>
#include <spirv/unified1/spirv.hpp11>

namespace kiln::spirv {

namespace {

enum class Axis { X, Y, Width };

float f(const uint32_t* r, uint32_t lane) {
    float v;
    std::memcpy(&v, r + lane, 4);
    return v;
}

// The x and y differences of lane `i` (0..3) of the quad whose first lane is `q`. Coarse: one pair
// for the whole quad (the top row's and the left column's); fine: the lane's own row and column.
template <bool Fine>
void differences(const uint32_t* v, uint32_t q, uint32_t i, float* dx, float* dy) {
    const uint32_t row = Fine ? (i & 2) : 0, column = Fine ? (i & 1) : 0;
    *dx = f(v, q + row + 1) - f(v, q + row);
    *dy = f(v, q + column + 2) - f(v, q + column);
}

template <Axis A, bool Fine>
void derivative(const Ins& ins, Batch& b, LaneMask) {
    for (uint32_t c = 0; c < ins.n; ++c) {
        const uint32_t* v = b.reg(ins.a + c);
        float out[kLanes];
        for (uint32_t q = 0; q < kLanes; q += 4) {
            if constexpr (!Fine) {
                // Coarse: one value for the whole quad.
                float dx, dy;
                differences<false>(v, q, 0, &dx, &dy);
                const float r = A == Axis::X ? dx : A == Axis::Y ? dy : std::fabs(dx) + std::fabs(dy);
                out[q] = out[q + 1] = out[q + 2] = out[q + 3] = r;
            } else {
                for (uint32_t i = 0; i < 4; ++i) {
                    float dx, dy;
                    differences<true>(v, q, i, &dx, &dy);
                    out[q + i] = A == Axis::X ? dx : A == Axis::Y ? dy : std::fabs(dx) + std::fabs(dy);
                }
            }
        }
        std::memcpy(b.reg(ins.dst + c), out, sizeof out);
    }
}

}  // namespace

Handler derivative_handler(uint32_t opcode) {
    // OpDPdx, OpDPdy and OpFwidth leave fine or coarse to the implementation: Kiln takes coarse,
    // as llvmpipe does, so that the two compute the same implicit LODs.
    using spv::Op;
    switch (Op(opcode)) {
    case Op::OpDPdx: return &derivative<Axis::X, false>;
    case Op::OpDPdy: return &derivative<Axis::Y, false>;
    case Op::OpFwidth: return &derivative<Axis::Width, false>;
    case Op::OpDPdxFine: return &derivative<Axis::X, true>;
    case Op::OpDPdyFine: return &derivative<Axis::Y, true>;
    case Op::OpFwidthFine: return &derivative<Axis::Width, true>;
    case Op::OpDPdxCoarse: return &derivative<Axis::X, false>;
    case Op::OpDPdyCoarse: return &derivative<Axis::Y, false>;
    case Op::OpFwidthCoarse: return &derivative<Axis::Width, false>;
    default: return nullptr;
    }
}

}  // namespace kiln::spirv
