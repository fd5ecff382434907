#version 450
// Subgroup operations (GL_KHR_shader_subgroup_*: basic, vote, ballot, arithmetic, shuffle, shuffle
// relative). Every invocation records its subgroup (size, id, invocation id) and the results, so
// that the host can recompute each result from the inputs of the invocations of that subgroup
// whatever the driver's subgroup size is. The ops inside `if` run with only the odd inputs'
// invocations active; the shuffles run with every invocation active (a shuffle reading an inactive
// invocation is undefined).
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_vote : require
#extension GL_KHR_shader_subgroup_ballot : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_shuffle : require
#extension GL_KHR_shader_subgroup_shuffle_relative : require
layout(local_size_x = 128) in;
layout(set = 0, binding = 0, std430) readonly buffer Inputs { uint x[]; } inputs;
layout(set = 0, binding = 1, std430) buffer Results { uint r[]; } results;

const uint kWords = 40u;

void main() {
  uint i = gl_GlobalInvocationID.x;
  uint x = inputs.x[i];
  uint at = i * kWords;
  results.r[at + 0u] = gl_SubgroupSize;
  results.r[at + 1u] = gl_SubgroupInvocationID;
  results.r[at + 2u] = gl_SubgroupID;
  results.r[at + 3u] = gl_NumSubgroups;
  // Every invocation active.
  uint id = gl_SubgroupInvocationID;
  results.r[at + 4u] = subgroupShuffle(x, (id * 3u + 1u) % gl_SubgroupSize);
  results.r[at + 5u] = subgroupShuffleXor(x, 1u);
  results.r[at + 6u] = subgroupShuffleUp(x, id >= 2u ? 2u : 0u);
  results.r[at + 7u] = subgroupShuffleDown(x, id + 3u < gl_SubgroupSize ? 3u : 0u);
  results.r[at + 8u] = subgroupBroadcast(x, 1u);
  results.r[at + 9u] = subgroupAdd(x);
  subgroupBarrier();  // basic: a subgroup is one batch, whose lanes run together
  subgroupMemoryBarrierBuffer();
  if ((x & 1u) != 0u) {
    results.r[at + 10u] = subgroupElect() ? 1u : 0u;
    results.r[at + 11u] = subgroupAll(x > 100u) ? 1u : 0u;
    results.r[at + 12u] = subgroupAny(x > 900u) ? 1u : 0u;
    results.r[at + 13u] = subgroupAllEqual(x >> 9) ? 1u : 0u;
    uvec4 b = subgroupBallot(x > 500u);
    results.r[at + 14u] = b.x;
    results.r[at + 15u] = b.y | b.z | b.w;
    results.r[at + 16u] = subgroupBallotBitCount(b);
    results.r[at + 17u] = subgroupBallotInclusiveBitCount(b);
    results.r[at + 18u] = subgroupBallotExclusiveBitCount(b);
    results.r[at + 19u] = b.x != 0u ? subgroupBallotFindLSB(b) : 777u;
    results.r[at + 20u] = b.x != 0u ? subgroupBallotFindMSB(b) : 777u;
    results.r[at + 21u] = subgroupInverseBallot(b) ? 1u : 0u;
    results.r[at + 22u] = subgroupBallotBitExtract(b, id ^ 1u) ? 1u : 0u;
    results.r[at + 23u] = subgroupBroadcastFirst(x);
    results.r[at + 24u] = subgroupAdd(x);
    results.r[at + 25u] = subgroupInclusiveAdd(x);
    results.r[at + 26u] = subgroupExclusiveAdd(x);
    results.r[at + 27u] = subgroupMul(x | 1u);
    results.r[at + 28u] = subgroupMin(x);
    results.r[at + 29u] = subgroupMax(x);
    results.r[at + 30u] = uint(subgroupMin(int(x) - 500));
    results.r[at + 31u] = uint(subgroupInclusiveMax(int(x) - 500));
    results.r[at + 32u] = subgroupAnd(x);
    results.r[at + 33u] = subgroupOr(x);
    results.r[at + 34u] = subgroupXor(x);
    results.r[at + 35u] = subgroupOr(x > 700u) ? 1u : 0u;
    results.r[at + 36u] = floatBitsToUint(subgroupAdd(float(x)));
    results.r[at + 37u] = floatBitsToUint(subgroupExclusiveMin(float(x) * 0.5));
    uvec2 wide = subgroupInclusiveAdd(uvec2(x, x * 3u));
    results.r[at + 38u] = wide.x ^ wide.y;
    results.r[at + 39u] = floatBitsToUint(float(subgroupInclusiveAdd(double(x) * 0.25lf)));
  }
}
