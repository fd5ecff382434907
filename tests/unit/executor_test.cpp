// kiln::exec::execute_stream and fill_pattern: memory commands, buffer/image copies,
// image copies and clears, checked against a host reference written here from the layout
// rule at the top of format/image_layout.h (not from ImageLayout's numbers).
#include "exec/executor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "exec/command_stream.h"
#include "exec/commands.h"
#include "exec/sync.h"
#include "format/image_layout.h"
#include "format/texel.h"
#include "vk_formats.h"

namespace {

using namespace kiln::exec;
using kiln::format::ImageLayout;
using kiln::format::ImageShape;

using Bytes = std::vector<std::byte>;

Bytes random_bytes(std::size_t size, uint32_t seed) {
    std::mt19937 rng(seed);
    Bytes bytes(size);
    for (std::byte& b : bytes)
        b = std::byte(uint8_t(rng()));
    return bytes;
}

// Index of the first differing byte, or -1: a readable failure for large buffers.
long first_difference(const Bytes& a, const Bytes& b) {
    if (a.size() != b.size())
        return 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i] != b[i])
            return long(i);
    return -1;
}

#define EXPECT_SAME_BYTES(actual, expected) EXPECT_EQ(first_difference(actual, expected), -1) << "first differing byte"

// ---- the reference layout ---------------------------------------------------------------------

// The rule of format/image_layout.h, restated: planes (depth then stencil, or color) each start
// on 64 bytes; a plane holds its levels in order, a level its layers in order, a layer `depth`
// slices of `height` rows of `width` texels packed tightly; a layer's size rounds up to 16.
struct ReferenceLayout {
    ImageShape shape;
    std::vector<uint32_t> texel_sizes;  // per plane

    static std::vector<uint32_t> planes_of(VkFormat format) {
        switch (format) {
        case VK_FORMAT_D16_UNORM: return {2};
        case VK_FORMAT_D16_UNORM_S8_UINT: return {2, 1};
        case VK_FORMAT_X8_D24_UNORM_PACK32: return {4};
        case VK_FORMAT_D24_UNORM_S8_UINT: return {4, 1};
        case VK_FORMAT_D32_SFLOAT: return {4};
        case VK_FORMAT_D32_SFLOAT_S8_UINT: return {4, 1};
        case VK_FORMAT_S8_UINT: return {1};
        default: return {kiln::gen::format_info(format)->block_size};
        }
    }

    explicit ReferenceLayout(const ImageShape& s) : shape(s), texel_sizes(planes_of(s.format)) {}

    uint32_t plane_of(VkImageAspectFlags aspect) const {
        const bool has_depth = kiln::format::depth_texel_size(shape.format) != 0;
        return aspect == VK_IMAGE_ASPECT_STENCIL_BIT && has_depth ? 1 : 0;
    }
    VkExtent3D level_extent(uint32_t mip) const {
        return {std::max(1u, shape.extent.width >> mip), std::max(1u, shape.extent.height >> mip),
                std::max(1u, shape.extent.depth >> mip)};
    }
    uint64_t layer_size(uint32_t plane, uint32_t mip) const {
        const VkExtent3D e = level_extent(mip);
        const uint64_t bytes = uint64_t(e.width) * e.height * e.depth * texel_sizes[plane];
        return (bytes + 15) / 16 * 16;
    }
    uint64_t offset(uint32_t plane, uint32_t mip, uint32_t layer, uint32_t x, uint32_t y, uint32_t z) const {
        uint64_t at = 0;
        for (uint32_t p = 0; p <= plane; ++p) {
            at = (at + 63) / 64 * 64;
            for (uint32_t level = 0; level < (p == plane ? mip : shape.mip_levels); ++level)
                at += layer_size(p, level) * shape.array_layers;
        }
        const VkExtent3D e = level_extent(mip);
        const uint64_t ts = texel_sizes[plane];
        return at + layer * layer_size(plane, mip) + ((uint64_t(z) * e.height + y) * e.width + x) * ts;
    }
};

struct TestImage {
    ImageShape shape;
    ImageLayout layout;
    ReferenceLayout reference;
    Bytes memory;

    TestImage(const ImageShape& s, uint32_t seed) : shape(s), reference(s) {
        EXPECT_TRUE(ImageLayout::compute(s, &layout));
        memory = random_bytes(layout.size(), seed);
    }
    ImageRef ref() { return {memory.data(), &layout}; }
};

ImageShape shape(VkFormat format, VkImageType type, VkExtent3D extent, uint32_t mips, uint32_t layers) {
    ImageShape s;
    s.format = format;
    s.type = type;
    s.extent = extent;
    s.mip_levels = mips;
    s.array_layers = layers;
    return s;
}

