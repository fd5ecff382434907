// One compute job, described declaratively (modules and specialization, buffers, images, samplers,
// push constants, dispatches) so that the same job runs on the driver under test and on lavapipe,
// and RunJob, which creates everything on one device, records and submits one command buffer, waits,
// and reads every buffer and image back.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compute_device.h"
#include "host_data.h"
#include "shader_library.h"

namespace kiln_test::compute {

// ---------------------------------------------------------------------------------------------
// The job description.

// How the differential compares a resource between the driver under test and lavapipe.
enum class Compare {
  Bitwise,  // integer (or otherwise exactly specified) results: byte-identical
  Checker,  // float results, or results whose order the spec leaves open: both must pass the checker
  None,     // inputs, scratch: not compared
};

inline constexpr VkDescriptorType kNoDescriptor = VK_DESCRIPTOR_TYPE_MAX_ENUM;

struct BufferResource {
  uint32_t set = 0;
  uint32_t binding = 0;
  uint32_t arrayElement = 0;
  VkDescriptorType type = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;  // kNoDescriptor: not bound (indirect args)
  std::vector<uint8_t> contents;                              // initial bytes; sets the buffer's size
  VkDeviceSize offset = 0;                                    // descriptor offset (or texel view offset)
  VkDeviceSize range = VK_WHOLE_SIZE;                         // descriptor range
  VkFormat texelFormat = VK_FORMAT_UNDEFINED;                 // texel buffers: the view's format
  Compare compare = Compare::Bitwise;
};

struct ImageResource {
  uint32_t set = 0;
  uint32_t binding = 0;
  uint32_t arrayElement = 0;
  VkDescriptorType type = VK_DESCRIPTOR_TYPE_STORAGE_IMAGE;  // or SAMPLED_IMAGE, COMBINED_IMAGE_SAMPLER
  VkImageType imageType = VK_IMAGE_TYPE_2D;
  VkImageViewType viewType = VK_IMAGE_VIEW_TYPE_2D;
  VkFormat format = VK_FORMAT_R8G8B8A8_UNORM;
  VkExtent3D extent = {1, 1, 1};
  uint32_t mipLevels = 1;
  uint32_t layers = 1;
  uint32_t texelSize = 4;  // bytes per texel of `format`
  // Every subresource, tightly packed: mip 0 (layer 0, layer 1, ...), mip 1, ...
  std::vector<uint8_t> contents;
  std::optional<VkSamplerCreateInfo> sampler;  // COMBINED_IMAGE_SAMPLER only
  Compare compare = Compare::Bitwise;

