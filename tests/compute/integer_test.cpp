// Integer instruction families on 8, 16, 32 and 64-bit integers and 8/16-bit storage, each result
// checked bit-exactly against the host (C++20 integer semantics: two's complement conversions,
// arithmetic right shift of negatives, division truncating toward zero, which is SPIR-V's).
#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <limits>
#include <vector>

#include "compute_harness.h"
#include "float_tolerance.h"

namespace kiln_test::compute {
namespace {

constexpr uint32_t U(int32_t v) { return static_cast<uint32_t>(v); }
constexpr int32_t S(uint32_t v) { return static_cast<int32_t>(v); }

// Values that sit on the edges of 8, 16, 32-bit ranges and shift amounts.
const std::vector<int32_t> kEdges32 = {0,          1,
                                       -1,         2,
                                       -2,         31,
                                       32,         33,
                                       127,        -128,
                                       255,        32767,
                                       -32768,     65535,
                                       0x55555555, S(0xAAAAAAAA),
                                       0x7FFFFFFF, S(0x80000000),
                                       0x10000,    -65536};

// Operand pairs for division-bearing shaders: every edge pair, then random ones; `valid` rejects
// pairs the shader must not divide (zero divisors, the overflowing INT_MIN / -1).
template <typename Valid>
std::vector<std::pair<int32_t, int32_t>> Pairs32(size_t count, uint64_t seed, Valid valid) {
  std::vector<std::pair<int32_t, int32_t>> pairs;
  for (int32_t a : kEdges32)
    for (int32_t b : kEdges32)
      if (valid(a, b)) pairs.push_back({a, b});
  Rng rng(seed);
  while (pairs.size() < count) {
    uint32_t shape = rng.Next32() % 4;
    int32_t a = S(rng.Next32()), b = S(rng.Next32());
    if (shape == 1) b = static_cast<int32_t>(rng.Range(-300, 300));
    if (shape == 2) a = static_cast<int32_t>(rng.Range(-300, 300));
    if (valid(a, b)) pairs.push_back({a, b});
  }
  return pairs;
}

bool Divisible32(int32_t a, int32_t b) { return b != 0 && !(a == std::numeric_limits<int32_t>::min() && b == -1); }

template <typename T>
std::vector<T> Flatten(const std::vector<std::pair<T, T>>& pairs) {
  std::vector<T> flat;
  for (auto [a, b] : pairs) {
    flat.push_back(a);
    flat.push_back(b);
  }
  return flat;
}

// ---------------------------------------------------------------------------------------------
// 32-bit arithmetic, three compilations of one shader.

std::array<int32_t, 24> HostInt32Arith(int32_t a, int32_t b) {
  uint32_t ua = U(a), ub = U(b);
  std::array<int32_t, 24> r{};
  r[0] = S(ua + ub);
  r[1] = S(ua - ub);
  r[2] = S(ua * ub);
  r[3] = S(0u - ua);
  r[4] = a / b;
  r[5] = S(ua / ub);
  r[6] = S(ua % ub);
  int32_t na = a & 0x7fffffff, nb = std::max(b & 0x7fffffff, 1);
  r[7] = na % nb;
  r[8] = na / nb;
  int s = b & 31;
  r[9] = S(ua << s);
  r[10] = a >> s;
  r[11] = S(ua >> s);
  r[12] = a & b;
  r[13] = a | b;
  r[14] = a ^ b;
  r[15] = ~a;
  r[16] =
      (a < b ? 1 : 0) | (a <= b ? 2 : 0) | (a > b ? 4 : 0) | (a >= b ? 8 : 0) | (a == b ? 16 : 0) | (a != b ? 32 : 0);
  r[17] = (ua < ub ? 1 : 0) | (ua <= ub ? 2 : 0) | (ua > ub ? 4 : 0) | (ua >= ub ? 8 : 0);
  r[18] = S(ua + 1u);
  r[19] = S(ub - 1u);
  r[20] = S(ua * 7u + ub * U(-3) - 5u);
  r[21] = S(ua * ub);
  r[22] = S(ua + 0x80000000u);
  r[23] = S(U(s) << 27) >> 27;
  return r;
}

const char* const kInt32ArithNames[24] = {"a+b",   "a-b",  "a*b",  "-a",    "a/b",        "ua/ub", "ua%ub",   "na%nb",
                                          "na/nb", "a<<s", "a>>s", "ua>>s", "a&b",        "a|b",   "a^b",     "~a",
                                          "scmp",  "ucmp", "a++",  "--b",   "a*7+b*-3-5", "ua*ub", "ua+2^31", "bfx"};

class Int32Arith : public ::testing::TestWithParam<std::string> {};

TEST_P(Int32Arith, EveryOperationMatchesHost) {
  KT_REQUIRE_MODULE(GetParam());
  auto pairs = Pairs32(1024, 1, Divisible32);
  auto count = static_cast<uint32_t>(pairs.size());
  Job job = ElementwiseJob(GetParam(), Bytes(Flatten(pairs)), {count * 24 * sizeof(int32_t)}, count);
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    auto got = r.Buffer<int32_t>(1);
    for (size_t i = 0; i < pairs.size(); ++i) {
      auto expected = HostInt32Arith(pairs[i].first, pairs[i].second);
      for (size_t k = 0; k < 24; ++k)
        m.Equal(std::string(kInt32ArithNames[k]) + " a=" + std::to_string(pairs[i].first) +
                    " b=" + std::to_string(pairs[i].second),
                i, got[i * 24 + k], expected[k]);
    }
  });
}

