// Image descriptors from compute shaders: storage images (load, store with format conversion,
// atomics, 1D / 2D array / 3D), sampled images through combined image samplers and through separate
// images and samplers (fetch, nearest and linear sampling, clamp and repeat addressing, gather, size
// and level queries), and uniform and storage texel buffers.
//
// Tolerances: texel values converted from normalized formats are held to c / (2^b - 1) within
// 2.5 ULP (the spec gives them no separate precision); a float written to a UNORM storage image may
// become either integer neighbouring f * (2^b - 1) ("Conversion from Floating-Point to Normalized
// Fixed-Point"); linear filtering at a weight of exactly 1/2 is held to a few ULP of the operands,
// the weights' precision (subTexelPrecisionBits) not mattering at 1/2.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "compute_harness.h"
#include "float_tolerance.h"

namespace kiln_test::compute {
namespace {

ImageResource StorageImage(uint32_t binding, VkFormat format, uint32_t texelSize, VkExtent3D extent,
                           std::vector<uint8_t> contents) {
  ImageResource image;
  image.binding = binding;
  image.type = VK_DESCRIPTOR_TYPE_STORAGE_IMAGE;
  image.format = format;
  image.texelSize = texelSize;
  image.extent = extent;
  image.contents = std::move(contents);
  return image;
}

FormatNeed Storage(VkFormat format) { return {format, VK_FORMAT_FEATURE_STORAGE_IMAGE_BIT}; }

Bound Unorm8(uint8_t c) { return Exact(kFloat32, c) / Exact(kFloat32, 255); }

// ---------------------------------------------------------------------------------------------
// Storage images.

TEST(StorageImages, LoadStoreConvertAndQuerySize) {
  constexpr uint32_t kSide = 16;
  Rng rng(100);
  std::vector<std::array<float, 4>> source(kSide * kSide);
  for (auto& t : source)
    for (float& c : t) c = static_cast<float>(rng.Range(-64, 64)) * 0.25f;
  std::vector<int32_t> ints(kSide * kSide);
  for (int32_t& v : ints) v = static_cast<int32_t>(rng.Range(-100000, 100000));
  Job job = SingleModuleJob("storage_images");
  job.images.push_back(StorageImage(0, VK_FORMAT_R32G32B32A32_SFLOAT, 16, {kSide, kSide, 1}, Bytes(source)));
  job.images.push_back(StorageImage(1, VK_FORMAT_R32G32B32A32_SFLOAT, 16, {kSide, kSide, 1},
                                    std::vector<uint8_t>(kSide * kSide * 16, kPoison)));
  job.images.push_back(StorageImage(2, VK_FORMAT_R8G8B8A8_UNORM, 4, {kSide, kSide, 1},
                                    std::vector<uint8_t>(kSide * kSide * 4, kPoison)));
  job.images.back().compare = Compare::Checker;  // either neighbour may be written
  job.images.push_back(StorageImage(3, VK_FORMAT_R32_SINT, 4, {kSide, kSide, 1}, Bytes(ints)));
  job.buffers.push_back(OutputBuffer(4, 4 * 8));
  job.formats = {Storage(VK_FORMAT_R32G32B32A32_SFLOAT), Storage(VK_FORMAT_R8G8B8A8_UNORM),
                 Storage(VK_FORMAT_R32_SINT)};
  Dispatch d;
  d.x = 2;
  d.y = 2;
  job.dispatches.push_back(d);
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    auto target = As<std::array<float, 4>>(r.images[1]);
    const std::vector<uint8_t>& unorm = r.images[2];
    auto signedInts = As<int32_t>(r.images[3]);
    auto sizes = r.Buffer<std::array<int32_t, 2>>(0);
    for (uint32_t y = 0; y < kSide; ++y)
      for (uint32_t x = 0; x < kSide; ++x) {
        size_t p = y * kSide + x, mirrored = y * kSide + (kSide - 1 - x);
        for (int c = 0; c < 4; ++c)
          m.Equal("rgba32f load, swizzle, store", mirrored * 4 + c, target[mirrored][c],
                  source[p][3 - c] * 2.0f + 1.0f);
        // imageStore(unorm, p, (x / 15, y / 15, 0, 1)): 17x and 17y, give or take the rounding direction.
        long double ideal[4] = {17.0L * x, 17.0L * y, 0, 255};
        for (int c = 0; c < 4; ++c) m.Near("float to UNORM8 store", p * 4 + c, unorm[p * 4 + c], ideal[c], 1.0L);
        m.Equal("r32i load, store", p, signedInts[p], -ints[p] * 3 + static_cast<int32_t>(x));
      }
    for (int k = 0; k < 4; ++k) {
      m.Equal("imageSize.x", k, sizes[k][0], static_cast<int32_t>(kSide));
      m.Equal("imageSize.y", k, sizes[k][1], static_cast<int32_t>(kSide));
    }
  });
}

