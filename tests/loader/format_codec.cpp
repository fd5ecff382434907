#include "format_codec.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace kiln_test {
namespace {

constexpr uint64_t kAny = std::numeric_limits<uint64_t>::max();

uint64_t Mask(unsigned bits) { return bits >= 64 ? ~0ull : (1ull << bits) - 1; }

int ChannelIndex(char name) {
  switch (name) {
    case 'R':
      return 0;
    case 'G':
      return 1;
    case 'B':
      return 2;
    case 'A':
      return 3;
    default:
      return -1;
  }
}

bool IsSigned(Numeric numeric) {
  return numeric == Numeric::SNORM || numeric == Numeric::SINT || numeric == Numeric::SSCALED;
}

int64_t SignExtend(uint64_t value, unsigned bits) {
  if (bits >= 64) return static_cast<int64_t>(value);
  uint64_t sign = 1ull << (bits - 1);
  return static_cast<int64_t>((value ^ sign) - sign);
}

// Nearest integer to x, and whether x is within `window` of a tie (x.5) or exact, which decides if
// rounding direction is observable.
struct Rounded {
  int64_t nearest;
  bool nearTie;
  bool exact;
};
Rounded RoundToNearest(double x, double window = 0.01) {
  double fraction = x - std::floor(x);
  return {static_cast<int64_t>(std::llround(x)), std::fabs(fraction - 0.5) < window, fraction == 0.0};
}

double Clamp(double value, double low, double high) {
  if (std::isnan(value)) return low;  // NaN: the tests never clear to NaN; pick a defined value
  return std::min(std::max(value, low), high);
}

bool IsBitExactFloat(const FormatComponent& c) { return c.numeric == Numeric::SFLOAT && c.bits >= 32; }

bool IsRoundingComponent(const FormatComponent& c) {
  switch (c.numeric) {
    case Numeric::UINT:
    case Numeric::SINT:
      return false;
    case Numeric::SFLOAT:
      return c.bits == 16;
    default:
      return true;
  }
}

bool IsSharedExponent(const FormatInfo& f) { return f.format == VK_FORMAT_E5B9G9R9_UFLOAT_PACK32; }

// Distance between two encodings of one component, in encoded units (monotonic order).
uint64_t Distance(const FormatComponent& c, uint64_t a, uint64_t b) {
  if (a == b) return 0;
  if (c.numeric == Numeric::SFLOAT && c.bits == 16) {
    auto ordered = [](uint64_t h) -> int64_t {
      int64_t magnitude = static_cast<int64_t>(h & 0x7fff);
      return (h & 0x8000) ? -magnitude : magnitude;
    };
    return static_cast<uint64_t>(std::llabs(ordered(a) - ordered(b)));
  }
  if (IsBitExactFloat(c) || c.bits >= 64) return kAny;  // any difference is a mismatch
  if (IsSigned(c.numeric)) {
    int64_t sa = SignExtend(a, c.bits), sb = SignExtend(b, c.bits);
    return static_cast<uint64_t>(sa > sb ? sa - sb : sb - sa);
  }
  return a > b ? a - b : b - a;
}

// The value of channel `channel` of a 64-bit component clear: "the first 2 array elements ... are
// reinterpreted as a single 64-bit element for the R component; the next 2 for G" (VkClearColorValue).
uint64_t Clear64(const VkClearColorValue& color, int channel) {
  return static_cast<uint64_t>(color.uint32[2 * channel]) |
         (static_cast<uint64_t>(color.uint32[2 * channel + 1]) << 32);
}

}  // namespace

const FormatInfo* FindFormat(VkFormat format) {
  for (const FormatInfo& info : kFormatTable)
    if (info.format == format) return &info;
  return nullptr;
}

const FormatInfo& FormatOf(VkFormat format) {
  const FormatInfo* info = FindFormat(format);
  if (!info) throw std::runtime_error("format " + std::to_string(format) + " is not in format_table.h");
  return *info;
}

bool HasDepthOrStencil(const FormatInfo& format) {
  for (unsigned i = 0; i < format.componentCount; ++i)
    if (format.components[i].name == 'D' || format.components[i].name == 'S') return true;
  return false;
}

bool ClearableColorFormat(const FormatInfo& format) {
  if (format.compressed || HasDepthOrStencil(format)) return false;
  return !(format.componentCount > 2 && format.components[0].bits == 64);
}

uint64_t ReadBits(const uint8_t* block, unsigned offset, unsigned bits) {
  uint64_t value = 0;
  for (unsigned i = 0; i < bits; ++i) {
    unsigned bit = offset + i;
    value |= static_cast<uint64_t>((block[bit / 8] >> (bit % 8)) & 1u) << i;
  }
  return value;
}