void copy_texel(std::byte* to, const std::byte* from, uint32_t size) { std::memcpy(to, from, size); }

// ---- buffer <-> image -------------------------------------------------------------------------

// The spec's buffer addressing ("Copying Data Between Buffers and Images"): texel (x, y, z) of a
// region is at bufferOffset + ((z * imageHeight + y) * rowLength + x) * texelBlockSize, where
// array layers count as z.
void reference_buffer_image(const TestImage& image, Bytes& image_bytes, Bytes& buffer, const VkBufferImageCopy& r,
                            bool to_image) {
    const ReferenceLayout& ref = image.reference;
    const uint32_t plane = ref.plane_of(r.imageSubresource.aspectMask);
    const uint32_t ts = ref.texel_sizes[plane];
    const uint64_t row_length = r.bufferRowLength ? r.bufferRowLength : r.imageExtent.width;
    const uint64_t image_height = r.bufferImageHeight ? r.bufferImageHeight : r.imageExtent.height;
    const bool volume = image.shape.type == VK_IMAGE_TYPE_3D;
    const uint32_t slices = volume ? r.imageExtent.depth : r.imageSubresource.layerCount;
    for (uint32_t s = 0; s < slices; ++s) {
        for (uint32_t y = 0; y < r.imageExtent.height; ++y) {
            for (uint32_t x = 0; x < r.imageExtent.width; ++x) {
                const uint64_t b = r.bufferOffset + ((s * image_height + y) * row_length + x) * ts;
                const uint64_t i = ref.offset(plane, r.imageSubresource.mipLevel,
                                              volume ? r.imageSubresource.baseArrayLayer
                                                     : r.imageSubresource.baseArrayLayer + s,
                                              uint32_t(r.imageOffset.x) + x, uint32_t(r.imageOffset.y) + y,
                                              volume ? uint32_t(r.imageOffset.z) + s : 0);
                if (to_image)
                    copy_texel(&image_bytes[i], &buffer[b], ts);
                else
                    copy_texel(&buffer[b], &image_bytes[i], ts);
            }
        }
    }
}

uint64_t buffer_end(const TestImage& image, const VkBufferImageCopy& r) {
    const uint32_t ts = image.reference.texel_sizes[image.reference.plane_of(r.imageSubresource.aspectMask)];
    const uint64_t row_length = r.bufferRowLength ? r.bufferRowLength : r.imageExtent.width;
    const uint64_t image_height = r.bufferImageHeight ? r.bufferImageHeight : r.imageExtent.height;
    const uint32_t slices =
        image.shape.type == VK_IMAGE_TYPE_3D ? r.imageExtent.depth : r.imageSubresource.layerCount;
    return r.bufferOffset + (((slices - 1) * image_height + r.imageExtent.height - 1) * row_length +
                             r.imageExtent.width) * ts;
}

void record_buffer_image(CommandStream& stream, Op op, std::byte* buffer, ImageRef image,
                         const std::vector<VkBufferImageCopy>& regions) {
    auto* cmd = stream.append<BufferImageCmd>(op, regions.size() * sizeof(VkBufferImageCopy));
    ASSERT_NE(cmd, nullptr);
    cmd->buffer = buffer;
    cmd->image = image;
    cmd->region_count = uint32_t(regions.size());
    std::memcpy(trailing<VkBufferImageCopy>(cmd), regions.data(), regions.size() * sizeof(VkBufferImageCopy));
}

// Runs the regions both ways and compares every byte of the image and of the buffer.
void check_buffer_image_copies(const ImageShape& s, const std::vector<VkBufferImageCopy>& regions) {
    uint64_t buffer_size = 0;
    {
        TestImage probe(s, 0);
        for (const VkBufferImageCopy& r : regions)
            buffer_size = std::max(buffer_size, buffer_end(probe, r));
    }
    {
        SCOPED_TRACE("buffer to image");
        TestImage image(s, 1);
        Bytes buffer = random_bytes(buffer_size, 2);
        Bytes expected = image.memory;
        for (const VkBufferImageCopy& r : regions)
            reference_buffer_image(image, expected, buffer, r, true);
        CommandStream stream;
        record_buffer_image(stream, Op::CopyBufferToImage, buffer.data(), image.ref(), regions);
        execute_stream(stream);
        EXPECT_SAME_BYTES(image.memory, expected);
    }
    {
        SCOPED_TRACE("image to buffer");
        TestImage image(s, 3);
        Bytes buffer = random_bytes(buffer_size, 4);
        Bytes expected = buffer;
        const Bytes image_before = image.memory;
        for (const VkBufferImageCopy& r : regions)
            reference_buffer_image(image, image.memory, expected, r, false);
        CommandStream stream;
        record_buffer_image(stream, Op::CopyImageToBuffer, buffer.data(), image.ref(), regions);
        execute_stream(stream);
        EXPECT_SAME_BYTES(buffer, expected);
        EXPECT_SAME_BYTES(image.memory, image_before);
    }
}