TEST(StorageImages, AtomicsOnR32uiAndR32i) {
  constexpr uint32_t kSide = 16;
  Rng rng(101);
  // counters (16 x 16 r32ui): [0,8)^2 add, [8,16)x[0,8) or, [0,8)x[8,16) exchange, [8,16)^2 compare-swap.
  std::vector<uint32_t> counters(kSide * kSide);
  for (uint32_t y = 0; y < kSide; ++y)
    for (uint32_t x = 0; x < kSide; ++x) {
      uint32_t& v = counters[y * kSide + x];
      if (x < 8 && y < 8)
        v = rng.Next32() % 100000;
      else if (y < 8)
        v = rng.Next32() & ~0xFu;
      else if (x < 8)
        v = 0xFFFFFFFFu;
      else
        v = 0;
    }
  // extremes (8 x 16 r32i): even rows take the minimum, odd rows the maximum.
  std::vector<int32_t> extremes(8 * 16);
  for (uint32_t y = 0; y < 16; ++y)
    for (uint32_t x = 0; x < 8; ++x)
      extremes[y * 8 + x] = y % 2 == 0 ? std::numeric_limits<int32_t>::max() : std::numeric_limits<int32_t>::min();
  Job job = SingleModuleJob("image_atomics");
  job.images.push_back(StorageImage(0, VK_FORMAT_R32_UINT, 4, {kSide, kSide, 1}, Bytes(counters)));
  job.images.back().compare = Compare::Checker;  // the exchange's winner is any of four
  job.images.push_back(StorageImage(1, VK_FORMAT_R32_SINT, 4, {8, 16, 1}, Bytes(extremes)));
  job.buffers.push_back(OutputBuffer(2, kSide * kSide * 4, Compare::Checker));
  job.formats = {{VK_FORMAT_R32_UINT, VK_FORMAT_FEATURE_STORAGE_IMAGE_ATOMIC_BIT},
                 {VK_FORMAT_R32_SINT, VK_FORMAT_FEATURE_STORAGE_IMAGE_ATOMIC_BIT}};
  Dispatch d;
  d.x = 2;
  d.y = 2;
  job.dispatches.push_back(d);
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    auto got = As<uint32_t>(r.images[0]);
    auto gotExtremes = As<int32_t>(r.images[1]);
    auto returned = r.Buffer<uint32_t>(0);
    for (uint32_t ty = 0; ty < 8; ++ty)
      for (uint32_t tx = 0; tx < 8; ++tx) {
        std::vector<uint32_t> olds, adds, ids;
        std::vector<int32_t> values;
        uint32_t winners = 0, winnerId = 0;
        for (uint32_t k = 0; k < 4; ++k) {
          uint32_t px = tx * 2 + (k & 1), py = ty * 2 + (k >> 1);
          uint32_t ret = returned[py * kSide + px];
          olds.push_back(ret & 0x7FFFFFFFu);
          adds.push_back(px + 1);
          ids.push_back(py * 100 + px);
          values.push_back((static_cast<int32_t>(px) * 7 - static_cast<int32_t>(py) * 13) ^
                           (static_cast<int32_t>(px) << 4));
          if (ret >> 31) {
            ++winners;
            winnerId = py * 16 + px + 1;
          }
        }
        size_t texel = ty * kSide + tx;
        uint32_t initial = counters[texel], total = 0;
        for (uint32_t a : adds) total += a;
        m.Equal("imageAtomicAdd final", texel, got[texel], initial + total);
        // The returned values, sorted, and the final value step up by the four addends in some order.
        std::sort(olds.begin(), olds.end());
        olds.push_back(initial + total);
        std::vector<uint32_t> steps;
        for (size_t k = 1; k < olds.size(); ++k) steps.push_back(olds[k] - olds[k - 1]);
        std::sort(steps.begin(), steps.end());
        std::sort(adds.begin(), adds.end());
        m.Equal("imageAtomicAdd first returned value is the initial one", texel, olds[0], initial);
        m.Equal("imageAtomicAdd returned values chain by the addends", texel, steps == adds, true);
        size_t orTexel = ty * kSide + tx + 8;
        m.Equal("imageAtomicOr", orTexel, got[orTexel], counters[orTexel] | 0xFu);
        size_t exchangeTexel = (ty + 8) * kSide + tx;
        m.Equal("imageAtomicExchange leaves one of the written values", exchangeTexel,
                std::find(ids.begin(), ids.end(), got[exchangeTexel]) != ids.end(), true);
        size_t swapTexel = (ty + 8) * kSide + tx + 8;
        m.Equal("imageAtomicCompSwap winners", swapTexel, winners, 1u);
        m.Equal("imageAtomicCompSwap value", swapTexel, got[swapTexel], winnerId);
        m.Equal("imageAtomicMin (r32i)", texel, gotExtremes[(ty * 2) * 8 + tx],
                *std::min_element(values.begin(), values.end()));
        m.Equal("imageAtomicMax (r32i)", texel, gotExtremes[(ty * 2 + 1) * 8 + tx],
                *std::max_element(values.begin(), values.end()));
      }
  });
}

