// kiln::format texel encoding, against values worked out by hand from the Vulkan spec:
// "Fixed-Point Data Conversions", "16-Bit Floating-Point Numbers", "Unsigned 11-Bit /
// 10-Bit Floating-Point Numbers", "Shared Exponent" and the sRGB transfer function.
#include "format/texel.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstring>
#include <limits>

#include "vk_formats.h"

namespace {

using namespace kiln::format;

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

VkClearColorValue floats(float r, float g = 0, float b = 0, float a = 0) {
    VkClearColorValue v{};
    v.float32[0] = r, v.float32[1] = g, v.float32[2] = b, v.float32[3] = a;
    return v;
}
VkClearColorValue uints(uint32_t r, uint32_t g = 0, uint32_t b = 0, uint32_t a = 0) {
    VkClearColorValue v{};
    v.uint32[0] = r, v.uint32[1] = g, v.uint32[2] = b, v.uint32[3] = a;
    return v;
}
VkClearColorValue ints(int32_t r, int32_t g = 0, int32_t b = 0, int32_t a = 0) {
    VkClearColorValue v{};
    v.int32[0] = r, v.int32[1] = g, v.int32[2] = b, v.int32[3] = a;
    return v;
}

// One packed texel; bytes past the block keep a canary so that overruns show.
struct Texel {
    bool ok = false;
    std::array<uint8_t, 40> bytes{};
    template <typename T>
    T word(unsigned at = 0) const {
        T w;
        std::memcpy(&w, bytes.data() + at, sizeof(T));
        return w;
    }
};

Texel pack(VkFormat format, const VkClearColorValue& value) {
    Texel t;
    t.bytes.fill(0xcd);
    t.ok = pack_color(format, value, reinterpret_cast<std::byte*>(t.bytes.data()));
    return t;
}

uint8_t byte0(VkFormat format, const VkClearColorValue& value) {
    const Texel t = pack(format, value);
    EXPECT_TRUE(t.ok) << format;
    return t.bytes[0];
}

uint32_t float_bits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}
uint64_t double_bits(double d) {
    uint64_t u;
    std::memcpy(&u, &d, 8);
    return u;
}

// ---- UNORM / SNORM ------------------------------------------------------------------------

TEST(TexelUnorm, EndpointsMapToZeroAndAllOnes) {
    EXPECT_EQ(byte0(VK_FORMAT_R8_UNORM, floats(0.0f)), 0);
    EXPECT_EQ(byte0(VK_FORMAT_R8_UNORM, floats(1.0f)), 255);
    EXPECT_EQ(pack(VK_FORMAT_R16_UNORM, floats(1.0f)).word<uint16_t>(), 0xffff);
}

TEST(TexelUnorm, RoundsToNearest) {
    // c = round(f * (2^b - 1)): 0.5 * 255 = 127.5 -> 128; 0.25 * 255 = 63.75 -> 64; 0.1 * 255 = 25.5000004 -> 26.
    EXPECT_EQ(byte0(VK_FORMAT_R8_UNORM, floats(0.5f)), 128);
    EXPECT_EQ(byte0(VK_FORMAT_R8_UNORM, floats(0.25f)), 64);
    EXPECT_EQ(byte0(VK_FORMAT_R8_UNORM, floats(0.1f)), 26);
    EXPECT_EQ(byte0(VK_FORMAT_R8_UNORM, floats(1.0f / 255.0f)), 1);
    EXPECT_EQ(byte0(VK_FORMAT_R8_UNORM, floats(0.6f / 255.0f)), 1);
    EXPECT_EQ(byte0(VK_FORMAT_R8_UNORM, floats(0.4f / 255.0f)), 0);
    EXPECT_EQ(pack(VK_FORMAT_R16_UNORM, floats(0.5f)).word<uint16_t>(), 32768);  // 32767.5
    EXPECT_EQ(pack(VK_FORMAT_R16_UNORM, floats(0.25f)).word<uint16_t>(), 16384);  // 16383.75
}

TEST(TexelUnorm, ClampsOutOfRangeValues) {
    EXPECT_EQ(byte0(VK_FORMAT_R8_UNORM, floats(-0.5f)), 0);
    EXPECT_EQ(byte0(VK_FORMAT_R8_UNORM, floats(2.0f)), 255);
    EXPECT_EQ(byte0(VK_FORMAT_R8_UNORM, floats(kInf)), 255);
    EXPECT_EQ(byte0(VK_FORMAT_R8_UNORM, floats(-kInf)), 0);
}

TEST(TexelSnorm, MinusOneMapsToMinus127NotMinus128) {
    // c = round(f * (2^(b-1) - 1)): -1.0 -> -127 = 0x81.
    EXPECT_EQ(byte0(VK_FORMAT_R8_SNORM, floats(-1.0f)), 0x81);
    EXPECT_EQ(byte0(VK_FORMAT_R8_SNORM, floats(1.0f)), 0x7f);
    EXPECT_EQ(byte0(VK_FORMAT_R8_SNORM, floats(0.0f)), 0x00);
    EXPECT_EQ(pack(VK_FORMAT_R16_SNORM, floats(-1.0f)).word<uint16_t>(), 0x8001);
    EXPECT_EQ(pack(VK_FORMAT_R16_SNORM, floats(1.0f)).word<uint16_t>(), 0x7fff);
}

