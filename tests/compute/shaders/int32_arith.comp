#version 450
// 32-bit integer arithmetic: OpIAdd, OpISub, OpIMul, OpSNegate, OpSDiv, OpUDiv, OpUMod, OpSMod (on
// non-negative operands: the Vulkan environment leaves OpSRem/OpSMod undefined for negative ones),
// OpShiftLeftLogical, OpShiftRightArithmetic, OpShiftRightLogical, OpBitwiseAnd/Or/Xor, OpNot and
// the signed and unsigned comparisons. 24 results per operand pair.
layout(local_size_x = 64) in;
layout(set = 0, binding = 0, std430) readonly buffer Inputs { ivec2 operands[]; };
layout(set = 0, binding = 1, std430) writeonly buffer Results { int results[]; };
layout(push_constant) uniform Params { uint count; };

void main() {
  uint i = gl_GlobalInvocationID.x;
  if (i >= count) return;
  int a = operands[i].x;
  int b = operands[i].y;  // the host keeps b != 0 and (a, b) != (INT_MIN, -1)
  uint ua = uint(a);
  uint ub = uint(b);
  uint o = i * 24u;
  results[o + 0u] = a + b;
  results[o + 1u] = a - b;
  results[o + 2u] = a * b;
  results[o + 3u] = -a;
  results[o + 4u] = a / b;
  results[o + 5u] = int(ua / ub);
  results[o + 6u] = int(ua % ub);
  int na = a & 0x7fffffff;
  int nb = max(b & 0x7fffffff, 1);
  results[o + 7u] = na % nb;
  results[o + 8u] = na / nb;
  int s = b & 31;
  results[o + 9u] = a << s;
  results[o + 10u] = a >> s;
  results[o + 11u] = int(ua >> uint(s));
  results[o + 12u] = a & b;
  results[o + 13u] = a | b;
  results[o + 14u] = a ^ b;
  results[o + 15u] = ~a;
  results[o + 16u] = (a < b ? 1 : 0) | (a <= b ? 2 : 0) | (a > b ? 4 : 0) | (a >= b ? 8 : 0) |
                     (a == b ? 16 : 0) | (a != b ? 32 : 0);
  results[o + 17u] = (ua < ub ? 1 : 0) | (ua <= ub ? 2 : 0) | (ua > ub ? 4 : 0) | (ua >= ub ? 8 : 0);
  int c = a;
  c++;
  int d = b;
  --d;
  results[o + 18u] = c;
  results[o + 19u] = d;
  results[o + 20u] = a * 7 + b * -3 - 5;
  results[o + 21u] = int(ua * ub);
  results[o + 22u] = int(ua + 0x80000000u);
  results[o + 23u] = int(uint(s) << 27u) >> 27;
}