TEST(StorageImages, ArrayVolumeAndLineImages) {
  Rng rng(102);
  std::vector<uint8_t> layered(4 * 4 * 4 * 2, 0);
  for (size_t i = 0; i < 4 * 4 * 4; ++i) layered[i] = static_cast<uint8_t>(rng.Range(0, 200));  // layer 0
  std::vector<uint32_t> line = {10, 20, 30, 40};
  Job job = SingleModuleJob("storage_image_layers");
  ImageResource array = StorageImage(0, VK_FORMAT_R8G8B8A8_UINT, 4, {4, 4, 1}, layered);
  array.layers = 2;
  array.viewType = VK_IMAGE_VIEW_TYPE_2D_ARRAY;
  job.images.push_back(array);
  ImageResource volume =
      StorageImage(1, VK_FORMAT_R32_SFLOAT, 4, {4, 4, 4}, std::vector<uint8_t>(4 * 4 * 4 * 4, kPoison));
  volume.imageType = VK_IMAGE_TYPE_3D;
  volume.viewType = VK_IMAGE_VIEW_TYPE_3D;
  job.images.push_back(volume);
  ImageResource lineImage = StorageImage(2, VK_FORMAT_R32_UINT, 4, {4, 1, 1}, Bytes(line));
  lineImage.imageType = VK_IMAGE_TYPE_1D;
  lineImage.viewType = VK_IMAGE_VIEW_TYPE_1D;
  job.images.push_back(lineImage);
  job.buffers.push_back(OutputBuffer(3, 3 * 16));
  job.formats = {Storage(VK_FORMAT_R8G8B8A8_UINT), Storage(VK_FORMAT_R32_SFLOAT), Storage(VK_FORMAT_R32_UINT)};
  job.dispatches.push_back({});
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    const std::vector<uint8_t>& gotLayers = r.images[0];
    auto gotVolume = As<float>(r.images[1]);
    auto gotLine = As<uint32_t>(r.images[2]);
    auto sizes = r.Buffer<std::array<int32_t, 4>>(0);
    for (size_t t = 0; t < 16; ++t)
      for (int c = 0; c < 4; ++c) {
        m.Equal("layer 0 unchanged", t * 4 + c, gotLayers[t * 4 + c], layered[t * 4 + c]);
        m.Equal("layer 1 = layer 0 .yzwx + 1", t * 4 + c, gotLayers[64 + t * 4 + c],
                static_cast<uint8_t>(layered[t * 4 + (c + 1) % 4] + 1));
      }
    for (uint32_t z = 0; z < 4; ++z)
      for (uint32_t y = 0; y < 4; ++y)
        for (uint32_t x = 0; x < 4; ++x) {
          size_t at = (z * 4 + y) * 4 + x;
          m.Equal("3D image slice store", at, gotVolume[at], float(x + y * 4 + z * 16) * 0.25f);
        }
    for (uint32_t x = 0; x < 4; ++x) m.Equal("1D image load/store", x, gotLine[x], line[x] * 5 + x);
    const std::array<std::array<int32_t, 4>, 3> expectedSizes = {{{4, 4, 2, 0}, {4, 4, 4, 0}, {4, 0, 0, 0}}};
    for (int k = 0; k < 3; ++k)
      for (int c = 0; c < 4; ++c) m.Equal("imageSize", k * 4 + c, sizes[k][c], expectedSizes[k][c]);
  });
}

