#version 450
// Storage images of other dimensionalities: a 2D array (layer 0 read, layer 1 written), a 3D image
// written slice by slice, and a 1D image; imageSize of each.
layout(local_size_x = 4, local_size_y = 4) in;
layout(set = 0, binding = 0, rgba8ui) uniform uimage2DArray layered;
layout(set = 0, binding = 1, r32f) uniform writeonly image3D volume;
layout(set = 0, binding = 2, r32ui) uniform uimage1D line;
layout(set = 0, binding = 3, std430) writeonly buffer Sizes { ivec4 sizes[3]; };

void main() {
  ivec2 p = ivec2(gl_GlobalInvocationID.xy);
  uvec4 v = imageLoad(layered, ivec3(p, 0));
  imageStore(layered, ivec3(p, 1), v.yzwx + uvec4(1u));
  for (int z = 0; z < 4; ++z) imageStore(volume, ivec3(p, z), vec4(float(p.x + p.y * 4 + z * 16) * 0.25));
  if (p.y == 0) {
    uint l = imageLoad(line, p.x).x;
    imageStore(line, p.x, uvec4(l * 5u + uint(p.x), 0u, 0u, 0u));
  }
  if (p == ivec2(0)) {
    sizes[0] = ivec4(imageSize(layered), 0);
    sizes[1] = ivec4(imageSize(volume), 0);
    sizes[2] = ivec4(imageSize(line), 0, 0, 0);
  }
}
