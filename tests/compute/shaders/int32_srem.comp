#version 450
// OpSRem and OpSMod with operands of every sign. The Vulkan environment makes the result undefined
// when either operand is negative (spirvenv-precision-operation), so only the non-negative cases
// are the spec's; the others are checked against SPIR-V's own definitions (OpSRem takes the sign of
// Operand 1, OpSMod the sign of Operand 2) as an expectation of Kiln's, not of Vulkan.
#extension GL_EXT_spirv_intrinsics : require
layout(local_size_x = 64) in;
spirv_instruction(id = 138) int spvSRem(int a, int b);
spirv_instruction(id = 139) int spvSMod(int a, int b);
layout(set = 0, binding = 0, std430) readonly buffer Inputs { ivec2 operands[]; };
layout(set = 0, binding = 1, std430) writeonly buffer Results { ivec4 results[]; };
layout(push_constant) uniform Params { uint count; };

void main() {
  uint i = gl_GlobalInvocationID.x;
  if (i >= count) return;
  int a = operands[i].x, b = operands[i].y;  // b != 0, (a, b) != (INT_MIN, -1)
  results[i] = ivec4(spvSRem(a, b), spvSMod(a, b), a % b, a / b);
}