TEST(TexelSnorm, RoundsToNearestAndClamps) {
    EXPECT_EQ(byte0(VK_FORMAT_R8_SNORM, floats(0.25f)), 0x20);   // 31.75 -> 32
    EXPECT_EQ(byte0(VK_FORMAT_R8_SNORM, floats(-0.25f)), 0xe0);  // -31.75 -> -32
    EXPECT_EQ(byte0(VK_FORMAT_R8_SNORM, floats(-2.0f)), 0x81);
    EXPECT_EQ(byte0(VK_FORMAT_R8_SNORM, floats(5.0f)), 0x7f);
}

TEST(TexelSnorm, PackedTwoBitAlphaHoldsMinusOne) {
    // A2B10G10R10_SNORM: R = -1 -> -511 = 0x201 in 10 bits; A (2 bits) = -1 -> 0b11.
    const Texel t = pack(VK_FORMAT_A2B10G10R10_SNORM_PACK32, floats(-1.0f, 0.0f, 0.0f, -1.0f));
    ASSERT_TRUE(t.ok);
    EXPECT_EQ(t.word<uint32_t>(), 0xc0000201u);
}

// ---- integer formats ----------------------------------------------------------------------

TEST(TexelInteger, UintStoresValuesAndClampsToTheMaximum) {
    EXPECT_EQ(byte0(VK_FORMAT_R8_UINT, uints(7)), 7);
    EXPECT_EQ(byte0(VK_FORMAT_R8_UINT, uints(300)), 255);
    EXPECT_EQ(pack(VK_FORMAT_R16_UINT, uints(70000)).word<uint16_t>(), 0xffff);
    EXPECT_EQ(pack(VK_FORMAT_R32_UINT, uints(0xffffffffu)).word<uint32_t>(), 0xffffffffu);
    const Texel t = pack(VK_FORMAT_R8G8B8A8_UINT, uints(1, 2, 3, 400));
    ASSERT_TRUE(t.ok);
    EXPECT_EQ(t.word<uint32_t>(), 0xff030201u);
}

TEST(TexelInteger, SintClampsBothWays) {
    EXPECT_EQ(byte0(VK_FORMAT_R8_SINT, ints(-1)), 0xff);
    EXPECT_EQ(byte0(VK_FORMAT_R8_SINT, ints(-200)), 0x80);
    EXPECT_EQ(byte0(VK_FORMAT_R8_SINT, ints(200)), 0x7f);
    EXPECT_EQ(pack(VK_FORMAT_R16_SINT, ints(-40000)).word<uint16_t>(), 0x8000);
    EXPECT_EQ(pack(VK_FORMAT_R16_SINT, ints(40000)).word<uint16_t>(), 0x7fff);
    EXPECT_EQ(pack(VK_FORMAT_R32_SINT, ints(INT32_MIN)).word<uint32_t>(), 0x80000000u);
    EXPECT_EQ(pack(VK_FORMAT_R32_SINT, ints(-2)).word<uint32_t>(), 0xfffffffeu);
}

TEST(TexelInteger, PackedUintClampsEachFieldToItsWidth) {
    // A2R10G10B10_UINT: R 2000 -> 1023 (bits 20..29), G 5 (bits 10..19), B 1, A 7 -> 3 (bits 30..31).
    const Texel t = pack(VK_FORMAT_A2R10G10B10_UINT_PACK32, uints(2000, 5, 1, 7));
    ASSERT_TRUE(t.ok);
    EXPECT_EQ(t.word<uint32_t>(), 0xfff01401u);
}

TEST(TexelInteger, ScaledFormatsRoundAndClamp) {
    EXPECT_EQ(byte0(VK_FORMAT_R8_USCALED, floats(3.0f)), 3);
    EXPECT_EQ(byte0(VK_FORMAT_R8_USCALED, floats(300.0f)), 255);
    EXPECT_EQ(byte0(VK_FORMAT_R8_USCALED, floats(-1.0f)), 0);
    EXPECT_EQ(byte0(VK_FORMAT_R8_SSCALED, floats(-3.0f)), 0xfd);
    EXPECT_EQ(byte0(VK_FORMAT_R8_SSCALED, floats(-1000.0f)), 0x80);
    EXPECT_EQ(byte0(VK_FORMAT_R8_SSCALED, floats(1000.0f)), 0x7f);
}

// ---- 16-bit floats ------------------------------------------------------------------------

