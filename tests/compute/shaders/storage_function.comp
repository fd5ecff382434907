#version 450
// Function storage: local arrays, structs and matrices behind OpVariable in Function storage,
// written and read through access chains with dynamic indices, and passed by pointer to functions
// (inout/out parameters). Compiled with -O and with -O0 (where every local stays a variable).
layout(local_size_x = 64) in;
struct Cell {
  int weight;
  int history[4];
};
layout(set = 0, binding = 0, std430) readonly buffer Inputs { ivec4 seeds[]; };
layout(set = 0, binding = 1, std430) writeonly buffer Results { ivec4 results[]; };

void Bump(inout Cell cell, int slot, int amount) {
  cell.history[slot & 3] += amount;
  cell.weight += amount * (slot + 1);
}

void Split(int value, out int high, out int low) {
  high = value >> 4;
  low = value & 15;
}

void main() {
  uint i = gl_GlobalInvocationID.x;
  ivec4 seed = seeds[i];
  Cell cells[5];
  for (int c = 0; c < 5; ++c) {
    cells[c].weight = c;
    for (int h = 0; h < 4; ++h) cells[c].history[h] = seed[h] + c;
  }
  for (int step = 0; step < 12; ++step) {
    int target = (seed.x + step * seed.y) & 0xffff;
    Bump(cells[target % 5], step + seed.z, target % 7 - 3);
  }
  int high, low;
  Split(seed.w, high, low);
  mat3 m = mat3(1.0);
  m[uint(low) % 3u][uint(high) % 3u] += float(seed.x & 255);
  int weights = 0, histories = 0;
  for (int c = 0; c < 5; ++c) {
    weights = weights * 3 + cells[c].weight;
    histories ^= cells[c].history[c & 3] << c;
  }
  results[i] = ivec4(weights, histories, high * 100 + low, int(m[0][0] + m[1][1] * 2.0 + m[2][2] * 3.0 + m[2][0] + m[0][2]));
}
