#version 450
// 8-bit values in a uniform buffer (UniformAndStorageBuffer8BitAccess, std140) and in push constants
// (StoragePushConstant8), read at the offsets std140 and std430 give 8-bit scalars and vectors,
// widened to 32 bits (OpSConvert, OpUConvert) and also stored unwidened into a storage buffer.
// 12 results per invocation; i % 4 indexes a uniform array (std140 stride 16) dynamically (8-bit
// storage alone allows no dynamic index into an 8-bit vector).
#extension GL_EXT_shader_8bit_storage : require
layout(local_size_x = 16) in;
layout(set = 0, binding = 0, std140) uniform Params {
  int8_t s;         // 0
  uint8_t u;        // 1
  i8vec2 s2;        // 2: a 2-vector of bytes aligns to 2
  u8vec4 u4;        // 4: a 4-vector aligns to 4
  i8vec3 s3;        // 8: a 3-vector aligns like a 4-vector and takes 3 bytes
  uint8_t after3;   // 11: a scalar may follow a 3-vector at once
  int8_t table[4];  // 16: std140 rounds the array stride up to 16
} params;
layout(push_constant, std430) uniform Push {
  uint8_t u;   // 0
  int8_t s;    // 1
  u8vec2 u2;   // 2
  i8vec4 s4;   // 4
} push;
layout(set = 0, binding = 1, std430) writeonly buffer Results {
  int words[16 * 12];     // 0
  int8_t copied[16 * 2];  // 768
  u8vec4 uniformVectors[16];  // 800
  i8vec4 pushVectors[16];     // 864
} results;

void main() {
  uint i = gl_LocalInvocationID.x;
  uint o = i * 12u;
  results.words[o + 0u] = int(params.s) + int(i);
  results.words[o + 1u] = int(uint(params.u) + i);
  results.words[o + 2u] = int(params.s2.x);
  results.words[o + 3u] = int(params.s2.y);
  results.words[o + 4u] = int(uint(params.u4.x) | uint(params.u4.y) << 8 | uint(params.u4.z) << 16 | uint(params.u4.w) << 24);
  results.words[o + 5u] = int(params.s3.x);
  results.words[o + 6u] = int(params.s3.z);
  results.words[o + 7u] = int(uint(params.after3));
  results.words[o + 8u] = int(params.table[i % 4u]);
  results.words[o + 9u] = int(uint(push.u)) * int(i);
  results.words[o + 10u] = int(push.s) + int(uint(push.u2.x)) * 1000 + int(uint(push.u2.y));
  results.words[o + 11u] = (int(push.s4.x) + int(push.s4.y) * 3 + int(push.s4.z) * int(i)) ^ int(push.s4.w) + int(params.s3.y);
  results.copied[i * 2u] = params.table[i % 4u];
  results.copied[i * 2u + 1u] = push.s4.y;
  results.uniformVectors[i] = params.u4;
  results.pushVectors[i] = push.s4;
}