VkBufferImageCopy region(uint64_t buffer_offset, uint32_t row_length, uint32_t image_height,
                         VkImageAspectFlags aspect, uint32_t mip, uint32_t base_layer, uint32_t layers,
                         VkOffset3D offset, VkExtent3D extent) {
    return {buffer_offset, row_length, image_height, {aspect, mip, base_layer, layers}, offset, extent};
}

constexpr VkImageAspectFlags kColor = VK_IMAGE_ASPECT_COLOR_BIT;
constexpr VkImageAspectFlags kDepth = VK_IMAGE_ASPECT_DEPTH_BIT;
constexpr VkImageAspectFlags kStencil = VK_IMAGE_ASPECT_STENCIL_BIT;

TEST(ExecutorBufferImage, SubregionOfLayersOfALevelWithBufferPitches) {
    check_buffer_image_copies(shape(VK_FORMAT_R8G8B8A8_UNORM, VK_IMAGE_TYPE_2D, {17, 13, 1}, 3, 4),
                              {region(12, 7, 4, kColor, 1, 1, 2, {1, 2, 0}, {5, 3, 1})});
}

TEST(ExecutorBufferImage, WholeLevelsWithTightBufferRows) {
    // Rows of the buffer and the image have the same pitch: the copy may be one block.
    check_buffer_image_copies(shape(VK_FORMAT_R16_UINT, VK_IMAGE_TYPE_2D, {8, 4, 1}, 2, 4),
                              {region(0, 0, 0, kColor, 0, 0, 4, {0, 0, 0}, {8, 4, 1}),
                               region(8 * 4 * 4 * 2, 0, 0, kColor, 1, 1, 3, {0, 0, 0}, {4, 2, 1})});
}

TEST(ExecutorBufferImage, FullWidthRowsWithALongerBufferRow) {
    check_buffer_image_copies(shape(VK_FORMAT_R32_SFLOAT, VK_IMAGE_TYPE_2D, {6, 5, 1}, 1, 2),
                              {region(4, 9, 0, kColor, 0, 0, 2, {0, 1, 0}, {6, 3, 1})});
}

TEST(ExecutorBufferImage, SeveralRegionsInOneCommand) {
    check_buffer_image_copies(shape(VK_FORMAT_R8G8_UNORM, VK_IMAGE_TYPE_2D, {16, 16, 1}, 4, 2),
                              {region(0, 0, 0, kColor, 0, 0, 1, {3, 3, 0}, {4, 4, 1}),
                               region(100, 5, 3, kColor, 2, 1, 1, {1, 0, 0}, {3, 2, 1}),
                               region(200, 0, 0, kColor, 3, 0, 2, {0, 0, 0}, {2, 2, 1})});
}

TEST(ExecutorBufferImage, VolumeSlicesWithThreeByteTexels) {
    check_buffer_image_copies(shape(VK_FORMAT_R8G8B8_UNORM, VK_IMAGE_TYPE_3D, {9, 7, 5}, 2, 1),
                              {region(3, 6, 5, kColor, 0, 0, 1, {2, 1, 1}, {4, 3, 3}),
                               region(500, 0, 0, kColor, 1, 0, 1, {0, 0, 0}, {4, 3, 2})});
}

TEST(ExecutorBufferImage, OneDimensionalArrayWithTwelveByteTexels) {
    check_buffer_image_copies(shape(VK_FORMAT_R32G32B32_SFLOAT, VK_IMAGE_TYPE_1D, {10, 1, 1}, 2, 3),
                              {region(0, 0, 0, kColor, 0, 1, 2, {3, 0, 0}, {5, 1, 1}),
                               region(240, 0, 0, kColor, 1, 0, 3, {1, 0, 0}, {4, 1, 1})});
}

TEST(ExecutorBufferImage, DepthAndStencilAspectsCopyTheirOwnPlane) {
    // D24_UNORM_S8_UINT: depth as 4-byte X8_D24 texels, stencil as bytes.
    check_buffer_image_copies(shape(VK_FORMAT_D24_UNORM_S8_UINT, VK_IMAGE_TYPE_2D, {6, 5, 1}, 2, 2),
                              {region(0, 0, 0, kDepth, 0, 1, 1, {1, 1, 0}, {4, 3, 1}),
                               region(64, 8, 0, kStencil, 0, 0, 2, {0, 0, 0}, {6, 5, 1}),
                               region(200, 0, 0, kStencil, 1, 1, 1, {1, 0, 0}, {2, 2, 1})});
    check_buffer_image_copies(shape(VK_FORMAT_D16_UNORM_S8_UINT, VK_IMAGE_TYPE_2D, {5, 3, 1}, 1, 1),
                              {region(2, 0, 0, kDepth, 0, 0, 1, {0, 0, 0}, {5, 3, 1}),
                               region(40, 0, 0, kStencil, 0, 0, 1, {2, 1, 0}, {3, 2, 1})});
}

