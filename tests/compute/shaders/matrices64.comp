#version 450
// Double-precision matrices (Float64): dmat3 times dvec3 and dmat3, transpose, determinant and
// inverse of a dmat2. 24 doubles per element.
layout(local_size_x = 64) in;
layout(set = 0, binding = 0, std430) readonly buffer Inputs { dvec4 data[]; };  // 6 dvec4 per element
layout(set = 0, binding = 1, std430) writeonly buffer Results { double results[]; };
layout(push_constant) uniform Params { uint count; };

void main() {
  uint i = gl_GlobalInvocationID.x;
  if (i >= count) return;
  uint d = i * 6u;
  dmat3 A = dmat3(data[d].xyz, dvec3(data[d].w, data[d + 1u].xy), dvec3(data[d + 1u].zw, data[d + 2u].x));
  dmat3 B = dmat3(data[d + 2u].yzw, data[d + 3u].xyz, dvec3(data[d + 3u].w, data[d + 4u].xy));
  dvec3 v = dvec3(data[d + 4u].zw, data[d + 5u].x);
  dmat2 D = dmat2(data[d + 5u].yz, dvec2(data[d + 5u].w, v.x));
  uint o = i * 24u;
  dvec3 av = A * v;
  dmat3 ab = A * B;
  dmat3 t = transpose(B);
  dmat2 inv = inverse(D);
  for (int c = 0; c < 3; ++c) {
    results[o + uint(c)] = av[c];
    for (int r = 0; r < 3; ++r) results[o + 3u + uint(c * 3 + r)] = ab[c][r];
  }
  results[o + 12u] = t[0][1];
  results[o + 13u] = t[2][0];
  results[o + 14u] = t[1][2];
  results[o + 15u] = determinant(A);
  results[o + 16u] = inv[0][0];
  results[o + 17u] = inv[0][1];
  results[o + 18u] = inv[1][0];
  results[o + 19u] = inv[1][1];
  dvec3 va = v * A;
  results[o + 20u] = va.x;
  results[o + 21u] = va.y;
  results[o + 22u] = va.z;
  results[o + 23u] = determinant(D);
}
