// Encoding of clear values into texel bytes, for every uncompressed, single-plane
// format the registry describes. Rules: the Vulkan spec, "Fixed-Point Data Conversions",
// "Floating Point Formats" (16/11/10-bit floats) and "Shared Exponent" conversion.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vulkan/vulkan_core.h>

namespace kiln::format {

// True when `format` is a color format whose texels Kiln can encode (pack_color works).
bool can_pack_color(VkFormat format);

// Writes one texel block of `format` holding `value` into `out` (block_size bytes).
// Normalized and scaled channels are clamped to the format's range; integer channels are
// clamped too (as Mesa's util_format does), so out-of-range clears are deterministic.
// 16-bit floats round to nearest even, so overflow gives +-infinity (IEEE 754); the unsigned
// 11- and 10-bit floats clamp to their largest finite value and turn negatives into 0.
// Returns false when the format cannot be encoded.
bool pack_color(VkFormat format, const VkClearColorValue& value, std::byte* out);

// Depth as stored in Kiln's depth plane of `format` (2 bytes for D16, 4 otherwise:
// D24 in the low 24 bits of a 32-bit word, as VK_FORMAT_X8_D24_UNORM_PACK32).
uint32_t depth_texel_size(VkFormat format);
void pack_depth(VkFormat format, float depth, std::byte* out);

// Scalar conversions, exposed for tests.
uint16_t float_to_half(float value);
uint32_t float_to_unsigned_minifloat(float value, unsigned mantissa_bits);  // 11- and 10-bit floats
uint32_t float3_to_rgb9e5(const float rgb[3]);
uint8_t linear_to_srgb_unorm8(float value);

}  // namespace kiln::format
