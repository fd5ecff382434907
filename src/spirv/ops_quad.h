// Derivatives of fragment shaders (OpDPdx, OpDPdy, OpFwidth and their Fine/Coarse forms): lanes
// 4q..4q+3 of a batch are one 2x2 quad of fragments, in the order (x, y), (x+1, y), (x, y+1),
// (x+1, y+1) (StageRunner's caller lays them out so), and a derivative is a difference inside the
// quad ("Derivative Operations" in the Vulkan spec). Helper lanes (uncovered pixels of a quad) run
// too, so the differences exist for every covered pixel.
#pragma once

#include <cstdint>

#include "ir.h"

namespace kiln::spirv {

// The handler of derivative instruction `opcode` (OpDPdx to OpFwidthCoarse) on 32-bit floats; ins.a the value,
// ins.n its components. NULL for other opcodes.
Handler derivative_handler(uint32_t opcode);

}  // namespace kiln::spirv
