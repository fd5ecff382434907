// Conversions between integer, float and bool, bit casts, and the GLSL.std.450 pack/unpack
// instructions (conversions.comp). Float-to-integer conversions truncate exactly; integer-to-float
// and float-to-half conversions are correctly rounded (either neighbour); bit casts, loads and
// stores must keep denormal bit patterns; the packs round c * scale to the nearest integer (inputs
// stay away from ties, whose direction GLSL's round leaves open); the unpacks divide (2.5 ULP).
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "compute_harness.h"
#include "float_tolerance.h"

namespace kiln_test::compute {
namespace {

// conversions.comp's Input, std430: six scalars, then a vec4 at its 16-byte alignment.
struct ConversionInput {
  float f;
  float g;
  int32_t n;
  uint32_t u;
  uint32_t bits;
  uint32_t packed;
  uint32_t pad[2];
  float unit[4];
};
static_assert(sizeof(ConversionInput) == 48 && offsetof(ConversionInput, unit) == 32);

// round(x) away from ties: the nearest integer.
long double Nearest(long double x) { return std::floor(x + 0.5L); }

bool NearTie(long double x) {
  long double frac = x - std::floor(x);
  return std::fabs(frac - 0.5L) < 0.05L;
}

uint32_t PackUnorm(long double c, long double scale) {
  return static_cast<uint32_t>(Nearest(std::clamp(c, 0.0L, 1.0L) * scale));
}
int32_t PackSnorm(long double c, long double scale) {
  return static_cast<int32_t>(Nearest(std::clamp(c, -1.0L, 1.0L) * scale));
}

uint32_t FiniteBits(Rng& rng) {
  for (;;) {
    uint32_t bits = rng.Next32();
    switch (rng.Next32() % 4) {
      case 0:
        bits &= 0x807FFFFFu;
        break;  // denormal (or zero) of either sign
      case 1:
        bits &= 0x80000000u;
        break;  // +0 or -0
      default:
        break;
    }
    if ((bits & 0x7F800000u) != 0x7F800000u) return bits;
  }
}

std::vector<ConversionInput> ConversionInputs(size_t count) {
  std::vector<ConversionInput> inputs;
  Rng rng(30);
  const std::vector<float> fs = {0.0f, 0.9f, -0.5f, -1.7f, 2147483520.0f, -2147483648.0f, 16777217.0f, 1e9f};
  const std::vector<int32_t> ns = {0, 1, -1, INT32_MAX, INT32_MIN, 16777217, -16777219, 123456789};
  const std::vector<uint32_t> us = {0, 1, 0xFFFFFFFFu, 16777217u, 0x80000001u, 4294967040u};
  const std::vector<float> units = {0.0f, 1.0f, -1.0f, 1.1f, -1.1f, 0.25f, 0.75f, -0.2f};
  while (inputs.size() < count) {
    ConversionInput in{};
    size_t k = inputs.size();
    in.f = k < fs.size() ? fs[k]
                         : static_cast<float>(rng.Uniform(-2147483520.0, 2147483520.0) / (rng.Next32() % 2 ? 1 : 1e6));
    in.g = static_cast<float>(rng.Uniform(0, 4294967040.0) / (rng.Next32() % 2 ? 1 : 1e6));
    in.n = k < ns.size() ? ns[k] : static_cast<int32_t>(rng.Next32());
    in.u = k < us.size() ? us[k] : rng.Next32();
    in.bits = FiniteBits(rng);
    in.packed = rng.Next32();
    bool ok = true;
    for (int c = 0; c < 4; ++c) {
      in.unit[c] = k < units.size() ? units[(k + c) % units.size()] : static_cast<float>(rng.Uniform(-1.2, 1.2));
      long double v = in.unit[c];
      long double unorm = std::min(std::fabs(v), 1.0L), snorm = std::clamp(v, -1.0L, 1.0L);
      ok &= !NearTie(unorm * 255) && !NearTie(snorm * 127);
      ok &= c < 2 ? !NearTie(unorm * 65535) : !NearTie(snorm * 32767);
    }
    if (ok) inputs.push_back(in);
  }
  return inputs;
}

TEST(Conversions, IntegerFloatBoolPackAndUnpack) {
  std::vector<ConversionInput> inputs = ConversionInputs(512);
  auto count = static_cast<uint32_t>(inputs.size());
  Job job = ElementwiseJob("conversions", Bytes(inputs), {count * 8 * 4, count * 18 * 4}, count, {}, Compare::Checker);
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    auto words = r.Buffer<uint32_t>(1);
    auto floats = r.Buffer<float>(2);
    const FloatFormat& f32 = kFloat32;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const ConversionInput& in = inputs[i];
      const uint32_t* w = &words[i * 8];
      const float* fl = &floats[i * 18];
      m.Equal("OpConvertFToS f=" + std::to_string(in.f), i, static_cast<int32_t>(w[0]),
              static_cast<int32_t>(std::trunc(in.f)));
      m.Equal("OpConvertFToU g=" + std::to_string(in.g), i, w[1], static_cast<uint32_t>(std::trunc(in.g)));
      m.Equal("floatBitsToInt", i, w[2], BitCast<uint32_t>(in.f));
      uint32_t bools =
          (in.n != 0 ? 1u : 0u) | (in.f != 0 ? 2u : 0u) | (in.u != 0 ? 4u : 0u) | 8u | (in.n < 0 ? 16u : 0u);
      m.Equal("bool conversions", i, w[3], bools);
      uint32_t unorm4x8 = 0, snorm4x8 = 0;
      for (int c = 0; c < 4; ++c) {
        unorm4x8 |= PackUnorm(std::fabs(in.unit[c]), 255) << (8 * c);
        snorm4x8 |= (static_cast<uint32_t>(PackSnorm(in.unit[c], 127)) & 0xFFu) << (8 * c);
      }
      std::string units = "unit=(" + std::to_string(in.unit[0]) + ", " + std::to_string(in.unit[1]) + ", " +
                          std::to_string(in.unit[2]) + ", " + std::to_string(in.unit[3]) + ")";
      m.Equal("packUnorm4x8 " + units, i, w[4], unorm4x8);
      m.Equal("packSnorm4x8 " + units, i, w[5], snorm4x8);
      uint32_t unorm2x16 = PackUnorm(std::fabs(in.unit[0]), 65535) | PackUnorm(std::fabs(in.unit[1]), 65535) << 16;
      uint32_t snorm2x16 = (static_cast<uint32_t>(PackSnorm(in.unit[2], 32767)) & 0xFFFFu) |
                           static_cast<uint32_t>(PackSnorm(in.unit[3], 32767)) << 16;
      m.Equal("packUnorm2x16 ^ packSnorm2x16 " + units, i, w[6], unorm2x16 ^ snorm2x16);
      for (int c = 0; c < 2; ++c) {
        // unit * 100.0 (correctly rounded in float), then to half (correctly rounded).
        Bound scaled = Exact(f32, in.unit[c]) * Exact(f32, 100);
        Bound half = Bound(kFloat16, scaled.value()).Result(scaled.value(), scaled.error(), 1);
        auto h = static_cast<uint16_t>(w[7] >> (16 * c));
        m.Near("packHalf2x16 component " + std::to_string(c), i, HalfToFloat(h), half.value(), half.error(), units);
      }

      Bound sToF = Bound(f32, in.n).Result(in.n, 0, 1), uToF = Bound(f32, in.u).Result(in.u, 0, 1);
      m.Near("OpConvertSToF n=" + std::to_string(in.n), i, fl[0], sToF.value(), sToF.error());
      m.Near("OpConvertUToF u=" + std::to_string(in.u), i, fl[1], uToF.value(), uToF.error());
      m.Equal("uintBitsToFloat (bits kept, denormals too)", i, BitCast<uint32_t>(fl[2]), in.bits);
      m.Equal("intBitsToFloat (bits kept, denormals too)", i, BitCast<uint32_t>(fl[3]), in.bits ^ 0x80000000u);
      for (int c = 0; c < 4; ++c) {
        long double byte = (in.packed >> (8 * c)) & 0xFFu;
        Bound unorm = Exact(f32, byte) / Exact(f32, 255);
        m.Near("unpackUnorm4x8 component " + std::to_string(c), i, fl[4 + c], unorm.value(), unorm.error());
        long double signedByte = static_cast<int8_t>(byte);
        Bound snorm = signedByte == -128 ? Exact(f32, -1) : Exact(f32, signedByte) / Exact(f32, 127);
        m.Near("unpackSnorm4x8 component " + std::to_string(c), i, fl[8 + c], snorm.value(), snorm.error());
      }
      for (int c = 0; c < 2; ++c) {
        long double half = (in.packed >> (16 * c)) & 0xFFFFu;
        Bound unorm = Exact(f32, half) / Exact(f32, 65535);
        m.Near("unpackUnorm2x16 component " + std::to_string(c), i, fl[12 + c], unorm.value(), unorm.error());
        long double signedHalf = static_cast<int16_t>(half);
        Bound snorm = signedHalf == -32768 ? Exact(f32, -1) : Exact(f32, signedHalf) / Exact(f32, 32767);
        m.Near("unpackSnorm2x16 component " + std::to_string(c), i, fl[14 + c], snorm.value(), snorm.error());
        auto h = static_cast<uint16_t>((in.packed & 0x3fff3fffu) >> (16 * c));
        float expected = HalfToFloat(h);
        // A denormal half is a denormal input, which may be flushed to zero.
        bool flushed = (h & 0x7C00u) == 0 && fl[16 + c] == 0.0f;
        if (!flushed) m.Equal("unpackHalf2x16 component " + std::to_string(c), i, fl[16 + c], expected);
      }
    }
  });
}

}  // namespace
}  // namespace kiln_test::compute
