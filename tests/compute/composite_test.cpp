// Composite instructions (composites.comp), compiled with -O (OpCompositeInsert/Extract on values)
// and -O0 (access chains into Function variables): construct, extract, insert, whole copies and
// comparisons of structs and arrays, struct return values, nested dynamic indexing, OpArrayLength.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "compute_harness.h"

namespace kiln_test::compute {
namespace {

// composites.comp's sixteen results for one seed, computed the way the shader defines them.
std::array<int32_t, 16> HostComposites(const std::array<int32_t, 4>& seed, int32_t length) {
  auto [x, y, z, w] = seed;
  int k = w & 1, j = (w >> 1) % 3;
  int32_t base[2] = {x, y};
  auto value = [&](int inner, int index) { return base[inner] * (index + 1); };
  int32_t local[8], other[8];
  for (int n = 0; n < 8; ++n) local[n] = other[n] = x * n - y;
  other[j + k] += 5;
  int32_t nested[2][3] = {{x, y, z}, {z, y, x}};
  float m[2][2] = {{float(x), float(y)}, {float(z), float(j)}};
  for (int row = 0; row < 2; ++row) m[k][row] = m[1 - k][row] * 2.0f;
  int32_t quad[4] = {x, y, z, w};
  std::array<int32_t, 16> r{};
  r[0] = 8 * x;                             // Sum(o.inner[0])
  r[1] = 8 * base[k] - value(k, j) + 1000;  // Sum(copy.inner[k]) with values[j] = 1000
  r[2] = z * 100 + z + 1;
  r[3] = 2 | 8;  // o != copy, the untouched inner equal, local != other, values equal a rebuilt Inner
  r[4] = local[w & 7] - other[j + k];
  r[5] = value(1, 2) + value(k, j) * 3 + 1000;
  r[6] = length;
  r[7] = static_cast<int32_t>(float(-y) * 10.0f + float(x));  // vec4(pair0, pair1).wzyx: x=-y, w=x
  r[8] = x - 1 + 3 * x + x - 42;                              // Sum with values[1] = -1 and pair.y = 42
  r[9] = nested[k][j] * 7 + nested[1 - k][2 - j];
  r[10] = static_cast<int32_t>(m[0][0] + m[0][1] * 3.0f + m[1][0] * 5.0f + m[1][1] * 7.0f);
  r[11] = quad[w & 3];
  r[12] = 3 + 8 * 10;
  r[13] = (k == 1 && j == 2) ? 1000 - value(1, 2) : 0;
  r[14] = 1;
  r[15] = 9 + z;
  return r;
}

class Composites : public ::testing::TestWithParam<std::string> {};

TEST_P(Composites, StructsAndArraysMatchHost) {
  KT_REQUIRE_MODULE(GetParam());
  constexpr uint32_t kCount = 256;
  Rng rng(50);
  std::vector<std::array<int32_t, 4>> seeds(kCount);
  for (auto& s : seeds)
    s = {static_cast<int32_t>(rng.Range(-1000, 1000)), static_cast<int32_t>(rng.Range(-1000, 1000)),
         static_cast<int32_t>(rng.Range(-1000, 1000)), static_cast<int32_t>(rng.Range(0, 1000))};
  Job job = ElementwiseJob(GetParam(), Bytes(seeds), {kCount * 16 * 4}, kCount);
  job.pushConstantSize = 0;  // composites.comp has no push constants
  job.dispatches[0].pushConstants.clear();
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    auto got = r.Buffer<int32_t>(1);
    for (size_t i = 0; i < kCount; ++i) {
      auto expected = HostComposites(seeds[i], kCount);
      for (size_t k = 0; k < 16; ++k) m.Equal("result " + std::to_string(k), i, got[i * 16 + k], expected[k]);
    }
  });
}

INSTANTIATE_TEST_SUITE_P(Modules, Composites, ::testing::Values("composites", "composites.O0"), ModuleParamName);

}  // namespace
}  // namespace kiln_test::compute
