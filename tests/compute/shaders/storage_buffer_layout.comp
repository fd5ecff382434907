#version 450
// StorageBuffer storage: a std430 block with a header, a runtime array of structs (vec3 then float,
// vec2, an int array at 4-byte stride, a row-major mat2x3), an explicit member offset, read and
// written in place through multi-level access chains with dynamic indices. Layout spelled out in
// storage_class_test.cpp.
layout(local_size_x = 32) in;
struct Particle {
  vec3 position;   // 0
  float mass;      // 12
  vec2 velocity;   // 16
  int ids[3];      // 24, 28, 32
  mat2x3 basis;    // 40: row-major (the block's qualifier): 3 rows of vec2 at stride 8
};                 // stride 64
layout(set = 0, binding = 0, std430, row_major) buffer Particles {
  uint count;                      // 0
  layout(offset = 8) float scale;  // 8
  Particle particles[];            // 16
} world;

void main() {
  uint i = gl_GlobalInvocationID.x;
  if (i >= world.count) return;
  int j = world.particles[i].ids[0] & 1;
  world.particles[i].position += vec3(world.particles[i].velocity, world.scale) * world.particles[i].mass;
  world.particles[i].ids[2] = world.particles[i].ids[j + 1] * 2 + int(i);
  world.particles[i].velocity.y = -world.particles[i].velocity.y;
  vec3 column = world.particles[i].basis[j];
  world.particles[i].basis[1 - j] = column * 2.0;
  world.particles[i].basis[0][2] += 1.0;
  world.particles[i].mass = float(world.particles.length());
}
