#include "texel.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "vk_formats.h"

namespace kiln::format {

using gen::FormatInfo;
using gen::Numeric;

uint16_t float_to_half(float value) {
    uint32_t bits;
    std::memcpy(&bits, &value, 4);
    const uint32_t sign = (bits >> 16) & 0x8000u;
    const uint32_t exponent = (bits >> 23) & 0xffu;
    uint32_t mantissa = bits & 0x7fffffu;
    if (exponent == 0xff)  // infinity or NaN (NaN keeps a quiet mantissa bit)
        return uint16_t(sign | 0x7c00u | (mantissa ? 0x200u | (mantissa >> 13) : 0u));
    const int e = int(exponent) - 127 + 15;
    if (e >= 31)
        return uint16_t(sign | 0x7c00u);  // overflow to infinity
    if (e <= 0) {
        if (e < -10)
            return uint16_t(sign);  // underflows to zero
        mantissa |= 0x800000u;
        const unsigned shift = unsigned(14 - e);
        uint32_t half = mantissa >> shift;
        const uint32_t rest = mantissa & ((1u << shift) - 1);
        const uint32_t halfway = 1u << (shift - 1);
        if (rest > halfway || (rest == halfway && (half & 1u)))
            ++half;
        return uint16_t(sign | half);
    }
    uint32_t half = (uint32_t(e) << 10) | (mantissa >> 13);
    const uint32_t rest = mantissa & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (half & 1u)))
        ++half;  // may carry into the exponent, which is the correct rounding
    return uint16_t(sign | half);
}

uint32_t float_to_unsigned_minifloat(float value, unsigned mantissa_bits) {
    // Unsigned floats with a 5-bit exponent (bias 15): negative values become 0.
    const uint32_t max_exp = 31;
    if (std::isnan(value))
        return (max_exp << mantissa_bits) | 1u;
    if (value <= 0.0f)
        return 0;
    uint32_t bits;
    std::memcpy(&bits, &value, 4);
    const uint32_t exponent = (bits >> 23) & 0xffu;
    uint32_t mantissa = bits & 0x7fffffu;
    if (exponent == 0xff)
        return max_exp << mantissa_bits;  // +infinity
    const int e = int(exponent) - 127 + 15;
    const unsigned drop = 23 - mantissa_bits;
    if (e >= int(max_exp))
        return ((max_exp - 1) << mantissa_bits) | ((1u << mantissa_bits) - 1);  // largest finite
    uint32_t result;
    if (e <= 0) {
        if (e < -int(mantissa_bits))
            return 0;
        mantissa |= 0x800000u;
        const unsigned shift = drop + unsigned(1 - e);
        result = mantissa >> shift;
        const uint32_t rest = mantissa & ((1u << shift) - 1);
        const uint32_t halfway = 1u << (shift - 1);
        if (rest > halfway || (rest == halfway && (result & 1u)))
            ++result;
        return result;
    }
    result = (uint32_t(e) << mantissa_bits) | (mantissa >> drop);
    const uint32_t rest = mantissa & ((1u << drop) - 1);
    const uint32_t halfway = 1u << (drop - 1);
    if (rest > halfway || (rest == halfway && (result & 1u)))
        ++result;
    const uint32_t largest = ((max_exp - 1) << mantissa_bits) | ((1u << mantissa_bits) - 1);
    return std::min(result, largest);
}

uint32_t float3_to_rgb9e5(const float rgb[3]) {
    // The spec's "Shared Exponent" encoding: N = 9 mantissa bits, B = 15, Emax = 31.
    constexpr int N = 9, B = 15, Emax = 31;
    const float sharedexp_max = float((1 << N) - 1) / float(1 << N) * float(1u << (Emax - B));
    float c[3];
    for (int i = 0; i < 3; ++i) {
        const float v = std::isnan(rgb[i]) ? 0.0f : rgb[i];
        c[i] = std::clamp(v, 0.0f, sharedexp_max);
    }
    const float cmax = std::max({c[0], c[1], c[2]});
    int exp_p = cmax == 0.0f ? 0 : std::max(-B - 1, int(std::floor(std::log2(cmax)))) + 1 + B;  // log2(0) = -inf
    int max_s = int(std::floor(cmax / std::exp2(float(exp_p - B - N)) + 0.5f));
    const int exp_s = (max_s == (1 << N)) ? exp_p + 1 : exp_p;
    uint32_t out = uint32_t(exp_s) << 27;
    for (int i = 0; i < 3; ++i) {
        const uint32_t m = uint32_t(std::floor(c[i] / std::exp2(float(exp_s - B - N)) + 0.5f));
        out |= std::min(m, 511u) << (9 * i);
    }
    return out;
}