// ---- image -> image ---------------------------------------------------------------------------

void reference_copy_image(const TestImage& src, const Bytes& src_bytes, const TestImage& dst, Bytes& dst_bytes,
                          const VkImageCopy& r) {
    const bool src_volume = src.shape.type == VK_IMAGE_TYPE_3D;
    const bool dst_volume = dst.shape.type == VK_IMAGE_TYPE_3D;
    const uint32_t slices = src_volume ? r.extent.depth : r.srcSubresource.layerCount;
    for (VkImageAspectFlags aspect : {kColor, kDepth, kStencil}) {
        if (!(r.srcSubresource.aspectMask & aspect))
            continue;
        const uint32_t sp = src.reference.plane_of(aspect), dp = dst.reference.plane_of(aspect);
        const uint32_t ts = src.reference.texel_sizes[sp];
        for (uint32_t s = 0; s < slices; ++s) {
            for (uint32_t y = 0; y < r.extent.height; ++y) {
                for (uint32_t x = 0; x < r.extent.width; ++x) {
                    const uint64_t from = src.reference.offset(
                        sp, r.srcSubresource.mipLevel,
                        src_volume ? r.srcSubresource.baseArrayLayer : r.srcSubresource.baseArrayLayer + s,
                        uint32_t(r.srcOffset.x) + x, uint32_t(r.srcOffset.y) + y,
                        src_volume ? uint32_t(r.srcOffset.z) + s : 0);
                    const uint64_t to = dst.reference.offset(
                        dp, r.dstSubresource.mipLevel,
                        dst_volume ? r.dstSubresource.baseArrayLayer : r.dstSubresource.baseArrayLayer + s,
                        uint32_t(r.dstOffset.x) + x, uint32_t(r.dstOffset.y) + y,
                        dst_volume ? uint32_t(r.dstOffset.z) + s : 0);
                    copy_texel(&dst_bytes[to], &src_bytes[from], ts);
                }
            }
        }
    }
}

void check_image_copies(const ImageShape& src_shape, const ImageShape& dst_shape,
                        const std::vector<VkImageCopy>& regions) {
    TestImage src(src_shape, 5), dst(dst_shape, 6);
    const Bytes src_before = src.memory;
    Bytes expected = dst.memory;
    for (const VkImageCopy& r : regions)
        reference_copy_image(src, src.memory, dst, expected, r);
    CommandStream stream;
    auto* cmd = stream.append<CopyImageCmd>(Op::CopyImage, regions.size() * sizeof(VkImageCopy));
    ASSERT_NE(cmd, nullptr);
    cmd->src = src.ref();
    cmd->dst = dst.ref();
    cmd->region_count = uint32_t(regions.size());
    std::memcpy(trailing<VkImageCopy>(cmd), regions.data(), regions.size() * sizeof(VkImageCopy));
    execute_stream(stream);
    EXPECT_SAME_BYTES(dst.memory, expected);
    EXPECT_SAME_BYTES(src.memory, src_before);
}

VkImageCopy image_copy(VkImageAspectFlags aspect, uint32_t src_mip, uint32_t src_layer, VkOffset3D src_offset,
                       uint32_t dst_mip, uint32_t dst_layer, VkOffset3D dst_offset, uint32_t layers,
                       VkExtent3D extent) {
    return {{aspect, src_mip, src_layer, layers}, src_offset, {aspect, dst_mip, dst_layer, layers}, dst_offset, extent};
}

TEST(ExecutorCopyImage, BetweenLevelsAndLayersOfTwoArrays) {
    check_image_copies(shape(VK_FORMAT_R8G8B8A8_UNORM, VK_IMAGE_TYPE_2D, {16, 16, 1}, 3, 3),
                       shape(VK_FORMAT_R8G8B8A8_UNORM, VK_IMAGE_TYPE_2D, {9, 9, 1}, 2, 4),
                       {image_copy(kColor, 1, 1, {2, 3, 0}, 0, 2, {4, 1, 0}, 2, {5, 4, 1}),
                        image_copy(kColor, 0, 0, {0, 0, 0}, 1, 0, {0, 0, 0}, 1, {4, 4, 1})});
}