INSTANTIATE_TEST_SUITE_P(Modules, Int32Arith, ::testing::Values("int32_arith", "int32_arith.O0", "int32_arith.glslang"),
                         ModuleParamName);

// ---------------------------------------------------------------------------------------------
// 32-bit GLSL.std.450 integer instructions and bit instructions.

int32_t FindMsbSigned(int32_t a) {
  uint32_t v = a < 0 ? ~U(a) : U(a);
  return v == 0 ? -1 : 31 - std::countl_zero(v);
}
uint32_t Mask(int bits) { return bits >= 32 ? 0xFFFFFFFFu : (1u << bits) - 1u; }

std::array<int32_t, 24> Int32Bits(int32_t a, int32_t b, int32_t z, int32_t w) {
  uint32_t ua = U(a), ub = U(b);
  int offset = z & 31;
  int bits = static_cast<int>(U(w) % U(33 - offset));
  int32_t lo = std::min(z, w), hi = std::max(z, w);
  std::array<int32_t, 24> r{};
  r[0] = a < 0 ? S(0u - ua) : a;
  r[1] = (a > 0) - (a < 0);
  r[2] = std::min(a, b);
  r[3] = std::max(a, b);
  r[4] = S(std::min(ua, ub));
  r[5] = S(std::max(ua, ub));
  r[6] = std::clamp(a, lo, hi);
  r[7] = S(std::clamp(ua, std::min(U(lo), U(hi)), std::max(U(lo), U(hi))));
  r[8] = a == 0 ? -1 : std::countr_zero(ua);
  r[9] = FindMsbSigned(a);
  r[10] = ua == 0 ? -1 : 31 - std::countl_zero(ua);
  uint32_t field = (ua >> offset) & Mask(bits);
  r[11] = bits == 0 ? 0 : S(field << (32 - bits)) >> (32 - bits);  // sign-extends the field
  r[12] = S(field);
  uint32_t insertMask = Mask(bits) << offset;
  r[13] = S((ua & ~insertMask) | ((ub << offset) & insertMask));
  uint32_t reversed = 0;
  for (int k = 0; k < 32; ++k) reversed |= ((ua >> k) & 1u) << (31 - k);
  r[14] = S(reversed);
  r[15] = std::popcount(ua);
  r[16] = S(ua + ub);
  r[17] = ua + ub < ua ? 1 : 0;
  r[18] = S(ua - ub);
  r[19] = ua < ub ? 1 : 0;
  uint64_t uproduct = uint64_t{ua} * ub;
  r[20] = S(static_cast<uint32_t>(uproduct >> 32));
  r[21] = S(static_cast<uint32_t>(uproduct));
  int64_t sproduct = int64_t{a} * b;
  r[22] = S(static_cast<uint32_t>(static_cast<uint64_t>(sproduct) >> 32));
  r[23] = S(static_cast<uint32_t>(static_cast<uint64_t>(sproduct)));
  return r;
}

