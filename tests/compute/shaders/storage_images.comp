#version 450
// Storage images: imageLoad/imageStore (OpImageRead/OpImageWrite) on rgba32f, a float store into an
// rgba8 (unorm) image that the format converts, imageSize (OpImageQuerySize), and r32i.
layout(local_size_x = 8, local_size_y = 8) in;
layout(set = 0, binding = 0, rgba32f) uniform readonly image2D source;
layout(set = 0, binding = 1, rgba32f) uniform writeonly image2D target;
layout(set = 0, binding = 2, rgba8) uniform writeonly image2D unorm;
layout(set = 0, binding = 3, r32i) uniform iimage2D signedInts;
layout(set = 0, binding = 4, std430) writeonly buffer Sizes { ivec2 sizes[4]; };

void main() {
  ivec2 p = ivec2(gl_GlobalInvocationID.xy);
  ivec2 size = imageSize(source);
  vec4 texel = imageLoad(source, p);
  imageStore(target, ivec2(size.x - 1 - p.x, p.y), texel.wzyx * 2.0 + vec4(1.0));
  imageStore(unorm, p, vec4(float(p.x) / 15.0, float(p.y) / 15.0, 0.0, 1.0));
  ivec4 n = imageLoad(signedInts, p);
  imageStore(signedInts, p, ivec4(-n.x * 3 + p.x, 0, 0, 0));
  if (p == ivec2(0)) {
    sizes[0] = size;
    sizes[1] = imageSize(target);
    sizes[2] = imageSize(unorm);
    sizes[3] = imageSize(signedInts);
  }
}