  VkExtent3D MipExtent(uint32_t mip) const {
    return {std::max(1u, extent.width >> mip), std::max(1u, extent.height >> mip), std::max(1u, extent.depth >> mip)};
  }
  size_t SubresourceBytes(uint32_t mip) const {
    VkExtent3D e = MipExtent(mip);
    return size_t(e.width) * e.height * e.depth * texelSize;
  }
  size_t TotalBytes() const {
    size_t total = 0;
    for (uint32_t mip = 0; mip < mipLevels; ++mip) total += SubresourceBytes(mip) * layers;
    return total;
  }
};

struct SamplerResource {
  uint32_t set = 0;
  uint32_t binding = 0;
  uint32_t arrayElement = 0;
  VkSamplerCreateInfo info;
};

struct SpecConstant {
  uint32_t id;
  std::vector<uint8_t> value;  // 4 bytes (int, uint, float, bool as VkBool32) or 8 (64-bit types)
};

struct PipelineSpec {
  std::string module;
  std::vector<SpecConstant> specialization;  // empty: no VkSpecializationInfo at all
};

enum class DispatchKind { Direct, Base, Indirect };

struct Dispatch {
  DispatchKind kind = DispatchKind::Direct;
  uint32_t x = 1, y = 1, z = 1;              // group counts (Direct, Base)
  uint32_t baseX = 0, baseY = 0, baseZ = 0;  // Base only
  size_t indirectBuffer = 0;                 // Indirect: index into Job::buffers
  VkDeviceSize indirectOffset = 0;
  size_t pipeline = 0;                   // index into Job::pipelines
  std::vector<uint32_t> dynamicOffsets;  // in set, then binding, then array element order
  std::vector<uint8_t> pushConstants;    // pushed at pushOffset before this dispatch when not empty
  uint32_t pushOffset = 0;
  struct PushUpdate {
    uint32_t offset;
    std::vector<uint8_t> bytes;
  };
  std::vector<PushUpdate> morePushes;  // further vkCmdPushConstants ranges, in order
};

// A format feature a job needs (storage image, atomic, texel buffer, linear filtering...).
struct FormatNeed {
  VkFormat format;
  VkFormatFeatureFlags features;
  bool buffer = false;  // bufferFeatures rather than optimalTilingFeatures
};

struct Job {
  std::vector<PipelineSpec> pipelines;
  std::vector<BufferResource> buffers;
  std::vector<ImageResource> images;
  std::vector<SamplerResource> samplers;
  uint32_t pushConstantSize = 0;
  std::vector<Dispatch> dispatches;
  FeatureSet features;
  std::vector<FormatNeed> formats;
  // The largest workgroup the job's modules use, when it may exceed the spec's minimum limits
  // (128 x 128 x 64, 128 invocations); zero: not checked.
  std::array<uint32_t, 3> workgroupSize = {0, 0, 0};
  // Non-empty: lavapipe is known to deviate from the spec in this job (the reason, for the log).
  // On lavapipe as the driver under test a failing check becomes a skip naming the reason, and
  // the differential does not compare with lavapipe.
  std::string lavapipeDeviation;
};

struct JobResult {
  std::vector<std::vector<uint8_t>> buffers;  // every buffer's final contents, in Job order
  std::vector<std::vector<uint8_t>> images;   // every image's final contents, packed as ImageResource

  template <typename T>
  std::vector<T> Buffer(size_t index) const {
    return As<T>(buffers.at(index));
  }
};

// ---------------------------------------------------------------------------------------------
// Running a job.

namespace detail {

// Owns every object a job creates on one device; destroys them in reverse order.
class JobObjects {
 public:
  explicit JobObjects(VkDevice device) : device_(device) {}
  ~JobObjects() {
    for (auto it = cleanups_.rbegin(); it != cleanups_.rend(); ++it) (*it)();
  }
  JobObjects(const JobObjects&) = delete;
  JobObjects& operator=(const JobObjects&) = delete;
  void Defer(std::function<void()> cleanup) { cleanups_.push_back(std::move(cleanup)); }
  VkDevice device() const { return device_; }