TEST(TexelHalf, ExactValues) {
    EXPECT_EQ(float_to_half(1.0f), 0x3c00);
    EXPECT_EQ(float_to_half(-2.0f), 0xc000);
    EXPECT_EQ(float_to_half(0.5f), 0x3800);
    EXPECT_EQ(float_to_half(0.0f), 0x0000);
    EXPECT_EQ(float_to_half(-0.0f), 0x8000);
    EXPECT_EQ(float_to_half(65504.0f), 0x7bff);  // the largest finite half
    EXPECT_EQ(float_to_half(std::ldexp(1.0f, -14)), 0x0400);  // the smallest normal
}

TEST(TexelHalf, InfinitiesAndOverflow) {
    EXPECT_EQ(float_to_half(kInf), 0x7c00);
    EXPECT_EQ(float_to_half(-kInf), 0xfc00);
    EXPECT_EQ(float_to_half(65519.0f), 0x7bff);  // below the midpoint to 65536: rounds down
    EXPECT_EQ(float_to_half(65520.0f), 0x7c00);  // the midpoint, odd mantissa: rounds up to infinity
    EXPECT_EQ(float_to_half(1.0e6f), 0x7c00);
    EXPECT_EQ(float_to_half(-1.0e6f), 0xfc00);
}

TEST(TexelHalf, NaNStaysNaN) {
    for (float nan : {kNaN, -kNaN, std::numeric_limits<float>::signaling_NaN()}) {
        const uint16_t h = float_to_half(nan);
        EXPECT_EQ(h & 0x7c00, 0x7c00) << std::hex << h;
        EXPECT_NE(h & 0x03ff, 0) << std::hex << h;
    }
    // A NaN whose set mantissa bits are all below the half's 10 must not become infinity.
    uint32_t low_payload = 0x7f800001u;
    float f;
    std::memcpy(&f, &low_payload, 4);
    EXPECT_NE(float_to_half(f) & 0x03ff, 0);
}

TEST(TexelHalf, Denormals) {
    EXPECT_EQ(float_to_half(std::ldexp(1.0f, -24)), 0x0001);         // the smallest denormal
    EXPECT_EQ(float_to_half(std::ldexp(1023.0f, -24)), 0x03ff);      // the largest denormal
    EXPECT_EQ(float_to_half(std::ldexp(3.0f, -26)), 0x0001);         // 0.75 ulp -> 1
    EXPECT_EQ(float_to_half(std::ldexp(1.0f, -25)), 0x0000);         // half an ulp, even -> 0
    EXPECT_EQ(float_to_half(std::ldexp(1.5f, -24)), 0x0002);         // 1.5 ulp, tie -> even 2
    EXPECT_EQ(float_to_half(std::ldexp(2.5f, -24)), 0x0002);         // 2.5 ulp, tie -> even 2
    EXPECT_EQ(float_to_half(-std::ldexp(1.0f, -24)), 0x8001);
    EXPECT_EQ(float_to_half(std::ldexp(1.0f, -30)), 0x0000);         // underflow
    EXPECT_EQ(float_to_half(std::ldexp(2047.0f, -25)), 0x0400);      // rounds up into the normals
}

TEST(TexelHalf, RoundsToNearestEven) {
    EXPECT_EQ(float_to_half(1.0f + std::ldexp(1.0f, -11)), 0x3c00);                        // tie, even below
    EXPECT_EQ(float_to_half(1.0f + std::ldexp(3.0f, -11)), 0x3c02);                        // tie, even above
    EXPECT_EQ(float_to_half(1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -20)), 0x3c01);  // above the tie
    EXPECT_EQ(float_to_half(2.0f - std::ldexp(1.0f, -12)), 0x4000);  // carries into the exponent
    EXPECT_EQ(float_to_half(0.1f), 0x2e66);
    EXPECT_EQ(float_to_half(1.0f / 3.0f), 0x3555);
}

TEST(TexelHalf, PackColorStoresHalvesInComponentOrder) {
    const Texel t = pack(VK_FORMAT_R16G16B16A16_SFLOAT, floats(1.0f, -2.0f, 0.5f, 65504.0f));
    ASSERT_TRUE(t.ok);
    EXPECT_EQ(t.word<uint16_t>(0), 0x3c00);
    EXPECT_EQ(t.word<uint16_t>(2), 0xc000);
    EXPECT_EQ(t.word<uint16_t>(4), 0x3800);
    EXPECT_EQ(t.word<uint16_t>(6), 0x7bff);
    EXPECT_EQ(t.bytes[8], 0xcd);  // nothing past the block
}

// ---- 11- and 10-bit unsigned floats --------------------------------------------------------

TEST(TexelMinifloat, ElevenBitExactValues) {
    EXPECT_EQ(float_to_unsigned_minifloat(1.0f, 6), 0x3c0u);
    EXPECT_EQ(float_to_unsigned_minifloat(2.0f, 6), 0x400u);
    EXPECT_EQ(float_to_unsigned_minifloat(0.5f, 6), 0x380u);
    EXPECT_EQ(float_to_unsigned_minifloat(1.0f + 1.0f / 64, 6), 0x3c1u);
    EXPECT_EQ(float_to_unsigned_minifloat(0.0f, 6), 0u);
    EXPECT_EQ(float_to_unsigned_minifloat(65024.0f, 6), 0x7bfu);  // the largest finite
}

