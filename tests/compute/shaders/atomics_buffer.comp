#version 450
// Atomics on a storage buffer: OpAtomicIAdd (returned values must hand out every ticket once),
// OpAtomicSMin/SMax/UMin/UMax, OpAtomicAnd/Or/Xor, OpAtomicExchange (the returned values chain),
// OpAtomicCompareExchange in a retry loop and as a one-winner claim, OpAtomicLoad, OpAtomicStore
// (GL_KHR_memory_scope_semantics spells those two; the module stays on the GLSL450 memory model),
// and OpAtomicIIncrement, OpAtomicIDecrement and OpAtomicISub, which GLSL does not emit, through
// GL_EXT_spirv_intrinsics (scope Device = 1, relaxed semantics = 0).
#extension GL_KHR_memory_scope_semantics : require
#extension GL_EXT_spirv_intrinsics : require
layout(local_size_x = 64) in;
spirv_instruction(id = 232) uint spvAtomicIIncrement(spirv_by_reference uint pointer, uint scope, uint semantics);
spirv_instruction(id = 233) uint spvAtomicIDecrement(spirv_by_reference uint pointer, uint scope, uint semantics);
spirv_instruction(id = 235) uint spvAtomicISub(spirv_by_reference uint pointer, uint scope, uint semantics, uint value);
layout(set = 0, binding = 0, std430) buffer Counters {
  uint tickets;
  uint sum;
  int smin;
  int smax;
  uint umin;
  uint umax;
  uint andBits;
  uint orBits;
  uint xorBits;
  uint exchanged;
  uint casCounter;
  uint stored;
  uint slots[16];
  uint incremented;
  uint decremented;
  uint subtracted;
} c;
layout(set = 0, binding = 1, std430) readonly buffer Values { int values[]; };
layout(set = 0, binding = 2, std430) writeonly buffer PerInvocation { uvec4 returned[]; };

void main() {
  uint i = gl_GlobalInvocationID.x;
  int value = values[i];
  uint ticket = atomicAdd(c.tickets, 1u);
  atomicAdd(c.sum, uint(value));
  atomicMin(c.smin, value);
  atomicMax(c.smax, value);
  atomicMin(c.umin, uint(value));
  atomicMax(c.umax, uint(value));
  atomicAnd(c.andBits, ~(1u << (i & 31u)) | (i < 32u ? 0u : 0xffffffffu));
  atomicOr(c.orBits, 1u << (uint(value) & 31u));
  atomicXor(c.xorBits, uint(value));
  uint previous = atomicExchange(c.exchanged, i + 1u);
  uint expected = 0u;
  for (;;) {
    uint seen = atomicCompSwap(c.casCounter, expected, expected + 3u);
    if (seen == expected) break;
    expected = seen;
  }
  uint won = atomicCompSwap(c.slots[i & 15u], 0u, i + 1u) == 0u ? 1u : 0u;
  spvAtomicIIncrement(c.incremented, 1u, 0u);
  spvAtomicIDecrement(c.decremented, 1u, 0u);
  spvAtomicISub(c.subtracted, 1u, 0u, i);
  if (i == 5u) atomicStore(c.stored, 0xC0FFEEu, gl_ScopeDevice, gl_StorageSemanticsBuffer, gl_SemanticsRelaxed);
  returned[i] = uvec4(ticket, previous, won, atomicLoad(c.tickets, gl_ScopeDevice, gl_StorageSemanticsBuffer, gl_SemanticsRelaxed));
}