const char* const kInt32BitsNames[24] = {"abs",
                                         "sign",
                                         "min",
                                         "max",
                                         "umin",
                                         "umax",
                                         "clamp",
                                         "uclamp",
                                         "findLSB",
                                         "findMSB(i)",
                                         "findMSB(u)",
                                         "extract(i)",
                                         "extract(u)",
                                         "insert",
                                         "reverse",
                                         "bitCount",
                                         "addSum",
                                         "addCarry",
                                         "subDiff",
                                         "subBorrow",
                                         "umulExtended.hi",
                                         "umulExtended.lo",
                                         "imulExtended.hi",
                                         "imulExtended.lo"};

TEST(Int32, BitAndExtendedInstructionsMatchHost) {
  std::vector<std::array<int32_t, 4>> quads;
  for (int32_t a : kEdges32)
    for (int32_t b : {0, -1, 1, 0x7FFFFFFF, S(0x80000000), 12345}) quads.push_back({a, b, a ^ 0x13, S(uint32_t(b) + 7u)});
  for (int offset = 0; offset < 32; ++offset)
    for (int bits : {0, 1, 5, 32 - offset}) quads.push_back({S(0xDEADBEEF), 0x12345678, offset, bits});
  Rng rng(2);
  while (quads.size() < 1024) quads.push_back({S(rng.Next32()), S(rng.Next32()), S(rng.Next32()), S(rng.Next32())});
  auto count = static_cast<uint32_t>(quads.size());
  Job job = ElementwiseJob("int32_bits", Bytes(quads), {count * 24 * sizeof(int32_t)}, count);
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    auto got = r.Buffer<int32_t>(1);
    for (size_t i = 0; i < quads.size(); ++i) {
      auto [a, b, z, w] = quads[i];
      auto expected = Int32Bits(a, b, z, w);
      for (size_t k = 0; k < 24; ++k)
        m.Equal(std::string(kInt32BitsNames[k]) + " a=" + std::to_string(a) + " b=" + std::to_string(b) +
                    " z=" + std::to_string(z) + " w=" + std::to_string(w),
                i, got[i * 24 + k], expected[k]);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// OpSRem and OpSMod.

// SPIR-V's definitions: OpSRem's result takes the sign of Operand 1, OpSMod's the sign of Operand 2.
int32_t SpirvSRem(int32_t a, int32_t b) { return a % b; }
int32_t SpirvSMod(int32_t a, int32_t b) {
  int32_t r = a % b;
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

Job SRemJob(const std::vector<std::pair<int32_t, int32_t>>& pairs) {
  auto count = static_cast<uint32_t>(pairs.size());
  return ElementwiseJob("int32_srem", Bytes(Flatten(pairs)), {count * 16}, count);
}

void CheckSRem(const std::vector<std::pair<int32_t, int32_t>>& pairs, const JobResult& r, Mismatches& m) {
  auto got = r.Buffer<int32_t>(1);
  for (size_t i = 0; i < pairs.size(); ++i) {
    auto [a, b] = pairs[i];
    std::string operands = " a=" + std::to_string(a) + " b=" + std::to_string(b);
    m.Equal("OpSRem" + operands, i, got[i * 4 + 0], SpirvSRem(a, b));
    m.Equal("OpSMod" + operands, i, got[i * 4 + 1], SpirvSMod(a, b));
    m.Equal("GLSL %" + operands, i, got[i * 4 + 2], SpirvSMod(a, b));
    m.Equal("OpSDiv" + operands, i, got[i * 4 + 3], a / b);
  }
}

// The Vulkan environment defines OpSRem and OpSMod only for non-negative operands.
TEST(Int32, RemainderOfNonNegativeOperandsMatchesHost) {
  auto pairs = Pairs32(512, 3, [](int32_t a, int32_t b) { return a >= 0 && b > 0; });
  RunAndCheck(SRemJob(pairs), [&](const JobResult& r, Mismatches& m) { CheckSRem(pairs, r, m); });
}

// With a negative operand the Vulkan environment leaves OpSRem/OpSMod undefined
// (spirvenv-precision-operation: "if either operand is negative the result is undefined"), so this
// is Kiln's own promise, not Vulkan's: the results follow the SPIR-V definitions. lavapipe is
// free to differ here and is not compared.
TEST(Int32, RemainderSignsFollowSpirvDefinitionsOnKiln) {
  KT_REQUIRE_KILN();
  auto pairs = Pairs32(512, 4, [](int32_t a, int32_t b) { return Divisible32(a, b) && (a < 0 || b < 0); });
  Job job = SRemJob(pairs);
  job.lavapipeDeviation =
      "lavapipe 22.3 computes OpSMod like OpSRem when an operand is negative (the result takes Operand 1's "
      "sign, not Operand 2's); Vulkan leaves that case undefined";
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) { CheckSRem(pairs, r, m); });
}

// ---------------------------------------------------------------------------------------------
// 64-bit integers.

std::array<int64_t, 22> Int64Arith(int64_t a, int64_t b) {
  auto ua = static_cast<uint64_t>(a), ub = static_cast<uint64_t>(b);
  auto S64 = [](uint64_t v) { return static_cast<int64_t>(v); };
  int s = static_cast<int>(b & 63);
  std::array<int64_t, 22> r{};
  r[0] = S64(ua + ub);
  r[1] = S64(ua - ub);
  r[2] = S64(ua * ub);
  r[3] = a / b;
  r[4] = S64(ua / ub);
  r[5] = S64(ua % ub);
  r[6] = S64(ua << s);
  r[7] = a >> s;
  r[8] = S64(ua >> s);
  r[9] = (a & b) ^ (~a | (b >> 7));
  r[10] = (a < b ? 1 : 0) | (a <= b ? 2 : 0) | (a > b ? 4 : 0) | (a == b ? 8 : 0) | (ua < ub ? 16 : 0) |
          (ua >= ub ? 32 : 0);
  r[11] = a < 0 ? S64(0 - ua) : a;
  r[12] = (a > 0) - (a < 0);
  r[13] = std::min(a, b);
  r[14] = S64(std::max(ua, ub));
  r[15] = static_cast<int32_t>(static_cast<uint32_t>(ua));
  r[16] = static_cast<uint32_t>(ua);
  r[17] = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(b >> 32)));
  r[18] = S64(0 - ua);
  r[19] = (a & INT64_MAX) % std::max<int64_t>(b & INT64_MAX, 1);
  r[20] = S64(ub * 3 - ua);  // i64vec2 (b, a) * 3 - (a, b)
  r[21] = S64(ua * 3 - ub);
  return r;
}