TEST(ExecutorCopyImage, BetweenColorFormatsOfOneTexelSize) {
    check_image_copies(shape(VK_FORMAT_R32_UINT, VK_IMAGE_TYPE_2D, {8, 8, 1}, 1, 1),
                       shape(VK_FORMAT_B8G8R8A8_UNORM, VK_IMAGE_TYPE_2D, {8, 8, 1}, 1, 1),
                       {image_copy(kColor, 0, 0, {1, 1, 0}, 0, 0, {3, 2, 0}, 1, {5, 6, 1})});
}

TEST(ExecutorCopyImage, VolumeToVolumeCopiesSlices) {
    check_image_copies(shape(VK_FORMAT_R16G16_SFLOAT, VK_IMAGE_TYPE_3D, {8, 8, 8}, 2, 1),
                       shape(VK_FORMAT_R16G16_SFLOAT, VK_IMAGE_TYPE_3D, {6, 6, 6}, 1, 1),
                       {image_copy(kColor, 0, 0, {1, 2, 3}, 0, 0, {0, 1, 2}, 1, {4, 3, 2}),
                        image_copy(kColor, 1, 0, {0, 0, 0}, 0, 0, {2, 2, 0}, 1, {4, 4, 1})});
}

TEST(ExecutorCopyImage, ArrayLayersToVolumeSlices) {
    // Vulkan 1.1 (VK_KHR_maintenance1): layers of a 2D array copy to and from slices of a 3D image.
    // The 2D side's layerCount equals the extent's depth; the 3D side names one layer.
    VkImageCopy r = image_copy(kColor, 0, 1, {0, 0, 0}, 0, 0, {1, 1, 2}, 3, {3, 4, 3});
    r.dstSubresource.layerCount = 1;
    check_image_copies(shape(VK_FORMAT_R8_UNORM, VK_IMAGE_TYPE_2D, {5, 5, 1}, 1, 4),
                       shape(VK_FORMAT_R8_UNORM, VK_IMAGE_TYPE_3D, {5, 5, 6}, 1, 1), {r});
}

TEST(ExecutorCopyImage, VolumeSlicesToArrayLayers) {
    ImageShape src = shape(VK_FORMAT_R8_UNORM, VK_IMAGE_TYPE_3D, {5, 5, 6}, 1, 1);
    ImageShape dst = shape(VK_FORMAT_R8_UNORM, VK_IMAGE_TYPE_2D, {5, 5, 1}, 1, 4);
    // For a 3D source the extent's depth gives the slice count; layerCount is 1.
    VkImageCopy r = image_copy(kColor, 0, 0, {0, 1, 1}, 0, 1, {2, 0, 0}, 1, {3, 4, 3});
    r.dstSubresource.layerCount = 3;
    check_image_copies(src, dst, {r});
}

TEST(ExecutorCopyImage, DepthAndStencilAspectsCopyTheirPlanes) {
    const ImageShape s = shape(VK_FORMAT_D32_SFLOAT_S8_UINT, VK_IMAGE_TYPE_2D, {7, 5, 1}, 2, 2);
    check_image_copies(s, s, {image_copy(kDepth | kStencil, 0, 0, {1, 1, 0}, 1, 1, {0, 0, 0}, 1, {3, 2, 1})});
    check_image_copies(s, s, {image_copy(kStencil, 0, 1, {0, 0, 0}, 0, 0, {2, 1, 0}, 1, {5, 4, 1})});
    check_image_copies(s, s, {image_copy(kDepth, 1, 0, {0, 0, 0}, 0, 0, {4, 3, 0}, 2, {3, 2, 1})});
}

// ---- clears -----------------------------------------------------------------------------------

void reference_clear(const TestImage& image, Bytes& bytes, uint32_t plane, const VkImageSubresourceRange& range,
                     const std::byte* texel) {
    const ReferenceLayout& ref = image.reference;
    const uint32_t levels = range.levelCount == VK_REMAINING_MIP_LEVELS ? image.shape.mip_levels - range.baseMipLevel
                                                                         : range.levelCount;
    const uint32_t layers = range.layerCount == VK_REMAINING_ARRAY_LAYERS
                                ? image.shape.array_layers - range.baseArrayLayer
                                : range.layerCount;
    for (uint32_t level = range.baseMipLevel; level < range.baseMipLevel + levels; ++level) {
        const VkExtent3D e = ref.level_extent(level);
        for (uint32_t layer = range.baseArrayLayer; layer < range.baseArrayLayer + layers; ++layer)
            for (uint32_t z = 0; z < e.depth; ++z)
                for (uint32_t y = 0; y < e.height; ++y)
                    for (uint32_t x = 0; x < e.width; ++x)
                        copy_texel(&bytes[ref.offset(plane, level, layer, x, y, z)], texel, ref.texel_sizes[plane]);
    }
}

