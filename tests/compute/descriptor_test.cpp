// Buffer descriptors: dynamic uniform and storage buffers rebound with new dynamic offsets between
// dispatches, descriptor arrays indexed by constants and by a dynamically uniform value, several
// descriptor sets with a binding gap, and descriptor offsets and ranges as OpArrayLength sees them.
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "compute_harness.h"

namespace kiln_test::compute {
namespace {

// Every dynamic offset here is a multiple of 256, the largest value the spec allows for
// minUniformBufferOffsetAlignment and minStorageBufferOffsetAlignment, so one job suits any device.
constexpr uint32_t kAlign = 256;

TEST(Descriptors, DynamicOffsetsSelectParametersAndOutputWindows) {
  constexpr uint32_t kWindows = 3, kWindowBytes = 16 + 16 * 4;
  Rng rng(90);
  std::vector<int32_t> inputs(64);
  for (int32_t& v : inputs) v = static_cast<int32_t>(rng.Range(-1000, 1000));
  // Params blocks (std140: ivec4 scale, uint base) at k * 256.
  std::vector<uint8_t> params(kWindows * kAlign, 0);
  const std::array<int32_t, 3> multipliers = {2, -3, 7}, addends = {1, 100, -5};
  const std::array<uint32_t, 3> bases = {0, 16, 40};
  for (uint32_t k = 0; k < kWindows; ++k) {
    std::array<int32_t, 4> scale = {multipliers[k], addends[k], 0, 0};
    std::memcpy(params.data() + k * kAlign, scale.data(), 16);
    std::memcpy(params.data() + k * kAlign + 16, &bases[k], 4);
  }
  Job job = SingleModuleJob("dynamic_offsets");
  BufferResource ubo = InputBuffer(0, params);
  ubo.type = VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER_DYNAMIC;
  ubo.range = 32;
  job.buffers.push_back(ubo);
  job.buffers.push_back(InputBuffer(1, Bytes(inputs)));
  BufferResource window = OutputBuffer(2, kWindows * kAlign);
  window.type = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER_DYNAMIC;
  window.range = kWindowBytes;
  job.buffers.push_back(window);
  for (uint32_t k = 0; k < kWindows; ++k) {
    Dispatch d;
    d.dynamicOffsets = {k * kAlign, k * kAlign};  // binding 0, then binding 2
    job.dispatches.push_back(d);
  }
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    const std::vector<uint8_t>& out = r.buffers[2];
    for (uint32_t k = 0; k < kWindows; ++k) {
      auto word = [&](size_t at) {
        int32_t v;
        std::memcpy(&v, out.data() + k * kAlign + at, 4);
        return v;
      };
      std::string w = "window " + std::to_string(k);
      m.Equal(w + " values.length() (range 80 bytes)", k, word(0), 16);
      for (uint32_t i = 0; i < 16; ++i)
        m.Equal(w + " value", i, word(16 + 4 * i), inputs[bases[k] + i] * multipliers[k] + addends[k]);
      for (size_t at = kWindowBytes; at < kAlign; at += 4)
        m.Equal(w + " bytes past the range stay untouched", at, static_cast<uint32_t>(word(at)), 0xCDCDCDCDu);
    }
  });
}

// Three source buffers in one arrayed binding, two uniform buffers in another, the destination in
// set 1 (bindings 1 and 2 of set 1 unused; descriptor_arrays.comp adds a uniform buffer at 3).
Job DescriptorArrayJob(const std::string& module, const std::vector<std::vector<uint32_t>>& sources,
                       const std::array<std::array<uint32_t, 4>, 2>& factors) {
  Job job = SingleModuleJob(module);
  for (uint32_t k = 0; k < 3; ++k) {
    BufferResource b = InputBuffer(0, {});
    b.arrayElement = k;
    if (k == 2) {  // viewed from offset 256
      b.contents.assign(kAlign, 0xAB);
      auto bytes = Bytes(sources[k]);
      b.contents.insert(b.contents.end(), bytes.begin(), bytes.end());
      b.offset = kAlign;
    } else {
      b.contents = Bytes(sources[k]);
    }
    if (k == 1) b.range = 20 * 4;  // a 64-element buffer seen as 20 elements
    job.buffers.push_back(b);
  }
  for (uint32_t k = 0; k < 2; ++k) {
    BufferResource u = InputBuffer(1, Bytes(factors[k]));
    u.type = VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER;
    u.arrayElement = k;
    job.buffers.push_back(u);
  }
  BufferResource destination = OutputBuffer(0, 64 * 4);
  destination.set = 1;
  job.buffers.push_back(destination);
  return job;
}

std::vector<std::vector<uint32_t>> Sources() {
  Rng rng(91);
  std::vector<std::vector<uint32_t>> sources(3, std::vector<uint32_t>(64));
  for (auto& s : sources)
    for (uint32_t& v : s) v = rng.Next32() % 100000;
  sources[2].resize(48);
  return sources;
}

TEST(Descriptors, ArraysSetsAndRangesWithConstantIndices) {
  auto sources = Sources();
  std::array<std::array<uint32_t, 4>, 2> factors = {{{3, 0, 0, 0}, {0, 5, 0, 0}}};
  Job job = DescriptorArrayJob("descriptor_arrays", sources, factors);
  BufferResource bias = InputBuffer(3, Bytes(std::array<uint32_t, 4>{77, 0, 0, 0}));
  bias.type = VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER;
  bias.set = 1;
  job.buffers.push_back(bias);
  job.dispatches.push_back({});
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    auto got = r.Buffer<uint32_t>(5);
    for (uint32_t i = 0; i < 16; ++i)
      m.Equal("s0 + s1 * f0.x + s2 * f1.y + bias", i, got[i],
              sources[0][i] + sources[1][i] * 3 + sources[2][i] * 5 + 77);
    m.Equal("sources[1].length() * 1000 + sources[2].length()", 16, got[16], 20u * 1000u + 48u);
  });
}

TEST(Descriptors, ArraysIndexedByADynamicallyUniformValue) {
  auto sources = Sources();
  std::array<std::array<uint32_t, 4>, 2> factors = {{{0, 0, 3, 0}, {0, 0, 11, 0}}};
  Job job = DescriptorArrayJob("descriptor_index", sources, factors);
  job.features = Features({Feature::StorageBufferArrayDynamicIndexing, Feature::UniformBufferArrayDynamicIndexing});
  job.pushConstantSize = 12;
  const std::array<std::array<uint32_t, 3>, 3> choices = {{{2, 1, 0}, {0, 0, 1}, {1, 1, 2}}};
  for (const auto& c : choices) {
    Dispatch d;
    d.pushConstants = Bytes(c);
    job.dispatches.push_back(d);
  }
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    auto got = r.Buffer<uint32_t>(5);
    for (const auto& c : choices)
      for (uint32_t i = 0; i < 16; ++i)
        m.Equal("sources[which] * factors[factor].z (which=" + std::to_string(c[0]) + ")", c[2] * 16 + i,
                got[c[2] * 16 + i], sources[c[0]][i] * factors[c[1]][2]);
  });
}

}  // namespace
}  // namespace kiln_test::compute