TEST(Int64, ArithmeticAndConversionsMatchHost) {
  std::vector<int64_t> edges = {0,
                                1,
                                -1,
                                63,
                                64,
                                INT64_MAX,
                                INT64_MIN,
                                0x100000000ll,
                                -0x100000000ll,
                                0x7FFFFFFF,
                                -0x80000000ll,
                                0x123456789ABCDEFll};
  std::vector<std::pair<int64_t, int64_t>> pairs;
  auto valid = [](int64_t a, int64_t b) { return b != 0 && !(a == INT64_MIN && b == -1); };
  for (int64_t a : edges)
    for (int64_t b : edges)
      if (valid(a, b)) pairs.push_back({a, b});
  Rng rng(5);
  while (pairs.size() < 512) {
    auto a = static_cast<int64_t>(rng.Next64()), b = static_cast<int64_t>(rng.Next64());
    if (rng.Next32() % 3 == 0) b = rng.Range(-1000, 1000);
    if (valid(a, b)) pairs.push_back({a, b});
  }
  auto count = static_cast<uint32_t>(pairs.size());
  Job job = ElementwiseJob("int64_arith", Bytes(Flatten(pairs)), {count * 22 * sizeof(int64_t)}, count,
                           Features({Feature::Int64}));
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    auto got = r.Buffer<int64_t>(1);
    for (size_t i = 0; i < pairs.size(); ++i) {
      auto expected = Int64Arith(pairs[i].first, pairs[i].second);
      for (size_t k = 0; k < 22; ++k)
        m.Equal("result " + std::to_string(k) + " a=" + std::to_string(pairs[i].first) +
                    " b=" + std::to_string(pairs[i].second),
                i, got[i * 22 + k], expected[k]);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// 16 and 8-bit integer arithmetic.

template <typename T>
std::array<int32_t, 12> NarrowArith(int32_t wideA, int32_t wideB) {
  using UT = std::make_unsigned_t<T>;
  constexpr int kBits = sizeof(T) * 8;
  auto a = static_cast<T>(wideA), b = static_cast<T>(wideB);
  auto ua = static_cast<UT>(a), ub = static_cast<UT>(b);
  auto wrap = [](int v) { return static_cast<int32_t>(static_cast<T>(v)); };
  int s = b & (kBits - 1);
  std::array<int32_t, 12> r{};
  r[0] = wrap(a + b);
  r[1] = wrap(a - b);
  r[2] = wrap(a * b);
  r[3] = wrap(a / b);
  r[4] = static_cast<UT>(ua / ub);
  r[5] = static_cast<UT>(ua % ub);
  r[6] = wrap(static_cast<int>(static_cast<UT>(ua << s)));
  r[7] = wrap(a >> s);
  r[8] = static_cast<UT>(ua >> s);
  r[9] = wrap((a & b) | (a ^ static_cast<T>(0x5a5a)));
  r[10] = (a < b ? 1 : 0) | (ua < ub ? 2 : 0) | (a == b ? 4 : 0);
  r[11] = S(U(std::min(a, b)) + U(std::max(ua, ub)) * 65536u);
  return r;
}

template <typename T>
std::vector<std::pair<int32_t, int32_t>> NarrowPairs(uint64_t seed) {
  constexpr int32_t kMin = std::numeric_limits<T>::min();
  auto valid = [](int32_t a, int32_t b) {
    auto na = static_cast<T>(a), nb = static_cast<T>(b);
    return nb != 0 && !(na == kMin && nb == -1);
  };
  return Pairs32(512, seed, valid);
}

TEST(Int16, ArithmeticWrapsAt16Bits) {
  auto pairs = NarrowPairs<int16_t>(6);
  auto count = static_cast<uint32_t>(pairs.size());
  Job job = ElementwiseJob("int16_arith", Bytes(Flatten(pairs)), {count * 14 * 4}, count, Features({Feature::Int16}));
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    auto got = r.Buffer<int32_t>(1);
    for (size_t i = 0; i < pairs.size(); ++i) {
      auto a = static_cast<int16_t>(pairs[i].first), b = static_cast<int16_t>(pairs[i].second);
      auto scalar = NarrowArith<int16_t>(a, b);
      std::vector<int32_t> expected(scalar.begin(), scalar.end());
      expected.push_back(static_cast<int16_t>(a * 3 + b));  // i16vec2(a, b) * 3 + i16vec2(b, a)
      expected.push_back(static_cast<int16_t>(b * 3 + a));
      for (size_t k = 0; k < 14; ++k)
        m.Equal("result " + std::to_string(k) + " a=" + std::to_string(a) + " b=" + std::to_string(b), i,
                got[i * 14 + k], expected[k]);
    }
  });
}

