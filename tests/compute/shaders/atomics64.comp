#version 450
// 64-bit atomics (Int64Atomics) on a storage buffer and on workgroup memory: add, min, max, and,
// or, xor, exchange and compare-exchange on uint64_t and int64_t.
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#extension GL_EXT_shader_atomic_int64 : require
layout(local_size_x = 64) in;
layout(set = 0, binding = 0, std430) buffer Counters {
  uint64_t sum;
  int64_t smin;
  uint64_t umax;
  uint64_t orBits;
  uint64_t xorBits;
  uint64_t exchanged;
  uint64_t casCounter;
  uint64_t sharedSums[4];
} c;
layout(set = 0, binding = 1, std430) readonly buffer Values { int64_t values[]; };
layout(set = 0, binding = 2, std430) writeonly buffer PerInvocation { uint64_t previous[]; };

shared uint64_t groupSum;

void main() {
  uint lid = gl_LocalInvocationID.x;
  uint i = gl_GlobalInvocationID.x;
  if (lid == 0u) groupSum = 0ul;
  barrier();
  int64_t value = values[i];
  atomicAdd(c.sum, uint64_t(value));
  atomicMin(c.smin, value);
  atomicMax(c.umax, uint64_t(value));
  atomicOr(c.orBits, 1ul << (uint64_t(value) & 63ul));
  atomicXor(c.xorBits, uint64_t(value));
  previous[i] = atomicExchange(c.exchanged, uint64_t(i + 1u) << 32u);
  uint64_t expected = 0ul;
  for (;;) {
    uint64_t seen = atomicCompSwap(c.casCounter, expected, expected + 0x100000001ul);
    if (seen == expected) break;
    expected = seen;
  }
  atomicAdd(groupSum, uint64_t(value) * 3ul);
  barrier();
  if (lid == 0u) c.sharedSums[gl_WorkGroupID.x] = groupSum;
}