TEST(TexelMinifloat, TenBitExactValues) {
    EXPECT_EQ(float_to_unsigned_minifloat(1.0f, 5), 0x1e0u);
    EXPECT_EQ(float_to_unsigned_minifloat(2.0f, 5), 0x200u);
    EXPECT_EQ(float_to_unsigned_minifloat(1.0f + 1.0f / 32, 5), 0x1e1u);
    EXPECT_EQ(float_to_unsigned_minifloat(64512.0f, 5), 0x3dfu);  // the largest finite
}

TEST(TexelMinifloat, NegativeValuesBecomeZero) {
    EXPECT_EQ(float_to_unsigned_minifloat(-1.0f, 6), 0u);
    EXPECT_EQ(float_to_unsigned_minifloat(-kInf, 6), 0u);
    EXPECT_EQ(float_to_unsigned_minifloat(-0.0f, 5), 0u);
}

TEST(TexelMinifloat, InfinityNaNAndOverflow) {
    EXPECT_EQ(float_to_unsigned_minifloat(kInf, 6), 0x7c0u);
    EXPECT_EQ(float_to_unsigned_minifloat(kInf, 5), 0x3e0u);
    const uint32_t nan11 = float_to_unsigned_minifloat(kNaN, 6);
    EXPECT_EQ(nan11 & 0x7c0u, 0x7c0u);
    EXPECT_NE(nan11 & 0x03fu, 0u);
    const uint32_t nan10 = float_to_unsigned_minifloat(kNaN, 5);
    EXPECT_EQ(nan10 & 0x3e0u, 0x3e0u);
    EXPECT_NE(nan10 & 0x01fu, 0u);
    // texel.h: float channels are clamped to the format's (finite) range.
    EXPECT_EQ(float_to_unsigned_minifloat(1.0e6f, 6), 0x7bfu);
    EXPECT_EQ(float_to_unsigned_minifloat(1.0e6f, 5), 0x3dfu);
}

TEST(TexelMinifloat, DenormalsAndRounding) {
    EXPECT_EQ(float_to_unsigned_minifloat(std::ldexp(1.0f, -20), 6), 0x001u);  // 2^-14 * 2^-6
    EXPECT_EQ(float_to_unsigned_minifloat(std::ldexp(1.0f, -19), 5), 0x001u);  // 2^-14 * 2^-5
    EXPECT_EQ(float_to_unsigned_minifloat(std::ldexp(63.0f, -20), 6), 0x03fu); // the largest denormal
    EXPECT_EQ(float_to_unsigned_minifloat(std::ldexp(1.0f, -14), 6), 0x040u);  // the smallest normal
    EXPECT_EQ(float_to_unsigned_minifloat(std::ldexp(1.0f, -21), 6), 0x000u);  // half an ulp, even -> 0
    EXPECT_EQ(float_to_unsigned_minifloat(std::ldexp(3.0f, -21), 6), 0x002u);  // 1.5 ulp, tie -> 2
    EXPECT_EQ(float_to_unsigned_minifloat(1.0f + std::ldexp(1.0f, -7), 6), 0x3c0u);  // tie, even below
    EXPECT_EQ(float_to_unsigned_minifloat(1.0f + std::ldexp(3.0f, -7), 6), 0x3c2u);  // tie, even above
}

TEST(TexelMinifloat, B10G11R11HasElevenBitRedAndGreenAndTenBitBlue) {
    // Bits 0..10 R (11-bit float), 11..21 G (11-bit), 22..31 B (10-bit).
    Texel t = pack(VK_FORMAT_B10G11R11_UFLOAT_PACK32, floats(1.0f, 1.0f, 1.0f));
    ASSERT_TRUE(t.ok);
    EXPECT_EQ(t.word<uint32_t>(), 0x781e03c0u);
    // 1 + 2^-6 needs the sixth mantissa bit that only 11-bit floats have.
    t = pack(VK_FORMAT_B10G11R11_UFLOAT_PACK32, floats(1.0f + 1.0f / 64, 0.0f, 0.0f));
    EXPECT_EQ(t.word<uint32_t>(), 0x3c1u) << std::hex << t.word<uint32_t>();
    t = pack(VK_FORMAT_B10G11R11_UFLOAT_PACK32, floats(0.0f, 1.0f + 1.0f / 64, 0.0f));
    EXPECT_EQ(t.word<uint32_t>(), 0x3c1u << 11) << std::hex << t.word<uint32_t>();
    t = pack(VK_FORMAT_B10G11R11_UFLOAT_PACK32, floats(0.0f, 0.0f, 1.0f + 1.0f / 32));
    EXPECT_EQ(t.word<uint32_t>(), 0x1e1u << 22) << std::hex << t.word<uint32_t>();
}