// ---------------------------------------------------------------------------------------------
// Sampled images.

VkSamplerCreateInfo SamplerInfo(VkFilter filter, VkSamplerAddressMode mode) {
  auto info = Struct<VkSamplerCreateInfo>(VK_STRUCTURE_TYPE_SAMPLER_CREATE_INFO);
  info.magFilter = info.minFilter = filter;
  info.mipmapMode = VK_SAMPLER_MIPMAP_MODE_NEAREST;
  info.addressModeU = info.addressModeV = info.addressModeW = mode;
  info.maxLod = VK_LOD_CLAMP_NONE;
  info.borderColor = VK_BORDER_COLOR_FLOAT_TRANSPARENT_BLACK;
  return info;
}

// sampled_images.comp's Result: eight 16-byte vectors.
struct SampleResult {
  float fetched[4], fetchedMip[4], sampled[4], clamped[4], gathered[4], filtered[4];
  int32_t sizes[4], levels[4];
};
static_assert(sizeof(SampleResult) == 128);

TEST(SampledImages, CombinedAndSeparateImagesAndSamplers) {
  Rng rng(103);
  // combined: rgba8 unorm 8x8 with a 4x4 second mip.
  std::vector<uint8_t> rgba = RandomBytes(8 * 8 * 4 + 4 * 4 * 4, 104);
  // separate: r16f 4x4 (a format whose linear filtering Vulkan requires).
  std::vector<uint16_t> halves(16);
  for (uint16_t& h : halves) h = FloatToHalf(static_cast<float>(rng.Range(-400, 400)) * 0.125f);
  std::vector<int32_t> ints(64);
  for (int32_t& v : ints) v = static_cast<int32_t>(rng.Range(-1000000, 1000000));

  Job job = SingleModuleJob("sampled_images");
  ImageResource combined;
  combined.binding = 0;
  combined.type = VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER;
  combined.format = VK_FORMAT_R8G8B8A8_UNORM;
  combined.extent = {8, 8, 1};
  combined.mipLevels = 2;
  combined.contents = rgba;
  combined.sampler = SamplerInfo(VK_FILTER_NEAREST, VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE);
  combined.compare = Compare::None;
  job.images.push_back(combined);
  ImageResource separate;
  separate.binding = 1;
  separate.type = VK_DESCRIPTOR_TYPE_SAMPLED_IMAGE;
  separate.format = VK_FORMAT_R16_SFLOAT;
  separate.texelSize = 2;
  separate.extent = {4, 4, 1};
  separate.contents = Bytes(halves);
  separate.compare = Compare::None;
  job.images.push_back(separate);
  ImageResource integers;
  integers.binding = 5;
  integers.type = VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER;
  integers.format = VK_FORMAT_R32_SINT;
  integers.extent = {8, 8, 1};
  integers.contents = Bytes(ints);
  integers.sampler = SamplerInfo(VK_FILTER_NEAREST, VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE);
  integers.compare = Compare::None;
  job.images.push_back(integers);
  job.samplers = {{0, 2, 0, SamplerInfo(VK_FILTER_NEAREST, VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE)},
                  {0, 3, 0, SamplerInfo(VK_FILTER_LINEAR, VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE)},
                  {0, 4, 0, SamplerInfo(VK_FILTER_NEAREST, VK_SAMPLER_ADDRESS_MODE_REPEAT)}};
  job.buffers.push_back(OutputBuffer(6, 64 * sizeof(SampleResult), Compare::Checker));
  job.formats = {
      {VK_FORMAT_R8G8B8A8_UNORM, VK_FORMAT_FEATURE_SAMPLED_IMAGE_BIT},
      {VK_FORMAT_R16_SFLOAT, VK_FORMAT_FEATURE_SAMPLED_IMAGE_BIT | VK_FORMAT_FEATURE_SAMPLED_IMAGE_FILTER_LINEAR_BIT},
      {VK_FORMAT_R32_SINT, VK_FORMAT_FEATURE_SAMPLED_IMAGE_BIT}};
  job.dispatches.push_back({});
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    auto results = r.Buffer<SampleResult>(0);
    auto texel0 = [&](uint32_t x, uint32_t y, int c) { return rgba[(y * 8 + x) * 4 + c]; };
    auto texel1 = [&](uint32_t x, uint32_t y, int c) { return rgba[256 + (y * 4 + x) * 4 + c]; };
    auto half = [&](int32_t x, int32_t y) {
      return HalfToFloat(halves[std::clamp(y, 0, 3) * 4 + std::clamp(x, 0, 3)]);
    };
    for (uint32_t y = 0; y < 8; ++y)
      for (uint32_t x = 0; x < 8; ++x) {
        size_t i = y * 8 + x;
        const SampleResult& got = results[i];
        for (int c = 0; c < 4; ++c) {
          Bound f0 = Unorm8(texel0(x, y, c)), f1 = Unorm8(texel1(x / 2, y / 2, c)), edge = Unorm8(texel0(0, 7, c));
          m.Near("texelFetch mip 0", i, got.fetched[c], f0.value(), f0.error());
          m.Near("texelFetch mip 1", i, got.fetchedMip[c], f1.value(), f1.error());
          m.Near("textureLod NEAREST at the texel centre", i, got.sampled[c], f0.value(), f0.error());
          m.Near("textureLod CLAMP_TO_EDGE outside", i, got.clamped[c], edge.value(), edge.error());
        }
        int32_t qx = x & 3, qy = y & 3;
        // Gather's order: (i0, j1), (i1, j1), (i1, j0), (i0, j0), with i1 = i0 + 1 clamped.
        const float gathered[4] = {half(qx, qy + 1), half(qx + 1, qy + 1), half(qx + 1, qy), half(qx, qy)};
        for (int c = 0; c < 4; ++c)
          m.Equal("textureGather component " + std::to_string(c), i, got.gathered[c], gathered[c]);
        long double a = half(qx, qy), b = half(qx + 1, qy);
        long double tolerance = 4 * (Ulp(kFloat32, a) + Ulp(kFloat32, b));
        m.Near("LINEAR halfway between two texels", i, got.filtered[0], (a + b) / 2, tolerance);
        m.Equal("NEAREST separate sampler", i, got.filtered[1], half(qx, qy));
        m.Equal("REPEAT wraps to the same texel", i, got.filtered[2], half(qx, qy));
        m.Equal("isampler2D texelFetch", i, got.filtered[3], static_cast<float>(ints[i]));
        const int32_t sizes[4] = {8, 8, 4, 4}, levels[4] = {2, 4, 4, 0};
        for (int c = 0; c < 4; ++c) {
          m.Equal("textureSize", i, got.sizes[c], sizes[c]);
          m.Equal("textureQueryLevels, textureSize(separate)", i, got.levels[c], levels[c]);
        }
      }
  });
}

