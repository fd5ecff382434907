#version 450
// 64-bit integers (Int64): arithmetic, division, shifts, bitwise ops, comparisons, GLSL.std.450
// SAbs/SSign/SMin/UMax, width conversions to and from 32 bits (OpSConvert, OpUConvert), and a
// 64-bit vector expression. 22 results per operand pair.
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
layout(local_size_x = 64) in;
layout(set = 0, binding = 0, std430) readonly buffer Inputs { i64vec2 operands[]; };
layout(set = 0, binding = 1, std430) writeonly buffer Results { int64_t results[]; };
layout(push_constant) uniform Params { uint count; };

void main() {
  uint i = gl_GlobalInvocationID.x;
  if (i >= count) return;
  int64_t a = operands[i].x, b = operands[i].y;  // b != 0, (a, b) != (INT64_MIN, -1)
  uint64_t ua = uint64_t(a), ub = uint64_t(b);
  uint o = i * 22u;
  int s = int(b & 63l);
  results[o + 0u] = a + b;
  results[o + 1u] = a - b;
  results[o + 2u] = a * b;
  results[o + 3u] = a / b;
  results[o + 4u] = int64_t(ua / ub);
  results[o + 5u] = int64_t(ua % ub);
  results[o + 6u] = a << s;
  results[o + 7u] = a >> s;
  results[o + 8u] = int64_t(ua >> s);
  results[o + 9u] = (a & b) ^ (~a | (b >> 7));
  results[o + 10u] = (a < b ? 1l : 0l) | (a <= b ? 2l : 0l) | (a > b ? 4l : 0l) | (a == b ? 8l : 0l) |
                     (ua < ub ? 16l : 0l) | (ua >= ub ? 32l : 0l);
  results[o + 11u] = abs(a);
  results[o + 12u] = sign(a);
  results[o + 13u] = min(a, b);
  results[o + 14u] = int64_t(max(ua, ub));
  results[o + 15u] = int64_t(int(a));         // OpSConvert down, then up: sign-extends the low word
  results[o + 16u] = int64_t(uint(ua));       // OpUConvert down, then up: zero-extends the low word
  results[o + 17u] = int64_t(int(b >> 32));
  results[o + 18u] = -a;
  results[o + 19u] = (a & 0x7fffffffffffffffl) % max(b & 0x7fffffffffffffffl, 1l);
  i64vec2 v = operands[i].yx * 3l - operands[i];
  results[o + 20u] = v.x;
  results[o + 21u] = v.y;
}
