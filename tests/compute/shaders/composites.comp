#version 450
// Composites: structs and arrays built (OpCompositeConstruct), read (OpCompositeExtract), updated
// in place (OpCompositeInsert, access chains), copied whole, compared whole (== on arrays and
// structs), passed to and returned from functions (OpReturnValue of a struct), nested arrays of
// structs indexed dynamically, and OpArrayLength of a runtime array. 16 result words per element.
layout(local_size_x = 64) in;
struct Inner {
  int values[3];
  vec2 pair;
};
struct Outer {
  Inner inner[2];
  int tag;
};
layout(set = 0, binding = 0, std430) readonly buffer Inputs { ivec4 seeds[]; };
layout(set = 0, binding = 1, std430) writeonly buffer Results { int results[]; };

Inner MakeInner(int base) { return Inner(int[3](base, base * 2, base * 3), vec2(float(base), -float(base))); }

Outer MakeOuter(ivec4 seed) {
  Outer o;
  o.inner[0] = MakeInner(seed.x);
  o.inner[1] = MakeInner(seed.y);
  o.tag = seed.z;
  return o;
}

int Sum(Inner v) { return v.values[0] + v.values[1] + v.values[2] + int(v.pair.x) - int(v.pair.y); }

void main() {
  uint i = gl_GlobalInvocationID.x;
  ivec4 seed = seeds[i];
  int k = seed.w & 1;   // dynamic index into the two Inner
  int j = (seed.w >> 1) % 3;  // dynamic index into values (seed.w >= 0)
  Outer o = MakeOuter(seed);
  Outer copy = o;       // whole-struct copy
  copy.inner[k].values[j] = 1000;
  copy.tag += 1;
  int local[8];
  for (int n = 0; n < 8; ++n) local[n] = seed.x * n - seed.y;
  int other[8] = local;
  other[j + k] += 5;
  ivec3 packed = ivec3(o.inner[1].values[2], o.inner[k].values[j], copy.inner[k].values[j]);
  uint r = i * 16u;
  results[r + 0u] = Sum(o.inner[0]);
  results[r + 1u] = Sum(copy.inner[k]);
  results[r + 2u] = o.tag * 100 + copy.tag;
  results[r + 3u] = (o == copy ? 1 : 0) | (o.inner[1 - k] == copy.inner[1 - k] ? 2 : 0) |
                    (local == other ? 4 : 0) | (o.inner[k].values == MakeInner(k == 0 ? seed.x : seed.y).values ? 8 : 0);
  results[r + 4u] = local[seed.w & 7] - other[j + k];
  results[r + 5u] = packed.x + packed.y * 3 + packed.z;
  results[r + 6u] = int(seeds.length());
  vec4 swizzled = vec4(o.inner[0].pair, o.inner[1].pair).wzyx;
  results[r + 7u] = int(swizzled.x * 10.0 + swizzled.w);
  Inner replaced = o.inner[0];
  replaced.pair.y = 42.0;
  replaced.values[1] = -1;
  results[r + 8u] = Sum(replaced);
  int nested[2][3] = int[2][3](int[3](seed.x, seed.y, seed.z), int[3](seed.z, seed.y, seed.x));
  results[r + 9u] = nested[k][j] * 7 + nested[1 - k][2 - j];
  mat2 m = mat2(float(seed.x), float(seed.y), float(seed.z), float(j));
  m[k] = m[1 - k] * 2.0;
  results[r + 10u] = int(m[0][0] + m[0][1] * 3.0 + m[1][0] * 5.0 + m[1][1] * 7.0);
  results[r + 11u] = int[4](seed.x, seed.y, seed.z, seed.w)[seed.w & 3];
  results[r + 12u] = o.inner[k].values.length() + local.length() * 10;
  results[r + 13u] = copy.inner[1].values[2] - o.inner[1].values[2];
  results[r + 14u] = ivec2(o.inner[0].pair) == ivec2(seed.x, -seed.x) ? 1 : 0;
  results[r + 15u] = Outer(o.inner, 9).tag + o.tag;
}