// ---- shared exponent -----------------------------------------------------------------------

uint32_t rgb9e5(float r, float g, float b) {
    const float rgb[3] = {r, g, b};
    return float3_to_rgb9e5(rgb);
}

TEST(TexelRgb9e5, OnesAndZeros) {
    // (1,1,1): exp' = floor(log2 1) + 1 + 15 = 16, max_s = 1 / 2^(16-15-9) = 256 -> E 16, mantissas 256.
    EXPECT_EQ(rgb9e5(1.0f, 1.0f, 1.0f), (16u << 27) | (256u << 18) | (256u << 9) | 256u);
    EXPECT_EQ(rgb9e5(1.0f, 1.0f, 1.0f), 0x84020100u);
    EXPECT_EQ(rgb9e5(0.0f, 0.0f, 0.0f), 0u);
}

TEST(TexelRgb9e5, ComponentsShareTheLargestExponent) {
    // max 0.5: exp' = -1 + 16 = 15, scale 2^-9: R 256, G 128, B 64.
    EXPECT_EQ(rgb9e5(0.5f, 0.25f, 0.125f), (15u << 27) | (64u << 18) | (128u << 9) | 256u);
    // A component below the shared scale's resolution rounds to 0.
    EXPECT_EQ(rgb9e5(1.0f, std::ldexp(1.0f, -10), 0.0f), 0x80000100u);
}

TEST(TexelRgb9e5, MantissaRoundingUpBumpsTheExponent) {
    // 1.999: max_s = floor(1.999 * 256 + 0.5) = 512 = 2^9 -> exp_s = 17, R = floor(1.999 * 128 + 0.5) = 256.
    EXPECT_EQ(rgb9e5(1.999f, 0.0f, 0.0f), (17u << 27) | 256u);
}

TEST(TexelRgb9e5, ClampsToTheRepresentableRange) {
    // sharedexp_max = 511/512 * 2^16 = 65408 -> E 31, mantissa 511.
    EXPECT_EQ(rgb9e5(65408.0f, 0.0f, 0.0f), 0xf80001ffu);
    EXPECT_EQ(rgb9e5(1.0e9f, 0.0f, 0.0f), 0xf80001ffu);
    EXPECT_EQ(rgb9e5(kInf, 0.0f, 0.0f), 0xf80001ffu);
    EXPECT_EQ(rgb9e5(-1.0f, -5.0f, kNaN), 0u);
}

TEST(TexelRgb9e5, PackColorUsesTheSharedExponentWord) {
    const Texel t = pack(VK_FORMAT_E5B9G9R9_UFLOAT_PACK32, floats(0.5f, 0.25f, 0.125f, 1.0f));
    ASSERT_TRUE(t.ok);
    EXPECT_EQ(t.word<uint32_t>(), 0x79010100u);
    EXPECT_EQ(t.bytes[4], 0xcd);
}

// ---- sRGB ----------------------------------------------------------------------------------

TEST(TexelSrgb, EncodesWithTheSrgbTransferFunction) {
    // 1.055 * 0.5^(1/2.4) - 0.055 = 0.73536 -> 187.5 -> 188.
    EXPECT_EQ(linear_to_srgb_unorm8(0.5f), 188);
    EXPECT_EQ(linear_to_srgb_unorm8(0.2f), 124);    // 123.55
    EXPECT_EQ(linear_to_srgb_unorm8(0.9f), 243);    // 243.45
    EXPECT_EQ(linear_to_srgb_unorm8(0.001f), 3);    // linear segment: 12.92 * 0.001 * 255 = 3.29
    EXPECT_EQ(linear_to_srgb_unorm8(0.0f), 0);
    EXPECT_EQ(linear_to_srgb_unorm8(1.0f), 255);
    EXPECT_EQ(linear_to_srgb_unorm8(-1.0f), 0);
    EXPECT_EQ(linear_to_srgb_unorm8(2.0f), 255);
}

TEST(TexelSrgb, AlphaStaysLinear) {
    const Texel t = pack(VK_FORMAT_R8G8B8A8_SRGB, floats(0.5f, 0.2f, 1.0f, 0.5f));
    ASSERT_TRUE(t.ok);
    EXPECT_EQ(t.bytes[0], 188);
    EXPECT_EQ(t.bytes[1], 124);
    EXPECT_EQ(t.bytes[2], 255);
    EXPECT_EQ(t.bytes[3], 128);
}

TEST(TexelSrgb, BgraOrderEncodesColorNotPosition) {
    // B8G8R8A8_SRGB: byte 0 is blue; the transfer function applies to R, G, B wherever they sit.
    const Texel t = pack(VK_FORMAT_B8G8R8A8_SRGB, floats(0.5f, 0.0f, 0.2f, 0.5f));
    ASSERT_TRUE(t.ok);
    EXPECT_EQ(t.bytes[0], 124);
    EXPECT_EQ(t.bytes[1], 0);
    EXPECT_EQ(t.bytes[2], 188);
    EXPECT_EQ(t.bytes[3], 128);
}