TEST(Int8, ArithmeticWrapsAt8Bits) {
  auto pairs = NarrowPairs<int8_t>(7);
  auto count = static_cast<uint32_t>(pairs.size());
  Job job = ElementwiseJob("int8_arith", Bytes(Flatten(pairs)), {count * 12 * 4}, count, Features({Feature::Int8}));
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    auto got = r.Buffer<int32_t>(1);
    for (size_t i = 0; i < pairs.size(); ++i) {
      auto full = NarrowArith<int8_t>(pairs[i].first, pairs[i].second);
      // int8_arith.comp's results: the first six and the shifts, xor and compares of NarrowArith,
      // then i8vec2(a, b) * 5 - i8vec2(b, a).
      auto a = static_cast<int8_t>(pairs[i].first), b = static_cast<int8_t>(pairs[i].second);
      std::array<int32_t, 12> expected = {full[0],
                                          full[1],
                                          full[2],
                                          full[3],
                                          full[4],
                                          full[6],
                                          full[7],
                                          full[8],
                                          static_cast<int8_t>(~a ^ (a | b)),
                                          full[10],
                                          static_cast<int8_t>(a * 5 - b),
                                          static_cast<int8_t>(b * 5 - a)};
      for (size_t k = 0; k < 12; ++k)
        m.Equal("result " + std::to_string(k) + " a=" + std::to_string(a) + " b=" + std::to_string(b), i,
                got[i * 12 + k], expected[k]);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// 16 and 8-bit storage.

TEST(Storage16, NarrowValuesRoundTripThroughStorageBuffers) {
  Rng rng(8);
  std::vector<int16_t> s(64);
  std::vector<uint16_t> u(64), h(64);
  for (size_t i = 0; i < 64; ++i) {
    s[i] = static_cast<int16_t>(rng.Next32());
    u[i] = static_cast<uint16_t>(rng.Next32());
    h[i] = FloatToHalf(rng.UniformFloat(-1000, 1000));
  }
  s[0] = INT16_MIN;
  s[1] = INT16_MAX;
  u[0] = 0xFFFF;
  std::vector<uint8_t> inputs = Bytes(s);
  for (auto* part : {&u, &h}) {
    auto bytes = Bytes(*part);
    inputs.insert(inputs.end(), bytes.begin(), bytes.end());
  }
  Job job = SingleModuleJob("storage16", Features({Feature::StorageBuffer16}));
  job.buffers.push_back(InputBuffer(0, inputs));
  job.buffers.push_back(OutputBuffer(1, 64 * 2 * 3 + 64 * 4));
  job.dispatches.push_back({});
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    const std::vector<uint8_t>& out = r.buffers[1];
    for (size_t i = 0; i < 64; ++i) {
      int16_t gotS;
      uint16_t gotU, gotH;
      int32_t widened;
      std::memcpy(&gotS, out.data() + i * 2, 2);
      std::memcpy(&gotU, out.data() + 128 + i * 2, 2);
      std::memcpy(&gotH, out.data() + 256 + i * 2, 2);
      std::memcpy(&widened, out.data() + 384 + i * 4, 4);
      m.Equal("int16 s*3-1", i, gotS, static_cast<int16_t>(s[i] * 3 - 1));
      m.Equal("uint16 u+1000", i, gotU, static_cast<uint16_t>(u[i] + 1000));
      m.Equal("half h*2 (bits)", i, gotH, FloatToHalf(HalfToFloat(h[i]) * 2));
      m.Equal("widened s+u", i, widened, int32_t{s[i]} + int32_t{u[i]});
    }
  });
}

