// Reading and writing one texel as a shader sees it: four 32-bit words, floats (as their bits) for
// float, normalized and scaled formats, integers for UINT and SINT formats. What storage images,
// sampled images and texel buffers decode and encode (Vulkan spec, "Texel Input Operations" /
// "Texel Output Operations", "Fixed-Point Data Conversions", "Floating Point Formats").
#pragma once

#include <cstddef>
#include <cstdint>
#include <vulkan/vulkan_core.h>

namespace kiln::gen {
struct FormatInfo;
}

namespace kiln::format {

// What a format's texels are in a shader.
enum class TexelClass : uint8_t { Float, Uint, Sint };

struct TexelCodec {
    VkFormat format = VK_FORMAT_UNDEFINED;
    const gen::FormatInfo* info = nullptr;
    uint32_t texel_size = 0;  // bytes
    TexelClass cls = TexelClass::Float;
    uint8_t channels = 0;  // the components the format has: bit 0 R, 1 G, 2 B, 3 A
    // Reads one texel into (R, G, B, A); absent components read 0 (R, G, B) and 1 (A), as the
    // spec's "Conversion to RGBA" says.
    void (*read)(const TexelCodec& codec, const std::byte* texel, uint32_t out[4]) = nullptr;
    // Writes (R, G, B, A), converted as the format says (normalized values clamped and rounded to
    // nearest, floats rounded to nearest even, integers clamped to the component's range).
    void (*write)(const TexelCodec& codec, const uint32_t in[4], std::byte* texel) = nullptr;
};

// The codec of a color format, or NULL when Kiln cannot read its texels in shaders (compressed,
// multi-planar, depth/stencil, 64-bit components).
const TexelCodec* texel_codec(VkFormat format);

// The codec that reads one aspect of a view of `format`: texel_codec(format) for color; for the
// depth aspect of a depth format, the depth as a float in R (UNORM depth divided by 2^n - 1); for
// the stencil aspect, the stencil value as an unsigned integer in R. Depth and stencil codecs read
// only (write is a no-op: no depth/stencil format is a storage format). NULL when not readable.
const TexelCodec* aspect_codec(VkFormat format, VkImageAspectFlags aspect);

// The formats a SPIR-V Image Format names (the storage image formats; "Compatibility Between SPIR-V
// Image Formats and Vulkan Formats"): the ones Kiln can store to.
bool has_spirv_image_format(VkFormat format);

float half_to_float(uint16_t half);

// The linear values of the 256 codes of an 8-bit sRGB component (the "sRGB EOTF"), as every
// sRGB read decodes them.
const float* srgb8_to_linear_table();

}  // namespace kiln::format
