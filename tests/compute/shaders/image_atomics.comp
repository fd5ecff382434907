#version 450
// Image atomics (OpImageTexelPointer then OpAtomic*): imageAtomicAdd, Min, Max, Or, Exchange and
// CompSwap on r32ui and r32i storage images; four invocations share each texel.
layout(local_size_x = 8, local_size_y = 8) in;
layout(set = 0, binding = 0, r32ui) uniform coherent uimage2D counters;
layout(set = 0, binding = 1, r32i) uniform coherent iimage2D extremes;
layout(set = 0, binding = 2, std430) writeonly buffer Returned { uint returned[]; };

void main() {
  ivec2 p = ivec2(gl_GlobalInvocationID.xy);
  ivec2 texel = p / 2;
  int value = (p.x * 7 - p.y * 13) ^ (p.x << 4);
  uint old = imageAtomicAdd(counters, texel, uint(p.x + 1));
  imageAtomicMin(extremes, ivec2(texel.x, texel.y * 2), value);
  imageAtomicMax(extremes, ivec2(texel.x, texel.y * 2 + 1), value);
  imageAtomicOr(counters, ivec2(texel.x + 8, texel.y), 1u << uint(p.x & 1 | (p.y & 1) << 1));
  imageAtomicExchange(counters, ivec2(texel.x, texel.y + 8), uint(p.y * 100 + p.x));
  uint won = imageAtomicCompSwap(counters, ivec2(texel.x + 8, texel.y + 8), 0u, uint(p.y * 16 + p.x + 1)) == 0u ? 1u : 0u;
  returned[p.y * 16 + p.x] = old | (won << 31u);
}