void WriteBits(uint8_t* block, unsigned offset, unsigned bits, uint64_t value) {
  for (unsigned i = 0; i < bits; ++i) {
    unsigned bit = offset + i;
    uint8_t m = static_cast<uint8_t>(1u << (bit % 8));
    if ((value >> i) & 1u)
      block[bit / 8] |= m;
    else
      block[bit / 8] &= static_cast<uint8_t>(~m);
  }
}

uint16_t FloatToHalf(float value) {
  uint32_t f;
  std::memcpy(&f, &value, 4);
  uint16_t sign = static_cast<uint16_t>((f >> 16) & 0x8000);
  if (std::isnan(value)) return sign | 0x7e00;
  double a = std::fabs(static_cast<double>(value));
  if (std::isinf(value) || a >= 65520.0) return sign | 0x7c00;  // 65520 rounds to infinity
  if (a < std::ldexp(1.0, -14)) {                               // subnormal: multiples of 2^-24
    return sign | static_cast<uint16_t>(std::nearbyint(a / std::ldexp(1.0, -24)));
  }
  int e;
  std::frexp(a, &e);  // a = m * 2^e, m in [0.5, 1)
  double mantissa = (a / std::ldexp(1.0, e - 1) - 1.0) * 1024.0;
  uint32_t bits = (static_cast<uint32_t>(e - 1 + 15) << 10) + static_cast<uint32_t>(std::nearbyint(mantissa));
  return sign | static_cast<uint16_t>(bits);  // a mantissa carry correctly bumps the exponent
}

double HalfToDouble(uint16_t half) {
  int exponent = (half >> 10) & 0x1f;
  int mantissa = half & 0x3ff;
  double sign = (half & 0x8000) ? -1.0 : 1.0;
  if (exponent == 0) return sign * std::ldexp(mantissa, -24);
  if (exponent == 31) return mantissa ? std::numeric_limits<double>::quiet_NaN() : sign * INFINITY;
  return sign * std::ldexp(1024 + mantissa, exponent - 25);
}

// Unsigned 11-bit and 10-bit floats (Fundamentals): 5-bit exponent with bias 15, no sign. "Finite
// values are rounded to the closest representable finite value ... negative values are converted
// to zero ... finite positive values greater than [the maximum] are converted to [the maximum]";
// +Inf stays +Inf, NaN becomes NaN.
uint32_t FloatToUnsignedFloat(float value, int mantissaBits) {
  const uint32_t exponentAllOnes = 0x1fu << mantissaBits;
  if (std::isnan(value)) return exponentAllOnes | (1u << (mantissaBits - 1));
  if (!(value > 0.0f)) return 0;
  if (std::isinf(value)) return exponentAllOnes;
  double a = value;
  double maxFinite = (2.0 - std::ldexp(1.0, -mantissaBits)) * 32768.0;
  if (a >= maxFinite) return (0x1eu << mantissaBits) | ((1u << mantissaBits) - 1);
  if (a < std::ldexp(1.0, -14)) return static_cast<uint32_t>(std::nearbyint(a / std::ldexp(1.0, -14 - mantissaBits)));
  int e;
  std::frexp(a, &e);
  double mantissa = (a / std::ldexp(1.0, e - 1) - 1.0) * std::ldexp(1.0, mantissaBits);
  return (static_cast<uint32_t>(e - 1 + 15) << mantissaBits) + static_cast<uint32_t>(std::nearbyint(mantissa));
}

double UnsignedFloatToDouble(uint32_t bits, int mantissaBits) {
  uint32_t exponent = bits >> mantissaBits;
  uint32_t mantissa = bits & ((1u << mantissaBits) - 1);
  if (exponent == 0) return std::ldexp(mantissa, -14 - mantissaBits);
  if (exponent == 31) return mantissa ? std::numeric_limits<double>::quiet_NaN() : INFINITY;
  return std::ldexp((1u << mantissaBits) + mantissa, static_cast<int>(exponent) - 15 - mantissaBits);
}

