#include "executor.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "blit.h"
#include "resolve.h"
#include "command_stream.h"
#include "commands.h"
#include "draw.h"
#include "sync.h"
#include "worker_pool.h"

namespace kiln::exec {

using format::ImageLayout;
using format::PlaneLayout;

void fill_pattern(void* dst, unsigned long size, const void* pattern, unsigned pattern_size) {
    auto* out = static_cast<std::byte*>(dst);
    if (size == 0)
        return;
    if (pattern_size == 1) {
        std::memset(out, std::to_integer<int>(*static_cast<const std::byte*>(pattern)), size);
        return;
    }
    // Seed one copy, then double what is written: O(log n) memcpy calls.
    unsigned long done = std::min<unsigned long>(pattern_size, size);
    std::memcpy(out, pattern, done);
    while (done < size) {
        const unsigned long chunk = std::min(done, size - done);
        std::memcpy(out + done, out, chunk);
        done += chunk;
    }
}

static uint32_t remaining(uint32_t count, uint32_t base, uint32_t total) {
    return count == VK_REMAINING_MIP_LEVELS ? total - base : count;  // same value as VK_REMAINING_ARRAY_LAYERS
}

// Offset of slice `i` of a copy: array layer i of a 2D/1D image, depth slice i of a 3D one.
static uint64_t slice_offset(const ImageLayout& layout, const PlaneLayout& plane, uint32_t mip,
                             uint32_t base_layer, const VkOffset3D& offset, uint32_t i) {
    const bool volume = layout.shape().type == VK_IMAGE_TYPE_3D;
    return layout.texel_offset(plane, mip, volume ? base_layer : base_layer + i, uint32_t(offset.x),
                               uint32_t(offset.y), volume ? uint32_t(offset.z) + i : uint32_t(offset.z));
}

static void copy_buffer_image(const BufferImageCmd& cmd, bool to_image) {
    const ImageLayout& layout = *cmd.image.layout;
    for (uint32_t r = 0; r < cmd.region_count; ++r) {
        const VkBufferImageCopy& region = trailing<VkBufferImageCopy>(&cmd)[r];
        const PlaneLayout* plane = layout.plane_for(region.imageSubresource.aspectMask);
        if (!plane)
            continue;  // rejected at record time; never reached
        const uint32_t bw = plane->block_width, bh = plane->block_height;
        const uint64_t row_length = (region.bufferRowLength ? region.bufferRowLength : region.imageExtent.width);
        const uint64_t image_height = (region.bufferImageHeight ? region.bufferImageHeight : region.imageExtent.height);
        const uint64_t buffer_row_pitch = (row_length + bw - 1) / bw * plane->texel_size;
        const uint64_t buffer_slice_pitch = (image_height + bh - 1) / bh * buffer_row_pitch;
        const uint64_t row_bytes = (region.imageExtent.width + bw - 1) / bw * uint64_t(plane->texel_size);
        const uint32_t rows = (region.imageExtent.height + bh - 1) / bh;
        const bool volume = layout.shape().type == VK_IMAGE_TYPE_3D;
        const uint32_t layers = remaining(region.imageSubresource.layerCount, region.imageSubresource.baseArrayLayer,
                                          layout.shape().array_layers);
        const uint32_t slices = volume ? region.imageExtent.depth : layers;
        const uint64_t image_row_pitch = plane->mips[region.imageSubresource.mipLevel].row_pitch;
        for (uint32_t s = 0; s < slices; ++s) {
            std::byte* image = cmd.image.base + slice_offset(layout, *plane, region.imageSubresource.mipLevel,
                                                             region.imageSubresource.baseArrayLayer,
                                                             region.imageOffset, s);
            std::byte* buffer = cmd.buffer + region.bufferOffset + s * buffer_slice_pitch;
            if (row_bytes == image_row_pitch && row_bytes == buffer_row_pitch) {
                to_image ? std::memcpy(image, buffer, row_bytes * rows) : std::memcpy(buffer, image, row_bytes * rows);
                continue;
            }
            for (uint32_t y = 0; y < rows; ++y) {
                std::byte* i = image + y * image_row_pitch;
                std::byte* b = buffer + y * buffer_row_pitch;
                to_image ? std::memcpy(i, b, row_bytes) : std::memcpy(b, i, row_bytes);
            }
        }
    }
}

static void copy_image(const CopyImageCmd& cmd) {
    const ImageLayout& src = *cmd.src.layout;
    const ImageLayout& dst = *cmd.dst.layout;
    for (uint32_t r = 0; r < cmd.region_count; ++r) {
        const VkImageCopy& region = trailing<VkImageCopy>(&cmd)[r];
        for (uint32_t i = 0; i < src.plane_count(); ++i) {
            const PlaneLayout& sp = src.plane(i);
            if (!(region.srcSubresource.aspectMask & sp.aspect))
                continue;
            // Color copies may go between formats of one texel size; depth/stencil match aspects.
            const PlaneLayout* dp = sp.aspect == VK_IMAGE_ASPECT_COLOR_BIT ? &dst.plane(0) : dst.plane_for(sp.aspect);
            if (!dp)
                continue;
            const uint32_t bw = sp.block_width, bh = sp.block_height;
            // Multisampled images copy every sample: both have the same count (VUID-vkCmdCopyImage-srcImage-00136).
            const uint64_t row_bytes = (region.extent.width + bw - 1) / bw * uint64_t(sp.pixel_stride());
            const uint32_t rows = (region.extent.height + bh - 1) / bh;
            const uint32_t slices = src.shape().type == VK_IMAGE_TYPE_3D
                                        ? region.extent.depth
                                        : remaining(region.srcSubresource.layerCount,
                                                    region.srcSubresource.baseArrayLayer, src.shape().array_layers);
            const uint64_t src_pitch = sp.mips[region.srcSubresource.mipLevel].row_pitch;
            const uint64_t dst_pitch = dp->mips[region.dstSubresource.mipLevel].row_pitch;
            for (uint32_t s = 0; s < slices; ++s) {
                const std::byte* from = cmd.src.base + slice_offset(src, sp, region.srcSubresource.mipLevel,
                                                                    region.srcSubresource.baseArrayLayer,
                                                                    region.srcOffset, s);
                std::byte* to = cmd.dst.base + slice_offset(dst, *dp, region.dstSubresource.mipLevel,
                                                            region.dstSubresource.baseArrayLayer, region.dstOffset, s);
                for (uint32_t y = 0; y < rows; ++y)
                    std::memmove(to + y * dst_pitch, from + y * src_pitch, row_bytes);
            }
        }
    }
}

static void clear_plane(const ImageRef& image, const PlaneLayout& plane, const VkImageSubresourceRange& range,
                        const void* texel, unsigned texel_size) {
    const ImageLayout& layout = *image.layout;
    const uint32_t levels = remaining(range.levelCount, range.baseMipLevel, layout.shape().mip_levels);
    const uint32_t layers = remaining(range.layerCount, range.baseArrayLayer, layout.shape().array_layers);
    for (uint32_t level = range.baseMipLevel; level < range.baseMipLevel + levels; ++level) {
        const format::MipLayout& mip = plane.mips[level];
        // The slices of one layer are contiguous: a layer is one pattern fill.
        const uint64_t layer_bytes = mip.depth_pitch * ((mip.depth + plane.block_depth - 1) / plane.block_depth);
        for (uint32_t layer = range.baseArrayLayer; layer < range.baseArrayLayer + layers; ++layer)
            fill_pattern(image.base + mip.offset + layer * mip.array_pitch, layer_bytes, texel, texel_size);
    }
}

static void clear_color(const ClearColorCmd& cmd) {
    const PlaneLayout& plane = cmd.image.layout->plane(0);
    for (uint32_t r = 0; r < cmd.range_count; ++r)
        clear_plane(cmd.image, plane, trailing<VkImageSubresourceRange>(&cmd)[r], cmd.texel, plane.texel_size);
}

static void clear_depth_stencil(const ClearDepthStencilCmd& cmd) {
    for (uint32_t r = 0; r < cmd.range_count; ++r) {
        const VkImageSubresourceRange& range = trailing<VkImageSubresourceRange>(&cmd)[r];
        if (range.aspectMask & VK_IMAGE_ASPECT_DEPTH_BIT) {
            if (const PlaneLayout* p = cmd.image.layout->plane_for(VK_IMAGE_ASPECT_DEPTH_BIT))
                clear_plane(cmd.image, *p, range, cmd.depth, p->texel_size);
        }
        if (range.aspectMask & VK_IMAGE_ASPECT_STENCIL_BIT) {
            if (const PlaneLayout* p = cmd.image.layout->plane_for(VK_IMAGE_ASPECT_STENCIL_BIT))
                clear_plane(cmd.image, *p, range, &cmd.stencil, 1);
        }
    }
}

static void clear_rects(const ClearRectsCmd& cmd) {
    const ImageLayout& layout = *cmd.image.layout;
    const PlaneLayout& plane = layout.plane(cmd.plane);
    const format::MipLayout& mip = plane.mips[cmd.mip_level];
    const bool volume = layout.shape().type == VK_IMAGE_TYPE_3D;
    const uint32_t layers = volume ? mip.depth : layout.shape().array_layers;
    for (uint32_t r = 0; r < cmd.rect_count; ++r) {
        const VkClearRect& rect = trailing<VkClearRect>(&cmd)[r];
        // Clipped to the subresource: valid rects always are inside (VUID-vkCmdClearAttachments-pRects-00016),
        // and a render area may exceed a view only through invalid usage.
        const int64_t x0 = std::max<int64_t>(rect.rect.offset.x, 0), y0 = std::max<int64_t>(rect.rect.offset.y, 0);
        const int64_t x1 = std::min<int64_t>(int64_t(rect.rect.offset.x) + rect.rect.extent.width, mip.width);
        const int64_t y1 = std::min<int64_t>(int64_t(rect.rect.offset.y) + rect.rect.extent.height, mip.height);
        if (x0 >= x1 || y0 >= y1)
            continue;
        const uint64_t first = uint64_t(cmd.base_layer) + rect.baseArrayLayer;
        const uint64_t last = std::min<uint64_t>(first + rect.layerCount, layers);
        const uint64_t row_bytes = uint64_t(x1 - x0) * plane.pixel_stride();  // every sample of the pixels
        for (uint64_t layer = first; layer < last; ++layer) {
            const uint64_t at = volume ? layout.texel_offset(plane, cmd.mip_level, 0, uint32_t(x0), uint32_t(y0), uint32_t(layer))
                                       : layout.texel_offset(plane, cmd.mip_level, uint32_t(layer), uint32_t(x0), uint32_t(y0), 0);
            std::byte* row = cmd.image.base + at;
            if (row_bytes == mip.row_pitch) {  // whole rows: one fill for the rectangle
                fill_pattern(row, row_bytes * uint64_t(y1 - y0), cmd.texel, plane.texel_size);
                continue;
            }
            for (int64_t y = y0; y < y1; ++y, row += mip.row_pitch)
                fill_pattern(row, row_bytes, cmd.texel, plane.texel_size);
        }
    }
}

// Every workgroup of a dispatch, spread over the pool's threads (each with its own scratch).
static void dispatch(const DispatchCmd& cmd, WorkerPool* pool) {
    spirv::DispatchContext context;
    context.program = cmd.program;
    const spirv::Range* ranges = trailing<spirv::Range>(&cmd);
    context.buffers.assign(ranges, ranges + cmd.range_count);
    // The image descriptors follow the ranges (compute.cpp).
    context.images = reinterpret_cast<const spirv::ImageDescriptor*>(ranges + cmd.range_count);
    context.image_count = cmd.image_count;
    std::copy(cmd.base_group, cmd.base_group + 3, context.base_group);
    std::copy(cmd.group_count, cmd.group_count + 3, context.group_count);
    if (cmd.indirect)
        std::memcpy(context.group_count, cmd.indirect, sizeof context.group_count);
    const uint64_t groups = uint64_t(context.group_count[0]) * context.group_count[1] * context.group_count[2];
    if (groups == 0)
        return;
    const uint32_t threads = pool ? pool->thread_count() : 1;
    std::vector<spirv::Scratch> scratch(threads);
    auto run = [&](uint32_t index, uint32_t worker) {
        const uint32_t gx = context.group_count[0], gy = context.group_count[1];
        const uint32_t group[3] = {index % gx, (index / gx) % gy, uint32_t(index / (uint64_t(gx) * gy))};
        spirv::run_workgroup(context, group, scratch[worker]);
    };
    // More than 2^32 workgroups cannot be asked for within the limits (65535^3 is, but a dispatch
    // that large would not finish anyway): indices beyond 32 bits run in slices.
    for (uint64_t first = 0; first < groups; first += UINT32_MAX) {
        const uint32_t count = uint32_t(std::min<uint64_t>(groups - first, UINT32_MAX));
        if (pool)
            pool->parallel_for(count, [&](uint32_t i, uint32_t w) { run(uint32_t(first + i), w); });
        else
            for (uint32_t i = 0; i < count; ++i)
                run(uint32_t(first + i), 0);
    }
}

void execute_stream(const CommandStream& stream, WorkerPool* pool) {
    stream.for_each([pool](Op op, const void* payload) {
        switch (op) {
        case Op::CopyMemory: {
            auto& cmd = *static_cast<const CopyMemoryCmd*>(payload);
            for (uint32_t r = 0; r < cmd.region_count; ++r) {
                const MemoryRegion& region = trailing<MemoryRegion>(&cmd)[r];
                std::memmove(cmd.dst + region.dst_offset, cmd.src + region.src_offset, region.size);
            }
            break;
        }
        case Op::FillMemory: {
            auto& cmd = *static_cast<const FillMemoryCmd*>(payload);
            fill_pattern(cmd.dst, cmd.size, &cmd.value, 4);
            break;
        }
        case Op::UpdateMemory: {
            auto& cmd = *static_cast<const UpdateMemoryCmd*>(payload);
            std::memcpy(cmd.dst, trailing<std::byte>(&cmd), cmd.size);
            break;
        }
        case Op::CopyBufferToImage:
            copy_buffer_image(*static_cast<const BufferImageCmd*>(payload), true);
            break;
        case Op::CopyImageToBuffer:
            copy_buffer_image(*static_cast<const BufferImageCmd*>(payload), false);
            break;
        case Op::CopyImage:
            copy_image(*static_cast<const CopyImageCmd*>(payload));
            break;
        case Op::ClearColorImage:
            clear_color(*static_cast<const ClearColorCmd*>(payload));
            break;
        case Op::ClearDepthStencilImage:
            clear_depth_stencil(*static_cast<const ClearDepthStencilCmd*>(payload));
            break;
        case Op::SetEvent:
            static_cast<const EventCmd*>(payload)->event->set();
            break;
        case Op::ResetEvent:
            static_cast<const EventCmd*>(payload)->event->reset();
            break;
        case Op::WaitEvents: {
            auto& cmd = *static_cast<const WaitEventsCmd*>(payload);
            for (uint64_t i = 0; i < cmd.event_count; ++i)
                trailing<Event*>(&cmd)[i]->wait_until_set();
            break;
        }
        case Op::ExecuteStream:
            execute_stream(*static_cast<const ExecuteStreamCmd*>(payload)->stream, pool);
            break;
        case Op::Dispatch:
            dispatch(*static_cast<const DispatchCmd*>(payload), pool);
            break;
        case Op::ClearRects:
            clear_rects(*static_cast<const ClearRectsCmd*>(payload));
            break;
        case Op::Blit:
            blit_image(*static_cast<const BlitCmd*>(payload));
            break;
        case Op::Draw:
            draw(*static_cast<const DrawCmd*>(payload), pool);
            break;
        case Op::Resolve:
            resolve_image(*static_cast<const ResolveCmd*>(payload));
            break;
        }
    });
}

}  // namespace kiln::exec