// The spec's "Wrapping Operation" on an integer texel coordinate, for the host reference; -1 stands
// for a border texel.
int32_t WrapTexel(int32_t i, int32_t size, VkSamplerAddressMode mode) {
  auto mirror = [](int32_t n) { return n >= 0 ? n : -(1 + n); };
  switch (mode) {
    case VK_SAMPLER_ADDRESS_MODE_REPEAT:
      return ((i % size) + size) % size;
    case VK_SAMPLER_ADDRESS_MODE_MIRRORED_REPEAT:
      return (size - 1) - mirror((((i % (2 * size)) + 2 * size) % (2 * size)) - size);
    case VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_BORDER:
      return i < 0 || i >= size ? -1 : i;
    default:
      return std::clamp(i, 0, size - 1);
  }
}

// sampler_modes.comp's Result: five 16-byte vectors.
struct ModeResult {
  float mirrored[4], white[4], black[4], offset[4], filtered[4];
};
static_assert(sizeof(ModeResult) == 80);

TEST(SampledImages, AddressModesBordersOffsetsTrilinearAndUnnormalized) {
  Rng rng(108);
  // tex: r16f 4x4 with levels 2x2 and 1x1; single: r16f 4x4. Values are multiples of 1/8.
  std::vector<uint16_t> levels(16 + 4 + 1), single(16);
  for (uint16_t& h : levels) h = FloatToHalf(static_cast<float>(rng.Range(-400, 400)) * 0.125f);
  for (uint16_t& h : single) h = FloatToHalf(static_cast<float>(rng.Range(-400, 400)) * 0.125f);
  Job job = SingleModuleJob("sampler_modes");
  ImageResource tex;
  tex.binding = 0;
  tex.type = VK_DESCRIPTOR_TYPE_SAMPLED_IMAGE;
  tex.format = VK_FORMAT_R16_SFLOAT;
  tex.texelSize = 2;
  tex.extent = {4, 4, 1};
  tex.mipLevels = 3;
  tex.contents = Bytes(levels);
  tex.compare = Compare::None;
  job.images.push_back(tex);
  ImageResource one = tex;
  one.binding = 5;
  one.mipLevels = 1;
  one.contents = Bytes(single);
  job.images.push_back(one);
  VkSamplerCreateInfo mirrored = SamplerInfo(VK_FILTER_NEAREST, VK_SAMPLER_ADDRESS_MODE_MIRRORED_REPEAT);
  VkSamplerCreateInfo white = SamplerInfo(VK_FILTER_NEAREST, VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_BORDER);
  white.borderColor = VK_BORDER_COLOR_FLOAT_OPAQUE_WHITE;
  VkSamplerCreateInfo black = SamplerInfo(VK_FILTER_NEAREST, VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_BORDER);
  VkSamplerCreateInfo trilinear = SamplerInfo(VK_FILTER_LINEAR, VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE);
  trilinear.mipmapMode = VK_SAMPLER_MIPMAP_MODE_LINEAR;
  // Unnormalized coordinates: equal filters, mipmapMode NEAREST, minLod = maxLod = 0
  // (VUID-VkSamplerCreateInfo-unnormalizedCoordinates-01072..01075).
  VkSamplerCreateInfo unnormalized = SamplerInfo(VK_FILTER_NEAREST, VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE);
  unnormalized.unnormalizedCoordinates = VK_TRUE;
  unnormalized.maxLod = 0.0f;
  VkSamplerCreateInfo repeatLinear = SamplerInfo(VK_FILTER_LINEAR, VK_SAMPLER_ADDRESS_MODE_REPEAT);
  job.samplers = {{0, 1, 0, mirrored}, {0, 2, 0, white},        {0, 3, 0, black},
                  {0, 4, 0, trilinear}, {0, 6, 0, unnormalized}, {0, 7, 0, repeatLinear}};
  job.buffers.push_back(OutputBuffer(8, 64 * sizeof(ModeResult), Compare::Checker));
  job.formats = {{VK_FORMAT_R16_SFLOAT,
                  VK_FORMAT_FEATURE_SAMPLED_IMAGE_BIT | VK_FORMAT_FEATURE_SAMPLED_IMAGE_FILTER_LINEAR_BIT}};
  job.dispatches.push_back({});
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    auto results = r.Buffer<ModeResult>(0);
    const uint32_t levelOffset[3] = {0, 16, 20};
    // A texel of tex's `level` after wrapping, or the border (-1 coordinates).
    auto texel = [&](uint32_t level, int32_t i, int32_t j, VkSamplerAddressMode mode) -> long double {
      const int32_t size = 4 >> level;
      i = WrapTexel(i, size, mode);
      j = WrapTexel(j, size, mode);
      return HalfToFloat(levels[levelOffset[level] + j * size + i]);
    };
    // LINEAR at normalized (s, t) in one level ("Texel Filtering").
    auto bilinear = [&](uint32_t level, long double s, long double t, VkSamplerAddressMode mode) {
      const long double size = 4 >> level, u = s * size - 0.5L, v = t * size - 0.5L;
      const long double i0 = std::floor(u), j0 = std::floor(v), a = u - i0, b = v - j0;
      const int32_t i = static_cast<int32_t>(i0), j = static_cast<int32_t>(j0);
      return (1 - a) * (1 - b) * texel(level, i, j, mode) + a * (1 - b) * texel(level, i + 1, j, mode) +
             (1 - a) * b * texel(level, i, j + 1, mode) + a * b * texel(level, i + 1, j + 1, mode);
    };
    const long double tolerance = 16 * Ulp(kFloat32, 64.0L);
    for (int32_t y = 0; y < 8; ++y)
      for (int32_t x = 0; x < 8; ++x) {
        const size_t i = y * 8 + x;
        const ModeResult& got = results[i];
        // st = (2p - 6.5) / 4: NEAREST picks texel 2p - 7 in each direction.
        const int32_t ti = 2 * x - 7, tj = 2 * y - 7;
        const bool inside = ti >= 0 && ti < 4 && tj >= 0 && tj < 4;
        const bool offsetInside = ti + 1 >= 0 && ti + 1 < 4 && tj - 2 >= 0 && tj - 2 < 4;
        const float mirroredValue = static_cast<float>(texel(0, ti, tj, VK_SAMPLER_ADDRESS_MODE_MIRRORED_REPEAT));
        const float texelValue = inside ? static_cast<float>(texel(0, ti, tj, VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE)) : 0;
        const float offsetValue =
            offsetInside ? static_cast<float>(texel(0, ti + 1, tj - 2, VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE)) : 0;
        const float expectMirrored[4] = {mirroredValue, 0, 0, 1};
        // A border replaces the components the format has (R16: R), then G, B = 0 and A = 1 as for
        // any texel ("Texel Replacement", then "Conversion to RGBA").
        const float expectWhite[4] = {inside ? texelValue : 1.0f, 0, 0, 1};
        const float expectBlack[4] = {texelValue, 0, 0, 1};
        const float expectOffset[4] = {offsetInside ? offsetValue : 1.0f, 0, 0, 1};
        for (int c = 0; c < 4; ++c) {
          m.Equal("MIRRORED_REPEAT", i * 4 + c, got.mirrored[c], expectMirrored[c]);
          m.Equal("CLAMP_TO_BORDER, FLOAT_OPAQUE_WHITE", i * 4 + c, got.white[c], expectWhite[c]);
          m.Equal("CLAMP_TO_BORDER, FLOAT_TRANSPARENT_BLACK", i * 4 + c, got.black[c], expectBlack[c]);
          m.Equal("ConstOffset (1, -2) with the white border", i * 4 + c, got.offset[c], expectOffset[c]);
        }
        // Trilinear at LOD 0, 0.5, 1: d' = LOD, levels floor(d') and floor(d') + 1, weight frac(d').
        const long double mid[2] = {(x + 0.5L) / 8, (y + 0.5L) / 8}, lod = (y % 3) * 0.5L;
        const uint32_t hi = static_cast<uint32_t>(std::floor(lod));
        const long double delta = lod - hi;
        const long double trilinearValue =
            (1 - delta) * bilinear(hi, mid[0], mid[1], VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE) +
            (delta > 0 ? delta * bilinear(hi + 1, mid[0], mid[1], VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE) : 0);
        m.Near("LINEAR, mipmapMode LINEAR at an explicit LOD", i, got.filtered[0], trilinearValue, tolerance);
        // Gradients (0.5, 0) and (0, 0.25) on a 4x4 level: rho = max(2, 1), LOD log2(2) = 1.
        m.Near("LINEAR through gradients (LOD 1)", i, got.filtered[1],
               bilinear(1, mid[0], mid[1], VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE), tolerance);
        // Unnormalized: texel floor(0.75p - 1), clamped to the edge.
        const int32_t ui = std::clamp(static_cast<int32_t>(std::floor(0.75 * x - 1)), 0, 3);
        const int32_t uj = std::clamp(static_cast<int32_t>(std::floor(0.75 * y - 1)), 0, 3);
        m.Equal("unnormalized coordinates", i, got.filtered[2], HalfToFloat(single[uj * 4 + ui]));
        // LINEAR + REPEAT at st + (0.5, 0.25) / 4: weights 1/2 and 1/4 across wrapped texels.
        m.Near("LINEAR with REPEAT", i, got.filtered[3],
               bilinear(0, (2 * x - 6.5L + 0.5L) / 4, (2 * y - 6.5L + 0.25L) / 4, VK_SAMPLER_ADDRESS_MODE_REPEAT),
               tolerance);
      }
  });
}

