#version 450
// 16-bit integer arithmetic (Int16) on values loaded as 32-bit words: OpSConvert/OpUConvert to 16
// bits, wrapping add/sub/mul, division, shifts, bitwise ops, comparisons, min/max, a 16-bit vector
// expression, and back. 14 results per operand pair, each widened to 32 bits (signed ones
// sign-extended).
#extension GL_EXT_shader_explicit_arithmetic_types_int16 : require
layout(local_size_x = 64) in;
layout(set = 0, binding = 0, std430) readonly buffer Inputs { ivec2 operands[]; };
layout(set = 0, binding = 1, std430) writeonly buffer Results { int results[]; };
layout(push_constant) uniform Params { uint count; };

void main() {
  uint i = gl_GlobalInvocationID.x;
  if (i >= count) return;
  int16_t a = int16_t(operands[i].x);  // truncates to the low 16 bits
  int16_t b = int16_t(operands[i].y);  // the host keeps the low 16 bits of b nonzero, not -1 with a = -32768
  uint16_t ua = uint16_t(a), ub = uint16_t(b);
  uint o = i * 14u;
  int16_t s = b & int16_t(15);
  results[o + 0u] = int(a + b);
  results[o + 1u] = int(a - b);
  results[o + 2u] = int(a * b);
  results[o + 3u] = int(a / b);
  results[o + 4u] = int(uint(ua / ub));
  results[o + 5u] = int(uint(ua % ub));
  results[o + 6u] = int(a << s);
  results[o + 7u] = int(a >> s);
  results[o + 8u] = int(uint(ua >> s));
  results[o + 9u] = int((a & b) | (a ^ int16_t(0x5a5a)));
  results[o + 10u] = (a < b ? 1 : 0) | (ua < ub ? 2 : 0) | (a == b ? 4 : 0);
  results[o + 11u] = int(min(a, b)) + int(max(ua, ub)) * 65536;
  i16vec2 v = i16vec2(a, b) * i16vec2(3) + i16vec2(b, a);
  results[o + 12u] = int(v.x);
  results[o + 13u] = int(v.y);
}
