#version 450
// Booleans: OpLogicalAnd/Or/Not/Equal/NotEqual on scalars and vectors, OpAny, OpAll, OpSelect on
// scalars and vectors (GLSL mix with a bvec), short-circuit && and || whose right operand has a side
// effect (structured branches around a function call), bools in Private and Workgroup storage.
// 8 result words per element.
layout(local_size_x = 64) in;
layout(set = 0, binding = 0, std430) readonly buffer Inputs { uvec2 masks[]; };
layout(set = 0, binding = 1, std430) writeonly buffer Results { uint results[]; };

shared bool sharedFlags[64];
bool privateFlag;

bool Touch(inout uint calls, bool value) {
  calls += 1u;
  return value;
}

bvec4 Bits(uint mask) { return notEqual(uvec4(mask) & uvec4(1u, 2u, 4u, 8u), uvec4(0u)); }

uint Pack(bvec4 b) { return (b.x ? 1u : 0u) | (b.y ? 2u : 0u) | (b.z ? 4u : 0u) | (b.w ? 8u : 0u); }

void main() {
  uint i = gl_GlobalInvocationID.x;
  uint lid = gl_LocalInvocationID.x;
  uint m = masks[i].x, n = masks[i].y;
  bool p = (m & 16u) != 0u;
  bool q = (n & 16u) != 0u;
  bvec4 a = Bits(m);
  bvec4 b = Bits(n);
  uint o = i * 8u;
  results[o + 0u] = (p && q ? 1u : 0u) | (p || q ? 2u : 0u) | (p ^^ q ? 4u : 0u) | (!p ? 8u : 0u) |
                    (p == q ? 16u : 0u) | (p != q ? 32u : 0u);
  results[o + 1u] = Pack(not(a)) | (Pack(equal(a, b)) << 4u) | (Pack(notEqual(a, b)) << 8u);
  results[o + 2u] = (any(a) ? 1u : 0u) | (all(a) ? 2u : 0u) | (any(not(b)) ? 4u : 0u) | (all(equal(a, a)) ? 8u : 0u);
  uvec4 picked = mix(uvec4(10u, 20u, 30u, 40u), uvec4(m, n, m + n, m ^ n), a);  // OpSelect per component
  results[o + 3u] = picked.x + picked.y * 3u + picked.z * 5u + picked.w * 7u;
  uint calls = 0u;
  if (Touch(calls, p) && Touch(calls, q)) calls += 10u;
  if (Touch(calls, p) || Touch(calls, q)) calls += 100u;
  results[o + 4u] = calls;
  privateFlag = p != (lid % 3u == 0u);
  sharedFlags[lid] = q;
  barrier();
  bool neighbour = sharedFlags[(lid + 1u) % 64u];
  results[o + 5u] = (privateFlag ? 1u : 0u) | (neighbour ? 2u : 0u);
  bvec2 pair = bvec2(p, q);
  results[o + 6u] = (pair == bvec2(true, false) ? 1u : 0u) | (pair != bvec2(false) ? 2u : 0u);
  results[o + 7u] = p ? m : n;
}