void check_color_clear(const ImageShape& s, const VkClearColorValue& color,
                       const std::vector<VkImageSubresourceRange>& ranges) {
    TestImage image(s, 7);
    std::byte texel[64] = {};
    ASSERT_TRUE(kiln::format::pack_color(s.format, color, texel));
    const uint32_t texel_size = image.reference.texel_sizes[0];
    Bytes expected = image.memory;
    for (const VkImageSubresourceRange& r : ranges)
        reference_clear(image, expected, 0, r, texel);

    CommandStream stream;
    auto* cmd = stream.append<ClearColorCmd>(Op::ClearColorImage, ranges.size() * sizeof(VkImageSubresourceRange));
    ASSERT_NE(cmd, nullptr);
    cmd->image = image.ref();
    ASSERT_LE(texel_size, sizeof(cmd->texel)) << "ClearColorCmd::texel cannot hold one texel of this format";
    std::memcpy(cmd->texel, texel, texel_size);
    cmd->range_count = uint32_t(ranges.size());
    std::memcpy(trailing<VkImageSubresourceRange>(cmd), ranges.data(), ranges.size() * sizeof(VkImageSubresourceRange));
    execute_stream(stream);
    EXPECT_SAME_BYTES(image.memory, expected);
}

VkClearColorValue color(float r, float g, float b, float a) {
    VkClearColorValue v{};
    v.float32[0] = r, v.float32[1] = g, v.float32[2] = b, v.float32[3] = a;
    return v;
}

TEST(ExecutorClear, ColorClearTouchesOnlyTheRange) {
    check_color_clear(shape(VK_FORMAT_R8G8B8A8_UNORM, VK_IMAGE_TYPE_2D, {7, 5, 1}, 4, 4), color(1, 0.2f, 0, 1),
                      {{kColor, 1, 2, 1, 2}, {kColor, 3, VK_REMAINING_MIP_LEVELS, 0, VK_REMAINING_ARRAY_LAYERS}});
}

TEST(ExecutorClear, ColorClearOfAVolumeClearsEverySlice) {
    check_color_clear(shape(VK_FORMAT_R16G16B16A16_SFLOAT, VK_IMAGE_TYPE_3D, {5, 4, 3}, 2, 1),
                      color(1, -2, 0.5f, 3), {{kColor, 0, 2, 0, 1}});
}

TEST(ExecutorClear, ColorClearRepeatsThreeAndTwelveByteTexels) {
    check_color_clear(shape(VK_FORMAT_R8G8B8_UNORM, VK_IMAGE_TYPE_2D, {5, 3, 1}, 2, 3), color(1, 0.2f, 0.4f, 0),
                      {{kColor, 0, VK_REMAINING_MIP_LEVELS, 1, VK_REMAINING_ARRAY_LAYERS}});
    check_color_clear(shape(VK_FORMAT_R32G32B32_SFLOAT, VK_IMAGE_TYPE_2D, {3, 7, 1}, 3, 2), color(1, 2, 3, 4),
                      {{kColor, 1, 1, 0, 2}});
}

TEST(ExecutorClear, ColorClearCommandHoldsTheLargestColorTexel) {
    // VK_FORMAT_R64G64B64A64_SFLOAT texels are 32 bytes: the command must carry all of them.
    uint32_t largest = 0;
    for (unsigned i = 0; i < kiln::gen::kFormatCount; ++i)
        if (kiln::format::can_pack_color(kiln::gen::kFormats[i].format))
            largest = std::max<uint32_t>(largest, kiln::gen::kFormats[i].block_size);
    EXPECT_EQ(largest, 32u);
    EXPECT_GE(sizeof(ClearColorCmd::texel), largest);
}

TEST(ExecutorClear, ColorClearOfSixtyFourBitTexels) {
    check_color_clear(shape(VK_FORMAT_R64G64_SFLOAT, VK_IMAGE_TYPE_2D, {3, 2, 1}, 1, 1), color(1, -2, 0.5f, 3),
                      {{kColor, 0, 1, 0, 1}});
    check_color_clear(shape(VK_FORMAT_R64_UINT, VK_IMAGE_TYPE_2D, {3, 2, 1}, 1, 1), color(1, -2, 0.5f, 3),
                      {{kColor, 0, 1, 0, 1}});
}

