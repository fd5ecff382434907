#version 450
// Uniform storage: a std140 uniform block with the layout's traps (vec3 followed by a float in the
// same 16 bytes, scalar arrays at 16-byte stride, mat3 columns at 16-byte stride, an array of
// structs, a row-major matrix) read through constant and dynamic access chains, plus an array of
// vec4 indexed per invocation. The block's byte layout is spelled out in storage_class_test.cpp.
layout(local_size_x = 16) in;
struct Pair {
  int a;
  vec2 b;
};
layout(set = 0, binding = 0, std140) uniform Params {
  float f;          // 0
  vec3 v3;          // 16
  float afterV3;    // 28
  vec2 v2;          // 32
  float arr[3];     // 48, 64, 80
  mat3 m;           // 96, 112, 128
  Pair pairs[2];    // 144, 160
  ivec4 iv;         // 176
  layout(row_major) mat2 rm;  // 192 (rows at 192 and 208)
  vec4 table[16];   // 224
} params;
layout(set = 0, binding = 1, std430) writeonly buffer Results { float results[]; };

void main() {
  uint i = gl_LocalInvocationID.x;
  if (i == 0u) {
    results[0] = params.f;
    results[1] = params.v3.x;
    results[2] = params.v3.y;
    results[3] = params.v3.z;
    results[4] = params.afterV3;
    results[5] = params.v2.x;
    results[6] = params.v2.y;
    for (int k = 0; k < 3; ++k) results[7 + k] = params.arr[k];
    for (int c = 0; c < 3; ++c)
      for (int r = 0; r < 3; ++r) results[10 + c * 3 + r] = params.m[c][r];
    for (int p = 0; p < 2; ++p) {
      results[19 + p * 3] = float(params.pairs[p].a);
      results[20 + p * 3] = params.pairs[p].b.x;
      results[21 + p * 3] = params.pairs[p].b.y;
    }
    for (int k = 0; k < 4; ++k) results[25 + k] = float(params.iv[k]);
    results[29] = params.rm[0][0];  // column 0, row 0
    results[30] = params.rm[0][1];  // column 0, row 1
    results[31] = params.rm[1][0];
    results[32] = params.rm[1][1];
    vec2 product = params.rm * vec2(1.0, 10.0);
    results[33] = product.x;
    results[34] = product.y;
  }
  uint k = uint(params.iv.x) + i;  // iv.x chosen so that k stays below 16
  vec4 row = params.table[k & 15u];
  results[40u + i] = row.x + row.y + row.z + row.w + params.arr[i % 3u] + params.pairs[i & 1u].b.y;
}
