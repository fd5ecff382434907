#version 450
// Sampler state the other image tests leave out: MIRRORED_REPEAT, CLAMP_TO_BORDER with two border
// colors, a constant texel offset, trilinear filtering (LINEAR, mipmapMode LINEAR) at an explicit
// LOD and through gradients (OpImageSampleExplicitLod with Grad), unnormalized coordinates, and
// LINEAR with REPEAT across the edges. Every weight is a multiple of 1/8, exact in any precision.
layout(local_size_x = 8, local_size_y = 8) in;
layout(set = 0, binding = 0) uniform texture2D tex;            // r16f 4x4, 3 levels
layout(set = 0, binding = 1) uniform sampler mirrored;         // NEAREST, MIRRORED_REPEAT
layout(set = 0, binding = 2) uniform sampler whiteBorder;      // NEAREST, CLAMP_TO_BORDER, FLOAT_OPAQUE_WHITE
layout(set = 0, binding = 3) uniform sampler blackBorder;      // NEAREST, CLAMP_TO_BORDER, FLOAT_TRANSPARENT_BLACK
layout(set = 0, binding = 4) uniform sampler trilinear;        // LINEAR, mipmap LINEAR, CLAMP_TO_EDGE
layout(set = 0, binding = 5) uniform texture2D single;         // r16f 4x4, 1 level
layout(set = 0, binding = 6) uniform sampler unnormalized;     // NEAREST, CLAMP_TO_EDGE, unnormalizedCoordinates
layout(set = 0, binding = 7) uniform sampler repeatLinear;     // LINEAR, REPEAT, mipmap NEAREST
struct Result {
  vec4 mirrored;  // textureLod(mirrored) at st: texels -7..7 in each direction
  vec4 white;     // textureLod(whiteBorder) at st
  vec4 black;     // textureLod(blackBorder) at st
  vec4 offset;    // textureLodOffset(whiteBorder, st, 0, (1, -2))
  vec4 filtered;  // x: trilinear at LOD 0, 0.5 or 1; y: trilinear through gradients (LOD 1);
                  // z: unnormalized NEAREST; w: LINEAR + REPEAT across the edges
};
layout(set = 0, binding = 8, std430) writeonly buffer Results { Result results[]; };

void main() {
  ivec2 p = ivec2(gl_GlobalInvocationID.xy);
  uint i = uint(p.y * 8 + p.x);
  vec2 st = (vec2(p * 2) - 6.5) / 4.0;
  results[i].mirrored = textureLod(sampler2D(tex, mirrored), st, 0.0);
  results[i].white = textureLod(sampler2D(tex, whiteBorder), st, 0.0);
  results[i].black = textureLod(sampler2D(tex, blackBorder), st, 0.0);
  results[i].offset = textureLodOffset(sampler2D(tex, whiteBorder), st, 0.0, ivec2(1, -2));
  vec2 mid = (vec2(p) + 0.5) / 8.0;
  float lod = float(p.y % 3) * 0.5;
  results[i].filtered = vec4(textureLod(sampler2D(tex, trilinear), mid, lod).r,
                             textureGrad(sampler2D(tex, trilinear), mid, vec2(0.5, 0.0), vec2(0.0, 0.25)).r,
                             textureLod(sampler2D(single, unnormalized), vec2(p) * 0.75 - 1.0, 0.0).r,
                             textureLod(sampler2D(tex, repeatLinear), st + vec2(0.5, 0.25) / 4.0, 0.0).r);
}
