// ResolveCmd: the samples of each pixel (adjacent in Kiln's layout, format/image_layout.h) averaged
// or sample 0 taken, written to the one-sample destination.
//
// AVERAGE reads the samples through the format's texel codec, so UNORM/SNORM values are averaged
// as the values they stand for and sRGB ones in linear space (the codec decodes and encodes; the
// spec's VkResolveModeFlagBits: "the implementation should convert samples from nonlinear to
// linear before averaging"), then the mean is written with the codec's rounding. Integer formats take sample 0 ("the value of a
// single sample", vkCmdResolveImage; VK_RESOLVE_MODE_SAMPLE_ZERO_BIT for render passes), and so do
// depth and stencil (Kiln reports SAMPLE_ZERO only in VkPhysicalDeviceDepthStencilResolveProperties).
#include "resolve.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "format/texel_codec.h"

namespace kiln::exec {

void resolve_image(const ResolveCmd& cmd) {
    const format::ImageLayout& src = *cmd.src.layout;
    const format::ImageLayout& dst = *cmd.dst.layout;
    const bool color = cmd.aspect == VK_IMAGE_ASPECT_COLOR_BIT;
    const format::PlaneLayout* sp = color ? &src.plane(0) : src.plane_for(cmd.aspect);
    const format::PlaneLayout* dp = color ? &dst.plane(0) : dst.plane_for(cmd.aspect);
    // Invalid usage otherwise (VUID-vkCmdResolveImage-srcImage-00257, -dstImage-02003, formats
    // of one size): do nothing rather than read or write past a texel.
    if (!sp || !dp || sp->texel_size != dp->texel_size || dp->samples != 1 || cmd.src_mip >= src.shape().mip_levels ||
        cmd.dst_mip >= dst.shape().mip_levels)
        return;
    const format::TexelCodec* codec = color ? format::texel_codec(cmd.format) : nullptr;
    const bool average = codec && codec->texel_size == sp->texel_size && codec->cls == format::TexelClass::Float &&
                         cmd.mode == VK_RESOLVE_MODE_AVERAGE_BIT && sp->samples > 1;
    const format::MipLayout& sm = sp->mips[cmd.src_mip];
    const format::MipLayout& dm = dp->mips[cmd.dst_mip];
    // Clipped to both subresources (a valid region is inside them).
    const int64_t x0 = std::max({int64_t(0), -int64_t(cmd.src_offset.x), -int64_t(cmd.dst_offset.x)});
    const int64_t y0 = std::max({int64_t(0), -int64_t(cmd.src_offset.y), -int64_t(cmd.dst_offset.y)});
    const int64_t x1 = std::min({int64_t(cmd.extent.width), int64_t(sm.width) - cmd.src_offset.x,
                                 int64_t(dm.width) - cmd.dst_offset.x});
    const int64_t y1 = std::min({int64_t(cmd.extent.height), int64_t(sm.height) - cmd.src_offset.y,
                                 int64_t(dm.height) - cmd.dst_offset.y});
    if (x0 >= x1 || y0 >= y1)
        return;
    const uint32_t samples = sp->samples;
    for (uint32_t layer = 0; layer < cmd.layer_count; ++layer) {
        if (cmd.src_layer + layer >= src.shape().array_layers || cmd.dst_layer + layer >= dst.shape().array_layers)
            break;
        for (int64_t y = y0; y < y1; ++y) {
            const std::byte* from = cmd.src.base + src.texel_offset(*sp, cmd.src_mip, cmd.src_layer + layer,
                                                                    uint32_t(cmd.src_offset.x + x0),
                                                                    uint32_t(cmd.src_offset.y + y), 0);
            std::byte* to = cmd.dst.base + dst.texel_offset(*dp, cmd.dst_mip, cmd.dst_layer + layer,
                                                            uint32_t(cmd.dst_offset.x + x0),
                                                            uint32_t(cmd.dst_offset.y + y), 0);
            for (int64_t x = x0; x < x1; ++x, from += sp->pixel_stride(), to += dp->texel_size) {
                if (!average) {
                    std::memcpy(to, from, dp->texel_size);  // sample 0
                    continue;
                }
                float sum[4] = {0, 0, 0, 0};
                for (uint32_t s = 0; s < samples; ++s) {
                    uint32_t v[4];
                    codec->read(*codec, from + s * sp->texel_size, v);
                    for (int c = 0; c < 4; ++c)
                        sum[c] += std::bit_cast<float>(v[c]);
                }
                uint32_t mean[4];
                for (int c = 0; c < 4; ++c)
                    mean[c] = std::bit_cast<uint32_t>(sum[c] / float(samples));
                codec->write(*codec, mean, to);
            }
        }
    }
}

}  // namespace kiln::exec
