#version 450
// Sampled images: a combined image sampler (OpImageFetch on two mip levels, OpImageSampleExplicitLod
// with NEAREST at texel centres and CLAMP_TO_EDGE outside, OpImageQuerySizeLod, OpImageQueryLevels),
// a separate texture with separate NEAREST, LINEAR and REPEAT samplers (OpSampledImage), a gather
// (OpImageGather), and an integer texture.
layout(local_size_x = 8, local_size_y = 8) in;
layout(set = 0, binding = 0) uniform sampler2D combined;      // rgba8 unorm 8x8, 2 mips, NEAREST, CLAMP_TO_EDGE
layout(set = 0, binding = 1) uniform texture2D separate;      // r32f 4x4
layout(set = 0, binding = 2) uniform sampler nearest;         // NEAREST, CLAMP_TO_EDGE
layout(set = 0, binding = 3) uniform sampler linear;          // LINEAR, CLAMP_TO_EDGE
layout(set = 0, binding = 4) uniform sampler repeating;       // NEAREST, REPEAT
layout(set = 0, binding = 5) uniform isampler2D integers;     // r32i 8x8, NEAREST
struct Result {
  vec4 fetched;     // texelFetch(combined, p, 0)
  vec4 fetchedMip;  // texelFetch(combined, p / 2, 1)
  vec4 sampled;     // textureLod(combined, centre of p, 0)
  vec4 clamped;     // textureLod(combined, outside the image, 0)
  vec4 gathered;    // textureGather(separate, between four texels)
  vec4 filtered;    // x: LINEAR halfway between texels; y: NEAREST; z: REPEAT wrapped; w: integer texel
  ivec4 sizes;      // textureSize(combined, 0), textureSize(combined, 1)
  ivec4 levels;     // textureQueryLevels(combined), textureSize(separate, 0)
};
layout(set = 0, binding = 6, std430) writeonly buffer Results { Result results[]; };

void main() {
  ivec2 p = ivec2(gl_GlobalInvocationID.xy);
  uint i = uint(p.y * 8 + p.x);
  vec2 centre = (vec2(p) + 0.5) / 8.0;
  results[i].fetched = texelFetch(combined, p, 0);
  results[i].fetchedMip = texelFetch(combined, p / 2, 1);
  results[i].sampled = textureLod(combined, centre, 0.0);
  results[i].clamped = textureLod(combined, vec2(-0.75, 1.5) + centre * 0.01, 0.0);
  ivec2 q = p & 3;
  vec2 corner = vec2(q + 1) / 4.0;  // the shared corner of texels q and q + 1
  results[i].gathered = textureGather(sampler2D(separate, nearest), corner, 0);
  vec2 halfway = vec2(float(q.x) + 1.0, float(q.y) + 0.5) / 4.0;  // between q and q + (1, 0)
  results[i].filtered = vec4(textureLod(sampler2D(separate, linear), halfway, 0.0).r,
                             textureLod(sampler2D(separate, nearest), (vec2(q) + 0.5) / 4.0, 0.0).r,
                             textureLod(sampler2D(separate, repeating), (vec2(q) + 0.5) / 4.0 + vec2(2.0, -1.0), 0.0).r,
                             float(texelFetch(integers, p, 0).r));
  results[i].sizes = ivec4(textureSize(combined, 0), textureSize(combined, 1));
  results[i].levels = ivec4(textureQueryLevels(combined), textureSize(sampler2D(separate, nearest), 0), 0);
}