 private:
  VkDevice device_;
  std::vector<std::function<void()>> cleanups_;
};

struct DescriptorSlot {
  uint32_t set, binding;
  VkDescriptorType type;
  uint32_t count;
};

inline void AddSlot(std::vector<DescriptorSlot>& slots, uint32_t set, uint32_t binding, VkDescriptorType type,
                    uint32_t arrayElement) {
  for (DescriptorSlot& s : slots)
    if (s.set == set && s.binding == binding) {
      if (s.type != type) Fail("a binding is described with two descriptor types");
      s.count = std::max(s.count, arrayElement + 1);
      return;
    }
  slots.push_back({set, binding, type, arrayElement + 1});
}

inline bool IsDynamic(VkDescriptorType type) {
  return type == VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER_DYNAMIC || type == VK_DESCRIPTOR_TYPE_STORAGE_BUFFER_DYNAMIC;
}

inline bool IsTexelBuffer(VkDescriptorType type) {
  return type == VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER || type == VK_DESCRIPTOR_TYPE_STORAGE_TEXEL_BUFFER;
}

}  // namespace detail

// Throws VkError naming `what` unless `result` is VK_SUCCESS (vk_test_util's Check, plus the
// result a driver gives for a module it cannot take).
inline void CheckCreation(VkResult result, const std::string& what) {
  if (result == VK_SUCCESS) return;
  std::string name = result == VK_ERROR_INVALID_SHADER_NV ? "VK_ERROR_INVALID_SHADER_NV" : VkResultName(result);
  throw VkError(what + " returned " + name + " (" + std::to_string(static_cast<int>(result)) + ")", result);
}

inline JobResult RunJob(const ComputeDevice& cd, const Job& job) {
  const Device& device = cd.device();
  VkDevice vk = cd.vk();
  detail::JobObjects objects(vk);

  // Buffers: host-visible, filled from `contents`; every usage a job may need.
  constexpr VkBufferUsageFlags kBufferUsage =
      VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT | VK_BUFFER_USAGE_UNIFORM_BUFFER_BIT |
      VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_INDIRECT_BUFFER_BIT |
      VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT | VK_BUFFER_USAGE_STORAGE_TEXEL_BUFFER_BIT;
  std::vector<std::unique_ptr<Buffer>> buffers;
  for (const BufferResource& r : job.buffers) {
    if (r.contents.empty()) Fail("a job buffer has no contents (its size)");
    buffers.push_back(std::make_unique<Buffer>(device, r.contents.size(), MemoryKind::Host, kBufferUsage));
    std::memcpy(buffers.back()->data(), r.contents.data(), r.contents.size());
  }

  // Images: device memory, uploaded through a staging buffer.
  std::vector<std::unique_ptr<Image>> images;
  std::vector<VkImageView> views;
  std::vector<VkSampler> samplers;  // one per image (combined) or VK_NULL_HANDLE
  for (const ImageResource& r : job.images) {
    VkImageCreateInfo info = ImageInfo(r.imageType, r.format, r.extent, r.mipLevels, r.layers);
    info.usage |= r.type == VK_DESCRIPTOR_TYPE_STORAGE_IMAGE ? VK_IMAGE_USAGE_STORAGE_BIT : VK_IMAGE_USAGE_SAMPLED_BIT;
    if (r.viewType == VK_IMAGE_VIEW_TYPE_CUBE || r.viewType == VK_IMAGE_VIEW_TYPE_CUBE_ARRAY)
      info.flags |= VK_IMAGE_CREATE_CUBE_COMPATIBLE_BIT;
    if (r.contents.size() != r.TotalBytes()) Fail("image contents do not match its extent, mips and layers");
    images.push_back(std::make_unique<Image>(device, info));
    auto viewInfo = Struct<VkImageViewCreateInfo>(VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO);
    viewInfo.image = images.back()->handle();
    viewInfo.viewType = r.viewType;
    viewInfo.format = r.format;
    viewInfo.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, r.mipLevels, 0, r.layers};
    VkImageView view;
    KT_CHECK(vkCreateImageView(vk, &viewInfo, nullptr, &view));
    objects.Defer([vk, view] { vkDestroyImageView(vk, view, nullptr); });
    views.push_back(view);
    VkSampler sampler = VK_NULL_HANDLE;
    if (r.sampler) {
      KT_CHECK(vkCreateSampler(vk, &*r.sampler, nullptr, &sampler));
      objects.Defer([vk, sampler] { vkDestroySampler(vk, sampler, nullptr); });
    }
    samplers.push_back(sampler);
  }
  std::vector<VkSampler> separateSamplers;
  for (const SamplerResource& r : job.samplers) {
    VkSampler sampler;
    KT_CHECK(vkCreateSampler(vk, &r.info, nullptr, &sampler));
    objects.Defer([vk, sampler] { vkDestroySampler(vk, sampler, nullptr); });
    separateSamplers.push_back(sampler);
  }

  // Texel buffer views.
  std::vector<VkBufferView> bufferViews(job.buffers.size(), VK_NULL_HANDLE);
  for (size_t i = 0; i < job.buffers.size(); ++i) {
    const BufferResource& r = job.buffers[i];
    if (!detail::IsTexelBuffer(r.type)) continue;
    auto info = Struct<VkBufferViewCreateInfo>(VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO);
    info.buffer = buffers[i]->handle();
    info.format = r.texelFormat;
    info.offset = r.offset;
    info.range = r.range;
    KT_CHECK(vkCreateBufferView(vk, &info, nullptr, &bufferViews[i]));
    VkBufferView view = bufferViews[i];
    objects.Defer([vk, view] { vkDestroyBufferView(vk, view, nullptr); });
  }

