// Transfer commands: buffer copies, fills and updates, buffer <-> image copies and image <-> image
// copies. Every byte the device produces is checked against a host computation.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "format_codec.h"
#include "image_util.h"
#include "vk_test_util.h"

namespace kiln_test {
namespace {

class KILN_SUITE(Transfer) : public DeviceTest {};

// The bytes vkCmdFillBuffer writes for `word`: "The data word is written to memory according to
// the host endianness" (little-endian on x86-64).
void PutWord(std::vector<uint8_t>& bytes, size_t offset, uint32_t word) { std::memcpy(&bytes[offset], &word, 4); }

TEST_F(KILN_SUITE(Transfer), CopyBufferMovesEveryByteOfSeveralRegions) {
  constexpr VkDeviceSize kSize = 1024 * 1024 + 13;
  Buffer source(device(), kSize);
  Buffer deviceOnly(device(), kSize, MemoryKind::Device);  // not mappable on Kiln (memory type 0)
  Buffer destination(device(), kSize);
  std::vector<uint8_t> pattern = RandomBytes(kSize, 1);
  std::memcpy(source.data(), pattern.data(), kSize);
  std::memset(destination.data(), 0xEE, kSize);

  // Odd sizes and offsets (vkCmdCopyBuffer has no alignment rules), the first and last bytes, and
  // regions listed out of order.
  const std::vector<VkBufferCopy> regions = {
      {0, 0, 1},       {5, 100, 3},     {1000, 2000, 4096}, {200000, 600000, 333333}, {kSize - 7, kSize - 7, 7},
      {1, 500000, 17}, {999999, 1, 99},
  };
  RunOnce(device(), [&](VkCommandBuffer cmd) {
    VkBufferCopy all{0, 0, kSize};
    vkCmdCopyBuffer(cmd, source.handle(), deviceOnly.handle(), 1, &all);
    TransferBarrier(cmd);
    vkCmdCopyBuffer(cmd, deviceOnly.handle(), destination.handle(), static_cast<uint32_t>(regions.size()),
                    regions.data());
  });
  std::vector<uint8_t> expected(kSize, 0xEE);
  for (const VkBufferCopy& r : regions)
    std::memcpy(expected.data() + r.dstOffset, pattern.data() + r.srcOffset, r.size);
  EXPECT_TRUE(BytesEqual(destination.data(), expected.data(), kSize));
  EXPECT_TRUE(BytesEqual(source.data(), pattern.data(), kSize)) << "the source changed";
}

TEST_F(KILN_SUITE(Transfer), CopyBufferWithinOneBufferMovesDisjointRanges) {
  constexpr VkDeviceSize kSize = 64 * 1024;
  Buffer buffer(device(), kSize);
  std::vector<uint8_t> pattern = RandomBytes(kSize, 2);
  std::memcpy(buffer.data(), pattern.data(), kSize);
  // The union of the source ranges must not overlap the union of the destination ranges
  // (VUID-vkCmdCopyBuffer-pRegions-00117).
  const std::vector<VkBufferCopy> regions = {{0, 40000, 1000}, {20000, 1003, 9999}, {60000, 30001, 5000}};
  RunOnce(device(), [&](VkCommandBuffer cmd) {
    vkCmdCopyBuffer(cmd, buffer.handle(), buffer.handle(), static_cast<uint32_t>(regions.size()), regions.data());
  });
  std::vector<uint8_t> expected = pattern;
  for (const VkBufferCopy& r : regions)
    std::memcpy(expected.data() + r.dstOffset, pattern.data() + r.srcOffset, r.size);
  EXPECT_TRUE(BytesEqual(buffer.data(), expected.data(), kSize));
}

TEST_F(KILN_SUITE(Transfer), FillBufferWritesItsWordInRange) {
  constexpr VkDeviceSize kSize = 64 * 1024;
  Buffer host(device(), kSize);
  Buffer deviceOnly(device(), kSize, MemoryKind::Device);
  std::memset(host.data(), 0xEE, kSize);
  RunOnce(device(), [&](VkCommandBuffer cmd) {
    vkCmdFillBuffer(cmd, deviceOnly.handle(), 0, VK_WHOLE_SIZE, 0xC0FFEE11);
    vkCmdFillBuffer(cmd, host.handle(), 0, 4, 0x04030201);
    vkCmdFillBuffer(cmd, host.handle(), 8, 1000, 0xA5B6C7D8);
    vkCmdFillBuffer(cmd, host.handle(), kSize - 4, 4, 0x7F000001);
    TransferBarrier(cmd);
    VkBufferCopy fromDevice{4096, 32768, 8192};
    vkCmdCopyBuffer(cmd, deviceOnly.handle(), host.handle(), 1, &fromDevice);
  });
  std::vector<uint8_t> expected(kSize, 0xEE);
  PutWord(expected, 0, 0x04030201);
  for (size_t at = 8; at < 1008; at += 4) PutWord(expected, at, 0xA5B6C7D8);
  PutWord(expected, kSize - 4, 0x7F000001);
  for (size_t at = 32768; at < 32768 + 8192; at += 4) PutWord(expected, at, 0xC0FFEE11);
  EXPECT_TRUE(BytesEqual(host.data(), expected.data(), kSize));
}

// "If VK_WHOLE_SIZE is used and the remaining size of the buffer is not a multiple of 4, then the
// nearest smaller multiple is used" (vkCmdFillBuffer).
TEST_F(KILN_SUITE(Transfer), FillBufferWholeSizeRoundsDownToAMultipleOfFour) {
  constexpr VkDeviceSize kSize = 4096 + 6;  // 4098 bytes remain after offset 8: 4096 get filled
  Buffer buffer(device(), kSize);
  std::memset(buffer.data(), 0xEE, kSize);
  RunOnce(device(), [&](VkCommandBuffer cmd) { vkCmdFillBuffer(cmd, buffer.handle(), 8, VK_WHOLE_SIZE, 0x11223344); });
  std::vector<uint8_t> expected(kSize, 0xEE);
  for (size_t at = 8; at + 4 <= kSize; at += 4) PutWord(expected, at, 0x11223344);
  EXPECT_TRUE(BytesEqual(buffer.data(), expected.data(), kSize));
  EXPECT_EQ(buffer.data()[kSize - 2], 0xEE) << "the two trailing bytes must stay untouched";
}

// vkCmdUpdateBuffer copies its data into the command buffer when recorded ("the data is copied
// ... when the command is recorded"), so changing the host array afterwards has no effect.
TEST_F(KILN_SUITE(Transfer), UpdateBufferWritesDataCapturedAtRecordTime) {
  constexpr VkDeviceSize kSize = 128 * 1024;
  Buffer buffer(device(), kSize);
  Buffer deviceOnly(device(), 1024, MemoryKind::Device);
  std::memset(buffer.data(), 0xEE, kSize);
  std::vector<uint8_t> big =
      RandomBytes(65536, 3);  // the largest update allowed (VUID-vkCmdUpdateBuffer-dataSize-00037)
  std::vector<uint8_t> small = {1, 2, 3, 4, 5, 6, 7, 8};
  std::vector<uint8_t> viaDevice = RandomBytes(1024, 4);
  const std::vector<uint8_t> bigAsRecorded = big, smallAsRecorded = small, viaDeviceAsRecorded = viaDevice;

  CommandPool pool(device());
  VkCommandBuffer cmd = pool.Allocate();
  Begin(cmd);
  vkCmdUpdateBuffer(cmd, buffer.handle(), 4, big.size(), big.data());
  vkCmdUpdateBuffer(cmd, buffer.handle(), 70000, small.size(), small.data());
  vkCmdUpdateBuffer(cmd, deviceOnly.handle(), 0, viaDevice.size(), viaDevice.data());
  TransferBarrier(cmd);
  VkBufferCopy copy{0, 100000, 1024};
  vkCmdCopyBuffer(cmd, deviceOnly.handle(), buffer.handle(), 1, &copy);
  HostReadBarrier(cmd);
  End(cmd);
  // Scribble over the sources between recording and execution.
  std::fill(big.begin(), big.end(), 0);
  std::fill(small.begin(), small.end(), 0);
  std::fill(viaDevice.begin(), viaDevice.end(), 0);
  Fence fence(vk());
  ASSERT_EQ(Submit(device().queue(), cmd, fence.handle()), VK_SUCCESS);
  ASSERT_EQ(fence.Wait(), VK_SUCCESS);

  std::vector<uint8_t> expected(kSize, 0xEE);
  std::memcpy(expected.data() + 4, bigAsRecorded.data(), bigAsRecorded.size());
  std::memcpy(expected.data() + 70000, smallAsRecorded.data(), smallAsRecorded.size());
  std::memcpy(expected.data() + 100000, viaDeviceAsRecorded.data(), viaDeviceAsRecorded.size());
  EXPECT_TRUE(BytesEqual(buffer.data(), expected.data(), kSize));
}

// ---------------------------------------------------------------------------------------------
// Buffer <-> image round trips, per format.

class KILN_SUITE(BufferImageRoundTrip) : public DeviceTest, public ::testing::WithParamInterface<VkFormat> {
 protected:
  const FormatInfo& format() const { return FormatOf(GetParam()); }

