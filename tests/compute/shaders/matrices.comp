#version 450
// Matrix instructions: OpMatrixTimesVector, OpVectorTimesMatrix, OpMatrixTimesMatrix (square and
// not), OpMatrixTimesScalar, OpTranspose, OpOuterProduct, matrixCompMult, matrix add and negate,
// dynamic column and element access, and GLSL.std.450 Determinant and MatrixInverse.
// Inputs per element: mat4 A, mat4 B (column-major, 16 floats each), vec4 v, mat3 C (9 floats in
// three vec4s), mat2 D, index k. Results: 128 floats per element (layout in vector_matrix_test.cpp).
layout(local_size_x = 64) in;
layout(set = 0, binding = 0, std430) readonly buffer Inputs { vec4 data[]; };  // 12 vec4 per element
layout(set = 0, binding = 1, std430) writeonly buffer Results { float results[]; };
layout(push_constant) uniform Params { uint count; };

uint at;
void Put(float f) { results[at++] = f; }
void Put(vec4 v) { Put(v.x); Put(v.y); Put(v.z); Put(v.w); }
void Put(mat4 m) { for (int c = 0; c < 4; ++c) Put(m[c]); }

void main() {
  uint i = gl_GlobalInvocationID.x;
  if (i >= count) return;
  uint d = i * 12u;
  mat4 A = mat4(data[d + 0u], data[d + 1u], data[d + 2u], data[d + 3u]);
  mat4 B = mat4(data[d + 4u], data[d + 5u], data[d + 6u], data[d + 7u]);
  vec4 v = data[d + 8u];
  mat3 C = mat3(data[d + 9u].xyz, vec3(data[d + 9u].w, data[d + 10u].xy), vec3(data[d + 10u].zw, data[d + 11u].x));
  mat2 D = mat2(data[d + 11u].yz, vec2(data[d + 11u].w, v.x));
  int k = int(abs(v.w)) & 3;
  at = i * 128u;
  Put(A * v);                                  // 0
  Put(v * A);                                  // 4
  Put(A * B);                                  // 8
  Put(A * 0.75);                               // 24
  Put(transpose(A));                           // 40
  Put(matrixCompMult(A, B));                   // 56
  Put(outerProduct(v, B[1]));                  // 72
  Put(A + B);                                  // 88
  Put(-B[k]);                                  // 104
  Put(A[k][3 - k]);                            // 108
  Put(determinant(C));                         // 109
  mat2 inv = inverse(D);
  Put(vec4(inv[0], inv[1]));                   // 110
  mat2x3 N = mat2x3(A[0].xyz, A[1].xyz);       // 2 columns, 3 rows
  mat3x2 M = mat3x2(B[0].xy, B[1].xy, B[2].xy);
  mat3 NM = N * M;                             // 3x3
  Put(vec4(NM[0], NM[1].x));                   // 114
  Put(vec4(NM[1].yz, NM[2].xy));               // 118
  Put(NM[2].z);                                // 122
  vec3 mv = N * v.xy;                          // OpMatrixTimesVector, non-square
  Put(vec4(mv, (M * v.xyz).x));                // 123
  Put(determinant(mat2(A[2].xy, A[3].xy)));    // 127
}