TEST(Storage8, NarrowValuesRoundTripThroughStorageBuffers) {
  Rng rng(9);
  std::vector<int8_t> s(64);
  std::vector<uint8_t> u(64);
  for (size_t i = 0; i < 64; ++i) {
    s[i] = static_cast<int8_t>(rng.Next32());
    u[i] = static_cast<uint8_t>(rng.Next32());
  }
  s[0] = INT8_MIN;
  s[1] = INT8_MAX;
  std::vector<uint8_t> inputs = Bytes(s);
  inputs.insert(inputs.end(), u.begin(), u.end());
  Job job = SingleModuleJob("storage8", Features({Feature::StorageBuffer8}));
  job.buffers.push_back(InputBuffer(0, inputs));
  job.buffers.push_back(OutputBuffer(1, 64 * 2 + 64 * 4));
  job.dispatches.push_back({});
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    const std::vector<uint8_t>& out = r.buffers[1];
    for (size_t i = 0; i < 64; ++i) {
      int32_t widened;
      std::memcpy(&widened, out.data() + 128 + i * 4, 4);
      m.Equal("int8 s*5+3", i, static_cast<int8_t>(out[i]), static_cast<int8_t>(s[i] * 5 + 3));
      m.Equal("uint8 u^0xA5", i, out[64 + i], static_cast<uint8_t>(u[i] ^ 0xA5));
      m.Equal("widened s*u", i, widened, int32_t{s[i]} * int32_t{u[i]});
    }
  });
}