// The spec's RGB to shared-exponent conversion, with N = 9, B = 15, Emax = 31.
uint32_t EncodeRgb9e5(float red, float green, float blue) {
  constexpr int N = 9, B = 15, Emax = 31;
  const double sharedExpMax = (std::ldexp(1.0, N) - 1) / std::ldexp(1.0, N) * std::ldexp(1.0, Emax - B);
  double c[3] = {Clamp(red, 0, sharedExpMax), Clamp(green, 0, sharedExpMax), Clamp(blue, 0, sharedExpMax)};
  double maxC = std::max({c[0], c[1], c[2]});
  int floorLog2 = -B - 1;  // floor(log2(0)) = -inf, clamped by the max() below
  if (maxC > 0) {
    int e;
    std::frexp(maxC, &e);
    floorLog2 = e - 1;
  }
  int expPrime = std::max(-B - 1, floorLog2) + 1 + B;
  double maxS = std::floor(maxC / std::ldexp(1.0, expPrime - B - N) + 0.5);
  int expS = (maxS >= 0 && maxS < std::ldexp(1.0, N)) ? expPrime : expPrime + 1;
  uint32_t packed = static_cast<uint32_t>(expS) << 27;
  for (int i = 0; i < 3; ++i) {
    uint32_t s = static_cast<uint32_t>(std::floor(c[i] / std::ldexp(1.0, expS - B - N) + 0.5));
    packed |= s << (9 * i);
  }
  return packed;
}

void DecodeRgb9e5(uint32_t packed, double rgb[3]) {
  int exponent = static_cast<int>(packed >> 27);
  for (int i = 0; i < 3; ++i) rgb[i] = std::ldexp((packed >> (9 * i)) & 0x1ff, exponent - 15 - 9);
}

ExpectedTexel EncodeClearColor(const FormatInfo& format, const VkClearColorValue& color, bool strictNearest) {
  ExpectedTexel out;
  out.bytes.assign(format.blockSize, 0);
  out.tolerance.assign(format.componentCount, 0);
  if (IsSharedExponent(format)) {
    uint32_t packed = EncodeRgb9e5(color.float32[0], color.float32[1], color.float32[2]);
    std::memcpy(out.bytes.data(), &packed, 4);
    double decoded[3];
    DecodeRgb9e5(packed, decoded);
    bool exact = true;
    for (int i = 0; i < 3; ++i) exact = exact && decoded[i] == static_cast<double>(std::max(color.float32[i], 0.0f));
    // The algorithm is exact, but rounding in an implementation's float arithmetic can move an
    // inexact mantissa by one unit.
    std::fill(out.tolerance.begin(), out.tolerance.end(), exact ? 0 : 1);
    return out;
  }
  for (unsigned i = 0; i < format.componentCount; ++i) {
    const FormatComponent& c = format.components[i];
    int channel = ChannelIndex(c.name);
    uint64_t value = 0;
    uint64_t tolerance = 0;
    if (channel < 0) {
      tolerance = kAny;  // depth/stencil: not cleared through VkClearColorValue
    } else if (c.bits == 64) {
      // Only R and G of a 64-bit format have clear value bits; the rest are undefined.
      if (channel < 2)
        value = Clear64(color, channel);
      else
        tolerance = kAny;
    } else {
      double f = color.float32[channel];
      switch (c.numeric) {
        case Numeric::UNORM:
        case Numeric::SNORM: {
          // Fixed-Point Data Conversions: clamp, scale by 2^b - 1 (UNORM) or 2^(b-1) - 1 (SNORM);
          // "one of the two ... closest" integers, and "implementations should round to nearest".
          bool isSigned = c.numeric == Numeric::SNORM;
          double scale = isSigned ? std::ldexp(1.0, c.bits - 1) - 1 : std::ldexp(1.0, c.bits) - 1;
          Rounded r = RoundToNearest(Clamp(f, isSigned ? -1.0 : 0.0, 1.0) * scale);
          value = static_cast<uint64_t>(r.nearest) & Mask(c.bits);
          tolerance = r.exact ? 0 : (strictNearest && !r.nearTie) ? 0 : 1;
          break;
        }
        case Numeric::SRGB: {
          // Clear values of sRGB formats are linear and get sRGB-encoded (VkClearColorValue),
          // with the OETF of the "sRGB EOTF" inverse: 12.92 c, or 1.055 c^(1/2.4) - 0.055.
          double linear = Clamp(f, 0.0, 1.0);
          double encoded = linear <= 0.0031308 ? 12.92 * linear : 1.055 * std::pow(linear, 1 / 2.4) - 0.055;
          Rounded r = RoundToNearest(encoded * (std::ldexp(1.0, c.bits) - 1));
          value = static_cast<uint64_t>(r.nearest);
          tolerance = r.exact ? 0 : 1;  // the encode curve is evaluated with implementation precision
          break;
        }
        case Numeric::USCALED:
        case Numeric::SSCALED: {
          bool isSigned = c.numeric == Numeric::SSCALED;
          double low = isSigned ? -std::ldexp(1.0, c.bits - 1) : 0.0;
          double high = isSigned ? std::ldexp(1.0, c.bits - 1) - 1 : std::ldexp(1.0, c.bits) - 1;
          Rounded r = RoundToNearest(Clamp(f, low, high));
          value = static_cast<uint64_t>(r.nearest) & Mask(c.bits);
          tolerance = r.exact ? 0 : 1;
          break;
        }
        case Numeric::UINT:
          // "converted ... by casting to the integer type with fewer bits".
          value = color.uint32[channel] & Mask(c.bits);
          break;
        case Numeric::SINT:
          value = static_cast<uint64_t>(static_cast<int64_t>(color.int32[channel])) & Mask(c.bits);
          break;
        case Numeric::SFLOAT:
          if (c.bits == 32) {
            uint32_t bits;
            std::memcpy(&bits, &color.float32[channel], 4);
            value = bits;
          } else {  // 16-bit: round to nearest or toward zero are both allowed
            uint16_t half = FloatToHalf(color.float32[channel]);
            value = half;
            tolerance = HalfToDouble(half) == f ? 0 : 1;
          }
          break;
        case Numeric::UFLOAT: {
          int mantissaBits = c.bits - 5;
          uint32_t encoded = FloatToUnsignedFloat(color.float32[channel], mantissaBits);
          value = encoded;
          // Exact results, and the spec's explicit clamps (negative -> 0, above the largest finite
          // value -> that value), leave no choice; other values may round either way.
          double maxFinite = (2.0 - std::ldexp(1.0, -mantissaBits)) * 32768.0;
          bool clamped = f <= 0 || (f >= maxFinite && !std::isinf(f));
          tolerance = (clamped || UnsignedFloatToDouble(encoded, mantissaBits) == f) ? 0 : 1;
          break;
        }
      }
    }
    WriteBits(out.bytes.data(), c.offset, c.bits, value);
    out.tolerance[i] = tolerance;
  }
  return out;
}

