#version 450
// 8-bit integer arithmetic (Int8) on values loaded as 32-bit words: conversions to 8 bits,
// wrapping add/sub/mul, division, shifts, bitwise ops, comparisons, an 8-bit vector expression.
// 12 results per operand pair.
#extension GL_EXT_shader_explicit_arithmetic_types_int8 : require
layout(local_size_x = 64) in;
layout(set = 0, binding = 0, std430) readonly buffer Inputs { ivec2 operands[]; };
layout(set = 0, binding = 1, std430) writeonly buffer Results { int results[]; };
layout(push_constant) uniform Params { uint count; };

void main() {
  uint i = gl_GlobalInvocationID.x;
  if (i >= count) return;
  int8_t a = int8_t(operands[i].x);
  int8_t b = int8_t(operands[i].y);  // the host keeps the low byte of b nonzero, not -1 with a = -128
  uint8_t ua = uint8_t(a), ub = uint8_t(b);
  uint o = i * 12u;
  int8_t s = b & int8_t(7);
  results[o + 0u] = int(a + b);
  results[o + 1u] = int(a - b);
  results[o + 2u] = int(a * b);
  results[o + 3u] = int(a / b);
  results[o + 4u] = int(uint(ua / ub));
  results[o + 5u] = int(a << s);
  results[o + 6u] = int(a >> s);
  results[o + 7u] = int(uint(ua >> s));
  results[o + 8u] = int(~a ^ (a | b));
  results[o + 9u] = (a < b ? 1 : 0) | (ua < ub ? 2 : 0) | (a == b ? 4 : 0);
  i8vec2 v = i8vec2(a, b) * i8vec2(5) - i8vec2(b, a);
  results[o + 10u] = int(v.x);
  results[o + 11u] = int(v.y);
}
