#include "texel_codec.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <memory>

#include "texel.h"
#include "vk_formats.h"

namespace kiln::format {

using gen::FormatInfo;
using gen::Numeric;

namespace {

uint32_t bits_of(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}

int channel_of(char name) {
    switch (name) {
    case 'R': return 0;
    case 'G': return 1;
    case 'B': return 2;
    case 'A': return 3;
    default: return -1;
    }
}

// Unsigned 10- and 11-bit floats: 5 exponent bits (bias 15), no sign ("Unsigned 11-Bit / 10-Bit
// Floating-Point Numbers").
float unsigned_minifloat(uint32_t v, unsigned mantissa_bits) {
    const uint32_t exponent = v >> mantissa_bits, mantissa = v & ((1u << mantissa_bits) - 1);
    const float m = float(mantissa) / float(1u << mantissa_bits);
    if (exponent == 0)
        return std::ldexp(m, -14);
    if (exponent == 31)
        return mantissa ? NAN : INFINITY;
    return std::ldexp(1.0f + m, int(exponent) - 15);
}

// sRGB to linear ("sRGB EOTF"), for 8-bit components from a table.
float srgb_to_linear(float c) {
    return c <= 0.04045f ? c / 12.92f : std::pow((c + 0.055f) / 1.055f, 2.4f);
}
const float* srgb8_table() {
    static const auto table = [] {
        auto t = std::make_unique<float[]>(256);
        for (int i = 0; i < 256; ++i)
            t[i] = srgb_to_linear(float(i) / 255.0f);
        return t;
    }();
    return table.get();
}

// One component's bits as the shader reads it.
uint32_t convert(const gen::FormatComponent& c, uint64_t raw, int channel) {
    const unsigned bits = c.bits;
    const uint64_t max = bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
    auto sign_extend = [&](uint64_t v) {
        return bits >= 64 ? int64_t(v) : int64_t(v << (64 - bits)) >> (64 - bits);
    };
    switch (c.numeric) {
    case Numeric::UNORM: return bits_of(float(raw) / float(max));  // c / (2^b - 1)
    case Numeric::SNORM: {
        // max(c / (2^(b-1) - 1), -1.0)
        const float v = float(sign_extend(raw)) / float((uint64_t{1} << (bits - 1)) - 1);
        return bits_of(v < -1.0f ? -1.0f : v);
    }
    case Numeric::USCALED: return bits_of(float(raw));
    case Numeric::SSCALED: return bits_of(float(sign_extend(raw)));
    case Numeric::UINT: return uint32_t(raw);
    case Numeric::SINT: return uint32_t(sign_extend(raw));
    case Numeric::SFLOAT: return bits == 16 ? bits_of(half_to_float(uint16_t(raw))) : uint32_t(raw);
    case Numeric::UFLOAT: return bits_of(unsigned_minifloat(uint32_t(raw), bits - 5));
    case Numeric::SRGB:
        if (channel == 3)  // alpha stays linear
            return bits_of(float(raw) / float(max));
        return bits_of(bits == 8 ? srgb8_table()[raw & 0xff] : srgb_to_linear(float(raw) / float(max)));
    }
    return 0;
}

void defaults(const TexelCodec& codec, uint32_t out[4]) {
    out[0] = out[1] = out[2] = 0;
    out[3] = codec.cls == TexelClass::Float ? bits_of(1.0f) : 1u;
}

void read_generic(const TexelCodec& codec, const std::byte* texel, uint32_t out[4]) {
    const FormatInfo& info = *codec.info;
    defaults(codec, out);
    if (info.packed && info.block_size > info.packed / 8) {
        // Several packed words (..._2PACK16, _4PACK16): one component per word, at its top.
        const unsigned word_bytes = info.packed / 8;
        for (unsigned i = 0; i < info.component_count; ++i) {
            uint64_t word = 0;
            std::memcpy(&word, texel + i * word_bytes, word_bytes);
            const auto& c = info.components[i];
            const int ch = channel_of(c.name);
            out[ch] = convert(c, word >> (info.packed - c.bits), ch);
        }
        return;
    }
    if (info.packed) {
        uint64_t word = 0;
        std::memcpy(&word, texel, info.packed / 8);
        unsigned shift = info.packed;
        for (unsigned i = 0; i < info.component_count; ++i) {
            const auto& c = info.components[i];
            shift -= c.bits;
            const int ch = channel_of(c.name);
            out[ch] = convert(c, (word >> shift) & ((uint64_t{1} << c.bits) - 1), ch);
        }
        return;
    }
    const std::byte* p = texel;
    for (unsigned i = 0; i < info.component_count; ++i) {
        const auto& c = info.components[i];
        uint64_t raw = 0;
        std::memcpy(&raw, p, c.bits / 8);
        p += c.bits / 8;
        const int ch = channel_of(c.name);
        out[ch] = convert(c, raw, ch);
    }
}

// E5B9G9R9: three 9-bit mantissas with a shared 5-bit exponent (bias 15), "Shared Exponent".
void read_rgb9e5(const TexelCodec&, const std::byte* texel, uint32_t out[4]) {
    uint32_t word;
    std::memcpy(&word, texel, 4);
    const int exponent = int(word >> 27) - 15 - 9;
    for (int i = 0; i < 3; ++i)
        out[i] = bits_of(std::ldexp(float((word >> (9 * i)) & 0x1ff), exponent));
    out[3] = bits_of(1.0f);
}

// 32-bit components (R32, R32G32, R32G32B32A32 of SFLOAT/UINT/SINT): the words as they are.
template <unsigned N>
void read_words(const TexelCodec& codec, const std::byte* texel, uint32_t out[4]) {
    defaults(codec, out);
    std::memcpy(out, texel, 4 * N);
}
template <unsigned N>
void write_words(const TexelCodec&, const uint32_t in[4], std::byte* texel) {
    std::memcpy(texel, in, 4 * N);
}

void read_rgba8_unorm(const TexelCodec&, const std::byte* texel, uint32_t out[4]) {
    for (int i = 0; i < 4; ++i)
        out[i] = bits_of(float(uint8_t(texel[i])) / 255.0f);
}

void write_generic(const TexelCodec& codec, const uint32_t in[4], std::byte* texel) {
    VkClearColorValue value;
    std::memcpy(&value, in, sizeof value);
    pack_color(codec.format, value, texel);
}

TexelCodec make_codec(const FormatInfo& info) {
    TexelCodec codec;
    codec.format = info.format;
    if (!can_pack_color(info.format) || info.component_count == 0)
        return codec;  // read == NULL: not supported
    bool all_uint = true, all_sint = true;
    unsigned word_components = 0;
    for (unsigned i = 0; i < info.component_count; ++i) {
        const auto& c = info.components[i];
        if (c.bits > 32 || channel_of(c.name) < 0)
            return codec;  // 64-bit components do not fit a register word
        codec.channels |= uint8_t(1u << channel_of(c.name));
        all_uint = all_uint && c.numeric == Numeric::UINT;
        all_sint = all_sint && c.numeric == Numeric::SINT;
        if (c.bits == 32 && channel_of(c.name) == int(i) && !info.packed &&
            (c.numeric == Numeric::SFLOAT || c.numeric == Numeric::UINT || c.numeric == Numeric::SINT))
            ++word_components;
    }
    codec.info = &info;
    codec.texel_size = info.block_size;
    codec.cls = all_uint ? TexelClass::Uint : all_sint ? TexelClass::Sint : TexelClass::Float;
    codec.read = read_generic;
    codec.write = write_generic;
    if (info.format == VK_FORMAT_E5B9G9R9_UFLOAT_PACK32)
        codec.read = read_rgb9e5;
    if (word_components == info.component_count) {
        switch (word_components) {
        case 1: codec.read = read_words<1>; codec.write = write_words<1>; break;
        case 2: codec.read = read_words<2>; codec.write = write_words<2>; break;
        case 3: codec.read = read_words<3>; codec.write = write_words<3>; break;
        default: codec.read = read_words<4>; codec.write = write_words<4>; break;
        }
    }
    if (info.format == VK_FORMAT_R8G8B8A8_UNORM)
        codec.read = read_rgba8_unorm;
    return codec;
}

}  // namespace

const float* srgb8_to_linear_table() { return srgb8_table(); }

namespace {

void read_d16(const TexelCodec&, const std::byte* texel, uint32_t out[4]) {
    uint16_t v;
    std::memcpy(&v, texel, 2);
    out[0] = bits_of(float(v) / 65535.0f);
    out[1] = out[2] = 0;
    out[3] = bits_of(1.0f);
}
void read_x8_d24(const TexelCodec&, const std::byte* texel, uint32_t out[4]) {
    uint32_t v;
    std::memcpy(&v, texel, 4);
    out[0] = bits_of(float(v & 0xffffffu) / 16777215.0f);
    out[1] = out[2] = 0;
    out[3] = bits_of(1.0f);
}
void read_d32(const TexelCodec&, const std::byte* texel, uint32_t out[4]) {
    std::memcpy(&out[0], texel, 4);
    out[1] = out[2] = 0;
    out[3] = bits_of(1.0f);
}
void read_s8(const TexelCodec&, const std::byte* texel, uint32_t out[4]) {
    out[0] = uint32_t(uint8_t(texel[0]));
    out[1] = out[2] = 0;
    out[3] = 1;
}
void write_nothing(const TexelCodec&, const uint32_t[4], std::byte*) {}

TexelCodec depth_stencil_codec(VkFormat format, uint32_t texel_size, TexelClass cls,
                               void (*read)(const TexelCodec&, const std::byte*, uint32_t[4])) {
    TexelCodec codec;
    codec.format = format;
    codec.texel_size = texel_size;
    codec.cls = cls;
    codec.channels = 1;  // R
    codec.read = read;
    codec.write = write_nothing;
    return codec;
}

}  // namespace

const TexelCodec* aspect_codec(VkFormat format, VkImageAspectFlags aspect) {
    static const TexelCodec d16 = depth_stencil_codec(VK_FORMAT_D16_UNORM, 2, TexelClass::Float, read_d16);
    static const TexelCodec d24 = depth_stencil_codec(VK_FORMAT_X8_D24_UNORM_PACK32, 4, TexelClass::Float, read_x8_d24);
    static const TexelCodec d32 = depth_stencil_codec(VK_FORMAT_D32_SFLOAT, 4, TexelClass::Float, read_d32);
    static const TexelCodec s8 = depth_stencil_codec(VK_FORMAT_S8_UINT, 1, TexelClass::Uint, read_s8);
    if (aspect == VK_IMAGE_ASPECT_DEPTH_BIT) {
        switch (format) {
        case VK_FORMAT_D16_UNORM:
        case VK_FORMAT_D16_UNORM_S8_UINT: return &d16;
        case VK_FORMAT_X8_D24_UNORM_PACK32:
        case VK_FORMAT_D24_UNORM_S8_UINT: return &d24;
        case VK_FORMAT_D32_SFLOAT:
        case VK_FORMAT_D32_SFLOAT_S8_UINT: return &d32;
        default: return nullptr;
        }
    }
    if (aspect == VK_IMAGE_ASPECT_STENCIL_BIT) {
        switch (format) {
        case VK_FORMAT_S8_UINT:
        case VK_FORMAT_D16_UNORM_S8_UINT:
        case VK_FORMAT_D24_UNORM_S8_UINT:
        case VK_FORMAT_D32_SFLOAT_S8_UINT: return &s8;
        default: return nullptr;
        }
    }
    return texel_codec(format);
}

float half_to_float(uint16_t half) {
    const uint32_t sign = uint32_t(half & 0x8000u) << 16;
    const uint32_t exponent = (half >> 10) & 0x1fu, mantissa = half & 0x3ffu;
    float magnitude;
    if (exponent == 0)
        magnitude = std::ldexp(float(mantissa), -24);
    else if (exponent == 31)
        return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));
    else
        magnitude = std::ldexp(float(mantissa | 0x400u), int(exponent) - 25);
    return std::bit_cast<float>(sign | bits_of(magnitude));
}