uint32_t EncodeDepth(VkFormat format, float depth) {
  double d = Clamp(depth, 0.0, 1.0);
  switch (format) {
    case VK_FORMAT_D16_UNORM:
    case VK_FORMAT_D16_UNORM_S8_UINT:
      return static_cast<uint32_t>(std::llround(d * 65535.0));
    case VK_FORMAT_X8_D24_UNORM_PACK32:
    case VK_FORMAT_D24_UNORM_S8_UINT:
      return static_cast<uint32_t>(std::llround(d * 16777215.0));
    case VK_FORMAT_D32_SFLOAT:
    case VK_FORMAT_D32_SFLOAT_S8_UINT: {
      uint32_t bits;
      std::memcpy(&bits, &depth, 4);
      return bits;
    }
    default:
      throw std::runtime_error("EncodeDepth: not a depth format");
  }
}

std::string DescribeTexel(const FormatInfo& format, const uint8_t* block) {
  std::ostringstream s;
  s << std::hex;
  for (unsigned i = 0; i < format.componentCount; ++i) {
    const FormatComponent& c = format.components[i];
    s << (i ? " " : "") << c.name << "=0x" << ReadBits(block, c.offset, c.bits);
  }
  return s.str();
}

std::string CompareTexel(const FormatInfo& format, const uint8_t* actual, const ExpectedTexel& expected,
                         uint64_t extraUlps) {
  std::ostringstream problems;
  if (IsSharedExponent(format)) {
    uint32_t a, e;
    std::memcpy(&a, actual, 4);
    std::memcpy(&e, expected.bytes.data(), 4);
    if (a == e) return "";
    double va[3], ve[3];
    DecodeRgb9e5(a, va);
    DecodeRgb9e5(e, ve);
    uint64_t ulps = expected.tolerance[0] + extraUlps;
    double unit = std::ldexp(1.0, static_cast<int>(std::max(a >> 27, e >> 27)) - 24);
    for (int i = 0; i < 3; ++i)
      if (std::fabs(va[i] - ve[i]) > static_cast<double>(ulps) * unit)
        problems << "channel "
                 << "RGB"[i] << " decodes to " << va[i] << ", expected " << ve[i] << "; ";
  } else {
    for (unsigned i = 0; i < format.componentCount; ++i) {
      const FormatComponent& c = format.components[i];
      uint64_t tolerance = expected.tolerance[i];
      if (tolerance == kAny) continue;
      tolerance = std::min(tolerance + extraUlps, kAny - 1);
      uint64_t got = ReadBits(actual, c.offset, c.bits);
      uint64_t want = ReadBits(expected.bytes.data(), c.offset, c.bits);
      if (Distance(c, got, want) > tolerance)
        problems << c.name << ": got 0x" << std::hex << got << ", expected 0x" << want << std::dec
                 << (tolerance ? " (tolerance " + std::to_string(tolerance) + ")" : std::string()) << "; ";
    }
  }
  if (problems.str().empty()) return "";
  return problems.str() + "texel " + DescribeTexel(format, actual) + " vs expected " +
         DescribeTexel(format, expected.bytes.data());
}