  // The four formats every Vulkan implementation supports for transfers must be there; others
  // (R8G8B8_UNORM) are optional.
  bool RequireOrSkip(const VkImageCreateInfo& info) {
    if (ImageSupported(device().physical, info)) return true;
    if (GetParam() == VK_FORMAT_R8G8B8_UNORM) return false;
    ADD_FAILURE() << format().name << " image type " << info.imageType << " with " << info.mipLevels << " mips and "
                  << info.arrayLayers << " layers is not supported";
    return false;
  }

  // Uploads random texels through a padded, offset buffer layout, reads everything back through a
  // differently padded layout, and checks every byte of the readback buffer: texels where the
  // model says, padding untouched.
  void RoundTrip(const VkImageCreateInfo& info) {
    const FormatInfo& f = format();
    bool is3D = info.imageType == VK_IMAGE_TYPE_3D;
    Image image(device(), info);
    HostImage model(f, info);
    model.FillRandom(11);

    VkDeviceSize uploadSize = 0;
    auto uploadRegions = WholeImageRegions(model, is3D, VK_IMAGE_ASPECT_COLOR_BIT, 3 * f.blockSize,
                                           /*rowPadding=*/5, /*heightPadding=*/3, &uploadSize);
    Buffer upload(device(), uploadSize);
    std::memset(upload.data(), 0xEE, uploadSize);
    for (const auto& r : uploadRegions) ScatterToBuffer(model, r, is3D, upload.data());

    VkDeviceSize readbackSize = 0;
    auto readbackRegions = WholeImageRegions(model, is3D, VK_IMAGE_ASPECT_COLOR_BIT, 7 * f.blockSize,
                                             /*rowPadding=*/2, /*heightPadding=*/0, &readbackSize);
    Buffer readback(device(), readbackSize);
    std::memset(readback.data(), 0xEE, readbackSize);

    RunOnce(device(), [&](VkCommandBuffer cmd) {
      TransitionImage(cmd, image, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL);
      vkCmdCopyBufferToImage(cmd, upload.handle(), image.handle(), VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                             static_cast<uint32_t>(uploadRegions.size()), uploadRegions.data());
      TransitionImage(cmd, image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL);
      vkCmdCopyImageToBuffer(cmd, image.handle(), VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, readback.handle(),
                             static_cast<uint32_t>(readbackRegions.size()), readbackRegions.data());
    });
    std::vector<uint8_t> expected(readbackSize, 0xEE);
    for (const auto& r : readbackRegions) ScatterToBuffer(model, r, is3D, expected.data());
    EXPECT_TRUE(BytesEqual(readback.data(), expected.data(), readbackSize));
  }
};

TEST_P(KILN_SUITE(BufferImageRoundTrip), KeepsEveryTexelOf2DArrayMips) {
  // Odd, non-power-of-two extent: mips 37x21, 18x10, 9x5, 4x2.
  VkImageCreateInfo info = ImageInfo(VK_IMAGE_TYPE_2D, GetParam(), {37, 21, 1}, 4, 3);
  if (!RequireOrSkip(info)) GTEST_SKIP() << format().name << " is not supported";
  RoundTrip(info);
}

TEST_P(KILN_SUITE(BufferImageRoundTrip), KeepsEveryTexelOf3DMips) {
  VkImageCreateInfo info = ImageInfo(VK_IMAGE_TYPE_3D, GetParam(), {19, 11, 7}, 3, 1);
  if (!RequireOrSkip(info)) GTEST_SKIP() << format().name << " 3D is not supported";
  RoundTrip(info);
}

TEST_P(KILN_SUITE(BufferImageRoundTrip), KeepsEveryTexelOf1DArrayMips) {
  VkImageCreateInfo info = ImageInfo(VK_IMAGE_TYPE_1D, GetParam(), {61, 1, 1}, 3, 4);
  if (!RequireOrSkip(info)) GTEST_SKIP() << format().name << " 1D is not supported";
  RoundTrip(info);
}

// Large, odd extents: any internal tiling of OPTIMAL images gets partial tiles at every edge.
TEST_P(KILN_SUITE(BufferImageRoundTrip), KeepsEveryTexelOfALargeOddImage) {
  VkImageCreateInfo info = ImageInfo(VK_IMAGE_TYPE_2D, GetParam(), {333, 257, 1}, 3, 2);
  if (!RequireOrSkip(info)) GTEST_SKIP() << format().name << " is not supported";
  RoundTrip(info);
}

// Sub-region copies with image offsets write exactly their texels; everything else keeps its
// earlier contents.
TEST_P(KILN_SUITE(BufferImageRoundTrip), WritesOnlyTheTargetedSubRegions) {
  const FormatInfo& f = format();
  VkImageCreateInfo info = ImageInfo(VK_IMAGE_TYPE_2D, GetParam(), {32, 32, 1}, 2, 3);
  if (!RequireOrSkip(info)) GTEST_SKIP() << f.name << " is not supported";
  Image image(device(), info);
  HostImage model(f, info);
  model.FillRandom(21);
  Upload(device(), image, model, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL);

  // Region sources come from a second random model, placed in one buffer.
  HostImage source(f, info);
  source.FillRandom(42);
  std::vector<VkBufferImageCopy> regions = {
      // bufferOffset, rowLength, imageHeight, {aspect, mip, layer, count}, offset, extent
      {0, 0, 0, {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 1}, {5, 7, 0}, {9, 4, 1}},
      {0, 40, 0, {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1}, {0, 31, 0}, {32, 1, 1}},  // last row
      {0, 0, 6, {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 2}, {31, 0, 0}, {1, 5, 1}},    // last column, 2 layers
      {0, 17, 0, {VK_IMAGE_ASPECT_COLOR_BIT, 1, 2, 1}, {3, 3, 0}, {13, 13, 1}},  // mip 1 corner
  };
  VkDeviceSize at = f.blockSize * 5;
  for (auto& r : regions) {
    r.bufferOffset = at;
    at = RegionBufferEnd(f, r);
    at = (at + 15) / 16 * 16 + f.blockSize * 3;  // keep a multiple of the block size
    at -= at % f.blockSize;
  }
  Buffer staging(device(), at);
  std::memset(staging.data(), 0xEE, at);
  for (const auto& r : regions) ScatterToBuffer(source, r, false, staging.data());
  RunOnce(device(), [&](VkCommandBuffer cmd) {
    TransferBarrier(cmd);  // after Upload's submission: same queue, ordered by this barrier
    vkCmdCopyBufferToImage(cmd, staging.handle(), image.handle(), VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                           static_cast<uint32_t>(regions.size()), regions.data());
    TransitionImage(cmd, image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL);
  });
  for (const auto& r : regions) GatherFromBuffer(model, r, false, staging.data());
  EXPECT_TRUE(SameImage(Download(device(), image, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL), model));
}

std::string FormatName(const ::testing::TestParamInfo<VkFormat>& info) { return FormatOf(info.param).name; }

KT_INSTANTIATE_TEST_SUITE_P(Formats, KILN_SUITE(BufferImageRoundTrip),
                            ::testing::Values(VK_FORMAT_R8_UNORM, VK_FORMAT_R8G8B8A8_UNORM,
                                              VK_FORMAT_R16G16B16A16_SFLOAT, VK_FORMAT_R32G32B32A32_SFLOAT,
                                              VK_FORMAT_R8G8B8_UNORM),
                            FormatName);

// ---------------------------------------------------------------------------------------------
// Image <-> image copies.

class KILN_SUITE(CopyImage) : public DeviceTest {
 protected:
  struct Filled {
    std::unique_ptr<Image> image;
    std::unique_ptr<HostImage> model;
  };
  // A new image with random contents, left in TRANSFER_DST_OPTIMAL.
  Filled MakeFilled(const VkImageCreateInfo& info, uint32_t seed) {
    if (!ImageSupported(device().physical, info))
      Fail(std::string(FormatOf(info.format).name) + " image of this shape is not supported");
    Filled filled{std::make_unique<Image>(device(), info), std::make_unique<HostImage>(FormatOf(info.format), info)};
    filled.model->FillRandom(seed);
    Upload(device(), *filled.image, *filled.model, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL);
    return filled;
  }
  void Copy(const Filled& src, const Filled& dst, const std::vector<VkImageCopy>& regions) {
    RunOnce(device(), [&](VkCommandBuffer cmd) {
      TransitionImage(cmd, *src.image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL);
      TransferBarrier(cmd);
      vkCmdCopyImage(cmd, src.image->handle(), VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, dst.image->handle(),
                     VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, static_cast<uint32_t>(regions.size()), regions.data());
    });
    bool srcIs3D = src.image->info().imageType == VK_IMAGE_TYPE_3D;
    bool dstIs3D = dst.image->info().imageType == VK_IMAGE_TYPE_3D;
    for (const auto& r : regions) CopyInModel(*src.model, srcIs3D, *dst.model, dstIs3D, r);
  }
};

TEST_F(KILN_SUITE(CopyImage), MovesSubRegionsBetweenMipsAndLayers) {
  VkImageCreateInfo info = ImageInfo(VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {40, 24, 1}, 3, 4);
  Filled src = MakeFilled(info, 100);
  Filled dst = MakeFilled(info, 200);
  const VkImageSubresourceLayers mip0layer2{VK_IMAGE_ASPECT_COLOR_BIT, 0, 2, 1};
  std::vector<VkImageCopy> regions = {
      // srcSubresource, srcOffset, dstSubresource, dstOffset, extent
      {mip0layer2, {3, 5, 0}, {VK_IMAGE_ASPECT_COLOR_BIT, 1, 0, 1}, {1, 2, 0}, {10, 7, 1}},
      {{VK_IMAGE_ASPECT_COLOR_BIT, 1, 0, 2}, {0, 0, 0}, {VK_IMAGE_ASPECT_COLOR_BIT, 1, 2, 2}, {0, 0, 0}, {20, 12, 1}},
      {{VK_IMAGE_ASPECT_COLOR_BIT, 2, 3, 1}, {9, 5, 0}, {VK_IMAGE_ASPECT_COLOR_BIT, 0, 3, 1}, {39, 23, 0}, {1, 1, 1}},
      {{VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1}, {30, 20, 0}, {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1}, {0, 0, 0}, {10, 4, 1}},
  };
  Copy(src, dst, regions);
  EXPECT_TRUE(SameImage(Download(device(), *dst.image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL), *dst.model));
  EXPECT_TRUE(SameImage(Download(device(), *src.image, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL), *src.model))
      << "the source changed";
}

TEST_F(KILN_SUITE(CopyImage), MovesLargeUnalignedRegions) {
  VkImageCreateInfo info = ImageInfo(VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {300, 200, 1}, 2, 1);
  Filled src = MakeFilled(info, 150);
  Filled dst = MakeFilled(info, 250);
  Copy(src, dst,
       {{{VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1},
         {17, 33, 0},
         {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1},
         {41, 7, 0},
         {250, 150, 1}},
        {{VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1},
         {1, 1, 0},
         {VK_IMAGE_ASPECT_COLOR_BIT, 1, 0, 1},
         {3, 5, 0},
         {147, 95, 1}}});
  EXPECT_TRUE(SameImage(Download(device(), *dst.image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL), *dst.model));
}

TEST_F(KILN_SUITE(CopyImage), CopiesWithinOneImageBetweenLayers) {
  VkImageCreateInfo info = ImageInfo(VK_IMAGE_TYPE_2D, VK_FORMAT_R16G16B16A16_SFLOAT, {16, 16, 1}, 1, 3);
  Filled image = MakeFilled(info, 300);
  std::vector<VkImageCopy> regions = {
      {{VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1}, {0, 0, 0}, {VK_IMAGE_ASPECT_COLOR_BIT, 0, 2, 1}, {4, 4, 0}, {12, 12, 1}},
  };
  RunOnce(device(), [&](VkCommandBuffer cmd) {
    TransitionImage(cmd, *image.image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_IMAGE_LAYOUT_GENERAL);
    // Source and destination may be the same image in GENERAL layout when the regions do not overlap.
    vkCmdCopyImage(cmd, image.image->handle(), VK_IMAGE_LAYOUT_GENERAL, image.image->handle(), VK_IMAGE_LAYOUT_GENERAL,
                   1, regions.data());
  });
  HostImage before = *image.model;
  CopyInModel(before, false, *image.model, false, regions[0]);
  EXPECT_TRUE(SameImage(Download(device(), *image.image, VK_IMAGE_LAYOUT_GENERAL), *image.model));
}

// VK_KHR_maintenance1 (core in 1.1): "copies between 2D array layers and 3D slices" — layer i of
// the 2D side is slice i of the 3D side.
TEST_F(KILN_SUITE(CopyImage), Copies2DArrayLayersTo3DSlicesAndBack) {
  VkImageCreateInfo arrayInfo = ImageInfo(VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {16, 16, 1}, 1, 6);
  VkImageCreateInfo volumeInfo = ImageInfo(VK_IMAGE_TYPE_3D, VK_FORMAT_R8G8B8A8_UNORM, {16, 16, 8}, 1, 1);
  Filled array = MakeFilled(arrayInfo, 400);
  Filled volume = MakeFilled(volumeInfo, 500);
  Filled array2 = MakeFilled(arrayInfo, 600);
  // Layers 1..4 of the array into slices 3..6 of the volume.
  Copy(
      array, volume,
      {{{VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 4}, {2, 3, 0}, {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1}, {5, 1, 3}, {10, 9, 4}}});
  EXPECT_TRUE(SameImage(Download(device(), *volume.image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL), *volume.model));
  // Slices 0..1 of the volume into layers 4..5 of another array.
  Copy(volume, array2,
       {{{VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1},
         {0, 0, 0},
         {VK_IMAGE_ASPECT_COLOR_BIT, 0, 4, 2},
         {0, 0, 0},
         {16, 16, 2}}});
  EXPECT_TRUE(SameImage(Download(device(), *array2.image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL), *array2.model));
}

TEST_F(KILN_SUITE(CopyImage), Copies3DBoxesBetween3DImages) {
  VkImageCreateInfo info = ImageInfo(VK_IMAGE_TYPE_3D, VK_FORMAT_R32G32B32A32_SFLOAT, {12, 10, 9}, 2, 1);
  Filled src = MakeFilled(info, 700);
  Filled dst = MakeFilled(info, 800);
  Copy(src, dst,
       {{{VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1}, {1, 2, 3}, {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1}, {6, 4, 0}, {6, 6, 5}},
        {{VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1}, {0, 0, 0}, {VK_IMAGE_ASPECT_COLOR_BIT, 1, 0, 1}, {0, 0, 0}, {6, 5, 4}}});
  EXPECT_TRUE(SameImage(Download(device(), *dst.image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL), *dst.model));
}

// vkCmdCopyImage between "size-compatible" formats copies bits, as if both had the source format
// (VUID-vkCmdCopyImage-srcImage-01548); no numeric conversion, float NaN payloads included.
TEST_F(KILN_SUITE(CopyImage), CopiesRawBitsBetweenSizeCompatibleFormats) {
  const std::pair<VkFormat, VkFormat> pairs[] = {
      {VK_FORMAT_R32_UINT, VK_FORMAT_R8G8B8A8_UNORM},
      {VK_FORMAT_R16G16B16A16_SFLOAT, VK_FORMAT_R32G32_UINT},
      {VK_FORMAT_R32G32B32A32_SFLOAT, VK_FORMAT_R32G32B32A32_UINT},
      {VK_FORMAT_R8G8B8A8_SRGB, VK_FORMAT_R32_SFLOAT},
  };
  uint32_t seed = 900;
  for (const auto& [from, to] : pairs) {
    SCOPED_TRACE(std::string(FormatOf(from).name) + " -> " + FormatOf(to).name);
    VkImageCreateInfo srcInfo = ImageInfo(VK_IMAGE_TYPE_2D, from, {16, 8, 1});
    VkImageCreateInfo dstInfo = ImageInfo(VK_IMAGE_TYPE_2D, to, {16, 8, 1});
    if (!ImageSupported(device().physical, srcInfo) || !ImageSupported(device().physical, dstInfo)) {
      ADD_FAILURE() << "format not supported for transfers";
      continue;
    }
    Filled src = MakeFilled(srcInfo, seed++);
    Filled dst = MakeFilled(dstInfo, seed++);
    Copy(src, dst,
         {{{VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1},
           {0, 0, 0},
           {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1},
           {0, 0, 0},
           {16, 8, 1}}});
    HostImage readback = Download(device(), *dst.image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL);
    EXPECT_TRUE(BytesEqual(readback.Sub(0, 0), src.model->Sub(0, 0)));
  }
}

// Every color format the driver supports for transfers (compressed ones included): random blocks
// go in through a padded buffer layout, a block-aligned region moves from layer 0 to layer 1, and
// everything read back matches the host model. X padding bits (R10X6...) are not compared.
TEST_F(KILN_SUITE(CopyImage), EverySupportedFormatSurvivesUploadCopyAndReadback) {
  size_t tested = 0;
  for (const FormatInfo& f : kFormatTable) {
    if (HasDepthOrStencil(f)) continue;
    VkImageCreateInfo info = ImageInfo(VK_IMAGE_TYPE_2D, f.format, {16, 16, 1}, 1, 2);
    if (!ImageSupported(device().physical, info)) continue;
    ++tested;
    SCOPED_TRACE(f.name);
    Image image(device(), info);
    HostImage model(f, info);
    model.FillRandom(4321);
    Upload(device(), image, model, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, /*rowPadding=*/1, /*heightPadding=*/1,
           /*offset=*/f.blockSize);
    uint32_t width = f.blockWidth * std::max(1u, 8u / f.blockWidth);
    uint32_t height = f.blockHeight * std::max(1u, 8u / f.blockHeight);
    VkImageCopy region{{VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1},
                       {0, 0, 0},
                       {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 1},
                       {static_cast<int32_t>((16 - width) / f.blockWidth * f.blockWidth),
                        static_cast<int32_t>((16 - height) / f.blockHeight * f.blockHeight), 0},
                       {width, height, 1}};
    RunOnce(device(), [&](VkCommandBuffer cmd) {
      TransitionImage(cmd, image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_IMAGE_LAYOUT_GENERAL);
      vkCmdCopyImage(cmd, image.handle(), VK_IMAGE_LAYOUT_GENERAL, image.handle(), VK_IMAGE_LAYOUT_GENERAL, 1, &region);
    });
    HostImage expected = model;
    CopyInModel(model, false, expected, false, region);
    HostImage readback = Download(device(), image, VK_IMAGE_LAYOUT_GENERAL);
    // The bits that carry components; all bits for compressed blocks.
    std::vector<uint8_t> mask(f.blockSize, f.compressed ? 0xFF : 0x00);
    for (unsigned c = 0; c < f.componentCount; ++c)
      WriteBits(mask.data(), f.components[c].offset, f.components[c].bits, ~0ull);
    for (uint32_t layer = 0; layer < 2; ++layer) {
      std::vector<uint8_t> got = readback.Sub(0, layer), want = expected.Sub(0, layer);
      for (size_t i = 0; i < got.size(); ++i) {
        got[i] &= mask[i % f.blockSize];
        want[i] &= mask[i % f.blockSize];
      }
      EXPECT_TRUE(BytesEqual(got, want)) << "layer " << layer;
    }
  }
  EXPECT_GT(tested, 10u) << "fewer than 10 formats support transfers";
}

// A LINEAR image's texels sit where vkGetImageSubresourceLayout says: write them through the
// mapping, copy out; copy in, read them through the mapping.
TEST_F(KILN_SUITE(Transfer), LinearImageFollowsItsSubresourceLayout) {
  constexpr uint32_t kWidth = 37, kHeight = 19;
  VkImageCreateInfo info =
      ImageInfo(VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {kWidth, kHeight, 1}, 1, 1, VK_IMAGE_TILING_LINEAR);
  info.initialLayout = VK_IMAGE_LAYOUT_PREINITIALIZED;  // keeps host writes made before the first transition
  ASSERT_TRUE(ImageSupported(device().physical, info));
  Image image(device(), info, MemoryKind::Host);
  VkImageSubresource subresource{VK_IMAGE_ASPECT_COLOR_BIT, 0, 0};
  VkSubresourceLayout layout;
  vkGetImageSubresourceLayout(vk(), image.handle(), &subresource, &layout);
  ASSERT_GE(layout.rowPitch, kWidth * 4u);
  ASSERT_GE(layout.size, layout.rowPitch * (kHeight - 1) + kWidth * 4u);

  std::vector<uint8_t> texels = RandomBytes(kWidth * kHeight * 4, 31);
  for (uint32_t y = 0; y < kHeight; ++y)
    std::memcpy(image.data() + layout.offset + y * layout.rowPitch, texels.data() + y * kWidth * 4, kWidth * 4);

  Buffer readback(device(), texels.size());
  std::vector<uint8_t> incoming = RandomBytes(texels.size(), 32);
  Buffer upload(device(), texels.size());
  std::memcpy(upload.data(), incoming.data(), incoming.size());
  VkBufferImageCopy region{};
  region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
  region.imageExtent = {kWidth, kHeight, 1};
  RunOnce(device(), [&](VkCommandBuffer cmd) {
    auto barrier = Struct<VkImageMemoryBarrier>(VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER);
    barrier.srcAccessMask = VK_ACCESS_HOST_WRITE_BIT;
    barrier.dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
    barrier.oldLayout = VK_IMAGE_LAYOUT_PREINITIALIZED;
    barrier.newLayout = VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL;
    barrier.srcQueueFamilyIndex = barrier.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
    barrier.image = image.handle();
    barrier.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_HOST_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 0, nullptr, 0, nullptr, 1,
                         &barrier);
    vkCmdCopyImageToBuffer(cmd, image.handle(), VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, readback.handle(), 1, &region);
    // Then overwrite the image from the buffer and leave it GENERAL for host reads.
    barrier.srcAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
    barrier.dstAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    barrier.oldLayout = VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL;
    barrier.newLayout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL;
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 0, nullptr, 0, nullptr,
                         1, &barrier);
    vkCmdCopyBufferToImage(cmd, upload.handle(), image.handle(), VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &region);
    barrier.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    barrier.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    barrier.oldLayout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL;
    barrier.newLayout = VK_IMAGE_LAYOUT_GENERAL;
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 0, nullptr, 0, nullptr, 1,
                         &barrier);
  });
  EXPECT_TRUE(BytesEqual(readback.data(), texels.data(), texels.size())) << "image -> buffer";
  std::vector<uint8_t> seen(texels.size());
  for (uint32_t y = 0; y < kHeight; ++y)
    std::memcpy(seen.data() + y * kWidth * 4, image.data() + layout.offset + y * layout.rowPitch, kWidth * 4);
  EXPECT_TRUE(BytesEqual(seen, incoming)) << "buffer -> image";
}

}  // namespace
}  // namespace kiln_test
