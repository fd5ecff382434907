#version 450
// 16-bit values in a uniform buffer (UniformAndStorageBuffer16BitAccess, std140) and in push
// constants (StoragePushConstant16), read at the offsets std140 and std430 give 16-bit scalars and
// vectors, widened to 32 bits (OpSConvert, OpUConvert, OpFConvert) and also stored unwidened into a
// storage buffer. 16 results per invocation; i % 4 indexes a uniform array (std140 stride 16)
// dynamically (16-bit storage alone allows no dynamic index into a 16-bit vector).
#extension GL_EXT_shader_16bit_storage : require
layout(local_size_x = 16) in;
layout(set = 0, binding = 0, std140) uniform Params {
  int16_t s;         // 0
  uint16_t u;        // 2
  float16_t h;       // 4
  f16vec2 h2;        // 8: a 2-vector of halves aligns to 4
  u16vec4 u4;        // 16: a 4-vector aligns to 8
  i16vec3 s3;        // 24: a 3-vector aligns like a 4-vector and takes 6 bytes
  int16_t after3;    // 30: a scalar may follow a 3-vector at once
  int16_t table[4];  // 32: std140 rounds the array stride up to 16
} params;
layout(push_constant, std430) uniform Push {
  uint16_t u;  // 0
  int16_t s;   // 2
  f16vec2 h2;  // 4
  i16vec4 s4;  // 8
} push;
layout(set = 0, binding = 1, std430) writeonly buffer Results {
  int words[16 * 16];      // 0
  int16_t copied[16 * 2];  // 1024
  f16vec2 uniformHalves[16];  // 1088
  f16vec2 pushHalves[16];     // 1152
} results;

void main() {
  uint i = gl_LocalInvocationID.x;
  uint o = i * 16u;
  results.words[o + 0u] = int(params.s) + int(i);
  results.words[o + 1u] = int(uint(params.u) + i);
  results.words[o + 2u] = floatBitsToInt(float(params.h) * float(i + 1u));  // exact: 11 bits times 5
  results.words[o + 3u] = floatBitsToInt(float(params.h2.x));
  results.words[o + 4u] = floatBitsToInt(float(params.h2.y));
  results.words[o + 5u] = int(uint(params.u4.x) | uint(params.u4.y) << 16);
  results.words[o + 6u] = int(params.s3.x);
  results.words[o + 7u] = int(params.s3.z);
  results.words[o + 8u] = int(params.after3);
  results.words[o + 9u] = int(params.table[i % 4u]);
  results.words[o + 10u] = int(uint(push.u));
  results.words[o + 11u] = int(push.s) * int(i);
  results.words[o + 12u] = floatBitsToInt(float(push.h2.x));
  results.words[o + 13u] = floatBitsToInt(float(push.h2.y));
  results.words[o + 14u] = int(push.s4.x) * 3 + int(push.s4.y) + int(push.s4.z) * int(i);
  results.words[o + 15u] = int(params.s3.y) + int(push.s4.w) + int(uint(params.u4.z) ^ uint(params.u4.w));
  results.copied[i * 2u] = params.table[i % 4u];
  results.copied[i * 2u + 1u] = push.s4.y;
  results.uniformHalves[i] = params.h2;
  results.pushHalves[i] = push.h2;
}
