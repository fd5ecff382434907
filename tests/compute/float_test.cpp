// Core float arithmetic on 16, 32 and 64-bit floats: each result within the tolerance the spec's
// precision table gives that operation (float_tolerance.h), comparisons exact.
#include <array>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "compute_harness.h"
#include "float_tolerance.h"

namespace kiln_test::compute {
namespace {

std::string Operands(long double a, long double b, long double c) {
  std::ostringstream s;
  s.precision(20);
  s << "a=" << a << " b=" << b << " c=" << c;
  return s.str();
}

void ExpectWithin(Mismatches& m, const std::string& what, size_t index, long double got, const Bound& bound,
                  const std::string& inputs) {
  m.Near(what, index, got, bound.value(), bound.error(), inputs);
}

// Operands: normal numbers of assorted magnitudes and signs, a divisor at least 2^-20 in magnitude;
// x/y never within the division's error of an integer, so mod and rem stay away from floor's jumps.
template <typename T, typename Make>
std::vector<std::array<T, 4>> FloatOperands(size_t count, uint64_t seed, Make make) {
  std::vector<std::array<T, 4>> operands;
  Rng rng(seed);
  while (operands.size() < count) {
    T a = make(rng), b = make(rng), c = make(rng);
    if (std::fabs(b) < 0x1p-20) continue;
    long double q = static_cast<long double>(a) / b;
    long double frac = q - std::floor(q);
    if (std::fabs(q) > 0x1p20 || frac < 1e-3 || frac > 1 - 1e-3) continue;
    operands.push_back({a, b, c, 0});
  }
  return operands;
}

template <typename T>
T Magnitudes(Rng& rng) {
  double mantissa = rng.Uniform(1, 2);
  int exponent = static_cast<int>(rng.Range(-12, 12));
  double sign = rng.Next32() & 1 ? -1 : 1;
  if (rng.Next32() % 8 == 0) return static_cast<T>(sign * static_cast<double>(rng.Range(1, 20)));  // integers
  return static_cast<T>(sign * std::ldexp(mantissa, exponent));
}

// float32_arith.comp's mask: bits 0-7 from GLSL's operators, 8-13 from the intrinsics (unordered
// equal, ordered not-equal, unordered <, >, <=, >=; no NaN operands, so they agree with ordered).
uint32_t CompareMask(long double a, long double b, long double c) {
  return (a < b ? 1u : 0u) | (a <= b ? 2u : 0u) | (a > b ? 4u : 0u) | (a >= b ? 8u : 0u) | (a == b ? 16u : 0u) |
         (a != b ? 32u : 0u) | (!(a < c) ? 64u : 0u) | (a == c ? 128u : 0u) | (a == b ? 256u : 0u) |
         (a != b ? 512u : 0u) | (a < b ? 1024u : 0u) | (a > b ? 2048u : 0u) | (a <= b ? 4096u : 0u) |
         (a >= b ? 8192u : 0u);
}

TEST(Float32, ArithmeticWithinSpecPrecision) {
  auto operands = FloatOperands<float>(1000, 10, Magnitudes<float>);
  // Equal and tied operands for the comparisons.
  for (float v : {1.0f, -2.5f, 0.375f}) operands.push_back({v, v, v, 0});
  auto count = static_cast<uint32_t>(operands.size());
  Job job = ElementwiseJob("float32_arith", Bytes(operands), {count * 10 * 4, count * 4}, count, {}, Compare::Checker);
  job.buffers[2].compare = Compare::Bitwise;  // comparison masks
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    auto got = r.Buffer<float>(1);
    auto masks = r.Buffer<uint32_t>(2);
    const FloatFormat& f = kFloat32;
    for (size_t i = 0; i < operands.size(); ++i) {
      auto [fa, fb, fc, unused] = operands[i];
      Bound a = Exact(f, fa), b = Exact(f, fb), c = Exact(f, fc);
      std::string in = Operands(fa, fb, fc);
      const float* g = &got[i * 10];
      ExpectWithin(m, "a+b (correctly rounded)", i, g[0], a + b, in);
      ExpectWithin(m, "a-b (correctly rounded)", i, g[1], a - b, in);
      ExpectWithin(m, "a*b (correctly rounded)", i, g[2], a * b, in);
      ExpectWithin(m, "a/b (2.5 ULP)", i, g[3], a / b, in);
      m.Equal("-a", i, g[4], -fa);
      ExpectWithin(m, "mod(a,b) (inherited from a - b*floor(a/b))", i, g[5], a - b * Floor(a / b), in);
      ExpectWithin(m, "OpFRem (inherited from a - b*trunc(a/b))", i, g[6], a - b * Trunc(a / b), in);
      ExpectWithin(m, "precise a*b+c", i, g[7], a * b + c, in);
      ExpectWithin(m, "a*b+c (contractable)", i, g[8], a * b + c, in);
      ExpectWithin(m, "(a+c)*(b-c)", i, g[9], (a + c) * (b - c), in);
      m.Equal("comparisons " + in, i, masks[i], CompareMask(fa, fb, fc));
    }
  });
}

