#version 450
// 16-bit storage (StorageBuffer16BitAccess): 16-bit integers and halves read from and written to a
// storage buffer, widened to 32 bits for the arithmetic (OpSConvert, OpUConvert, OpFConvert).
#extension GL_EXT_shader_16bit_storage : require
layout(local_size_x = 64) in;
layout(set = 0, binding = 0, std430) readonly buffer Inputs {
  int16_t s[64];
  uint16_t u[64];
  float16_t h[64];
} inputs;
layout(set = 0, binding = 1, std430) writeonly buffer Results {
  int16_t s[64];
  uint16_t u[64];
  float16_t h[64];
  int widened[64];
} results;

void main() {
  uint i = gl_LocalInvocationID.x;
  int s = int(inputs.s[i]);
  uint u = uint(inputs.u[i]);
  float h = float(inputs.h[i]);
  results.s[i] = int16_t(s * 3 - 1);
  results.u[i] = uint16_t(u + 1000u);
  results.h[i] = float16_t(h * 2.0);  // exact: doubling a half that does not overflow
  results.widened[i] = s + int(u);
}
