#version 450
// 32-bit float core arithmetic: OpFAdd, OpFSub, OpFMul, OpFDiv, OpFNegate, OpFMod (GLSL mod),
// OpFRem, a NoContraction multiply-add (GLSL precise) and one the compiler may contract, and the
// ordered and unordered comparisons (GLSL only emits FUnordNotEqual of the unordered ones; the
// others and OpFOrdNotEqual come through GL_EXT_spirv_intrinsics; the operands are never NaN, so
// ordered and unordered agree). 10 results and one comparison mask per operand triple.
#extension GL_EXT_spirv_intrinsics : require
layout(local_size_x = 64) in;
spirv_instruction(id = 140) float spvFRem(float a, float b);
spirv_instruction(id = 181) bool spvFUnordEqual(float a, float b);
spirv_instruction(id = 182) bool spvFOrdNotEqual(float a, float b);
spirv_instruction(id = 185) bool spvFUnordLessThan(float a, float b);
spirv_instruction(id = 187) bool spvFUnordGreaterThan(float a, float b);
spirv_instruction(id = 189) bool spvFUnordLessThanEqual(float a, float b);
spirv_instruction(id = 191) bool spvFUnordGreaterThanEqual(float a, float b);
layout(set = 0, binding = 0, std430) readonly buffer Inputs { vec4 operands[]; };
layout(set = 0, binding = 1, std430) writeonly buffer Results { float results[]; };
layout(set = 0, binding = 2, std430) writeonly buffer Comparisons { uint comparisons[]; };
layout(push_constant) uniform Params { uint count; };

void main() {
  uint i = gl_GlobalInvocationID.x;
  if (i >= count) return;
  float a = operands[i].x, b = operands[i].y, c = operands[i].z;
  uint o = i * 10u;
  results[o + 0u] = a + b;
  results[o + 1u] = a - b;
  results[o + 2u] = a * b;
  results[o + 3u] = a / b;
  results[o + 4u] = -a;
  results[o + 5u] = mod(a, b);
  results[o + 6u] = spvFRem(a, b);
  precise float separate = a * b + c;
  results[o + 7u] = separate;
  results[o + 8u] = a * b + c;
  results[o + 9u] = (a + c) * (b - c);
  comparisons[i] = (a < b ? 1u : 0u) | (a <= b ? 2u : 0u) | (a > b ? 4u : 0u) | (a >= b ? 8u : 0u) |
                   (a == b ? 16u : 0u) | (a != b ? 32u : 0u) | (!(a < c) ? 64u : 0u) | (a == c ? 128u : 0u) |
                   (spvFUnordEqual(a, b) ? 256u : 0u) | (spvFOrdNotEqual(a, b) ? 512u : 0u) |
                   (spvFUnordLessThan(a, b) ? 1024u : 0u) | (spvFUnordGreaterThan(a, b) ? 2048u : 0u) |
                   (spvFUnordLessThanEqual(a, b) ? 4096u : 0u) | (spvFUnordGreaterThanEqual(a, b) ? 8192u : 0u);
}