const TexelCodec* texel_codec(VkFormat format) {
    static const auto codecs = [] {
        auto table = std::make_unique<TexelCodec[]>(gen::kFormatCount);
        for (unsigned i = 0; i < gen::kFormatCount; ++i)
            table[i] = make_codec(gen::kFormats[i]);
        return table;
    }();
    const FormatInfo* info = gen::format_info(format);
    if (!info)
        return nullptr;
    const TexelCodec* codec = &codecs[info - gen::kFormats];
    return codec->read ? codec : nullptr;
}

bool has_spirv_image_format(VkFormat format) {
    switch (format) {
    case VK_FORMAT_R32G32B32A32_SFLOAT: case VK_FORMAT_R16G16B16A16_SFLOAT: case VK_FORMAT_R32_SFLOAT:
    case VK_FORMAT_R8G8B8A8_UNORM: case VK_FORMAT_R8G8B8A8_SNORM: case VK_FORMAT_R32G32_SFLOAT:
    case VK_FORMAT_R16G16_SFLOAT: case VK_FORMAT_B10G11R11_UFLOAT_PACK32: case VK_FORMAT_R16_SFLOAT:
    case VK_FORMAT_R16G16B16A16_UNORM: case VK_FORMAT_A2B10G10R10_UNORM_PACK32: case VK_FORMAT_R16G16_UNORM:
    case VK_FORMAT_R8G8_UNORM: case VK_FORMAT_R16_UNORM: case VK_FORMAT_R8_UNORM:
    case VK_FORMAT_R16G16B16A16_SNORM: case VK_FORMAT_R16G16_SNORM: case VK_FORMAT_R8G8_SNORM:
    case VK_FORMAT_R16_SNORM: case VK_FORMAT_R8_SNORM:
    case VK_FORMAT_R32G32B32A32_SINT: case VK_FORMAT_R16G16B16A16_SINT: case VK_FORMAT_R8G8B8A8_SINT:
    case VK_FORMAT_R32_SINT: case VK_FORMAT_R32G32_SINT: case VK_FORMAT_R16G16_SINT: case VK_FORMAT_R8G8_SINT:
    case VK_FORMAT_R16_SINT: case VK_FORMAT_R8_SINT:
    case VK_FORMAT_R32G32B32A32_UINT: case VK_FORMAT_R16G16B16A16_UINT: case VK_FORMAT_R8G8B8A8_UINT:
    case VK_FORMAT_R32_UINT: case VK_FORMAT_A2B10G10R10_UINT_PACK32: case VK_FORMAT_R32G32_UINT:
    case VK_FORMAT_R16G16_UINT: case VK_FORMAT_R8G8_UINT: case VK_FORMAT_R16_UINT: case VK_FORMAT_R8_UINT:
        return true;
    default:
        return false;
    }
}

}  // namespace kiln::format