// The T at byte `at` of a result buffer.
template <typename T>
T At(const std::vector<uint8_t>& bytes, size_t at) {
  T v;
  std::memcpy(&v, bytes.data() + at, sizeof v);
  return v;
}

// 16-bit values in a std140 uniform block and in push constants (storage16_blocks.comp): each
// member at the offset std140 / std430 gives it (written here by hand, so that a wrong layout in
// the driver shows), widened with its sign or without, and copied unwidened into a storage buffer.
TEST(Storage16, NarrowValuesInUniformBuffersAndPushConstants) {
  const int16_t s = -12345, s3[3] = {-1, 32767, -32768}, after3 = -2, table[4] = {-300, 301, -32768, 32767};
  const uint16_t u = 0xFEDC, u4[4] = {0xFFFF, 1, 0x8000, 0x1234};
  const uint16_t h = FloatToHalf(-3.140625f), h2[2] = {FloatToHalf(1.0f / 3), 0x7BFF};  // 1/3 rounded, 65504
  std::vector<uint8_t> params(96, 0);
  auto put = [&](std::vector<uint8_t>& bytes, size_t at, auto value) { std::memcpy(&bytes[at], &value, sizeof value); };
  put(params, 0, s);
  put(params, 2, u);
  put(params, 4, h);
  for (size_t k = 0; k < 2; ++k) put(params, 8 + 2 * k, h2[k]);
  for (size_t k = 0; k < 4; ++k) put(params, 16 + 2 * k, u4[k]);
  for (size_t k = 0; k < 3; ++k) put(params, 24 + 2 * k, s3[k]);
  put(params, 30, after3);
  for (size_t k = 0; k < 4; ++k) put(params, 32 + 16 * k, table[k]);  // std140: array stride 16
  const uint16_t pushU = 0xABCD;
  const int16_t pushS = -7, pushS4[4] = {-1, -32768, 5, 32767};
  const uint16_t pushH2[2] = {0x8000, 0x0001};  // -0.0 and the smallest subnormal half
  std::vector<uint8_t> push(16, 0);
  put(push, 0, pushU);
  put(push, 2, pushS);
  for (size_t k = 0; k < 2; ++k) put(push, 4 + 2 * k, pushH2[k]);
  for (size_t k = 0; k < 4; ++k) put(push, 8 + 2 * k, pushS4[k]);

  Job job = SingleModuleJob("storage16_blocks", Features({Feature::UniformBuffer16, Feature::PushConstant16}));
  BufferResource uniform = InputBuffer(0, params);
  uniform.type = VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER;
  job.buffers.push_back(uniform);
  job.buffers.push_back(OutputBuffer(1, 1216));
  job.pushConstantSize = 16;
  Dispatch d;
  d.pushConstants = push;
  job.dispatches.push_back(d);
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    const std::vector<uint8_t>& out = r.buffers[1];
    auto bits = [](float f) { return std::bit_cast<int32_t>(f); };
    for (int32_t i = 0; i < 16; ++i) {
      const int32_t expected[16] = {
          s + i,
          int32_t(uint32_t{u} + uint32_t(i)),
          bits(HalfToFloat(h) * float(i + 1)),
          bits(HalfToFloat(h2[0])),
          bits(HalfToFloat(h2[1])),
          int32_t(uint32_t{u4[0]} | uint32_t{u4[1]} << 16),
          s3[0],
          s3[2],
          after3,
          table[i % 4],
          int32_t{pushU},
          pushS * i,
          bits(HalfToFloat(pushH2[0])),
          bits(HalfToFloat(pushH2[1])),
          pushS4[0] * 3 + pushS4[1] + pushS4[2] * i,
          s3[1] + pushS4[3] + int32_t(uint32_t{u4[2]} ^ uint32_t{u4[3]})};
      for (size_t k = 0; k < 16; ++k)
        m.Equal("word " + std::to_string(k), size_t(i), At<int32_t>(out, (size_t(i) * 16 + k) * 4), expected[k]);
      m.Equal("copied table[i % 4]", size_t(i), At<int16_t>(out, 1024 + size_t(i) * 4), table[i % 4]);
      m.Equal("copied push.s4.y", size_t(i), At<int16_t>(out, 1024 + size_t(i) * 4 + 2), pushS4[1]);
      for (size_t k = 0; k < 2; ++k) {
        m.Equal("uniform f16vec2 (bits)", size_t(i), At<uint16_t>(out, 1088 + size_t(i) * 4 + 2 * k), h2[k]);
        m.Equal("push f16vec2 (bits)", size_t(i), At<uint16_t>(out, 1152 + size_t(i) * 4 + 2 * k), pushH2[k]);
      }
    }
  });
}

