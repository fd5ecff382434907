#version 450
// Texel buffers: UNIFORM_TEXEL_BUFFER reads (texelFetch on samplerBuffer/usamplerBuffer: OpImageFetch
// on a Buffer image) in r32f, rgba8ui and rgba8 (unorm, converted), STORAGE_TEXEL_BUFFER
// imageLoad/imageStore on r32ui and rgba32f, and the sizes of each (OpImageQuerySize).
layout(local_size_x = 16) in;
layout(set = 0, binding = 0) uniform samplerBuffer floats;      // r32f, viewed from a nonzero offset
layout(set = 0, binding = 1) uniform usamplerBuffer bytes;      // rgba8ui
layout(set = 0, binding = 2) uniform samplerBuffer unorms;      // rgba8 unorm
layout(set = 0, binding = 3, r32ui) uniform uimageBuffer counters;
layout(set = 0, binding = 4, rgba32f) uniform writeonly imageBuffer outputs;
layout(set = 0, binding = 5, std430) writeonly buffer Sizes { int sizes[5]; };

void main() {
  int i = int(gl_GlobalInvocationID.x);
  float f = texelFetch(floats, i).r;
  uvec4 b = texelFetch(bytes, i);
  imageStore(outputs, i, vec4(f, float(b.x + b.y), float(b.z * b.w), f * 0.5));
  imageStore(outputs, i + 16, texelFetch(unorms, i));
  uint c = imageLoad(counters, i).x;
  imageStore(counters, i, uvec4(c * 3u + uint(i)));
  if (i == 0) {
    sizes[0] = textureSize(floats);
    sizes[1] = textureSize(bytes);
    sizes[2] = textureSize(unorms);
    sizes[3] = imageSize(counters);
    sizes[4] = imageSize(outputs);
  }
}
