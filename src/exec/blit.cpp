// Image blits, as the spec's "Copying Data Between Images" / vkCmdBlitImage describes them: each
// destination texel center is mapped back into the source region (u = s0 + (x + 0.5 - d0) *
// (s1 - s0) / (d1 - d0), so reversed offsets mirror), sampled with clamp-to-edge addressing by the
// filter, converted through the shader's view of the texel (sRGB decoded to linear, normalized to
// float, integers kept) and written in the destination format. Identical formats with NEAREST
// copy texel bytes, which is also how depth and stencil are blitted (NEAREST only, same format).
#include "blit.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "command_stream.h"
#include "format/texel_codec.h"

namespace kiln::exec {

using format::ImageLayout;
using format::PlaneLayout;

namespace {

// The source texels one destination coordinate reads on one axis: i0 alone (NEAREST), or i0 and
// i1 weighted (1 - frac, frac) for LINEAR.
struct Tap {
    uint32_t i0, i1;
    float frac;
};

// Taps for every destination coordinate in [min(d0,d1), max(d0,d1)), in increasing order.
std::vector<Tap> axis_taps(int32_t s0, int32_t s1, int32_t d0, int32_t d1, uint32_t src_size, bool linear) {
    std::vector<Tap> taps;
    const int32_t lo = std::min(d0, d1), hi = std::max(d0, d1);
    const double scale = double(s1 - s0) / double(d1 - d0);
    const int64_t last = int64_t(src_size) - 1;
    for (int32_t x = lo; x < hi; ++x) {
        const double u = s0 + (x + 0.5 - d0) * scale;
        Tap t{};
        if (!linear) {
            const int64_t i = std::clamp<int64_t>(int64_t(std::floor(u)), 0, last);
            t = {uint32_t(i), uint32_t(i), 0.0f};
        } else {
            const double v = u - 0.5;
            const double f = std::floor(v);
            const int64_t i0 = int64_t(f);
            t.i0 = uint32_t(std::clamp<int64_t>(i0, 0, last));
            t.i1 = uint32_t(std::clamp<int64_t>(i0 + 1, 0, last));
            t.frac = float(v - f);
        }
        taps.push_back(t);
    }
    return taps;
}

// Where texel (x, y, slice) of a region's subresource lives: `slice` is the depth slice of a 3D
// image, else the array layer.
std::byte* texel_at(const ImageRef& image, const PlaneLayout& plane, uint32_t mip, uint32_t slice, uint32_t x,
                    uint32_t y) {
    const ImageLayout& layout = *image.layout;
    const bool volume = layout.shape().type == VK_IMAGE_TYPE_3D;
    return image.base + layout.texel_offset(plane, mip, volume ? 0 : slice, x, y, volume ? slice : 0);
}

struct RegionAxes {
    std::vector<Tap> x, y, z;  // z: depth slices of a 3D source, or one tap per layer of an array
    int32_t dx, dy, dz;        // the first destination texel and slice
};

RegionAxes axes_of(const VkImageBlit& r, const ImageLayout& src, const PlaneLayout& sp, bool linear) {
    const format::MipLayout& m = sp.mips[r.srcSubresource.mipLevel];
    RegionAxes a;
    a.x = axis_taps(r.srcOffsets[0].x, r.srcOffsets[1].x, r.dstOffsets[0].x, r.dstOffsets[1].x, m.width, linear);
    a.y = axis_taps(r.srcOffsets[0].y, r.srcOffsets[1].y, r.dstOffsets[0].y, r.dstOffsets[1].y, m.height, linear);
    a.dx = std::min(r.dstOffsets[0].x, r.dstOffsets[1].x);
    a.dy = std::min(r.dstOffsets[0].y, r.dstOffsets[1].y);
    if (src.shape().type == VK_IMAGE_TYPE_3D) {
        a.z = axis_taps(r.srcOffsets[0].z, r.srcOffsets[1].z, r.dstOffsets[0].z, r.dstOffsets[1].z, m.depth, linear);
        a.dz = std::min(r.dstOffsets[0].z, r.dstOffsets[1].z);
    } else {
        // Array layers are never filtered: layer i of the source goes to layer i of the destination.
        const uint32_t layers = r.srcSubresource.layerCount == VK_REMAINING_ARRAY_LAYERS
                                    ? src.shape().array_layers - r.srcSubresource.baseArrayLayer
                                    : r.srcSubresource.layerCount;
        for (uint32_t i = 0; i < layers; ++i)
            a.z.push_back({r.srcSubresource.baseArrayLayer + i, r.srcSubresource.baseArrayLayer + i, 0.0f});
        a.dz = 0;
    }
    return a;
}

// The destination slice of tap index `k` on the z axis.
uint32_t dst_slice(const VkImageBlit& r, const ImageLayout& dst, const RegionAxes& a, uint32_t k) {
    if (dst.shape().type == VK_IMAGE_TYPE_3D)
        return uint32_t(a.dz) + k;
    return r.dstSubresource.baseArrayLayer + k;
}

// Same format, NEAREST: texel bytes are copied (color of one format, depth, stencil).
void blit_bytes(const BlitCmd& cmd, const VkImageBlit& r, const PlaneLayout& sp, const PlaneLayout& dp) {
    const RegionAxes a = axes_of(r, *cmd.src.layout, sp, false);
    const uint32_t size = sp.texel_size;
    for (uint32_t k = 0; k < a.z.size(); ++k) {
        const uint32_t dz = dst_slice(r, *cmd.dst.layout, a, k);
        for (uint32_t j = 0; j < a.y.size(); ++j) {
            std::byte* out = texel_at(cmd.dst, dp, r.dstSubresource.mipLevel, dz, uint32_t(a.dx), uint32_t(a.dy) + j);
            const std::byte* row = texel_at(cmd.src, sp, r.srcSubresource.mipLevel, a.z[k].i0, 0, a.y[j].i0);
            for (uint32_t i = 0; i < a.x.size(); ++i)
                std::memcpy(out + uint64_t(i) * size, row + uint64_t(a.x[i].i0) * size, size);
        }
    }
}

// Converting and/or filtering color blit, through the formats' texel codecs.
void blit_color(const BlitCmd& cmd, const VkImageBlit& r, const format::TexelCodec& sc,
                const format::TexelCodec& dc) {
    const PlaneLayout& sp = cmd.src.layout->plane(0);
    const PlaneLayout& dp = cmd.dst.layout->plane(0);
    // Integer texels are never filtered (no SAMPLED_IMAGE_FILTER_LINEAR for them).
    const bool linear = cmd.filter == VK_FILTER_LINEAR && sc.cls == format::TexelClass::Float;
    const RegionAxes a = axes_of(r, *cmd.src.layout, sp, linear);
    const bool volume_src = cmd.src.layout->shape().type == VK_IMAGE_TYPE_3D;
    const uint32_t smip = r.srcSubresource.mipLevel, dmip = r.dstSubresource.mipLevel;
    auto read = [&](uint32_t slice, uint32_t x, uint32_t y, uint32_t out[4]) {
        sc.read(sc, texel_at(cmd.src, sp, smip, slice, x, y), out);
    };
    for (uint32_t k = 0; k < a.z.size(); ++k) {
        const Tap& tz = a.z[k];
        const uint32_t dz = dst_slice(r, *cmd.dst.layout, a, k);
        for (uint32_t j = 0; j < a.y.size(); ++j) {
            const Tap& ty = a.y[j];
            std::byte* out = texel_at(cmd.dst, dp, dmip, dz, uint32_t(a.dx), uint32_t(a.dy) + j);
            for (uint32_t i = 0; i < a.x.size(); ++i, out += dc.texel_size) {
                const Tap& tx = a.x[i];
                uint32_t texel[4];
                if (!linear) {
                    read(tz.i0, tx.i0, ty.i0, texel);
                } else {
                    // Bilinear in a layer, trilinear across the slices of a 3D source.
                    float sum[4] = {0, 0, 0, 0};
                    const int slices = volume_src ? 2 : 1;
                    for (int zz = 0; zz < slices; ++zz) {
                        const float wz = slices == 1 ? 1.0f : (zz ? tz.frac : 1.0f - tz.frac);
                        for (int yy = 0; yy < 2; ++yy) {
                            const float wy = yy ? ty.frac : 1.0f - ty.frac;
                            for (int xx = 0; xx < 2; ++xx) {
                                const float w = wz * wy * (xx ? tx.frac : 1.0f - tx.frac);
                                if (w == 0.0f)
                                    continue;
                                uint32_t t[4];
                                read(zz ? tz.i1 : tz.i0, xx ? tx.i1 : tx.i0, yy ? ty.i1 : ty.i0, t);
                                for (int c = 0; c < 4; ++c) {
                                    float v;
                                    std::memcpy(&v, &t[c], 4);
                                    sum[c] += w * v;
                                }
                            }
                        }
                    }
                    std::memcpy(texel, sum, sizeof texel);
                }
                dc.write(dc, texel, out);
            }
        }
    }
}

}  // namespace

void blit_image(const BlitCmd& cmd) {
    const ImageLayout& src = *cmd.src.layout;
    const ImageLayout& dst = *cmd.dst.layout;
    for (uint32_t n = 0; n < cmd.region_count; ++n) {
        const VkImageBlit& r = trailing<VkImageBlit>(&cmd)[n];
        if (r.dstOffsets[0].x == r.dstOffsets[1].x || r.dstOffsets[0].y == r.dstOffsets[1].y ||
            r.dstOffsets[0].z == r.dstOffsets[1].z)
            continue;  // an empty destination region writes nothing
        if (r.srcSubresource.aspectMask & VK_IMAGE_ASPECT_COLOR_BIT) {
            const VkFormat sf = src.shape().format, df = dst.shape().format;
            if (sf == df && cmd.filter == VK_FILTER_NEAREST) {
                blit_bytes(cmd, r, src.plane(0), dst.plane(0));
                continue;
            }
            const format::TexelCodec* sc = format::texel_codec(sf);
            const format::TexelCodec* dc = format::texel_codec(df);
            if (sc && dc)  // else BLIT_SRC/BLIT_DST are not reported for the format: never reached
                blit_color(cmd, r, *sc, *dc);
            continue;
        }
        // Depth and stencil: the same format on both sides and NEAREST (VUID-vkCmdBlitImage-srcImage-00232,
        // -filter-00237), so each aspect's plane is copied texel by texel.
        for (VkImageAspectFlagBits aspect : {VK_IMAGE_ASPECT_DEPTH_BIT, VK_IMAGE_ASPECT_STENCIL_BIT}) {
            if (!(r.srcSubresource.aspectMask & aspect))
                continue;
            const PlaneLayout* sp = src.plane_for(aspect);
            const PlaneLayout* dp = dst.plane_for(aspect);
            if (sp && dp && sp->texel_size == dp->texel_size)
                blit_bytes(cmd, r, *sp, *dp);
        }
    }
}

}  // namespace kiln::exec
