#version 450
// Private storage: module-scope variables (with and without initializers) that each invocation owns,
// changed by functions and read back; an invocation must never see another's values.
layout(local_size_x = 64) in;
layout(set = 0, binding = 0, std430) readonly buffer Inputs { uint seeds[]; };
layout(set = 0, binding = 1, std430) writeonly buffer Results { uvec4 results[]; };

uint calls = 7u;
uint history[6];
vec2 accumulator = vec2(0.5, -0.5);

void Record(uint value) {
  history[calls % 6u] = value;
  calls += 1u;
  accumulator += vec2(float(value & 15u), 1.0);
}

void main() {
  uint i = gl_GlobalInvocationID.x;
  uint seed = seeds[i];
  for (uint k = 0u; k < 6u; ++k) history[k] = k;
  for (uint k = 0u; k < (seed & 7u) + 3u; ++k) Record(seed * (k + 1u) + i);
  uint folded = 0u;
  for (uint k = 0u; k < 6u; ++k) folded = folded * 31u + history[k];
  results[i] = uvec4(calls, folded, uint(accumulator.x * 2.0), uint(accumulator.y * 2.0));
}
