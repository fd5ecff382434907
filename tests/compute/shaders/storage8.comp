#version 450
// 8-bit storage (StorageBuffer8BitAccess): 8-bit integers read from and written to a storage buffer,
// widened to 32 bits for the arithmetic.
#extension GL_EXT_shader_8bit_storage : require
layout(local_size_x = 64) in;
layout(set = 0, binding = 0, std430) readonly buffer Inputs {
  int8_t s[64];
  uint8_t u[64];
} inputs;
layout(set = 0, binding = 1, std430) writeonly buffer Results {
  int8_t s[64];
  uint8_t u[64];
  int widened[64];
} results;

void main() {
  uint i = gl_LocalInvocationID.x;
  int s = int(inputs.s[i]);
  uint u = uint(inputs.u[i]);
  results.s[i] = int8_t(s * 5 + 3);
  results.u[i] = uint8_t(u ^ 0xA5u);
  results.widened[i] = s * int(u);
}
