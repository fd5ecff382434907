// kiln::format::ImageLayout: the one image memory layout, checked against numbers worked
// out by hand from the rule at the top of format/image_layout.h.
#include "format/image_layout.h"

#include <gtest/gtest.h>

namespace {

using kiln::format::ImageLayout;
using kiln::format::ImageShape;
using kiln::format::kMaxMipLevels;
using kiln::format::MipLayout;
using kiln::format::PlaneLayout;

ImageShape shape(VkFormat format, VkImageType type, uint32_t w, uint32_t h, uint32_t d, uint32_t mips,
                 uint32_t layers) {
    ImageShape s;
    s.format = format;
    s.type = type;
    s.extent = {w, h, d};
    s.mip_levels = mips;
    s.array_layers = layers;
    return s;
}

void expect_mip(const MipLayout& m, uint64_t offset, uint64_t row_pitch, uint64_t depth_pitch, uint64_t array_pitch,
                uint32_t w, uint32_t h, uint32_t d) {
    EXPECT_EQ(m.offset, offset);
    EXPECT_EQ(m.row_pitch, row_pitch);
    EXPECT_EQ(m.depth_pitch, depth_pitch);
    EXPECT_EQ(m.array_pitch, array_pitch);
    EXPECT_EQ(m.width, w);
    EXPECT_EQ(m.height, h);
    EXPECT_EQ(m.depth, d);
}

TEST(ImageLayout, SingleLevel2DImageIsRowsPackedTightly) {
    ImageLayout layout;
    ASSERT_TRUE(ImageLayout::compute(shape(VK_FORMAT_R8G8B8A8_UNORM, VK_IMAGE_TYPE_2D, 16, 8, 1, 1, 1), &layout));
    ASSERT_EQ(layout.plane_count(), 1u);
    const PlaneLayout& p = layout.plane(0);
    EXPECT_EQ(p.aspect, VK_IMAGE_ASPECT_COLOR_BIT);
    EXPECT_EQ(p.texel_size, 4u);
    EXPECT_EQ(p.block_width, 1u);
    EXPECT_EQ(p.block_height, 1u);
    expect_mip(p.mips[0], 0, 64, 512, 512, 16, 8, 1);
    EXPECT_EQ(layout.size(), 512u);
    EXPECT_EQ(layout.aspects(), VkImageAspectFlags(VK_IMAGE_ASPECT_COLOR_BIT));
    EXPECT_EQ(layout.shape().extent.width, 16u);
}

TEST(ImageLayout, LevelsHoldTheirLayersInOrderAndStartOn16Bytes) {
    // 5x3, 2x1, 1x1 texels of 4 bytes, 2 layers:
    //   level 0: row 20, slice 60, layer 64 (aligned), 2 layers -> [0, 128)
    //   level 1: row 8, slice 8, layer 16, 2 layers -> [128, 160)
    //   level 2: row 4, slice 4, layer 16, 2 layers -> [160, 192)
    ImageLayout layout;
    ASSERT_TRUE(ImageLayout::compute(shape(VK_FORMAT_R8G8B8A8_UNORM, VK_IMAGE_TYPE_2D, 5, 3, 1, 3, 2), &layout));
    const PlaneLayout& p = layout.plane(0);
    expect_mip(p.mips[0], 0, 20, 60, 64, 5, 3, 1);
    expect_mip(p.mips[1], 128, 8, 8, 16, 2, 1, 1);
    expect_mip(p.mips[2], 160, 4, 4, 16, 1, 1, 1);
    EXPECT_EQ(layout.size(), 192u);
}

TEST(ImageLayout, VolumeLevelsHoldTheirSlicesContiguously) {
    // R16_SFLOAT 4x4x4, 3 levels:
    //   level 0: row 8, slice 32, 4 slices = 128 -> [0, 128)
    //   level 1: 2x2x2: row 4, slice 8, 16 -> [128, 144)
    //   level 2: 1x1x1: row 2, slice 2, 2 -> 16 -> [144, 160)
    ImageLayout layout;
    ASSERT_TRUE(ImageLayout::compute(shape(VK_FORMAT_R16_SFLOAT, VK_IMAGE_TYPE_3D, 4, 4, 4, 3, 1), &layout));
    const PlaneLayout& p = layout.plane(0);
    expect_mip(p.mips[0], 0, 8, 32, 128, 4, 4, 4);
    expect_mip(p.mips[1], 128, 4, 8, 16, 2, 2, 2);
    expect_mip(p.mips[2], 144, 2, 2, 16, 1, 1, 1);
    EXPECT_EQ(layout.size(), 160u);
}

TEST(ImageLayout, ThreeByteTexelsPackRowsWithoutPadding) {
    // R8G8B8 5x2, 2 layers: row 15, slice 30, layer 32.
    ImageLayout layout;
    ASSERT_TRUE(ImageLayout::compute(shape(VK_FORMAT_R8G8B8_UNORM, VK_IMAGE_TYPE_2D, 5, 2, 1, 1, 2), &layout));
    const PlaneLayout& p = layout.plane(0);
    EXPECT_EQ(p.texel_size, 3u);
    expect_mip(p.mips[0], 0, 15, 30, 32, 5, 2, 1);
    EXPECT_EQ(layout.size(), 64u);
}

TEST(ImageLayout, CombinedDepthStencilIsTwoPlanesTheSecondOn64Bytes) {
    // D24_UNORM_S8_UINT 3x3: depth plane 4-byte texels [0, 48), stencil plane from 64: [64, 80).
    ImageLayout layout;
    ASSERT_TRUE(ImageLayout::compute(shape(VK_FORMAT_D24_UNORM_S8_UINT, VK_IMAGE_TYPE_2D, 3, 3, 1, 1, 1), &layout));
    ASSERT_EQ(layout.plane_count(), 2u);
    const PlaneLayout& depth = layout.plane(0);
    const PlaneLayout& stencil = layout.plane(1);
    EXPECT_EQ(depth.aspect, VK_IMAGE_ASPECT_DEPTH_BIT);
    EXPECT_EQ(depth.texel_size, 4u);
    expect_mip(depth.mips[0], 0, 12, 36, 48, 3, 3, 1);
    EXPECT_EQ(stencil.aspect, VK_IMAGE_ASPECT_STENCIL_BIT);
    EXPECT_EQ(stencil.texel_size, 1u);
    expect_mip(stencil.mips[0], 64, 3, 9, 16, 3, 3, 1);
    EXPECT_EQ(layout.size(), 80u);

    EXPECT_EQ(layout.plane_for(VK_IMAGE_ASPECT_DEPTH_BIT), &depth);
    EXPECT_EQ(layout.plane_for(VK_IMAGE_ASPECT_STENCIL_BIT), &stencil);
    EXPECT_EQ(layout.plane_for(VK_IMAGE_ASPECT_COLOR_BIT), nullptr);
    EXPECT_EQ(layout.aspects(), VkImageAspectFlags(VK_IMAGE_ASPECT_DEPTH_BIT | VK_IMAGE_ASPECT_STENCIL_BIT));
}

TEST(ImageLayout, DepthStencilPlanesWithLevelsAndLayers) {
    // D16_UNORM_S8_UINT 4x2, 2 levels, 3 layers.
    //   depth (2 bytes): level 0 row 8 slice 16 layer 16 -> [0, 48); level 1 (2x1) row 4, layer 16 -> [48, 96)
    //   stencil from align64(96) = 128: level 0 row 4 slice 8 layer 16 -> [128, 176);
    //                                   level 1 row 2 slice 2 layer 16 -> [176, 224)
    ImageLayout layout;
    ASSERT_TRUE(ImageLayout::compute(shape(VK_FORMAT_D16_UNORM_S8_UINT, VK_IMAGE_TYPE_2D, 4, 2, 1, 2, 3), &layout));
    ASSERT_EQ(layout.plane_count(), 2u);
    expect_mip(layout.plane(0).mips[0], 0, 8, 16, 16, 4, 2, 1);
    expect_mip(layout.plane(0).mips[1], 48, 4, 4, 16, 2, 1, 1);
    EXPECT_EQ(layout.plane(0).texel_size, 2u);
    expect_mip(layout.plane(1).mips[0], 128, 4, 8, 16, 4, 2, 1);
    expect_mip(layout.plane(1).mips[1], 176, 2, 2, 16, 2, 1, 1);
    EXPECT_EQ(layout.size(), 224u);
}

TEST(ImageLayout, DepthOnlyAndStencilOnlyFormatsHaveOnePlane) {
    ImageLayout layout;
    ASSERT_TRUE(ImageLayout::compute(shape(VK_FORMAT_D32_SFLOAT, VK_IMAGE_TYPE_2D, 2, 2, 1, 1, 1), &layout));
    ASSERT_EQ(layout.plane_count(), 1u);
    EXPECT_EQ(layout.plane(0).aspect, VK_IMAGE_ASPECT_DEPTH_BIT);
    EXPECT_EQ(layout.plane(0).texel_size, 4u);

    ASSERT_TRUE(ImageLayout::compute(shape(VK_FORMAT_S8_UINT, VK_IMAGE_TYPE_2D, 2, 2, 1, 1, 1), &layout));
    ASSERT_EQ(layout.plane_count(), 1u);
    EXPECT_EQ(layout.plane(0).aspect, VK_IMAGE_ASPECT_STENCIL_BIT);
    EXPECT_EQ(layout.plane(0).texel_size, 1u);

    ASSERT_TRUE(ImageLayout::compute(shape(VK_FORMAT_X8_D24_UNORM_PACK32, VK_IMAGE_TYPE_2D, 2, 2, 1, 1, 1), &layout));
    ASSERT_EQ(layout.plane_count(), 1u);
    EXPECT_EQ(layout.plane(0).texel_size, 4u);
}

TEST(ImageLayout, TexelOffsetFollowsLevelLayerSliceRowColumn) {
    ImageLayout layout;
    ASSERT_TRUE(ImageLayout::compute(shape(VK_FORMAT_R8G8B8A8_UNORM, VK_IMAGE_TYPE_2D, 5, 3, 1, 3, 2), &layout));
    const PlaneLayout& p = layout.plane(0);
    EXPECT_EQ(layout.texel_offset(p, 0, 0, 0, 0, 0), 0u);
    EXPECT_EQ(layout.texel_offset(p, 0, 0, 4, 2, 0), 2u * 20 + 4 * 4);
    EXPECT_EQ(layout.texel_offset(p, 0, 1, 1, 1, 0), 64u + 20 + 4);
    EXPECT_EQ(layout.texel_offset(p, 1, 1, 1, 0, 0), 128u + 16 + 4);
    EXPECT_EQ(layout.texel_offset(p, 2, 1, 0, 0, 0), 160u + 16);

    ASSERT_TRUE(ImageLayout::compute(shape(VK_FORMAT_R16_SFLOAT, VK_IMAGE_TYPE_3D, 4, 4, 4, 3, 1), &layout));
    const PlaneLayout& v = layout.plane(0);
    EXPECT_EQ(layout.texel_offset(v, 0, 0, 1, 2, 3), 3u * 32 + 2 * 8 + 1 * 2);
    EXPECT_EQ(layout.texel_offset(v, 1, 0, 1, 1, 1), 128u + 8 + 4 + 2);

    ASSERT_TRUE(ImageLayout::compute(shape(VK_FORMAT_D24_UNORM_S8_UINT, VK_IMAGE_TYPE_2D, 3, 3, 1, 1, 1), &layout));
    const PlaneLayout* s = layout.plane_for(VK_IMAGE_ASPECT_STENCIL_BIT);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(layout.texel_offset(*s, 0, 0, 2, 1, 0), 64u + 3 + 2);  // from the image's start, not the plane's
}

TEST(ImageLayout, MipExtentsHalveDownToOne) {
    ImageLayout layout;
    ASSERT_TRUE(ImageLayout::compute(shape(VK_FORMAT_R8_UNORM, VK_IMAGE_TYPE_2D, 37, 4, 1, 6, 1), &layout));
    const uint32_t widths[] = {37, 18, 9, 4, 2, 1};
    const uint32_t heights[] = {4, 2, 1, 1, 1, 1};
    for (uint32_t level = 0; level < 6; ++level) {
        EXPECT_EQ(layout.plane(0).mips[level].width, widths[level]) << level;
        EXPECT_EQ(layout.plane(0).mips[level].height, heights[level]) << level;
        EXPECT_EQ(layout.plane(0).mips[level].depth, 1u) << level;
    }
}

TEST(ImageLayout, ArrayPitchIs16ByteAlignedAndPlanesStartOn64Bytes) {
    const VkFormat formats[] = {VK_FORMAT_R8_UNORM,           VK_FORMAT_R8G8B8_UNORM,
                                VK_FORMAT_R16G16B16_SFLOAT,   VK_FORMAT_R32G32B32_SFLOAT,
                                VK_FORMAT_R64G64B64_SFLOAT,   VK_FORMAT_D16_UNORM_S8_UINT,
                                VK_FORMAT_D24_UNORM_S8_UINT,  VK_FORMAT_D32_SFLOAT_S8_UINT,
                                VK_FORMAT_R5G6B5_UNORM_PACK16};
    const VkExtent3D extents[] = {{1, 1, 1}, {3, 1, 1}, {7, 5, 1}, {13, 11, 3}, {33, 1, 7}, {1, 9, 1}};
    for (VkFormat format : formats) {
        for (VkExtent3D e : extents) {
            for (VkImageType type : {VK_IMAGE_TYPE_2D, VK_IMAGE_TYPE_3D}) {
                const bool volume = type == VK_IMAGE_TYPE_3D;
                const uint32_t layers = volume ? 1 : 3;
                const uint32_t depth = volume ? e.depth : 1;
                if (volume && format >= VK_FORMAT_D16_UNORM && format <= VK_FORMAT_D32_SFLOAT_S8_UINT)
                    continue;  // depth/stencil images are never 3D
                SCOPED_TRACE(testing::Message() << "format " << format << " " << e.width << "x" << e.height << "x"
                                                << depth << (volume ? " 3D" : " 2D"));
                ImageLayout layout;
                ASSERT_TRUE(ImageLayout::compute(shape(format, type, e.width, e.height, depth, 3, layers), &layout));
                uint64_t end = 0;
                for (uint32_t i = 0; i < layout.plane_count(); ++i) {
                    const PlaneLayout& p = layout.plane(i);
                    EXPECT_EQ(p.mips[0].offset % 64, 0u) << "plane " << i;
                    EXPECT_GE(p.mips[0].offset, end) << "plane " << i << " overlaps the previous one";
                    for (uint32_t level = 0; level < 3; ++level) {
                        const MipLayout& m = p.mips[level];
                        EXPECT_EQ(m.array_pitch % 16, 0u);
                        EXPECT_EQ(m.offset % 16, 0u);
                        EXPECT_EQ(m.row_pitch, uint64_t(m.width) * p.texel_size);
                        EXPECT_EQ(m.depth_pitch, m.row_pitch * m.height);
                        EXPECT_GE(m.array_pitch, m.depth_pitch * m.depth);
                        EXPECT_LT(m.array_pitch, m.depth_pitch * m.depth + 16);
                        if (level > 0) {
                            EXPECT_EQ(m.offset, p.mips[level - 1].offset + p.mips[level - 1].array_pitch * layers);
                        }
                        end = m.offset + m.array_pitch * layers;
                    }
                }
                EXPECT_EQ(layout.size() % 16, 0u);
                EXPECT_GE(layout.size(), end);
                EXPECT_LT(layout.size(), end + 16);
            }
        }
    }
}

TEST(ImageLayout, FifteenLevelsAreAllowed) {
    ImageLayout layout;
    ASSERT_TRUE(ImageLayout::compute(shape(VK_FORMAT_R8_UNORM, VK_IMAGE_TYPE_2D, 16384, 1, 1, kMaxMipLevels, 1),
                                     &layout));
    EXPECT_EQ(layout.plane(0).mips[kMaxMipLevels - 1].width, 1u);
    EXPECT_EQ(layout.plane(0).mips[kMaxMipLevels - 2].width, 2u);
}

TEST(ImageLayout, MoreThanFifteenLevelsFail) {
    ImageLayout layout;
    EXPECT_FALSE(ImageLayout::compute(shape(VK_FORMAT_R8_UNORM, VK_IMAGE_TYPE_2D, 65536, 1, 1, 16, 1), &layout));
    EXPECT_FALSE(ImageLayout::compute(shape(VK_FORMAT_R8_UNORM, VK_IMAGE_TYPE_2D, 65536, 1, 1, 17, 1), &layout));
}

TEST(ImageLayout, ZeroLevelsOrLayersFail) {
    ImageLayout layout;
    EXPECT_FALSE(ImageLayout::compute(shape(VK_FORMAT_R8_UNORM, VK_IMAGE_TYPE_2D, 4, 4, 1, 0, 1), &layout));
    EXPECT_FALSE(ImageLayout::compute(shape(VK_FORMAT_R8_UNORM, VK_IMAGE_TYPE_2D, 4, 4, 1, 1, 0), &layout));
}

TEST(ImageLayout, CompressedFormatsFail) {
    ImageLayout layout;
    for (VkFormat format : {VK_FORMAT_BC1_RGB_UNORM_BLOCK, VK_FORMAT_BC7_SRGB_BLOCK, VK_FORMAT_ETC2_R8G8B8_UNORM_BLOCK,
                            VK_FORMAT_ASTC_4x4_UNORM_BLOCK, VK_FORMAT_EAC_R11_UNORM_BLOCK})
        EXPECT_FALSE(ImageLayout::compute(shape(format, VK_IMAGE_TYPE_2D, 16, 16, 1, 1, 1), &layout)) << format;
}

TEST(ImageLayout, YcbcrAndMultiPlanarFormatsFail) {
    ImageLayout layout;
    for (VkFormat format : {VK_FORMAT_G8B8G8R8_422_UNORM, VK_FORMAT_B8G8R8G8_422_UNORM,
                            VK_FORMAT_G8_B8R8_2PLANE_420_UNORM, VK_FORMAT_G8_B8_R8_3PLANE_444_UNORM,
                            VK_FORMAT_G16_B16R16_2PLANE_422_UNORM})
        EXPECT_FALSE(ImageLayout::compute(shape(format, VK_IMAGE_TYPE_2D, 16, 16, 1, 1, 1), &layout)) << format;
}

TEST(ImageLayout, UndefinedFormatFails) {
    ImageLayout layout;
    EXPECT_FALSE(ImageLayout::compute(shape(VK_FORMAT_UNDEFINED, VK_IMAGE_TYPE_2D, 16, 16, 1, 1, 1), &layout));
    EXPECT_FALSE(ImageLayout::compute(shape(VkFormat(0x7ffffff0), VK_IMAGE_TYPE_2D, 16, 16, 1, 1, 1), &layout));
}

}  // namespace

