#version 450
// Loops with many iterations (a for loop with a push-constant trip count, and a while(true) loop
// left by a break): the spec puts no bound on iteration counts. lavapipe 22.3 leaves loops once an
// invocation has run 65535 iterations across all its loops (gallivm's loop limiter), a deviation
// control_flow_test.cpp documents.
layout(local_size_x = 8) in;
layout(set = 0, binding = 0, std430) writeonly buffer Results { uvec4 results[]; };
layout(push_constant) uniform Params { uint iterations; };

void main() {
  uint i = gl_GlobalInvocationID.x;
  uint x = i * 0x9E3779B9u + 1u;
  uint n = 0u;
  for (uint k = 0u; k < iterations; ++k) {
    x ^= x << 13u;
    x ^= x >> 17u;
    x ^= x << 5u;
    n += 1u;
  }
  uint y = x;
  uint m = 0u;
  while (true) {
    y = y * 1664525u + 1013904223u;
    m += 1u;
    if (m >= iterations) break;
  }
  results[i] = uvec4(x, n, y, m);
}
