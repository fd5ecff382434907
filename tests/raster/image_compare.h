// Comparing read-back images channel by channel with a stated tolerance, and saving the images of a
// failed comparison (actual, expected, diff) as PNG into the suite's output folder.
#pragma once

#include <gtest/gtest.h>
#include <vulkan/vulkan.h>

#include <cstdint>
#include <string>
#include <vector>

namespace kiln_test {

// How the channels of a texel are stored, for the formats the raster tests use.
enum class ChannelType { Unorm8, Snorm8, Uint8, Sint8, Unorm16, Uint16, Sint16, Half, Uint32, Sint32, Float32, D24, D32, Stencil };

struct TexelLayout {
  ChannelType type;
  uint32_t channels;
  uint32_t channelBytes;
  uint32_t size() const { return channels * channelBytes; }
};

// The layout of one aspect of `format` as vkCmdCopyImageToBuffer writes it.
TexelLayout TexelLayoutOf(VkFormat format, VkImageAspectFlagBits aspect = VK_IMAGE_ASPECT_COLOR_BIT);

// Tolerance: integer-coded channels may differ by `units` codes; float channels (half, float, D32)
// by `absolute`. Zero for both means bit-exact (NaNs compare equal to NaNs).
struct Tolerance {
  double units = 0;
  double absolute = 0;
};

struct ImageBytes {
  std::vector<uint8_t> bytes;  // layers one after another, each height rows of width texels
  uint32_t width = 0, height = 0, layers = 1;
  TexelLayout layout{ChannelType::Unorm8, 4, 1};
};

// Compares every channel; on failure names the first few differing texels and writes
// <output>/<name>_{actual,expected,diff}.png (one PNG per layer when layers > 1).
::testing::AssertionResult ImagesMatch(const std::string& name, const ImageBytes& actual, const ImageBytes& expected,
                                       Tolerance tolerance = {});

// The folder failing images are written to (created on demand).
std::string OutputFolder();

// Writes an 8-bit RGBA PNG; false if it could not be written.
bool WritePng(const std::string& path, uint32_t width, uint32_t height, const std::vector<uint8_t>& rgba);

}  // namespace kiln_test