TEST(Float64, ArithmeticWithinSpecPrecisionAndConversions) {
  auto operands = FloatOperands<double>(1000, 11, Magnitudes<double>);
  Rng rng(12);
  for (auto& o : operands) o[2] = std::ldexp(rng.Uniform(-1, 1), 30);  // c within int range
  for (double v : {1.0, -2.5, 0.375}) operands.push_back({v, v, v, 0});
  auto count = static_cast<uint32_t>(operands.size());
  Job job = ElementwiseJob("float64_arith", Bytes(operands), {count * 12 * 8, count * 16}, count,
                           Features({Feature::Float64}), Compare::Checker);
  job.buffers[2].compare = Compare::Bitwise;
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    auto got = r.Buffer<double>(1);
    auto words = r.Buffer<uint32_t>(2);
    const FloatFormat& f = kFloat64;
    for (size_t i = 0; i < operands.size(); ++i) {
      auto [da, db, dc, unused] = operands[i];
      Bound a = Exact(f, da), b = Exact(f, db), c = Exact(f, dc);
      std::string in = Operands(da, db, dc);
      const double* g = &got[i * 12];
      ExpectWithin(m, "a+b", i, g[0], a + b, in);
      ExpectWithin(m, "a-b", i, g[1], a - b, in);
      ExpectWithin(m, "a*b", i, g[2], a * b, in);
      ExpectWithin(m, "a/b (2.5 ULP)", i, g[3], a / b, in);
      m.Equal("-a", i, g[4], -da);
      ExpectWithin(m, "mod(a,b)", i, g[5], a - b * Floor(a / b), in);
      ExpectWithin(m, "precise a*b+c", i, g[6], a * b + c, in);
      // OpFConvert to float is correctly rounded (either neighbour), back to double exact.
      ExpectWithin(m, "double(float(a))", i, g[7], Bound(kFloat32, da).Result(da, 0, 1), in);
      m.Equal("double(int(c)) (truncation)", i, g[8], std::trunc(dc));
      m.Equal("double(uint(abs(c)))", i, g[9], std::trunc(std::fabs(dc)));
      m.Equal("double(-7) + double(0xfffffff0u)", i, g[10], 4294967273.0);
      m.Equal("packDouble2x32(unpackDouble2x32(b) ^ 1) bits", i, BitCast<uint64_t>(g[11]), BitCast<uint64_t>(db) ^ 1u);
      uint32_t mask = CompareMask(da, db, dc) & 63u;
      m.Equal("comparisons " + in, i, words[i * 4 + 0], mask);
      m.Equal("unpackDouble2x32(b).x", i, words[i * 4 + 1], static_cast<uint32_t>(BitCast<uint64_t>(db)));
      m.Equal("unpackDouble2x32(b).y", i, words[i * 4 + 2], static_cast<uint32_t>(BitCast<uint64_t>(db) >> 32));
      m.Equal("uint(int(c))", i, words[i * 4 + 3], static_cast<uint32_t>(static_cast<int32_t>(dc)));
    }
  });
}

TEST(Float16, ArithmeticWithinHalfPrecision) {
  std::vector<std::array<float, 4>> operands;
  Rng rng(13);
  while (operands.size() < 1000) {
    float a = RoundToHalf(rng.UniformFloat(-100, 100)), b = RoundToHalf(rng.UniformFloat(-100, 100));
    float c = RoundToHalf(rng.UniformFloat(-100, 100)), w = rng.UniformFloat(-1000, 1000);
    if (std::fabs(b) < 0.5f) continue;
    operands.push_back({a, b, c, w});
  }
  for (float v : {1.0f, -2.5f, 0.375f}) operands.push_back({v, v, v, v});
  auto count = static_cast<uint32_t>(operands.size());
  Job job = ElementwiseJob("float16_arith", Bytes(operands), {count * 12 * 4, count * 4}, count,
                           Features({Feature::Float16}), Compare::Checker);
  job.buffers[2].compare = Compare::Bitwise;
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    auto got = r.Buffer<float>(1);
    auto masks = r.Buffer<uint32_t>(2);
    const FloatFormat& f = kFloat16;
    for (size_t i = 0; i < operands.size(); ++i) {
      auto [ha, hb, hc, w] = operands[i];
      Bound a = Exact(f, ha), b = Exact(f, hb), c = Exact(f, hc);
      std::string in = Operands(ha, hb, hc);
      const float* g = &got[i * 12];
      ExpectWithin(m, "half a+b", i, g[0], a + b, in);
      ExpectWithin(m, "half a-b", i, g[1], a - b, in);
      ExpectWithin(m, "half a*b", i, g[2], a * b, in);
      ExpectWithin(m, "half a/b (2.5 ULP)", i, g[3], a / b, in);
      m.Equal("half -a", i, g[4], -ha);
      ExpectWithin(m, "half fma (mul then add)", i, g[5], Fma(a, b, c), in);
      ExpectWithin(m, "float16_t(w) (correctly rounded)", i, g[6], Bound(f, w).Result(w, 0, 1),
                   "w=" + std::to_string(w));
      ExpectWithin(m, "half abs(a) + 0.5*c", i, g[7], Exact(f, std::fabs(ha)) + Exact(f, 0.5) * c, in);
      ExpectWithin(m, "f16vec2(a, b) * c + f16vec2(b, a) .x", i, g[8], a * c + b, in);
      ExpectWithin(m, "f16vec2(a, b) * c + f16vec2(b, a) .y", i, g[9], b * c + a, in);
      ExpectWithin(m, "f16mat2(a, b, c, a) * f16vec2(b, c) .x", i, g[10], a * b + c * c, in);
      ExpectWithin(m, "f16mat2(a, b, c, a) * f16vec2(b, c) .y", i, g[11], b * b + a * c, in);
      uint32_t mask = (ha < hb ? 1u : 0u) | (ha <= hb ? 2u : 0u) | (ha > hb ? 4u : 0u) | (ha == hb ? 8u : 0u) |
                      (ha != hc ? 16u : 0u);
      m.Equal("half comparisons " + in, i, masks[i], mask);
    }
  });
}

}  // namespace
}  // namespace kiln_test::compute