// ---- component order and packed formats ---------------------------------------------------

TEST(TexelLayout, B8G8R8A8StoresBlueFirst) {
    const Texel t = pack(VK_FORMAT_B8G8R8A8_UNORM, floats(1.0f, 0.0f, 0.2f, 0.0f));
    ASSERT_TRUE(t.ok);
    EXPECT_EQ(t.bytes[0], 51);  // B
    EXPECT_EQ(t.bytes[1], 0);   // G
    EXPECT_EQ(t.bytes[2], 255); // R
    EXPECT_EQ(t.bytes[3], 0);   // A
    EXPECT_EQ(t.bytes[4], 0xcd);
}

TEST(TexelLayout, ThreeByteFormatsWriteThreeBytes) {
    const Texel t = pack(VK_FORMAT_B8G8R8_UNORM, floats(1.0f, 0.2f, 0.0f));
    ASSERT_TRUE(t.ok);
    EXPECT_EQ(t.bytes[0], 0);
    EXPECT_EQ(t.bytes[1], 51);
    EXPECT_EQ(t.bytes[2], 255);
    EXPECT_EQ(t.bytes[3], 0xcd);
}

TEST(TexelLayout, R5G6B5PutsRedInTheHighBits) {
    EXPECT_EQ(pack(VK_FORMAT_R5G6B5_UNORM_PACK16, floats(1, 0, 0)).word<uint16_t>(), 0xf800);
    EXPECT_EQ(pack(VK_FORMAT_R5G6B5_UNORM_PACK16, floats(0, 1, 0)).word<uint16_t>(), 0x07e0);
    EXPECT_EQ(pack(VK_FORMAT_R5G6B5_UNORM_PACK16, floats(0, 0, 1)).word<uint16_t>(), 0x001f);
    EXPECT_EQ(pack(VK_FORMAT_B5G6R5_UNORM_PACK16, floats(1, 0, 0)).word<uint16_t>(), 0x001f);
    EXPECT_EQ(pack(VK_FORMAT_R5G6B5_UNORM_PACK16, floats(1, 0, 0)).bytes[2], 0xcd);
}

TEST(TexelLayout, A2B10G10R10PutsRedInTheLowBits) {
    EXPECT_EQ(pack(VK_FORMAT_A2B10G10R10_UNORM_PACK32, floats(1, 0, 0, 0)).word<uint32_t>(), 0x000003ffu);
    EXPECT_EQ(pack(VK_FORMAT_A2B10G10R10_UNORM_PACK32, floats(0, 1, 0, 0)).word<uint32_t>(), 0x000ffc00u);
    EXPECT_EQ(pack(VK_FORMAT_A2B10G10R10_UNORM_PACK32, floats(0, 0, 1, 0)).word<uint32_t>(), 0x3ff00000u);
    EXPECT_EQ(pack(VK_FORMAT_A2B10G10R10_UNORM_PACK32, floats(0, 0, 0, 1)).word<uint32_t>(), 0xc0000000u);
    // 1/3 of the 2-bit alpha's 3 steps is exactly 1.
    EXPECT_EQ(pack(VK_FORMAT_A2B10G10R10_UNORM_PACK32, floats(0, 0, 0, 1.0f / 3)).word<uint32_t>(), 0x40000000u);
}

TEST(TexelLayout, SixteenBitPackedFormatsWithOneBitAlpha) {
    EXPECT_EQ(pack(VK_FORMAT_R4G4B4A4_UNORM_PACK16, floats(1, 0, 0, 0)).word<uint16_t>(), 0xf000);
    EXPECT_EQ(pack(VK_FORMAT_R4G4B4A4_UNORM_PACK16, floats(0, 0, 0, 1)).word<uint16_t>(), 0x000f);
    EXPECT_EQ(pack(VK_FORMAT_A1R5G5B5_UNORM_PACK16, floats(0, 0, 0, 1)).word<uint16_t>(), 0x8000);
    EXPECT_EQ(pack(VK_FORMAT_A1R5G5B5_UNORM_PACK16, floats(1, 0, 0, 0)).word<uint16_t>(), 0x7c00);
    EXPECT_EQ(pack(VK_FORMAT_R5G5B5A1_UNORM_PACK16, floats(0, 0, 0, 1)).word<uint16_t>(), 0x0001);
}

