// kiln::format::TexelCodec, the texel reads and writes of shader image instructions: for every
// format Kiln reports a shader feature for, texels written through the codec read back as the
// spec's conversions say, with absent components read as 0 (alpha as one: "Conversion to RGBA").
#include "format/texel_codec.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstring>

#include "vk_formats.h"

namespace {

using namespace kiln::format;

uint32_t Bits(float f) { return std::bit_cast<uint32_t>(f); }

// Two patterns of values every format represents exactly (0 and 1; 3 for unsigned and -1 for
// signed integers -- the smallest integer components, A2 of A2B10G10R10_*INT, hold 0..3 and -2..1),
// in different channels, so that a component read from or written to the wrong place shows.
TEST(TexelCodec, EveryShaderFormatRoundTripsExactValuesChannelByChannel) {
  unsigned formats = 0;
  for (unsigned i = 0; i < kiln::gen::kFormatCount; ++i) {
    const VkFormat format = kiln::gen::kFormats[i].format;
    const TexelCodec* codec = texel_codec(format);
    if (!codec) continue;
    ++formats;
    ASSERT_EQ(codec->texel_size, kiln::gen::kFormats[i].block_size) << kiln::gen::kFormats[i].name;
    const bool integer = codec->cls != TexelClass::Float;
    const uint32_t zero = integer ? 0u : Bits(0.0f), one = integer ? 1u : Bits(1.0f);
    const uint32_t high = codec->cls == TexelClass::Uint ? 3u : codec->cls == TexelClass::Sint ? uint32_t(-1) : Bits(1.0f);
    const uint32_t patterns[2][4] = {{high, zero, one, zero}, {zero, one, zero, high}};
    for (const auto& pattern : patterns) {
      std::byte texel[16] = {};
      codec->write(*codec, pattern, texel);
      uint32_t got[4];
      codec->read(*codec, texel, got);
      for (int c = 0; c < 4; ++c) {
        const bool present = (codec->channels >> c) & 1u;
        // E5B9G9R9 and the 10/11-bit floats have no alpha; shared exponents keep 0 and 1 exact.
        const uint32_t expected = present ? pattern[c] : c == 3 ? one : zero;
        EXPECT_EQ(got[c], expected) << kiln::gen::kFormats[i].name << " component " << c;
      }
    }
  }
  EXPECT_GT(formats, 100u);  // every uncompressed single-plane color format without 64-bit components
}

TEST(TexelCodec, NormalizedAndFloatFormatsReadAsTheSpecConverts) {
  std::byte texel[16] = {};
  uint32_t got[4];
  // UNORM: c / (2^b - 1).
  const uint8_t rgba8[4] = {0, 51, 128, 255};
  std::memcpy(texel, rgba8, 4);
  texel_codec(VK_FORMAT_R8G8B8A8_UNORM)->read(*texel_codec(VK_FORMAT_R8G8B8A8_UNORM), texel, got);
  EXPECT_EQ(got[1], Bits(51.0f / 255.0f));
  EXPECT_EQ(got[2], Bits(128.0f / 255.0f));
  // BGRA order: memory B, G, R, A.
  texel_codec(VK_FORMAT_B8G8R8A8_UNORM)->read(*texel_codec(VK_FORMAT_B8G8R8A8_UNORM), texel, got);
  EXPECT_EQ(got[0], Bits(128.0f / 255.0f));
  EXPECT_EQ(got[2], Bits(0.0f));
  // SNORM: max(c / 127, -1): -128 and -127 both read -1.
  const int8_t snorm[2] = {-128, -127};
  std::memcpy(texel, snorm, 2);
  texel_codec(VK_FORMAT_R8G8_SNORM)->read(*texel_codec(VK_FORMAT_R8G8_SNORM), texel, got);
  EXPECT_EQ(got[0], Bits(-1.0f));
  EXPECT_EQ(got[1], Bits(-1.0f));
  // Half floats: 0x3555 is 0.333251953125; the subnormal 0x0001 is 2^-24.
  const uint16_t halves[2] = {0x3555, 0x0001};
  std::memcpy(texel, halves, 4);
  texel_codec(VK_FORMAT_R16G16_SFLOAT)->read(*texel_codec(VK_FORMAT_R16G16_SFLOAT), texel, got);
  EXPECT_EQ(got[0], Bits(0.333251953125f));
  EXPECT_EQ(got[1], Bits(std::ldexp(1.0f, -24)));
  // SINT widens with its sign; UINT does not.
  const int16_t sint = -2;
  std::memcpy(texel, &sint, 2);
  texel_codec(VK_FORMAT_R16_SINT)->read(*texel_codec(VK_FORMAT_R16_SINT), texel, got);
  EXPECT_EQ(got[0], uint32_t(-2));
  texel_codec(VK_FORMAT_R16_UINT)->read(*texel_codec(VK_FORMAT_R16_UINT), texel, got);
  EXPECT_EQ(got[0], 0xfffeu);
  // sRGB: 255 is 1.0, alpha stays linear.
  const uint8_t srgb[4] = {255, 0, 0, 51};
  std::memcpy(texel, srgb, 4);
  texel_codec(VK_FORMAT_R8G8B8A8_SRGB)->read(*texel_codec(VK_FORMAT_R8G8B8A8_SRGB), texel, got);
  EXPECT_EQ(got[0], Bits(1.0f));
  EXPECT_EQ(got[3], Bits(51.0f / 255.0f));
}

TEST(TexelCodec, WritesConvertAsTheSpecSays) {
  std::byte texel[16] = {};
  // Float to UNORM8: clamp, then round to nearest (0.5 * 255 = 127.5 may go either way; 0.2 * 255 = 51).
  const uint32_t in[4] = {Bits(0.2f), Bits(-3.0f), Bits(7.0f), Bits(1.0f)};
  texel_codec(VK_FORMAT_R8G8B8A8_UNORM)->write(*texel_codec(VK_FORMAT_R8G8B8A8_UNORM), in, texel);
  EXPECT_EQ(uint8_t(texel[0]), 51);
  EXPECT_EQ(uint8_t(texel[1]), 0);
  EXPECT_EQ(uint8_t(texel[2]), 255);
  EXPECT_EQ(uint8_t(texel[3]), 255);
}

TEST(TexelCodec, FormatsWithoutShaderSupportHaveNoCodec) {
  EXPECT_EQ(texel_codec(VK_FORMAT_UNDEFINED), nullptr);
  EXPECT_EQ(texel_codec(VK_FORMAT_R64_UINT), nullptr);  // 64-bit components do not fit a register word
  EXPECT_EQ(texel_codec(VK_FORMAT_BC1_RGB_UNORM_BLOCK), nullptr);
  EXPECT_EQ(texel_codec(VK_FORMAT_D32_SFLOAT), nullptr);
  EXPECT_EQ(texel_codec(VK_FORMAT_G8_B8_R8_3PLANE_420_UNORM), nullptr);
  EXPECT_TRUE(has_spirv_image_format(VK_FORMAT_R32_UINT));
  EXPECT_FALSE(has_spirv_image_format(VK_FORMAT_B8G8R8A8_UNORM));
}

}  // namespace