std::string CompareTexels(const FormatInfo& format, const uint8_t* a, const uint8_t* b, uint64_t ulps) {
  ExpectedTexel asExpected;
  asExpected.bytes.assign(b, b + format.blockSize);
  asExpected.tolerance.assign(format.componentCount, 0);
  for (unsigned i = 0; i < format.componentCount; ++i) {
    const FormatComponent& c = format.components[i];
    if (c.bits == 64 && ChannelIndex(c.name) >= 2)
      asExpected.tolerance[i] = kAny;
    else if (IsRoundingComponent(c))
      asExpected.tolerance[i] = ulps;
  }
  if (IsSharedExponent(format)) std::fill(asExpected.tolerance.begin(), asExpected.tolerance.end(), ulps);
  return CompareTexel(format, a, asExpected);
}

std::vector<VkClearColorValue> SampleClearValues(const FormatInfo& f) {
  enum class Kind { Float, Uint, Sint, Uscaled, Sscaled };
  Kind kind = Kind::Float;
  for (unsigned i = 0; i < f.componentCount; ++i) {
    switch (f.components[i].numeric) {
      case Numeric::UINT:
        kind = Kind::Uint;
        break;
      case Numeric::SINT:
        kind = Kind::Sint;
        break;
      case Numeric::USCALED:
        kind = Kind::Uscaled;
        break;
      case Numeric::SSCALED:
        kind = Kind::Sscaled;
        break;
      default:
        break;
    }
  }
  const float floats[3][4] = {{0.0f, 0.25f, 0.5f, 1.0f}, {0.3f, 0.7f, 0.1f, 0.9f}, {-0.6f, 1.7f, 0.123f, 0.0039f}};
  const double doubles[3][2] = {{0.0, 1.0}, {0.3, -2.5}, {1e300, -1e-300}};
  const uint32_t uints[3][4] = {{0, 1, 127, 255}, {3, 200, 64, 128}, {0xFFFFFFFFu, 0x12345678u, 65535, 1}};
  const int32_t sints[3][4] = {{-128, -1, 0, 127}, {5, -77, 100, -3}, {-2, 1, -100, 64}};
  std::vector<VkClearColorValue> values(3);
  const bool wide = f.componentCount > 0 && f.components[0].bits == 64;
  for (int v = 0; v < 3; ++v) {
    VkClearColorValue& c = values[v];
    std::memset(&c, 0, sizeof c);
    if (wide) {  // R and G take two array elements each
      for (int ch = 0; ch < 2; ++ch) {
        uint64_t bits;
        if (kind == Kind::Float)
          std::memcpy(&bits, &doubles[v][ch], 8);
        else if (kind == Kind::Uint)
          bits = uint64_t{uints[v][ch]} * 0x100000001ull;
        else
          bits = static_cast<uint64_t>(static_cast<int64_t>(sints[v][ch]) * 1000000000039ll);  // beyond 32 bits
        c.uint32[2 * ch] = static_cast<uint32_t>(bits);
        c.uint32[2 * ch + 1] = static_cast<uint32_t>(bits >> 32);
      }
      continue;
    }
    for (int ch = 0; ch < 4; ++ch) {
      if (kind == Kind::Float) {
        c.float32[ch] = floats[v][ch];
        continue;
      }
      unsigned bits = 32;  // the component's width, if the format has this channel
      for (unsigned i = 0; i < f.componentCount; ++i)
        if (f.components[i].name == "RGBA"[ch]) bits = f.components[i].bits;
      uint64_t mask = Mask(std::min(bits, 32u));
      uint32_t unsignedValue = static_cast<uint32_t>(uints[v][ch] & mask);
      int32_t signedValue = static_cast<int32_t>(
          SignExtend(static_cast<uint64_t>(static_cast<int64_t>(sints[v][ch])) & mask, std::min(bits, 32u)));
      switch (kind) {
        case Kind::Uint:
          c.uint32[ch] = unsignedValue;
          break;
        case Kind::Sint:
          c.int32[ch] = signedValue;
          break;
        case Kind::Uscaled:
          c.float32[ch] = static_cast<float>(unsignedValue);
          break;
        case Kind::Sscaled:
          c.float32[ch] = static_cast<float>(signedValue);
          break;
        case Kind::Float:
          break;
      }
    }
  }
  return values;
}

}  // namespace kiln_test