// ---------------------------------------------------------------------------------------------
// Texel buffers.

TEST(TexelBuffers, UniformAndStorageTexelBuffers) {
  Rng rng(105);
  std::vector<float> floats(64 + 16);
  for (float& v : floats) v = static_cast<float>(rng.Range(-1000, 1000)) * 0.5f;
  std::vector<uint8_t> bytes = RandomBytes(16 * 4, 106), unorms = RandomBytes(16 * 4, 107);
  std::vector<uint32_t> counters(16);
  for (uint32_t& v : counters) v = rng.Next32() % 1000000;
  Job job = SingleModuleJob("texel_buffers");
  auto texel = [](uint32_t binding, VkDescriptorType type, VkFormat format, std::vector<uint8_t> contents) {
    BufferResource b = InputBuffer(binding, std::move(contents));
    b.type = type;
    b.texelFormat = format;
    return b;
  };
  BufferResource floatView = texel(0, VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, VK_FORMAT_R32_SFLOAT, Bytes(floats));
  floatView.offset = 256;  // elements 64..79; 256 is the largest minTexelBufferOffsetAlignment allowed
  floatView.range = 16 * 4;
  job.buffers.push_back(floatView);
  job.buffers.push_back(texel(1, VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, VK_FORMAT_R8G8B8A8_UINT, bytes));
  job.buffers.push_back(texel(2, VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, VK_FORMAT_R8G8B8A8_UNORM, unorms));
  BufferResource counterView = texel(3, VK_DESCRIPTOR_TYPE_STORAGE_TEXEL_BUFFER, VK_FORMAT_R32_UINT, Bytes(counters));
  counterView.compare = Compare::Bitwise;
  job.buffers.push_back(counterView);
  BufferResource outputs = OutputBuffer(4, 32 * 16, Compare::Checker);
  outputs.type = VK_DESCRIPTOR_TYPE_STORAGE_TEXEL_BUFFER;
  outputs.texelFormat = VK_FORMAT_R32G32B32A32_SFLOAT;
  job.buffers.push_back(outputs);
  job.buffers.push_back(OutputBuffer(5, 5 * 4));
  job.formats = {{VK_FORMAT_R32_SFLOAT, VK_FORMAT_FEATURE_UNIFORM_TEXEL_BUFFER_BIT, true},
                 {VK_FORMAT_R8G8B8A8_UINT, VK_FORMAT_FEATURE_UNIFORM_TEXEL_BUFFER_BIT, true},
                 {VK_FORMAT_R8G8B8A8_UNORM, VK_FORMAT_FEATURE_UNIFORM_TEXEL_BUFFER_BIT, true},
                 {VK_FORMAT_R32_UINT, VK_FORMAT_FEATURE_STORAGE_TEXEL_BUFFER_BIT, true},
                 {VK_FORMAT_R32G32B32A32_SFLOAT, VK_FORMAT_FEATURE_STORAGE_TEXEL_BUFFER_BIT, true}};
  job.dispatches.push_back({});
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    auto gotCounters = r.Buffer<uint32_t>(3);
    auto out = r.Buffer<std::array<float, 4>>(4);
    auto sizes = r.Buffer<int32_t>(5);
    for (uint32_t i = 0; i < 16; ++i) {
      float f = floats[64 + i];
      const uint8_t* b = &bytes[i * 4];
      const float expected[4] = {f, float(b[0] + b[1]), float(b[2] * b[3]), f * 0.5f};
      for (int c = 0; c < 4; ++c) m.Equal("texel fetches, stored as rgba32f", i * 4 + c, out[i][c], expected[c]);
      for (int c = 0; c < 4; ++c) {
        Bound u = Unorm8(unorms[i * 4 + c]);
        m.Near("rgba8 unorm texel fetch", i * 4 + c, out[16 + i][c], u.value(), u.error());
      }
      m.Equal("r32ui storage texel load/store", i, gotCounters[i], counters[i] * 3u + i);
    }
    const int32_t expectedSizes[5] = {16, 16, 16, 16, 32};
    for (int k = 0; k < 5; ++k) m.Equal("texel buffer size", k, sizes[k], expectedSizes[k]);
  });
}

}  // namespace
}  // namespace kiln_test::compute