// 8-bit values in a std140 uniform block and in push constants (storage8_blocks.comp), as above.
TEST(Storage8, NarrowValuesInUniformBuffersAndPushConstants) {
  const int8_t s = -100, s2[2] = {-128, 127}, s3[3] = {-1, 64, -65}, table[4] = {-3, 4, -128, 127};
  const uint8_t u = 0xF0, u4[4] = {0xFF, 0x01, 0x80, 0x7E}, after3 = 0xC8;
  std::vector<uint8_t> params(80, 0);
  params[0] = uint8_t(s);
  params[1] = u;
  for (size_t k = 0; k < 2; ++k) params[2 + k] = uint8_t(s2[k]);
  for (size_t k = 0; k < 4; ++k) params[4 + k] = u4[k];
  for (size_t k = 0; k < 3; ++k) params[8 + k] = uint8_t(s3[k]);
  params[11] = after3;
  for (size_t k = 0; k < 4; ++k) params[16 + 16 * k] = uint8_t(table[k]);  // std140: array stride 16
  const uint8_t pushU = 0xE7, pushU2[2] = {0xFE, 0x02};
  const int8_t pushS = -9, pushS4[4] = {-128, -2, 3, 127};
  std::vector<uint8_t> push(8, 0);
  push[0] = pushU;
  push[1] = uint8_t(pushS);
  for (size_t k = 0; k < 2; ++k) push[2 + k] = pushU2[k];
  for (size_t k = 0; k < 4; ++k) push[4 + k] = uint8_t(pushS4[k]);

  Job job = SingleModuleJob("storage8_blocks", Features({Feature::UniformBuffer8, Feature::PushConstant8}));
  BufferResource uniform = InputBuffer(0, params);
  uniform.type = VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER;
  job.buffers.push_back(uniform);
  job.buffers.push_back(OutputBuffer(1, 928));
  job.pushConstantSize = 8;
  Dispatch d;
  d.pushConstants = push;
  job.dispatches.push_back(d);
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    const std::vector<uint8_t>& out = r.buffers[1];
    for (int32_t i = 0; i < 16; ++i) {
      const int32_t expected[12] = {
          s + i,
          int32_t(uint32_t{u} + uint32_t(i)),
          s2[0],
          s2[1],
          int32_t(uint32_t{u4[0]} | uint32_t{u4[1]} << 8 | uint32_t{u4[2]} << 16 | uint32_t{u4[3]} << 24),
          s3[0],
          s3[2],
          int32_t{after3},
          table[i % 4],
          int32_t{pushU} * i,
          pushS + int32_t{pushU2[0]} * 1000 + int32_t{pushU2[1]},
          (pushS4[0] + pushS4[1] * 3 + pushS4[2] * i) ^ (pushS4[3] + s3[1])};
      for (size_t k = 0; k < 12; ++k) {
        int32_t got;
        std::memcpy(&got, out.data() + (size_t(i) * 12 + k) * 4, 4);
        m.Equal("word " + std::to_string(k), size_t(i), got, expected[k]);
      }
      m.Equal("copied table[i % 4]", size_t(i), int8_t(out[768 + size_t(i) * 2]), table[i % 4]);
      m.Equal("copied push.s4.y", size_t(i), int8_t(out[768 + size_t(i) * 2 + 1]), pushS4[1]);
      for (size_t k = 0; k < 4; ++k) {
        m.Equal("uniform u8vec4", size_t(i), out[800 + size_t(i) * 4 + k], u4[k]);
        m.Equal("push i8vec4", size_t(i), int8_t(out[864 + size_t(i) * 4 + k]), pushS4[k]);
      }
    }
  });
}

}  // namespace
}  // namespace kiln_test::compute
