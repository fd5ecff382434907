// Subgroup operations (SPV_KHR / SPIR-V 1.3 OpGroupNonUniform*). A batch is a subgroup: its kLanes
// lanes are the subgroup's invocations in SubgroupLocalInvocationId order, and the lanes of the
// mask are the active ones. These handlers are not pure: their results depend on which lanes are
// active, so they write only the lanes of the mask.
#pragma once

#include <cstdint>

#include "ir.h"
#include "ops.h"

namespace kiln::spirv {

// The handler of a subgroup instruction on values of scalar type `type` (Bool for the boolean
// ones), with `group_operation` (Reduce 0, InclusiveScan 1, ExclusiveScan 2) where it has one;
// NULL when Kiln does not implement it. Operands: ins.a the value, ins.b the second operand (id,
// delta, mask, bit index), ins.n the value's components, ins.imm set by subgroup_immediate().
Handler subgroup_handler(uint32_t opcode, uint32_t group_operation, Scalar type);
uint32_t subgroup_immediate(uint32_t group_operation, Scalar type);

}  // namespace kiln::spirv