  // Descriptor set layouts: one per set number up to the highest used (gaps get empty layouts).
  std::vector<detail::DescriptorSlot> slots;
  for (const BufferResource& r : job.buffers)
    if (r.type != kNoDescriptor) detail::AddSlot(slots, r.set, r.binding, r.type, r.arrayElement);
  for (const ImageResource& r : job.images) detail::AddSlot(slots, r.set, r.binding, r.type, r.arrayElement);
  for (const SamplerResource& r : job.samplers)
    detail::AddSlot(slots, r.set, r.binding, VK_DESCRIPTOR_TYPE_SAMPLER, r.arrayElement);
  uint32_t setCount = 0;
  for (const auto& s : slots) setCount = std::max(setCount, s.set + 1);
  std::vector<VkDescriptorSetLayout> setLayouts(setCount);
  for (uint32_t set = 0; set < setCount; ++set) {
    std::vector<VkDescriptorSetLayoutBinding> bindings;
    for (const auto& s : slots)
      if (s.set == set) bindings.push_back({s.binding, s.type, s.count, VK_SHADER_STAGE_COMPUTE_BIT, nullptr});
    auto info = Struct<VkDescriptorSetLayoutCreateInfo>(VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO);
    info.bindingCount = static_cast<uint32_t>(bindings.size());
    info.pBindings = bindings.data();
    KT_CHECK(vkCreateDescriptorSetLayout(vk, &info, nullptr, &setLayouts[set]));
    VkDescriptorSetLayout layout = setLayouts[set];
    objects.Defer([vk, layout] { vkDestroyDescriptorSetLayout(vk, layout, nullptr); });
  }

  std::vector<VkDescriptorSet> sets(setCount, VK_NULL_HANDLE);
  if (setCount > 0) {
    std::vector<VkDescriptorPoolSize> sizes;
    for (const auto& s : slots) sizes.push_back({s.type, s.count});
    auto poolInfo = Struct<VkDescriptorPoolCreateInfo>(VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO);
    poolInfo.maxSets = setCount;
    poolInfo.poolSizeCount = static_cast<uint32_t>(sizes.size());
    poolInfo.pPoolSizes = sizes.data();
    VkDescriptorPool pool;
    if (sizes.empty()) {  // only empty sets: a pool still needs one size
      static const VkDescriptorPoolSize kOne{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1};
      poolInfo.poolSizeCount = 1;
      poolInfo.pPoolSizes = &kOne;
    }
    KT_CHECK(vkCreateDescriptorPool(vk, &poolInfo, nullptr, &pool));
    objects.Defer([vk, pool] { vkDestroyDescriptorPool(vk, pool, nullptr); });
    auto allocate = Struct<VkDescriptorSetAllocateInfo>(VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO);
    allocate.descriptorPool = pool;
    allocate.descriptorSetCount = setCount;
    allocate.pSetLayouts = setLayouts.data();
    KT_CHECK(vkAllocateDescriptorSets(vk, &allocate, sets.data()));

    // One write per descriptor (the infos must outlive vkUpdateDescriptorSets).
    std::vector<VkDescriptorBufferInfo> bufferInfos(job.buffers.size());
    std::vector<VkDescriptorImageInfo> imageInfos(job.images.size() + job.samplers.size());
    std::vector<VkWriteDescriptorSet> writes;
    auto write = [&](uint32_t set, uint32_t binding, uint32_t element, VkDescriptorType type) -> VkWriteDescriptorSet& {
      writes.push_back(Struct<VkWriteDescriptorSet>(VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET));
      VkWriteDescriptorSet& w = writes.back();
      w.dstSet = sets[set];
      w.dstBinding = binding;
      w.dstArrayElement = element;
      w.descriptorCount = 1;
      w.descriptorType = type;
      return w;
    };
    for (size_t i = 0; i < job.buffers.size(); ++i) {
      const BufferResource& r = job.buffers[i];
      if (r.type == kNoDescriptor) continue;
      VkWriteDescriptorSet& w = write(r.set, r.binding, r.arrayElement, r.type);
      if (detail::IsTexelBuffer(r.type)) {
        w.pTexelBufferView = &bufferViews[i];
      } else {
        bufferInfos[i] = {buffers[i]->handle(), r.offset, r.range};
        w.pBufferInfo = &bufferInfos[i];
      }
    }
    for (size_t i = 0; i < job.images.size(); ++i) {
      const ImageResource& r = job.images[i];
      VkImageLayout layout = r.type == VK_DESCRIPTOR_TYPE_STORAGE_IMAGE ? VK_IMAGE_LAYOUT_GENERAL
                                                                        : VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL;
      imageInfos[i] = {samplers[i], views[i], layout};
      write(r.set, r.binding, r.arrayElement, r.type).pImageInfo = &imageInfos[i];
    }
    for (size_t i = 0; i < job.samplers.size(); ++i) {
      const SamplerResource& r = job.samplers[i];
      imageInfos[job.images.size() + i] = {separateSamplers[i], VK_NULL_HANDLE, VK_IMAGE_LAYOUT_UNDEFINED};
      write(r.set, r.binding, r.arrayElement, VK_DESCRIPTOR_TYPE_SAMPLER).pImageInfo =
          &imageInfos[job.images.size() + i];
    }
    vkUpdateDescriptorSets(vk, static_cast<uint32_t>(writes.size()), writes.data(), 0, nullptr);
  }

