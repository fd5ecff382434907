#version 450
// 32-bit integer GLSL.std.450 and bit instructions: SAbs, SSign, SMin, SMax, UMin, UMax, SClamp,
// UClamp, FindILsb, FindSMsb, FindUMsb, OpBitFieldSExtract, OpBitFieldUExtract, OpBitFieldInsert,
// OpBitReverse, OpBitCount, OpIAddCarry, OpISubBorrow, OpUMulExtended, OpSMulExtended.
// 24 results per operand quadruple.
layout(local_size_x = 64) in;
layout(set = 0, binding = 0, std430) readonly buffer Inputs { ivec4 operands[]; };
layout(set = 0, binding = 1, std430) writeonly buffer Results { int results[]; };
layout(push_constant) uniform Params { uint count; };

void main() {
  uint i = gl_GlobalInvocationID.x;
  if (i >= count) return;
  ivec4 v = operands[i];
  int a = v.x, b = v.y;
  uint ua = uint(a), ub = uint(b);
  int offset = v.z & 31;
  int bits = int(uint(v.w) % uint(33 - offset));  // offset + bits <= 32
  int lo = min(v.z, v.w), hi = max(v.z, v.w);
  uint o = i * 24u;
  results[o + 0u] = abs(a);
  results[o + 1u] = sign(a);
  results[o + 2u] = min(a, b);
  results[o + 3u] = max(a, b);
  results[o + 4u] = int(min(ua, ub));
  results[o + 5u] = int(max(ua, ub));
  results[o + 6u] = clamp(a, lo, hi);
  results[o + 7u] = int(clamp(ua, min(uint(lo), uint(hi)), max(uint(lo), uint(hi))));
  results[o + 8u] = findLSB(a);
  results[o + 9u] = findMSB(a);
  results[o + 10u] = findMSB(ua);
  results[o + 11u] = bitfieldExtract(a, offset, bits);
  results[o + 12u] = int(bitfieldExtract(ua, offset, bits));
  results[o + 13u] = bitfieldInsert(a, b, offset, bits);
  results[o + 14u] = bitfieldReverse(a);
  results[o + 15u] = bitCount(a);
  uint carry, borrow;
  results[o + 16u] = int(uaddCarry(ua, ub, carry));
  results[o + 17u] = int(carry);
  results[o + 18u] = int(usubBorrow(ua, ub, borrow));
  results[o + 19u] = int(borrow);
  uint umsb, ulsb;
  umulExtended(ua, ub, umsb, ulsb);
  results[o + 20u] = int(umsb);
  results[o + 21u] = int(ulsb);
  int smsb, slsb;
  imulExtended(a, b, smsb, slsb);
  results[o + 22u] = smsb;
  results[o + 23u] = slsb;
}
