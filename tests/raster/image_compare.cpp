#include "image_compare.h"

#include "png_image.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <sstream>

namespace kiln_test {

TexelLayout TexelLayoutOf(VkFormat format, VkImageAspectFlagBits aspect) {
  if (aspect == VK_IMAGE_ASPECT_STENCIL_BIT) return {ChannelType::Stencil, 1, 1};
  if (aspect == VK_IMAGE_ASPECT_DEPTH_BIT) {
    switch (format) {
      case VK_FORMAT_D16_UNORM:
      case VK_FORMAT_D16_UNORM_S8_UINT: return {ChannelType::Unorm16, 1, 2};
      case VK_FORMAT_X8_D24_UNORM_PACK32:
      case VK_FORMAT_D24_UNORM_S8_UINT: return {ChannelType::D24, 1, 4};
      default: return {ChannelType::D32, 1, 4};
    }
  }
  switch (format) {
    case VK_FORMAT_R8G8B8A8_UNORM:
    case VK_FORMAT_B8G8R8A8_UNORM:
    case VK_FORMAT_R8G8B8A8_SRGB:
    case VK_FORMAT_B8G8R8A8_SRGB: return {ChannelType::Unorm8, 4, 1};
    case VK_FORMAT_R8_UNORM: return {ChannelType::Unorm8, 1, 1};
    case VK_FORMAT_R8G8_UNORM: return {ChannelType::Unorm8, 2, 1};
    case VK_FORMAT_R8G8B8A8_SNORM: return {ChannelType::Snorm8, 4, 1};
    case VK_FORMAT_R8G8B8A8_UINT: return {ChannelType::Uint8, 4, 1};
    case VK_FORMAT_R8G8B8A8_SINT: return {ChannelType::Sint8, 4, 1};
    case VK_FORMAT_R16G16B16A16_UNORM: return {ChannelType::Unorm16, 4, 2};
    case VK_FORMAT_R16G16B16A16_UINT: return {ChannelType::Uint16, 4, 2};
    case VK_FORMAT_R16G16B16A16_SINT: return {ChannelType::Sint16, 4, 2};
    case VK_FORMAT_R16G16B16A16_SFLOAT: return {ChannelType::Half, 4, 2};
    case VK_FORMAT_R16_SFLOAT: return {ChannelType::Half, 1, 2};
    case VK_FORMAT_R32_UINT: return {ChannelType::Uint32, 1, 4};
    case VK_FORMAT_R32_SFLOAT: return {ChannelType::Float32, 1, 4};
    case VK_FORMAT_R32G32B32A32_UINT: return {ChannelType::Uint32, 4, 4};
    case VK_FORMAT_R32G32B32A32_SINT: return {ChannelType::Sint32, 4, 4};
    case VK_FORMAT_R32G32B32A32_SFLOAT: return {ChannelType::Float32, 4, 4};
    default: return {ChannelType::Uint8, 1, 1};  // unknown: compared as bytes
  }
}

static float HalfToFloat(uint16_t h) {
  const uint32_t sign = (h >> 15) & 1, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  float v;
  if (exponent == 0)
    v = std::ldexp(float(mantissa), -24);
  else if (exponent == 31)
    v = mantissa ? NAN : INFINITY;
  else
    v = std::ldexp(float(mantissa | 0x400), int(exponent) - 25);
  return sign ? -v : v;
}

// One channel as a double: integer-coded channels as their code, float channels as their value.
static double Channel(const TexelLayout& l, const uint8_t* p) {
  switch (l.type) {
    case ChannelType::Unorm8: case ChannelType::Uint8: case ChannelType::Stencil: return p[0];
    case ChannelType::Snorm8: case ChannelType::Sint8: return int8_t(p[0]);
    case ChannelType::Unorm16: case ChannelType::Uint16: { uint16_t v; std::memcpy(&v, p, 2); return v; }
    case ChannelType::Sint16: { int16_t v; std::memcpy(&v, p, 2); return v; }
    case ChannelType::Half: { uint16_t v; std::memcpy(&v, p, 2); return HalfToFloat(v); }
    case ChannelType::Uint32: { uint32_t v; std::memcpy(&v, p, 4); return v; }
    case ChannelType::Sint32: { int32_t v; std::memcpy(&v, p, 4); return v; }
    case ChannelType::D24: { uint32_t v; std::memcpy(&v, p, 4); return v & 0xffffff; }  // high 8 bits undefined
    case ChannelType::Float32: case ChannelType::D32: { float v; std::memcpy(&v, p, 4); return v; }
  }
  return 0;
}

static bool IsFloat(ChannelType t) { return t == ChannelType::Half || t == ChannelType::Float32 || t == ChannelType::D32; }

// A channel mapped to 0..255 for pictures.
static uint8_t Visible(const TexelLayout& l, const uint8_t* p) {
  double v = Channel(l, p);
  switch (l.type) {
    case ChannelType::Snorm8: case ChannelType::Sint8: v = v + 128; break;
    case ChannelType::Unorm16: case ChannelType::Uint16: v = v / 257; break;
    case ChannelType::Sint16: v = v / 257 + 128; break;
    case ChannelType::Uint32: case ChannelType::Sint32: v = std::fmod(std::fabs(v), 256); break;
    case ChannelType::D24: v = v / 65793; break;
    case ChannelType::Half: case ChannelType::Float32: case ChannelType::D32: v = v * 255; break;
    default: break;
  }
  if (std::isnan(v)) return 255;
  return uint8_t(std::clamp(v, 0.0, 255.0));
}

static std::vector<uint8_t> ToRgba(const ImageBytes& image, uint32_t layer) {
  const TexelLayout& l = image.layout;
  std::vector<uint8_t> rgba(size_t(image.width) * image.height * 4, 255);
  const uint8_t* base = image.bytes.data() + size_t(layer) * image.width * image.height * l.size();
  for (size_t i = 0; i < size_t(image.width) * image.height; ++i)
    for (uint32_t c = 0; c < 3; ++c) {
      const uint32_t from = std::min(c, l.channels - 1);  // one channel: gray
      rgba[i * 4 + c] = Visible(l, base + i * l.size() + from * l.channelBytes);
    }
  return rgba;
}

std::string OutputFolder() {
  std::string folder = KILN_RASTER_OUTPUT_DIR;
  mkdir(folder.c_str(), 0755);
  return folder;
}

::testing::AssertionResult ImagesMatch(const std::string& name, const ImageBytes& actual, const ImageBytes& expected,
                                       Tolerance tolerance) {
  const TexelLayout& l = expected.layout;
  if (actual.bytes.size() != expected.bytes.size())
    return ::testing::AssertionFailure() << name << ": sizes differ, " << actual.bytes.size() << " vs "
                                         << expected.bytes.size();
  const size_t texels = expected.bytes.size() / l.size();
  const size_t perLayer = size_t(expected.width) * expected.height;
  std::vector<bool> bad(texels, false);
  size_t mismatches = 0;
  std::ostringstream detail;
  for (size_t t = 0; t < texels; ++t) {
    for (uint32_t c = 0; c < l.channels; ++c) {
      const size_t at = t * l.size() + c * l.channelBytes;
      const double a = Channel(l, &actual.bytes[at]), e = Channel(l, &expected.bytes[at]);
      bool same;
      if (std::isnan(a) || std::isnan(e))
        same = std::isnan(a) && std::isnan(e);
      else if (IsFloat(l.type))
        same = tolerance.absolute == 0 ? std::memcmp(&actual.bytes[at], &expected.bytes[at], l.channelBytes) == 0 ||
                                             (a == 0 && e == 0)
                                       : std::fabs(a - e) <= tolerance.absolute || a == e;
      else
        same = std::fabs(a - e) <= tolerance.units;
      if (same) continue;
      if (!bad[t] && mismatches < 6) {
        const size_t layer = t / perLayer, y = (t % perLayer) / expected.width, x = t % expected.width;
        detail << "\n  layer " << layer << " (" << x << ", " << y << ") channel " << c << ": got " << a
               << ", expected " << e;
      }
      if (!bad[t]) ++mismatches;
      bad[t] = true;
    }
  }
  if (mismatches == 0) return ::testing::AssertionSuccess();
  std::string saved;
  const std::string folder = OutputFolder();
  for (uint32_t layer = 0; layer < expected.layers; ++layer) {
    std::string stem = folder + "/" + name + (expected.layers > 1 ? "_layer" + std::to_string(layer) : "");
    std::vector<uint8_t> a = ToRgba(actual, layer), e = ToRgba(expected, layer), diff(a.size());
    for (size_t i = 0; i < perLayer; ++i) {
      const bool differs = bad[layer * perLayer + i];
      const uint8_t gray = uint8_t((a[i * 4] + a[i * 4 + 1] + a[i * 4 + 2]) / 12);  // dimmed actual
      diff[i * 4] = differs ? 255 : gray;
      diff[i * 4 + 1] = differs ? 0 : gray;
      diff[i * 4 + 2] = differs ? 0 : gray;
      diff[i * 4 + 3] = 255;
    }
    WritePng(stem + "_actual.png", expected.width, expected.height, a);
    WritePng(stem + "_expected.png", expected.width, expected.height, e);
    WritePng(stem + "_diff.png", expected.width, expected.height, diff);
    saved = stem + "_{actual,expected,diff}.png";
  }
  return ::testing::AssertionFailure() << name << ": " << mismatches << " of " << texels << " texels differ"
                                       << detail.str() << "\n  images: " << saved;
}

}  // namespace kiln_test