  // Pipeline layout and pipelines.
  VkPushConstantRange pushRange{VK_SHADER_STAGE_COMPUTE_BIT, 0, job.pushConstantSize};
  auto layoutInfo = Struct<VkPipelineLayoutCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO);
  layoutInfo.setLayoutCount = setCount;
  layoutInfo.pSetLayouts = setLayouts.data();
  layoutInfo.pushConstantRangeCount = job.pushConstantSize ? 1 : 0;
  layoutInfo.pPushConstantRanges = &pushRange;
  VkPipelineLayout pipelineLayout;
  KT_CHECK(vkCreatePipelineLayout(vk, &layoutInfo, nullptr, &pipelineLayout));
  objects.Defer([vk, pipelineLayout] { vkDestroyPipelineLayout(vk, pipelineLayout, nullptr); });

  bool needsBase = false;
  for (const Dispatch& d : job.dispatches) needsBase |= d.kind == DispatchKind::Base;
  std::vector<VkPipeline> pipelines;
  for (const PipelineSpec& p : job.pipelines) {
    std::span<const uint32_t> words = FindShader(p.module);
    if (words.empty()) Fail("the SPIR-V module " + p.module + " was not built");
    auto moduleInfo = Struct<VkShaderModuleCreateInfo>(VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO);
    moduleInfo.codeSize = words.size() * sizeof(uint32_t);
    moduleInfo.pCode = words.data();
    VkShaderModule module;
    CheckCreation(vkCreateShaderModule(vk, &moduleInfo, nullptr, &module), "vkCreateShaderModule(" + p.module + ")");

    std::vector<VkSpecializationMapEntry> entries;
    std::vector<uint8_t> data;
    for (const SpecConstant& c : p.specialization) {
      entries.push_back({c.id, static_cast<uint32_t>(data.size()), c.value.size()});
      data.insert(data.end(), c.value.begin(), c.value.end());
    }
    VkSpecializationInfo specialization{static_cast<uint32_t>(entries.size()), entries.data(), data.size(),
                                        data.data()};
    auto info = Struct<VkComputePipelineCreateInfo>(VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO);
    info.flags = needsBase ? VK_PIPELINE_CREATE_DISPATCH_BASE_BIT : 0;
    info.stage = Struct<VkPipelineShaderStageCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO);
    info.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    info.stage.module = module;
    info.stage.pName = "main";
    info.stage.pSpecializationInfo = p.specialization.empty() ? nullptr : &specialization;
    info.layout = pipelineLayout;
    VkPipeline pipeline;
    VkResult result = vkCreateComputePipelines(vk, VK_NULL_HANDLE, 1, &info, nullptr, &pipeline);
    vkDestroyShaderModule(vk, module, nullptr);  // a pipeline does not need its module afterwards
    CheckCreation(result, "vkCreateComputePipelines(" + p.module + ")");
    objects.Defer([vk, pipeline] { vkDestroyPipeline(vk, pipeline, nullptr); });
    pipelines.push_back(pipeline);
  }

  // Staging for image uploads and readback.
  size_t imageBytes = 0;
  for (const ImageResource& r : job.images) imageBytes += r.TotalBytes();
  std::unique_ptr<Buffer> staging;
  if (imageBytes) {
    staging = std::make_unique<Buffer>(device, imageBytes);
    size_t at = 0;
    for (const ImageResource& r : job.images) {
      std::memcpy(staging->data() + at, r.contents.data(), r.contents.size());
      at += r.contents.size();
    }
  }
  auto imageRegions = [&](const ImageResource& r, size_t base) {
    std::vector<VkBufferImageCopy> regions;
    size_t at = base;
    for (uint32_t mip = 0; mip < r.mipLevels; ++mip) {
      VkBufferImageCopy region{};
      region.bufferOffset = at;
      region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, mip, 0, r.layers};
      region.imageExtent = r.MipExtent(mip);
      regions.push_back(region);
      at += r.SubresourceBytes(mip) * r.layers;
    }
    return regions;
  };
  auto imageBarrier = [&](VkImage image, VkImageLayout from, VkImageLayout to, VkAccessFlags srcAccess,
                          VkAccessFlags dstAccess) {
    auto barrier = Struct<VkImageMemoryBarrier>(VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER);
    barrier.srcAccessMask = srcAccess;
    barrier.dstAccessMask = dstAccess;
    barrier.oldLayout = from;
    barrier.newLayout = to;
    barrier.srcQueueFamilyIndex = barrier.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
    barrier.image = image;
    barrier.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, VK_REMAINING_MIP_LEVELS, 0, VK_REMAINING_ARRAY_LAYERS};
    return barrier;
  };

  CommandPool pool(device, 0);
  VkCommandBuffer cmd = pool.Allocate();
  Begin(cmd);

  // Upload images and move them to the layout their descriptors name.
  if (!job.images.empty()) {
    std::vector<VkImageMemoryBarrier> toTransfer, toShader;
    for (size_t i = 0; i < job.images.size(); ++i)
      toTransfer.push_back(imageBarrier(images[i]->handle(), VK_IMAGE_LAYOUT_UNDEFINED,
                                        VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 0, VK_ACCESS_TRANSFER_WRITE_BIT));
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 0, nullptr, 0,
                         nullptr, static_cast<uint32_t>(toTransfer.size()), toTransfer.data());
    size_t at = 0;
    for (size_t i = 0; i < job.images.size(); ++i) {
      const ImageResource& r = job.images[i];
      std::vector<VkBufferImageCopy> regions = imageRegions(r, at);
      vkCmdCopyBufferToImage(cmd, staging->handle(), images[i]->handle(), VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                             static_cast<uint32_t>(regions.size()), regions.data());
      at += r.TotalBytes();
      VkImageLayout layout = r.type == VK_DESCRIPTOR_TYPE_STORAGE_IMAGE ? VK_IMAGE_LAYOUT_GENERAL
                                                                        : VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL;
      toShader.push_back(imageBarrier(images[i]->handle(), VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, layout,
                                      VK_ACCESS_TRANSFER_WRITE_BIT,
                                      VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT));
    }
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 0, nullptr, 0,
                         nullptr, static_cast<uint32_t>(toShader.size()), toShader.data());
  }

  // Dispatches, each ordered after the previous one's writes (also as indirect arguments).
  // The first bind gives every dynamic descriptor offset 0; a dispatch with dynamicOffsets rebinds.
  uint32_t dynamicCount = 0;
  for (const auto& slot : slots)
    if (detail::IsDynamic(slot.type)) dynamicCount += slot.count;
  const std::vector<uint32_t> zeroOffsets(dynamicCount, 0);
  if (setCount > 0)
    vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipelineLayout, 0, setCount, sets.data(), dynamicCount,
                            zeroOffsets.data());
  for (size_t d = 0; d < job.dispatches.size(); ++d) {
    const Dispatch& dispatch = job.dispatches[d];
    if (d > 0) {
      auto barrier = Struct<VkMemoryBarrier>(VK_STRUCTURE_TYPE_MEMORY_BARRIER);
      barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
      barrier.dstAccessMask =
          VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_INDIRECT_COMMAND_READ_BIT;
      vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                           VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_DRAW_INDIRECT_BIT, 0, 1, &barrier,
                           0, nullptr, 0, nullptr);
    }
    vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipelines.at(dispatch.pipeline));
    if (!dispatch.dynamicOffsets.empty())
      vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipelineLayout, 0, setCount, sets.data(),
                              static_cast<uint32_t>(dispatch.dynamicOffsets.size()), dispatch.dynamicOffsets.data());
    if (!dispatch.pushConstants.empty())
      vkCmdPushConstants(cmd, pipelineLayout, VK_SHADER_STAGE_COMPUTE_BIT, dispatch.pushOffset,
                         static_cast<uint32_t>(dispatch.pushConstants.size()), dispatch.pushConstants.data());
    for (const Dispatch::PushUpdate& push : dispatch.morePushes)
      vkCmdPushConstants(cmd, pipelineLayout, VK_SHADER_STAGE_COMPUTE_BIT, push.offset,
                         static_cast<uint32_t>(push.bytes.size()), push.bytes.data());
    switch (dispatch.kind) {
      case DispatchKind::Direct:
        vkCmdDispatch(cmd, dispatch.x, dispatch.y, dispatch.z);
        break;
      case DispatchKind::Base:
        vkCmdDispatchBase(cmd, dispatch.baseX, dispatch.baseY, dispatch.baseZ, dispatch.x, dispatch.y, dispatch.z);
        break;
      case DispatchKind::Indirect:
        vkCmdDispatchIndirect(cmd, buffers.at(dispatch.indirectBuffer)->handle(), dispatch.indirectOffset);
        break;
    }
  }

  // Shader writes -> host reads (buffers) and -> transfer reads (image readback).
  {
    auto barrier = Struct<VkMemoryBarrier>(VK_STRUCTURE_TYPE_MEMORY_BARRIER);
    barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
    barrier.dstAccessMask = VK_ACCESS_HOST_READ_BIT | VK_ACCESS_TRANSFER_READ_BIT;
    std::vector<VkImageMemoryBarrier> toTransfer;
    for (size_t i = 0; i < job.images.size(); ++i) {
      VkImageLayout layout = job.images[i].type == VK_DESCRIPTOR_TYPE_STORAGE_IMAGE
                                 ? VK_IMAGE_LAYOUT_GENERAL
                                 : VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL;
      toTransfer.push_back(imageBarrier(images[i]->handle(), layout, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL,
                                        VK_ACCESS_SHADER_WRITE_BIT, VK_ACCESS_TRANSFER_READ_BIT));
    }
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                         VK_PIPELINE_STAGE_HOST_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1, &barrier, 0, nullptr,
                         static_cast<uint32_t>(toTransfer.size()), toTransfer.data());
  }
  if (!job.images.empty()) {
    size_t at = 0;
    for (size_t i = 0; i < job.images.size(); ++i) {
      std::vector<VkBufferImageCopy> regions = imageRegions(job.images[i], at);
      vkCmdCopyImageToBuffer(cmd, images[i]->handle(), VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, staging->handle(),
                             static_cast<uint32_t>(regions.size()), regions.data());
      at += job.images[i].TotalBytes();
    }
    HostReadBarrier(cmd);
  }
  End(cmd);
  Fence fence(vk);
  KT_CHECK(Submit(device.queue(0), cmd, fence.handle()));
  KT_CHECK(fence.Wait());

  JobResult result;
  for (size_t i = 0; i < buffers.size(); ++i)
    result.buffers.emplace_back(buffers[i]->data(), buffers[i]->data() + job.buffers[i].contents.size());
  size_t at = 0;
  for (const ImageResource& r : job.images) {
    result.images.emplace_back(staging->data() + at, staging->data() + at + r.TotalBytes());
    at += r.TotalBytes();
  }
  return result;
}

}  // namespace kiln_test::compute