void check_depth_stencil_clear(const ImageShape& s, float depth, uint8_t stencil,
                               const std::vector<VkImageSubresourceRange>& ranges) {
    TestImage image(s, 8);
    std::byte depth_texel[4] = {};
    kiln::format::pack_depth(s.format, depth, depth_texel);
    const std::byte stencil_texel[1] = {std::byte(stencil)};
    Bytes expected = image.memory;
    for (const VkImageSubresourceRange& r : ranges) {
        if (r.aspectMask & kDepth)
            reference_clear(image, expected, image.reference.plane_of(kDepth), r, depth_texel);
        if (r.aspectMask & kStencil)
            reference_clear(image, expected, image.reference.plane_of(kStencil), r, stencil_texel);
    }
    CommandStream stream;
    auto* cmd = stream.append<ClearDepthStencilCmd>(Op::ClearDepthStencilImage,
                                                    ranges.size() * sizeof(VkImageSubresourceRange));
    ASSERT_NE(cmd, nullptr);
    cmd->image = image.ref();
    std::memcpy(cmd->depth, depth_texel, sizeof(depth_texel));
    cmd->stencil = stencil;
    cmd->range_count = uint32_t(ranges.size());
    std::memcpy(trailing<VkImageSubresourceRange>(cmd), ranges.data(), ranges.size() * sizeof(VkImageSubresourceRange));
    execute_stream(stream);
    EXPECT_SAME_BYTES(image.memory, expected);
}

TEST(ExecutorClear, DepthClearLeavesStencilAlone) {
    check_depth_stencil_clear(shape(VK_FORMAT_D24_UNORM_S8_UINT, VK_IMAGE_TYPE_2D, {5, 3, 1}, 2, 2), 0.5f, 0x5a,
                              {{kDepth, 0, VK_REMAINING_MIP_LEVELS, 1, 1}});
}

TEST(ExecutorClear, StencilClearLeavesDepthAlone) {
    check_depth_stencil_clear(shape(VK_FORMAT_D32_SFLOAT_S8_UINT, VK_IMAGE_TYPE_2D, {5, 3, 1}, 2, 2), 0.25f, 0xa5,
                              {{kStencil, 1, 1, 0, VK_REMAINING_ARRAY_LAYERS}});
}

TEST(ExecutorClear, DepthAndStencilTogether) {
    check_depth_stencil_clear(shape(VK_FORMAT_D16_UNORM_S8_UINT, VK_IMAGE_TYPE_2D, {9, 4, 1}, 3, 2), 1.0f, 7,
                              {{kDepth | kStencil, 0, VK_REMAINING_MIP_LEVELS, 0, VK_REMAINING_ARRAY_LAYERS}});
    check_depth_stencil_clear(shape(VK_FORMAT_D32_SFLOAT, VK_IMAGE_TYPE_2D, {4, 4, 1}, 1, 1), 0.75f, 0,
                              {{kDepth, 0, 1, 0, 1}});
}

// ---- memory commands --------------------------------------------------------------------------

void record_copy(CommandStream& stream, std::byte* dst, const std::byte* src, std::vector<MemoryRegion> regions) {
    auto* cmd = stream.append<CopyMemoryCmd>(Op::CopyMemory, regions.size() * sizeof(MemoryRegion));
    ASSERT_NE(cmd, nullptr);
    cmd->dst = dst;
    cmd->src = src;
    cmd->region_count = uint32_t(regions.size());
    std::memcpy(trailing<MemoryRegion>(cmd), regions.data(), regions.size() * sizeof(MemoryRegion));
}

void record_fill(CommandStream& stream, std::byte* dst, uint64_t size, uint32_t value) {
    auto* cmd = stream.append<FillMemoryCmd>(Op::FillMemory);
    ASSERT_NE(cmd, nullptr);
    cmd->dst = dst;
    cmd->size = size;
    cmd->value = value;
}

void record_update(CommandStream& stream, std::byte* dst, const Bytes& data) {
    auto* cmd = stream.append<UpdateMemoryCmd>(Op::UpdateMemory, data.size());
    ASSERT_NE(cmd, nullptr);
    cmd->dst = dst;
    cmd->size = data.size();
    std::memcpy(trailing<std::byte>(cmd), data.data(), data.size());
}

TEST(ExecutorMemory, CopyCopiesEveryRegion) {
    const Bytes src = random_bytes(256, 10);
    Bytes dst = random_bytes(300, 11);
    Bytes expected = dst;
    const std::vector<MemoryRegion> regions = {{0, 10, 5}, {100, 200, 50}, {255, 0, 1}, {3, 299, 1}};
    for (const MemoryRegion& r : regions)
        std::memcpy(&expected[r.dst_offset], &src[r.src_offset], r.size);
    CommandStream stream;
    record_copy(stream, dst.data(), src.data(), regions);
    execute_stream(stream);
    EXPECT_SAME_BYTES(dst, expected);
}

TEST(ExecutorMemory, FillRepeatsTheWordLittleEndian) {
    Bytes dst = random_bytes(64, 12);
    Bytes expected = dst;
    for (std::size_t i = 4; i < 44; i += 4) {
        expected[i + 0] = std::byte{0xd4};
        expected[i + 1] = std::byte{0xc3};
        expected[i + 2] = std::byte{0xb2};
        expected[i + 3] = std::byte{0xa1};
    }
    CommandStream stream;
    record_fill(stream, dst.data() + 4, 40, 0xa1b2c3d4u);
    execute_stream(stream);
    EXPECT_SAME_BYTES(dst, expected);
}