TEST(TexelLayout, B5G5R5A1PutsBlueInTheHighBitsAndAlphaInBitZero) {
    // Bits 11..15 B, 6..10 G, 1..5 R, 0 A (older registries list R before G here).
    EXPECT_EQ(pack(VK_FORMAT_B5G5R5A1_UNORM_PACK16, floats(0, 0, 1, 0)).word<uint16_t>(), 0xf800);
    EXPECT_EQ(pack(VK_FORMAT_B5G5R5A1_UNORM_PACK16, floats(0, 1, 0, 0)).word<uint16_t>(), 0x07c0);
    EXPECT_EQ(pack(VK_FORMAT_B5G5R5A1_UNORM_PACK16, floats(1, 0, 0, 0)).word<uint16_t>(), 0x003e);
    EXPECT_EQ(pack(VK_FORMAT_B5G5R5A1_UNORM_PACK16, floats(0, 0, 0, 1)).word<uint16_t>(), 0x0001);
}

TEST(TexelLayout, R10X6UnormPack16KeepsTheValueInTheHighBits) {
    // Core since 1.1 (VK_KHR_sampler_ycbcr_conversion), single-plane, not subsampled.
    Texel t = pack(VK_FORMAT_R10X6_UNORM_PACK16, floats(1.0f));
    ASSERT_TRUE(t.ok) << "R10X6_UNORM_PACK16 is an uncompressed single-plane color format";
    EXPECT_EQ(t.word<uint16_t>(), 0xffc0);
    t = pack(VK_FORMAT_R10X6_UNORM_PACK16, floats(1.0f / 1023));
    EXPECT_EQ(t.word<uint16_t>(), 0x0040);
}

TEST(TexelLayout, TwoPack16FormatsHoldOneComponentPerWord) {
    // R10X6G10X6_UNORM_2PACK16: two 16-bit words in memory order, each with its value in the top bits.
    Texel t = pack(VK_FORMAT_R10X6G10X6_UNORM_2PACK16, floats(1.0f, 0.0f));
    ASSERT_TRUE(t.ok) << "R10X6G10X6_UNORM_2PACK16 is an uncompressed single-plane color format";
    EXPECT_EQ(t.word<uint16_t>(0), 0xffc0);
    EXPECT_EQ(t.word<uint16_t>(2), 0x0000);
    t = pack(VK_FORMAT_R12X4G12X4_UNORM_2PACK16, floats(0.0f, 1.0f));
    ASSERT_TRUE(t.ok);
    EXPECT_EQ(t.word<uint16_t>(0), 0x0000);
    EXPECT_EQ(t.word<uint16_t>(2), 0xfff0);
}

// ---- wide formats --------------------------------------------------------------------------

TEST(TexelWide, ThirtyTwoBitFloatsAreStoredBitForBit) {
    const Texel t = pack(VK_FORMAT_R32G32B32A32_SFLOAT, floats(1.5f, -0.0f, 1.0e-40f, -kInf));
    ASSERT_TRUE(t.ok);
    EXPECT_EQ(t.word<uint32_t>(0), float_bits(1.5f));
    EXPECT_EQ(t.word<uint32_t>(4), 0x80000000u);
    EXPECT_EQ(t.word<uint32_t>(8), float_bits(1.0e-40f));
    EXPECT_EQ(t.word<uint32_t>(12), 0xff800000u);
}

// 64-bit components take two array elements each, low word first: R from elements 0-1 and G
// from 2-3 (spec 1.3.287, Vulkan-Docs #2375).
TEST(TexelWide, SixtyFourBitIntegersTakeTwoElementsEach) {
    Texel t = pack(VK_FORMAT_R64_UINT, uints(0xdeadbeefu, 0x01234567u));
    ASSERT_TRUE(t.ok);
    EXPECT_EQ(t.word<uint64_t>(), 0x01234567deadbeefull);
    EXPECT_EQ(t.bytes[8], 0xcd);
    t = pack(VK_FORMAT_R64G64_SINT, uints(0xfffffffbu, 0xffffffffu, 7u, 0u));
    ASSERT_TRUE(t.ok);
    EXPECT_EQ(t.word<uint64_t>(0), uint64_t(int64_t{-5}));
    EXPECT_EQ(t.word<uint64_t>(8), 7ull);
    EXPECT_EQ(t.bytes[16], 0xcd);
}

TEST(TexelWide, SixtyFourBitFloatsAreTheDoubleInTwoElements) {
    const double value = 0.3;
    VkClearColorValue v{};
    std::memcpy(&v.float32[0], &value, 8);
    Texel t = pack(VK_FORMAT_R64_SFLOAT, v);
    ASSERT_TRUE(t.ok);
    EXPECT_EQ(t.word<uint64_t>(), double_bits(0.3));
}

TEST(TexelWide, MoreThanTwoSixtyFourBitComponentsCannotBeCleared) {
    // VUID-vkCmdClearColorImage-image-09678: VkClearColorValue has room for two.
    EXPECT_FALSE(pack(VK_FORMAT_R64G64B64_SFLOAT, floats(1, 2, 3)).ok);
    EXPECT_FALSE(pack(VK_FORMAT_R64G64B64A64_UINT, uints(1, 2, 3, 4)).ok);
}

// ---- what cannot be packed -----------------------------------------------------------------

