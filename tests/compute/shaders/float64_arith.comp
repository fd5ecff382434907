#version 450
// 64-bit floats (Float64): OpFAdd/FSub/FMul/FDiv/FNegate/FMod, comparisons, conversions to and from
// float, int and uint (OpFConvert, OpConvertFToS, OpConvertSToF, OpConvertUToF), and
// packDouble2x32/unpackDouble2x32. 12 double results and 4 words per operand triple.
layout(local_size_x = 64) in;
layout(set = 0, binding = 0, std430) readonly buffer Inputs { dvec4 operands[]; };
layout(set = 0, binding = 1, std430) writeonly buffer Results { double results[]; };
layout(set = 0, binding = 2, std430) writeonly buffer Words { uvec4 words[]; };
layout(push_constant) uniform Params { uint count; };

void main() {
  uint i = gl_GlobalInvocationID.x;
  if (i >= count) return;
  double a = operands[i].x, b = operands[i].y, c = operands[i].z;
  uint o = i * 12u;
  results[o + 0u] = a + b;
  results[o + 1u] = a - b;
  results[o + 2u] = a * b;
  results[o + 3u] = a / b;
  results[o + 4u] = -a;
  results[o + 5u] = mod(a, b);
  precise double separate = a * b + c;
  results[o + 6u] = separate;
  results[o + 7u] = double(float(a));           // OpFConvert both ways
  results[o + 8u] = double(int(c));             // c within int range
  results[o + 9u] = double(uint(abs(c)));
  results[o + 10u] = double(int(a * 0.0) - 7) + double(0xfffffff0u);
  uvec2 halves = unpackDouble2x32(b);
  results[o + 11u] = packDouble2x32(uvec2(halves.x ^ 1u, halves.y));  // flips the lowest mantissa bit
  uint compare = (a < b ? 1u : 0u) | (a <= b ? 2u : 0u) | (a > b ? 4u : 0u) | (a >= b ? 8u : 0u) |
                 (a == b ? 16u : 0u) | (a != b ? 32u : 0u);
  words[i] = uvec4(compare, halves, uint(int(c)));
}
