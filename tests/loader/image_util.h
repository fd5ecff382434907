// A host-side model of image contents and the spec's buffer addressing for buffer <-> image copies,
// so that tests can predict every byte a copy must produce.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <vector>

#include "format_codec.h"
#include "vk_test_util.h"

namespace kiln_test {

inline uint32_t DivRoundUp(uint32_t value, uint32_t divisor) { return (value + divisor - 1) / divisor; }

inline VkExtent3D MipExtent(const VkExtent3D& base, uint32_t mip) {
  return {std::max(1u, base.width >> mip), std::max(1u, base.height >> mip), std::max(1u, base.depth >> mip)};
}

// Image contents: for each (mip, layer) the texel blocks, tightly packed in x, then y, then z order.
// A 3D image has one layer whose blocks span the mip's depth.
class HostImage {
 public:
  HostImage(const FormatInfo& format, const VkImageCreateInfo& info)
      : format_(format), extent_(info.extent), mips_(info.mipLevels), layers_(info.arrayLayers) {
    for (uint32_t mip = 0; mip < mips_; ++mip)
      for (uint32_t layer = 0; layer < layers_; ++layer) subresources_.emplace_back(SubresourceSize(mip), 0);
  }

  const FormatInfo& format() const { return format_; }
  uint32_t mips() const { return mips_; }
  uint32_t layers() const { return layers_; }
  VkExtent3D Extent(uint32_t mip) const { return MipExtent(extent_, mip); }
  VkExtent3D Blocks(uint32_t mip) const {
    VkExtent3D e = Extent(mip);
    return {DivRoundUp(e.width, format_.blockWidth), DivRoundUp(e.height, format_.blockHeight),
            DivRoundUp(e.depth, format_.blockDepth)};
  }
  size_t SubresourceSize(uint32_t mip) const {
    VkExtent3D b = Blocks(mip);
    return size_t(b.width) * b.height * b.depth * format_.blockSize;
  }
  std::vector<uint8_t>& Sub(uint32_t mip, uint32_t layer) { return subresources_.at(mip * layers_ + layer); }
  const std::vector<uint8_t>& Sub(uint32_t mip, uint32_t layer) const {
    return subresources_.at(mip * layers_ + layer);
  }
  // Block at block coordinates (bx, by, bz).
  uint8_t* Block(uint32_t mip, uint32_t layer, uint32_t bx, uint32_t by, uint32_t bz) {
    VkExtent3D b = Blocks(mip);
    return Sub(mip, layer).data() + ((size_t(bz) * b.height + by) * b.width + bx) * format_.blockSize;
  }
  const uint8_t* Block(uint32_t mip, uint32_t layer, uint32_t bx, uint32_t by, uint32_t bz) const {
    return const_cast<HostImage*>(this)->Block(mip, layer, bx, by, bz);
  }

  void FillRandom(uint32_t seed) {
    for (auto& sub : subresources_) sub = RandomBytes(sub.size(), seed++);
  }
  void Fill(uint8_t value) {
    for (auto& sub : subresources_) std::fill(sub.begin(), sub.end(), value);
  }

