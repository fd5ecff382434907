// Host-side reference for what a clear writes: the Vulkan spec's conversion of a VkClearColorValue
// (or a depth value) into the bits of one texel block, computed independently of any driver.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "format_table.h"

namespace kiln_test {

const FormatInfo* FindFormat(VkFormat format);
const FormatInfo& FormatOf(VkFormat format);  // throws for a format the table lacks
bool HasDepthOrStencil(const FormatInfo& format);

uint64_t ReadBits(const uint8_t* block, unsigned offset, unsigned bits);
void WriteBits(uint8_t* block, unsigned offset, unsigned bits, uint64_t value);

// Scalar conversions (Fundamentals, "Fixed-Point Data Conversions" and "Floating-Point Formats").
uint16_t FloatToHalf(float value);  // round to nearest even
double HalfToDouble(uint16_t half);
uint32_t FloatToUnsignedFloat(float value, int mantissaBits);  // 11-bit (6) and 10-bit (5) floats
double UnsignedFloatToDouble(uint32_t bits, int mantissaBits);
uint32_t EncodeRgb9e5(float red, float green, float blue);  // Textures, "Shared Exponent" conversion
void DecodeRgb9e5(uint32_t packed, double rgb[3]);

// One texel block as a clear should write it, and per component (in FormatInfo::components order)
// the difference, in units of the encoded value, that the spec allows: 0 where the result is
// exact, 1 where the spec lets an implementation pick either neighbour (a rounding choice), and
// UINT64_MAX where the bits are undefined (B and A of 64-bit formats).
struct ExpectedTexel {
  std::vector<uint8_t> bytes;
  std::vector<uint64_t> tolerance;
};

// `strictNearest`: expect round-to-nearest for UNORM/SNORM (the spec's "should"; Kiln's choice)
// unless the exact value is within 0.01 of a tie; otherwise allow either neighbour.
ExpectedTexel EncodeClearColor(const FormatInfo& format, const VkClearColorValue& color, bool strictNearest);

// The texel as a driver should store a depth clear value (D16, X8_D24, D32 depth formats and the
// depth aspect of combined formats, as copied out to a buffer: D24 in the low 24 bits of 32).
uint32_t EncodeDepth(VkFormat format, float depth);

// Empty if `actual` matches `expected` within its per-component tolerance (plus `extraUlps`),
// else a description of every component that does not.
std::string CompareTexel(const FormatInfo& format, const uint8_t* actual, const ExpectedTexel& expected,
                         uint64_t extraUlps = 0);

// Empty if two drivers' texels agree: exactly for integer and 32/64-bit float components, within
// `ulps` encoded units for components whose conversion involves rounding (UNORM, SNORM, SRGB,
// SCALED, 16-bit and unsigned 10/11-bit floats, shared-exponent mantissas).
std::string CompareTexels(const FormatInfo& format, const uint8_t* a, const uint8_t* b, uint64_t ulps);

std::string DescribeTexel(const FormatInfo& format, const uint8_t* block);

// Formats vkCmdClearColorImage accepts: not compressed, not depth/stencil
// (VUID-vkCmdClearColorImage-image-00007), and no 64-bit format with more than two components
// (VUID-vkCmdClearColorImage-image-09678, spec 1.3.287: the clear value holds only two 64-bit values).
bool ClearableColorFormat(const FormatInfo& format);

// Three clear values for `format` exercising rounding, clamping and sign. Integer and SCALED
// values are cut to each component's width, so that every value is representable (out-of-range
// SINT clears are undefined; VkClearColorValue). 64-bit formats get 64-bit R and G values.
std::vector<VkClearColorValue> SampleClearValues(const FormatInfo& format);

}  // namespace kiln_test

// gtest prints VkFormat parameters by name (found by argument-dependent lookup).
inline void PrintTo(VkFormat format, std::ostream* os) {
  const kiln_test::FormatInfo* info = kiln_test::FindFormat(format);
  *os << (info ? info->name : "VkFormat") << " (" << static_cast<int>(format) << ")";
}
