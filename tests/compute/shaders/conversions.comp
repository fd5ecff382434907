#version 450
// Conversions: OpConvertFToS, OpConvertFToU, OpConvertSToF, OpConvertUToF, OpBitcast both ways
// (denormal bit patterns included: OpBitcast, OpLoad and OpStore must not flush them), bool
// conversions, and the GLSL.std.450 pack/unpack instructions. 8 words and 18 floats per element.
layout(local_size_x = 64) in;
struct Input {
  float f;       // within int range
  float g;       // within uint range, non-negative
  int n;
  uint u;
  uint bits;     // any finite bit pattern, denormals included
  uint packed;   // for the unpack instructions
  vec4 unit;     // in [0, 1] (unorm packing) or [-1, 1] (snorm), away from rounding ties
};
layout(set = 0, binding = 0, std430) readonly buffer Inputs { Input inputs[]; };
layout(set = 0, binding = 1, std430) writeonly buffer Words { uint words[]; };
layout(set = 0, binding = 2, std430) writeonly buffer Floats { float floats[]; };
layout(push_constant) uniform Params { uint count; };

void main() {
  uint i = gl_GlobalInvocationID.x;
  if (i >= count) return;
  Input v = inputs[i];
  uint w = i * 8u;
  words[w + 0u] = uint(int(v.f));
  words[w + 1u] = uint(v.g);
  words[w + 2u] = uint(floatBitsToInt(v.f));
  words[w + 3u] = (v.n != 0 ? 1u : 0u) | (bool(v.f) ? 2u : 0u) | (uint(bool(v.u)) << 2u) |
                  (uint(int(true)) << 3u) | (uint(float(v.n < 0)) << 4u);
  words[w + 4u] = packUnorm4x8(abs(v.unit));
  words[w + 5u] = packSnorm4x8(v.unit);
  words[w + 6u] = packUnorm2x16(abs(v.unit.xy)) ^ packSnorm2x16(v.unit.zw);
  words[w + 7u] = packHalf2x16(v.unit.xy * 100.0);
  uint f = i * 18u;
  floats[f + 0u] = float(v.n);
  floats[f + 1u] = float(v.u);
  floats[f + 2u] = uintBitsToFloat(v.bits);
  floats[f + 3u] = intBitsToFloat(int(v.bits ^ 0x80000000u));
  vec4 unorm = unpackUnorm4x8(v.packed);
  vec4 snorm = unpackSnorm4x8(v.packed);
  floats[f + 4u] = unorm.x;
  floats[f + 5u] = unorm.y;
  floats[f + 6u] = unorm.z;
  floats[f + 7u] = unorm.w;
  floats[f + 8u] = snorm.x;
  floats[f + 9u] = snorm.y;
  floats[f + 10u] = snorm.z;
  floats[f + 11u] = snorm.w;
  vec2 unorm16 = unpackUnorm2x16(v.packed);
  vec2 snorm16 = unpackSnorm2x16(v.packed);
  vec2 halves = unpackHalf2x16(v.packed & 0x3fff3fffu);  // exponents below 16: no infinity or NaN
  floats[f + 12u] = unorm16.x;
  floats[f + 13u] = unorm16.y;
  floats[f + 14u] = snorm16.x;
  floats[f + 15u] = snorm16.y;
  floats[f + 16u] = halves.x;
  floats[f + 17u] = halves.y;
}
