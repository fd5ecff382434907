#version 450
// Vector instructions: component-wise arithmetic, OpVectorTimesScalar, OpVectorShuffle (swizzles
// read and written), OpVectorExtractDynamic and OpVectorInsertDynamic, OpDot, the vector
// GLSL.std.450 instructions (Length, Distance, Normalize, Cross, Reflect, Refract, FaceForward,
// FMix with a scalar) and vector comparisons; integer vectors too. OpVectorExtractDynamic,
// OpVectorInsertDynamic and OpCompositeInsert, which glslang does not emit for GLSL's v[k] (it goes
// through an access chain), are spelled with GL_EXT_spirv_intrinsics. 48 floats and 4 words per
// element.
#extension GL_EXT_spirv_intrinsics : require
layout(local_size_x = 64) in;
spirv_instruction(id = 77) float spvVectorExtractDynamic(vec4 v, int index);
spirv_instruction(id = 78) vec4 spvVectorInsertDynamic(vec4 v, float component, int index);
spirv_instruction(id = 82) vec4 spvCompositeInsert(float object, vec4 composite, spirv_literal int index);
struct Input {
  vec4 a;
  vec4 b;
  vec4 c;   // c.x: refraction eta; c.yzw: another direction
  ivec4 n;  // n.x: component index 0..3
};
layout(set = 0, binding = 0, std430) readonly buffer Inputs { Input inputs[]; };
layout(set = 0, binding = 1, std430) writeonly buffer Floats { float floats[]; };
layout(set = 0, binding = 2, std430) writeonly buffer Words { uvec4 words[]; };
layout(push_constant) uniform Params { uint count; };

void Put(uint at, vec4 v) {
  floats[at] = v.x;
  floats[at + 1u] = v.y;
  floats[at + 2u] = v.z;
  floats[at + 3u] = v.w;
}

uint Mask(bvec4 b) { return (b.x ? 1u : 0u) | (b.y ? 2u : 0u) | (b.z ? 4u : 0u) | (b.w ? 8u : 0u); }

void main() {
  uint i = gl_GlobalInvocationID.x;
  if (i >= count) return;
  Input v = inputs[i];
  vec4 a = v.a, b = v.b;
  int k = v.n.x;
  uint o = i * 48u;
  Put(o + 0u, a + b * 2.5);
  Put(o + 4u, a.wzyx * b.xxyy);
  vec4 w = a;
  w.zx = b.xy;
  w[k] = v.c.x;
  Put(o + 8u, w);
  floats[o + 12u] = a[k] + b[3 - k];
  floats[o + 13u] = dot(a, b);
  floats[o + 14u] = length(a);
  floats[o + 15u] = distance(a, b);
  Put(o + 16u, normalize(a));
  Put(o + 20u, vec4(cross(a.xyz, b.xyz), 0.0));
  Put(o + 24u, reflect(a, b));
  Put(o + 28u, refract(normalize(a.xyz), normalize(b.xyz), v.c.x).xyzz);
  Put(o + 32u, faceforward(a.xyz, b.xyz, v.c.yzw).xyzz);
  Put(o + 36u, mix(a, b, v.c.x * 0.5));
  Put(o + 40u, spvVectorInsertDynamic(b, v.c.x, k));
  Put(o + 44u, spvCompositeInsert(spvVectorExtractDynamic(a, 3 - k), b, 2));
  ivec4 ia = ivec4(a * 100.0);
  ivec4 ib = ivec4(b * 100.0);
  uvec4 u = uvec4(ia) >> uvec4(1u, 2u, 3u, 4u);
  ivec4 im = ia * ib - (ia << 1) + ivec4(k);
  words[i] = uvec4(Mask(lessThan(a, b)) | (Mask(lessThanEqual(a, b)) << 4u) | (Mask(greaterThan(a, b)) << 8u) |
                       (Mask(greaterThanEqual(a, b)) << 12u) | (Mask(equal(a, a.yxwz)) << 16u) |
                       (Mask(notEqual(ia, ib)) << 20u),
                   u.x + u.y + u.z + u.w, uint(im.x ^ im.y ^ im.z ^ im.w), uint(abs(dot(vec2(ia.xy), vec2(1.0)))));
}