TEST(TexelSupport, DepthStencilCompressedAndUnknownFormatsAreNotColor) {
    for (VkFormat format : {VK_FORMAT_D16_UNORM, VK_FORMAT_D24_UNORM_S8_UINT, VK_FORMAT_S8_UINT,
                            VK_FORMAT_D32_SFLOAT, VK_FORMAT_BC1_RGB_UNORM_BLOCK, VK_FORMAT_ASTC_4x4_SRGB_BLOCK,
                            VK_FORMAT_G8_B8R8_2PLANE_420_UNORM, VK_FORMAT_UNDEFINED}) {
        EXPECT_FALSE(can_pack_color(format)) << format;
        std::byte out[32];
        EXPECT_FALSE(pack_color(format, floats(1, 1, 1, 1), out)) << format;
    }
    EXPECT_TRUE(can_pack_color(VK_FORMAT_R8G8B8A8_UNORM));
    EXPECT_TRUE(can_pack_color(VK_FORMAT_E5B9G9R9_UFLOAT_PACK32));
}

TEST(TexelSupport, EveryPackableFormatPacksExactlyOneBlock) {
    // can_pack_color promises pack_color; pack_color writes block_size bytes and no more.
    unsigned packable = 0;
    for (unsigned i = 0; i < kiln::gen::kFormatCount; ++i) {
        const kiln::gen::FormatInfo& info = kiln::gen::kFormats[i];
        if (!can_pack_color(info.format))
            continue;
        if (info.components[0].bits == 64 && info.component_count > 2)
            continue;  // copyable, but not clearable (VUID-vkCmdClearColorImage-image-09678)
        ++packable;
        const Texel t = pack(info.format, floats(0.75f, 0.5f, 0.25f, 1.0f));
        EXPECT_TRUE(t.ok) << info.name;
        for (unsigned b = info.block_size; b < t.bytes.size(); ++b)
            ASSERT_EQ(t.bytes[b], 0xcd) << info.name << " wrote byte " << b;
    }
    EXPECT_GT(packable, 100u);  // the core color formats at least
}

// ---- depth -----------------------------------------------------------------------------------

TEST(TexelDepth, TexelSizesOfTheDepthPlane) {
    EXPECT_EQ(depth_texel_size(VK_FORMAT_D16_UNORM), 2u);
    EXPECT_EQ(depth_texel_size(VK_FORMAT_D16_UNORM_S8_UINT), 2u);
    EXPECT_EQ(depth_texel_size(VK_FORMAT_X8_D24_UNORM_PACK32), 4u);
    EXPECT_EQ(depth_texel_size(VK_FORMAT_D24_UNORM_S8_UINT), 4u);
    EXPECT_EQ(depth_texel_size(VK_FORMAT_D32_SFLOAT), 4u);
    EXPECT_EQ(depth_texel_size(VK_FORMAT_D32_SFLOAT_S8_UINT), 4u);
    EXPECT_EQ(depth_texel_size(VK_FORMAT_S8_UINT), 0u);
    EXPECT_EQ(depth_texel_size(VK_FORMAT_R32_SFLOAT), 0u);
}

TEST(TexelDepth, UnormDepthRoundsAndClamps) {
    auto d16 = [](float d) {
        uint8_t out[4] = {0xcd, 0xcd, 0xcd, 0xcd};
        pack_depth(VK_FORMAT_D16_UNORM, d, reinterpret_cast<std::byte*>(out));
        EXPECT_EQ(out[2], 0xcd);
        return uint16_t(out[0] | out[1] << 8);
    };
    EXPECT_EQ(d16(0.0f), 0);
    EXPECT_EQ(d16(1.0f), 0xffff);
    EXPECT_EQ(d16(0.5f), 0x8000);  // 32767.5
    EXPECT_EQ(d16(-1.0f), 0);
    EXPECT_EQ(d16(2.0f), 0xffff);

    auto d24 = [](VkFormat format, float d) {
        uint32_t out = 0xcdcdcdcd;
        pack_depth(format, d, reinterpret_cast<std::byte*>(&out));
        return out;
    };
    EXPECT_EQ(d24(VK_FORMAT_D24_UNORM_S8_UINT, 1.0f), 0x00ffffffu);  // X8: the top byte is zero
    EXPECT_EQ(d24(VK_FORMAT_X8_D24_UNORM_PACK32, 0.5f), 0x00800000u);  // 8388607.5
    EXPECT_EQ(d24(VK_FORMAT_D24_UNORM_S8_UINT, 0.0f), 0u);
}

TEST(TexelDepth, FloatDepthIsStoredAsGiven) {
    uint32_t out = 0;
    pack_depth(VK_FORMAT_D32_SFLOAT, 0.25f, reinterpret_cast<std::byte*>(&out));
    EXPECT_EQ(out, float_bits(0.25f));
    pack_depth(VK_FORMAT_D32_SFLOAT_S8_UINT, 0.75f, reinterpret_cast<std::byte*>(&out));
    EXPECT_EQ(out, float_bits(0.75f));
}

}  // namespace