static float srgb_encode(float linear) {
    if (!(linear > 0.0f))
        return 0.0f;
    if (linear >= 1.0f)
        return 1.0f;
    return linear < 0.0031308f ? linear * 12.92f : 1.055f * std::pow(linear, 1.0f / 2.4f) - 0.055f;
}

uint8_t linear_to_srgb_unorm8(float value) {
    return uint8_t(std::lround(srgb_encode(value) * 255.0f));
}

static int channel_index(char name) {
    switch (name) {
    case 'R': return 0;
    case 'G': return 1;
    case 'B': return 2;
    case 'A': return 3;
    default: return -1;
    }
}

static bool supported_layout(const FormatInfo& info) {
    // S10.5 fixed point, which the registry describes as SINT: not encoded until it is needed.
    if (info.format == VK_FORMAT_R16G16_S10_5_NV)
        return false;
    if (info.compressed || info.ycbcr || info.plane_count || info.component_count == 0)
        return false;
    for (unsigned i = 0; i < info.component_count; ++i)
        if (channel_index(info.components[i].name) < 0)
            return false;  // depth, stencil: not color
    return true;
}

bool can_pack_color(VkFormat format) {
    const FormatInfo* info = gen::format_info(format);
    return info && supported_layout(*info);
}

// One channel's bits, in the low `bits` of the result.
static uint64_t encode_channel(const gen::FormatComponent& c, const VkClearColorValue& v, int index) {
    const unsigned bits = c.bits;
    const uint64_t mask = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
    const float f = v.float32[index];
    switch (c.numeric) {
    case Numeric::UNORM: {
        const float clamped = std::isnan(f) ? 0.0f : std::clamp(f, 0.0f, 1.0f);
        return uint64_t(std::llrint(double(clamped) * double(mask)));
    }
    case Numeric::SRGB: {
        // Only R, G, B are encoded; alpha stays linear.
        const float enc = index < 3 ? srgb_encode(f) : (std::isnan(f) ? 0.0f : std::clamp(f, 0.0f, 1.0f));
        return uint64_t(std::llrint(double(enc) * double(mask)));
    }
    case Numeric::SNORM: {
        const double max = double((uint64_t{1} << (bits - 1)) - 1);
        const float clamped = std::isnan(f) ? 0.0f : std::clamp(f, -1.0f, 1.0f);
        return uint64_t(std::llrint(double(clamped) * max)) & mask;
    }
    case Numeric::USCALED: {
        const double max = double(mask);
        const double clamped = std::isnan(f) ? 0.0 : std::clamp(double(f), 0.0, max);
        return uint64_t(std::llrint(clamped));
    }
    case Numeric::SSCALED: {
        const double max = double((uint64_t{1} << (bits - 1)) - 1);
        const double clamped = std::isnan(f) ? 0.0 : std::clamp(double(f), -max - 1.0, max);
        return uint64_t(int64_t(std::llrint(clamped))) & mask;
    }
    case Numeric::UINT: {
        const uint64_t u = v.uint32[index];
        return std::min(u, mask);
    }
    case Numeric::SINT: {
        const int64_t s = v.int32[index];
        if (bits >= 32)
            return uint64_t(s) & mask;
        const int64_t max = (int64_t{1} << (bits - 1)) - 1;
        return uint64_t(std::clamp(s, -max - 1, max)) & mask;
    }
    case Numeric::SFLOAT:
        if (bits == 16)
            return float_to_half(f);
        if (bits == 32) {
            uint32_t u;
            std::memcpy(&u, &f, 4);
            return u;
        }
        return 0;  // 64-bit components are taken whole in pack_color
    case Numeric::UFLOAT:
        return float_to_unsigned_minifloat(f, bits - 5);
    }
    return 0;
}