TEST(ExecutorMemory, UpdateWritesTheInlineData) {
    Bytes dst = random_bytes(128, 13);
    const Bytes data = random_bytes(36, 14);
    Bytes expected = dst;
    std::memcpy(&expected[20], data.data(), data.size());
    CommandStream stream;
    record_update(stream, dst.data() + 20, data);
    execute_stream(stream);
    EXPECT_SAME_BYTES(dst, expected);
}

TEST(ExecutorMemory, CommandsRunInRecordingOrder) {
    Bytes a(64, std::byte{0}), b(64, std::byte{0});
    CommandStream stream;
    record_fill(stream, a.data(), 64, 0x01010101u);
    record_update(stream, a.data() + 8, Bytes(8, std::byte{2}));
    record_copy(stream, b.data(), a.data(), {{0, 0, 32}});
    record_fill(stream, a.data(), 16, 0x03030303u);
    execute_stream(stream);
    for (std::size_t i = 0; i < 64; ++i) {
        const uint8_t expect_a = i < 16 ? 3 : 1;
        const uint8_t expect_b = i >= 32 ? 0 : (i >= 8 && i < 16) ? 2 : 1;
        EXPECT_EQ(std::to_integer<uint8_t>(a[i]), expect_a) << i;
        EXPECT_EQ(std::to_integer<uint8_t>(b[i]), expect_b) << i;
    }
}

TEST(ExecutorMemory, ExecuteStreamRunsTheNestedStreamInPlace) {
    Bytes x(32, std::byte{0});
    CommandStream secondary;
    record_fill(secondary, x.data(), 16, 0x02020202u);
    CommandStream primary;
    record_fill(primary, x.data(), 32, 0x01010101u);
    auto* exec = primary.append<ExecuteStreamCmd>(Op::ExecuteStream);
    ASSERT_NE(exec, nullptr);
    exec->stream = &secondary;
    record_update(primary, x.data() + 8, Bytes(4, std::byte{3}));
    execute_stream(primary);
    for (std::size_t i = 0; i < 32; ++i) {
        const uint8_t expected = (i >= 8 && i < 12) ? 3 : i < 16 ? 2 : 1;
        EXPECT_EQ(std::to_integer<uint8_t>(x[i]), expected) << i;
    }
}

TEST(ExecutorEvents, SetAndResetCommandsChangeTheEvent) {
    SyncHub hub;
    Event event(hub);
    CommandStream set;
    set.append<EventCmd>(Op::SetEvent)->event = &event;
    execute_stream(set);
    EXPECT_TRUE(event.is_set());
    CommandStream reset;
    reset.append<EventCmd>(Op::ResetEvent)->event = &event;
    execute_stream(reset);
    EXPECT_FALSE(event.is_set());
}

TEST(ExecutorEvents, WaitOnSetEventsContinues) {
    SyncHub hub;
    Event a(hub), b(hub);
    a.set();
    b.set();
    Bytes x(8, std::byte{0});
    CommandStream stream;
    auto* wait = stream.append<WaitEventsCmd>(Op::WaitEvents, 2 * sizeof(Event*));
    ASSERT_NE(wait, nullptr);
    wait->event_count = 2;
    trailing<Event*>(wait)[0] = &a;
    trailing<Event*>(wait)[1] = &b;
    record_fill(stream, x.data(), 8, 0x09090909u);
    execute_stream(stream);
    EXPECT_EQ(x, Bytes(8, std::byte{9}));
}

// ---- fill_pattern -----------------------------------------------------------------------------

TEST(FillPattern, RepeatsThePatternOverSizesThatAreNotMultiplesOfIt) {
    const Bytes pattern = random_bytes(16, 15);
    constexpr std::size_t kGuard = 8;
    for (unsigned pattern_size : {1u, 2u, 3u, 4u, 12u, 16u}) {
        for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{5},
                                 std::size_t{7}, std::size_t{11}, std::size_t{15}, std::size_t{16}, std::size_t{17},
                                 std::size_t{31}, std::size_t{100}, std::size_t{1000}, std::size_t{4099}}) {
            SCOPED_TRACE(testing::Message() << "pattern " << pattern_size << " size " << size);
            Bytes out(size + 2 * kGuard, std::byte{0xee});
            fill_pattern(out.data() + kGuard, size, pattern.data(), pattern_size);
            Bytes expected(size + 2 * kGuard, std::byte{0xee});
            for (std::size_t i = 0; i < size; ++i)
                expected[kGuard + i] = pattern[i % pattern_size];
            EXPECT_SAME_BYTES(out, expected);
        }
    }
}

}  // namespace
