#version 450
// Atomics on workgroup memory: the same operations as atomics_buffer.comp on shared variables, one
// set per workgroup, initialized by invocation 0 and written out after a barrier.
layout(local_size_x = 64) in;
layout(set = 0, binding = 0, std430) readonly buffer Values { int values[]; };
layout(set = 0, binding = 1, std430) writeonly buffer PerGroup { uint groups[]; };  // 32 words per workgroup
layout(set = 0, binding = 2, std430) writeonly buffer PerInvocation { uvec4 returned[]; };

shared uint tickets, sum, umin, umax, andBits, orBits, xorBits, exchanged, casCounter;
shared int smin, smax;
shared uint slots[16];

void main() {
  uint lid = gl_LocalInvocationID.x;
  uint i = gl_GlobalInvocationID.x;
  if (lid == 0u) {
    tickets = 0u;
    sum = 0u;
    smin = 0x7fffffff;
    smax = int(0x80000000u);
    umin = 0xffffffffu;
    umax = 0u;
    andBits = 0xffffffffu;
    orBits = 0u;
    xorBits = 0u;
    exchanged = 0u;
    casCounter = 0u;
  }
  if (lid < 16u) slots[lid] = 0u;
  barrier();
  int value = values[i];
  uint ticket = atomicAdd(tickets, 1u);
  atomicAdd(sum, uint(value));
  atomicMin(smin, value);
  atomicMax(smax, value);
  atomicMin(umin, uint(value));
  atomicMax(umax, uint(value));
  atomicAnd(andBits, ~(1u << (lid & 31u)) | (lid < 32u ? 0u : 0xffffffffu));
  atomicOr(orBits, 1u << (uint(value) & 31u));
  atomicXor(xorBits, uint(value));
  uint previous = atomicExchange(exchanged, lid + 1u);
  uint expected = 0u;
  for (;;) {
    uint seen = atomicCompSwap(casCounter, expected, expected + 3u);
    if (seen == expected) break;
    expected = seen;
  }
  uint won = atomicCompSwap(slots[lid & 15u], 0u, lid + 1u) == 0u ? 1u : 0u;
  returned[i] = uvec4(ticket, previous, won, 0u);
  barrier();
  if (lid == 0u) {
    uint g = gl_WorkGroupID.x * 32u;
    groups[g + 0u] = tickets;
    groups[g + 1u] = sum;
    groups[g + 2u] = uint(smin);
    groups[g + 3u] = uint(smax);
    groups[g + 4u] = umin;
    groups[g + 5u] = umax;
    groups[g + 6u] = andBits;
    groups[g + 7u] = orBits;
    groups[g + 8u] = xorBits;
    groups[g + 9u] = exchanged;
    groups[g + 10u] = casCounter;
    for (uint s = 0u; s < 16u; ++s) groups[g + 16u + s] = slots[s];
  }
}