bool pack_color(VkFormat format, const VkClearColorValue& value, std::byte* out) {
    const FormatInfo* info = gen::format_info(format);
    if (!info || !supported_layout(*info))
        return false;
    if (format == VK_FORMAT_E5B9G9R9_UFLOAT_PACK32) {
        const uint32_t word = float3_to_rgb9e5(value.float32);
        std::memcpy(out, &word, 4);
        return true;
    }
    if (info->packed && info->block_size > info->packed / 8) {
        // Several packed words per block (R10X6G10X6_UNORM_2PACK16...): one component per word,
        // in memory order, its bits at the top of the word and the padding below.
        const unsigned word_bytes = info->packed / 8;
        for (unsigned i = 0; i < info->component_count; ++i) {
            const auto& c = info->components[i];
            const uint64_t word = encode_channel(c, value, channel_index(c.name)) << (info->packed - c.bits);
            std::memcpy(out + i * word_bytes, &word, word_bytes);
        }
        return info->component_count * word_bytes == info->block_size;
    }
    if (info->packed) {
        // One packed word: components are listed from the most significant bits down (the
        // generator checks that they fill the word).
        uint64_t word = 0;
        unsigned shift = info->packed;
        for (unsigned i = 0; i < info->component_count; ++i) {
            const auto& c = info->components[i];
            shift -= c.bits;
            word |= encode_channel(c, value, channel_index(c.name)) << shift;
        }
        std::memcpy(out, &word, info->packed / 8);
        return true;
    }
    if (info->components[0].bits == 64) {
        // 64-bit components take two array elements each: R the bytes of elements 0-1, G of
        // 2-3 (spec 1.3.287, Vulkan-Docs #2375). Formats with more than two 64-bit components
        // cannot be cleared (VUID-vkCmdClearColorImage-image-09678).
        if (info->component_count > 2)
            return false;
        std::memcpy(out, &value, 8u * info->component_count);
        return true;
    }
    // Byte-aligned components, in memory order, each little-endian.
    std::byte* p = out;
    for (unsigned i = 0; i < info->component_count; ++i) {
        const auto& c = info->components[i];
        if (c.bits % 8)
            return false;
        const uint64_t bits = encode_channel(c, value, channel_index(c.name));
        std::memcpy(p, &bits, c.bits / 8);
        p += c.bits / 8;
    }
    return p - out == info->block_size;
}

uint32_t depth_texel_size(VkFormat format) {
    switch (format) {
    case VK_FORMAT_D16_UNORM:
    case VK_FORMAT_D16_UNORM_S8_UINT:
        return 2;
    case VK_FORMAT_X8_D24_UNORM_PACK32:
    case VK_FORMAT_D24_UNORM_S8_UINT:
    case VK_FORMAT_D32_SFLOAT:
    case VK_FORMAT_D32_SFLOAT_S8_UINT:
        return 4;
    default:
        return 0;
    }
}

void pack_depth(VkFormat format, float depth, std::byte* out) {
    const float d = std::isnan(depth) ? 0.0f : depth;
    switch (format) {
    case VK_FORMAT_D16_UNORM:
    case VK_FORMAT_D16_UNORM_S8_UINT: {
        const uint16_t v = uint16_t(std::lrint(double(std::clamp(d, 0.0f, 1.0f)) * 65535.0));
        std::memcpy(out, &v, 2);
        break;
    }
    case VK_FORMAT_X8_D24_UNORM_PACK32:
    case VK_FORMAT_D24_UNORM_S8_UINT: {
        const uint32_t v = uint32_t(std::lrint(double(std::clamp(d, 0.0f, 1.0f)) * 16777215.0));
        std::memcpy(out, &v, 4);
        break;
    }
    default:
        std::memcpy(out, &d, 4);  // SFLOAT depth stores the value as given
        break;
    }
}

}  // namespace kiln::format