 private:
  const FormatInfo& format_;
  VkExtent3D extent_;
  uint32_t mips_, layers_;
  std::vector<std::vector<uint8_t>> subresources_;
};

// Byte offset, in the buffer of a buffer <-> image copy, of the block at texel offset (x, y, z) from
// the region's imageOffset in the region's `layer`-th layer (Copying Data Between Buffers and
// Images, "Buffer and Image Addressing": rowLength/imageHeight default to the image extent).
inline VkDeviceSize BufferAddress(const FormatInfo& f, const VkBufferImageCopy& r, uint32_t layer, uint32_t x,
                                  uint32_t y, uint32_t z) {
  uint32_t rowLength = r.bufferRowLength ? r.bufferRowLength : r.imageExtent.width;
  uint32_t imageHeight = r.bufferImageHeight ? r.bufferImageHeight : r.imageExtent.height;
  VkDeviceSize rowBlocks = DivRoundUp(rowLength, f.blockWidth);
  VkDeviceSize sliceBlocks = DivRoundUp(imageHeight, f.blockHeight) * rowBlocks;
  VkDeviceSize layerBlocks = DivRoundUp(r.imageExtent.depth, f.blockDepth) * sliceBlocks;
  return r.bufferOffset +
         (layer * layerBlocks + (z / f.blockDepth) * sliceBlocks + (y / f.blockHeight) * rowBlocks + x / f.blockWidth) *
             f.blockSize;
}

// One past the last buffer byte a region touches.
inline VkDeviceSize RegionBufferEnd(const FormatInfo& f, const VkBufferImageCopy& r) {
  const VkExtent3D& e = r.imageExtent;
  return BufferAddress(f, r, r.imageSubresource.layerCount - 1, e.width - 1, e.height - 1, e.depth - 1) + f.blockSize;
}

// Visits every block of a buffer <-> image region: fn(bufferOffset, mip, layer, bx, by, bz), the
// block coordinates being absolute within the subresource (for 3D images bz is the slice).
template <typename Fn>
void ForEachRegionBlock(const FormatInfo& f, const VkBufferImageCopy& r, bool is3D, Fn&& fn) {
  const VkImageSubresourceLayers& s = r.imageSubresource;
  for (uint32_t l = 0; l < s.layerCount; ++l)
    for (uint32_t z = 0; z < r.imageExtent.depth; z += f.blockDepth)
      for (uint32_t y = 0; y < r.imageExtent.height; y += f.blockHeight)
        for (uint32_t x = 0; x < r.imageExtent.width; x += f.blockWidth) {
          uint32_t layer = is3D ? 0 : s.baseArrayLayer + l;
          fn(BufferAddress(f, r, l, x, y, z), s.mipLevel, layer, (r.imageOffset.x + x) / f.blockWidth,
             (r.imageOffset.y + y) / f.blockHeight, (r.imageOffset.z + z) / f.blockDepth);
        }
}

// Writes the model's blocks covered by `r` into `buffer` (as vkCmdCopyBufferToImage will read them).
inline void ScatterToBuffer(const HostImage& image, const VkBufferImageCopy& r, bool is3D, uint8_t* buffer) {
  const FormatInfo& f = image.format();
  ForEachRegionBlock(f, r, is3D,
                     [&](VkDeviceSize at, uint32_t mip, uint32_t layer, uint32_t bx, uint32_t by, uint32_t bz) {
                       std::memcpy(buffer + at, image.Block(mip, layer, bx, by, bz), f.blockSize);
                     });
}

// Applies to the model what vkCmdCopyBufferToImage does with `buffer` for region `r`.
inline void GatherFromBuffer(HostImage& image, const VkBufferImageCopy& r, bool is3D, const uint8_t* buffer) {
  const FormatInfo& f = image.format();
  ForEachRegionBlock(f, r, is3D,
                     [&](VkDeviceSize at, uint32_t mip, uint32_t layer, uint32_t bx, uint32_t by, uint32_t bz) {
                       std::memcpy(image.Block(mip, layer, bx, by, bz), buffer + at, f.blockSize);
                     });
}

// What vkCmdCopyImage does, applied to host models (same texel block size; block extents equal).
// A 2D array <-> 3D copy maps array layers to depth slices (VK_KHR_maintenance1, core in 1.1).
inline void CopyInModel(const HostImage& src, bool srcIs3D, HostImage& dst, bool dstIs3D, const VkImageCopy& c) {
  const FormatInfo& f = src.format();
  uint32_t slices = (srcIs3D || dstIs3D) ? c.extent.depth : c.srcSubresource.layerCount;
  if (srcIs3D && dstIs3D) slices = 1;  // one box copy, depth handled below
  uint32_t depth = (srcIs3D && dstIs3D) ? c.extent.depth : 1;
  for (uint32_t k = 0; k < slices; ++k) {
    uint32_t srcLayer = srcIs3D ? 0 : c.srcSubresource.baseArrayLayer + k;
    uint32_t dstLayer = dstIs3D ? 0 : c.dstSubresource.baseArrayLayer + k;
    uint32_t srcZ = srcIs3D ? c.srcOffset.z + (dstIs3D ? 0 : k) : 0;
    uint32_t dstZ = dstIs3D ? c.dstOffset.z + (srcIs3D ? 0 : k) : 0;
    for (uint32_t z = 0; z < depth; ++z)
      for (uint32_t y = 0; y < c.extent.height; y += f.blockHeight)
        for (uint32_t x = 0; x < c.extent.width; x += f.blockWidth)
          std::memcpy(dst.Block(c.dstSubresource.mipLevel, dstLayer, (c.dstOffset.x + x) / f.blockWidth,
                                (c.dstOffset.y + y) / f.blockHeight, dstZ + z),
                      src.Block(c.srcSubresource.mipLevel, srcLayer, (c.srcOffset.x + x) / f.blockWidth,
                                (c.srcOffset.y + y) / f.blockHeight, srcZ + z),
                      f.blockSize);
  }
}

// Regions covering every subresource of `image`, one region per mip with all layers, laid out one
// after another from `offset` with `rowPadding` extra texels per row and `heightPadding` extra rows
// per slice (bufferRowLength / bufferImageHeight). `offset` must be a multiple of the block size;
// later regions start at multiples of both the block size and 4.
inline std::vector<VkBufferImageCopy> WholeImageRegions(const HostImage& image, bool is3D, VkImageAspectFlags aspect,
                                                        VkDeviceSize offset, uint32_t rowPadding,
                                                        uint32_t heightPadding, VkDeviceSize* bufferSize) {
  const FormatInfo& f = image.format();
  std::vector<VkBufferImageCopy> regions;
  VkDeviceSize at = offset;
  for (uint32_t mip = 0; mip < image.mips(); ++mip) {
    VkExtent3D e = image.Extent(mip);
    VkBufferImageCopy r{};
    r.bufferOffset = at;
    // Padded lengths stay multiples of the block extent (VUID-VkBufferImageCopy-bufferRowLength-00203).
    r.bufferRowLength = rowPadding ? DivRoundUp(e.width, f.blockWidth) * f.blockWidth + rowPadding * f.blockWidth : 0;
    r.bufferImageHeight =
        heightPadding ? DivRoundUp(e.height, f.blockHeight) * f.blockHeight + heightPadding * f.blockHeight : 0;
    r.imageSubresource = {aspect, mip, 0, is3D ? 1u : image.layers()};
    r.imageOffset = {0, 0, 0};
    r.imageExtent = e;
    regions.push_back(r);
    VkDeviceSize align = std::lcm<VkDeviceSize>(f.blockSize, 4);
    at = (RegionBufferEnd(f, r) + align - 1) / align * align;
  }
  *bufferSize = at;
  return regions;
}

// Uploads the whole model into `image` (left in `finalLayout`) through a staging buffer laid out
// with the given padding.
inline void Upload(const Device& device, const Image& image, const HostImage& model, VkImageLayout finalLayout,
                   uint32_t rowPadding = 0, uint32_t heightPadding = 0, VkDeviceSize offset = 0) {
  bool is3D = image.info().imageType == VK_IMAGE_TYPE_3D;
  VkDeviceSize size = 0;
  auto regions = WholeImageRegions(model, is3D, VK_IMAGE_ASPECT_COLOR_BIT, offset, rowPadding, heightPadding, &size);
  Buffer staging(device, size);
  std::memset(staging.data(), 0xEE, size);
  for (const auto& r : regions) ScatterToBuffer(model, r, is3D, staging.data());
  RunOnce(device, [&](VkCommandBuffer cmd) {
    TransitionImage(cmd, image, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL);
    vkCmdCopyBufferToImage(cmd, staging.handle(), image.handle(), VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                           static_cast<uint32_t>(regions.size()), regions.data());
    if (finalLayout != VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL)
      TransitionImage(cmd, image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, finalLayout);
  });
}

// Records vkCmdCopyImageToBuffer from `image`, currently in `layout`: a layout a copy cannot read
// from (VUID-vkCmdCopyImageToBuffer-srcImageLayout-00190) is switched to TRANSFER_SRC_OPTIMAL
// around the copy and restored afterwards.
inline void CopyImageToBufferFrom(VkCommandBuffer cmd, const Image& image, VkImageLayout layout, VkBuffer buffer,
                                  const std::vector<VkBufferImageCopy>& regions) {
  bool readable = layout == VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL || layout == VK_IMAGE_LAYOUT_GENERAL;
  if (!readable) TransitionImage(cmd, image, layout, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL);
  vkCmdCopyImageToBuffer(cmd, image.handle(), readable ? layout : VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, buffer,
                         static_cast<uint32_t>(regions.size()), regions.data());
  if (!readable) TransitionImage(cmd, image, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, layout);
}

// Reads every subresource of `image` (currently in `layout`, which it stays in) into a new model.
inline HostImage Download(const Device& device, const Image& image, VkImageLayout layout) {
  const FormatInfo& f = FormatOf(image.info().format);
  HostImage model(f, image.info());
  bool is3D = image.info().imageType == VK_IMAGE_TYPE_3D;
  VkDeviceSize size = 0;
  auto regions = WholeImageRegions(model, is3D, VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 0, &size);
  Buffer readback(device, size);
  std::memset(readback.data(), 0xEE, size);
  RunOnce(device, [&](VkCommandBuffer cmd) {
    TransferBarrier(cmd);  // order after earlier submissions' writes
    CopyImageToBufferFrom(cmd, image, layout, readback.handle(), regions);
  });
  for (const auto& r : regions) GatherFromBuffer(model, r, is3D, readback.data());
  return model;
}

// Compares two models subresource by subresource, naming the first differing subresource.
inline ::testing::AssertionResult SameImage(const HostImage& actual, const HostImage& expected) {
  for (uint32_t mip = 0; mip < expected.mips(); ++mip)
    for (uint32_t layer = 0; layer < expected.layers(); ++layer) {
      auto result = BytesEqual(actual.Sub(mip, layer), expected.Sub(mip, layer));
      if (!result) return result << " (mip " << mip << ", layer " << layer << ")";
    }
  return ::testing::AssertionSuccess();
}

}  // namespace kiln_test