namespace {

TEST(ImageLayout, MultisampledPixelsKeepTheirSamplesAdjacent) {
    // 10x6 R8G8B8A8 with 4 samples, 2 layers: a row is 10 pixels of 4 texels (160 bytes), a layer
    // 960 bytes; sample s of pixel (x, y) at y * 160 + (x * 4 + s) * 4.
    ImageShape s = shape(VK_FORMAT_R8G8B8A8_UNORM, VK_IMAGE_TYPE_2D, 10, 6, 1, 1, 2);
    s.samples = 4;
    ImageLayout layout;
    ASSERT_TRUE(ImageLayout::compute(s, &layout));
    const PlaneLayout& p = layout.plane(0);
    EXPECT_EQ(p.samples, 4u);
    EXPECT_EQ(p.pixel_stride(), 16u);
    expect_mip(p.mips[0], 0, 160, 960, 960, 10, 6, 1);
    EXPECT_EQ(layout.texel_offset(p, 0, 1, 3, 2, 0), 960u + 2 * 160 + 3 * 16);
    EXPECT_EQ(layout.size(), 1920u);

    // Depth/stencil: both planes have the samples; the stencil plane starts on 64 bytes.
    s.format = VK_FORMAT_D32_SFLOAT_S8_UINT;
    s.array_layers = 1;
    ASSERT_TRUE(ImageLayout::compute(s, &layout));
    ASSERT_EQ(layout.plane_count(), 2u);
    expect_mip(layout.plane(0).mips[0], 0, 160, 960, 960, 10, 6, 1);
    expect_mip(layout.plane(1).mips[0], 960, 40, 240, 240, 10, 6, 1);
}

TEST(ImageLayout, MultisampledImagesAre2DWithOneLevel) {
    ImageLayout layout;
    ImageShape s = shape(VK_FORMAT_R8G8B8A8_UNORM, VK_IMAGE_TYPE_2D, 8, 8, 1, 2, 1);
    s.samples = 4;
    EXPECT_FALSE(ImageLayout::compute(s, &layout));  // two levels
    s = shape(VK_FORMAT_R8G8B8A8_UNORM, VK_IMAGE_TYPE_3D, 8, 8, 2, 1, 1);
    s.samples = 4;
    EXPECT_FALSE(ImageLayout::compute(s, &layout));
    s = shape(VK_FORMAT_R8G8B8A8_UNORM, VK_IMAGE_TYPE_2D, 8, 8, 1, 1, 1);
    s.samples = 0;
    EXPECT_FALSE(ImageLayout::compute(s, &layout));
}

}  // namespace
