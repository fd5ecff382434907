// A Vulkan device for the compute suite on one driver: the optional shader features the suite uses
// (Feature), queried through vkGetPhysicalDeviceFeatures2 with the extension structures the device
// offers and all enabled when supported, so that a test can skip naming what its driver lacks.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <bitset>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "vk_test_util.h"

namespace kiln_test::compute {

// ---------------------------------------------------------------------------------------------
// Optional device features a shader may need. A test whose driver lacks one is skipped, naming it.

enum class Feature {
  Int64,                              // VkPhysicalDeviceFeatures::shaderInt64
  Float64,                            // shaderFloat64
  Int16,                              // shaderInt16
  Float16,                            // VkPhysicalDeviceShaderFloat16Int8Features::shaderFloat16
  Int8,                               // ...::shaderInt8
  StorageBuffer16,                    // VkPhysicalDevice16BitStorageFeatures::storageBuffer16BitAccess
  UniformBuffer16,                    // ...::uniformAndStorageBuffer16BitAccess
  PushConstant16,                     // ...::storagePushConstant16
  StorageBuffer8,                     // VkPhysicalDevice8BitStorageFeatures::storageBuffer8BitAccess
  UniformBuffer8,                     // ...::uniformAndStorageBuffer8BitAccess
  PushConstant8,                      // ...::storagePushConstant8
  BufferInt64Atomics,                 // VkPhysicalDeviceShaderAtomicInt64Features::shaderBufferInt64Atomics
  SharedInt64Atomics,                 // ...::shaderSharedInt64Atomics
  StorageBufferArrayDynamicIndexing,  // shaderStorageBufferArrayDynamicIndexing
  UniformBufferArrayDynamicIndexing,  // shaderUniformBufferArrayDynamicIndexing
  SampledImageArrayDynamicIndexing,   // shaderSampledImageArrayDynamicIndexing
  kCount,
};
inline constexpr size_t kFeatureCount = static_cast<size_t>(Feature::kCount);
using FeatureSet = std::bitset<kFeatureCount>;

inline const char* FeatureName(Feature feature) {
  static const char* const kNames[kFeatureCount] = {"shaderInt64",
                                                    "shaderFloat64",
                                                    "shaderInt16",
                                                    "shaderFloat16",
                                                    "shaderInt8",
                                                    "storageBuffer16BitAccess",
                                                    "uniformAndStorageBuffer16BitAccess",
                                                    "storagePushConstant16",
                                                    "storageBuffer8BitAccess",
                                                    "uniformAndStorageBuffer8BitAccess",
                                                    "storagePushConstant8",
                                                    "shaderBufferInt64Atomics",
                                                    "shaderSharedInt64Atomics",
                                                    "shaderStorageBufferArrayDynamicIndexing",
                                                    "shaderUniformBufferArrayDynamicIndexing",
                                                    "shaderSampledImageArrayDynamicIndexing"};
  return kNames[static_cast<size_t>(feature)];
}

inline FeatureSet Features(std::initializer_list<Feature> features) {
  FeatureSet set;
  for (Feature f : features) set.set(static_cast<size_t>(f));
  return set;
}

inline std::string FeatureNames(const FeatureSet& set) {
  std::string names;
  for (size_t i = 0; i < kFeatureCount; ++i)
    if (set.test(i)) names += (names.empty() ? "" : ", ") + std::string(FeatureName(static_cast<Feature>(i)));
  return names;
}

// Names for the skip messages: the formats and format features the suite asks for.
inline std::string FormatName(VkFormat format) {
  switch (format) {
#define KT_FORMAT(name)  \
  case VK_FORMAT_##name: \
    return #name;
    KT_FORMAT(R8G8B8A8_UNORM)
    KT_FORMAT(R8G8B8A8_UINT)
    KT_FORMAT(R16_SFLOAT)
    KT_FORMAT(R32_SFLOAT)
    KT_FORMAT(R32_SINT)
    KT_FORMAT(R32_UINT)
    KT_FORMAT(R32G32B32A32_SFLOAT)
#undef KT_FORMAT
    default:
      return "VkFormat " + std::to_string(static_cast<int>(format));
  }
}

inline std::string FormatFeatureNames(VkFormatFeatureFlags features) {
  static const std::pair<VkFormatFeatureFlagBits, const char*> kNames[] = {
      {VK_FORMAT_FEATURE_SAMPLED_IMAGE_BIT, "SAMPLED_IMAGE"},
      {VK_FORMAT_FEATURE_STORAGE_IMAGE_BIT, "STORAGE_IMAGE"},
      {VK_FORMAT_FEATURE_STORAGE_IMAGE_ATOMIC_BIT, "STORAGE_IMAGE_ATOMIC"},
      {VK_FORMAT_FEATURE_UNIFORM_TEXEL_BUFFER_BIT, "UNIFORM_TEXEL_BUFFER"},
      {VK_FORMAT_FEATURE_STORAGE_TEXEL_BUFFER_BIT, "STORAGE_TEXEL_BUFFER"},
      {VK_FORMAT_FEATURE_SAMPLED_IMAGE_FILTER_LINEAR_BIT, "SAMPLED_IMAGE_FILTER_LINEAR"}};
  std::string names;
  for (const auto& [bit, name] : kNames)
    if (features & bit) names += names.empty() ? name : std::string("|") + name;
  return names;
}

inline bool ValidationWanted() {
  const char* value = std::getenv("KILN_COMPUTE_VALIDATION");
  return kWithValidation || (value && *value && std::strcmp(value, "0") != 0);
}

inline bool LavapipeInstalled() { return access(KILN_LAVAPIPE_MANIFEST, R_OK) == 0; }

// ---------------------------------------------------------------------------------------------
// A device on one driver, with every feature of Feature it supports enabled.

class ComputeDevice {
 public:
  // `driverFiles` empty: the driver under test.
  static std::unique_ptr<ComputeDevice> Create(const std::string& driverFiles) {
    std::unique_ptr<ComputeDevice> d(new ComputeDevice);
    InstanceOptions options;
    options.validation = ValidationWanted();
    options.driverFiles = driverFiles;
    d->instance_ = Instance::Create(options);
    VkPhysicalDevice physical = d->instance_->PhysicalDevice();

    // The 1.1 feature query with each extension structure whose extension the device offers.
    auto float16Int8 = Struct<VkPhysicalDeviceShaderFloat16Int8FeaturesKHR>(
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES_KHR);
    auto storage16 =
        Struct<VkPhysicalDevice16BitStorageFeatures>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES);
    auto storage8 =
        Struct<VkPhysicalDevice8BitStorageFeaturesKHR>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES_KHR);
    auto atomic64 = Struct<VkPhysicalDeviceShaderAtomicInt64FeaturesKHR>(
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_ATOMIC_INT64_FEATURES_KHR);
    auto features2 = Struct<VkPhysicalDeviceFeatures2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2);
    std::vector<const char*> extensions;
    void** tail = &features2.pNext;
    auto chain = [&](auto& s) {
      *tail = &s;
      tail = &s.pNext;
    };
    chain(storage16);  // core in Vulkan 1.1
    if (DeviceExtensionSupported(physical, VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME)) {
      extensions.push_back(VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME);
      chain(float16Int8);
    }
    if (DeviceExtensionSupported(physical, VK_KHR_8BIT_STORAGE_EXTENSION_NAME)) {
      extensions.push_back(VK_KHR_8BIT_STORAGE_EXTENSION_NAME);
      chain(storage8);
    }
    if (DeviceExtensionSupported(physical, VK_KHR_SHADER_ATOMIC_INT64_EXTENSION_NAME)) {
      extensions.push_back(VK_KHR_SHADER_ATOMIC_INT64_EXTENSION_NAME);
      chain(atomic64);
    }
    vkGetPhysicalDeviceFeatures2(physical, &features2);

    // Keep only what the suite uses, so that nothing else is enabled.
    const VkPhysicalDeviceFeatures& core = features2.features;
    VkPhysicalDeviceFeatures enabled{};
    enabled.shaderInt64 = core.shaderInt64;
    enabled.shaderFloat64 = core.shaderFloat64;
    enabled.shaderInt16 = core.shaderInt16;
    enabled.shaderStorageBufferArrayDynamicIndexing = core.shaderStorageBufferArrayDynamicIndexing;
    enabled.shaderUniformBufferArrayDynamicIndexing = core.shaderUniformBufferArrayDynamicIndexing;
    enabled.shaderSampledImageArrayDynamicIndexing = core.shaderSampledImageArrayDynamicIndexing;
    features2.features = enabled;
    storage16.storageInputOutput16 = VK_FALSE;

    auto set = [&](Feature f, VkBool32 on) { d->supported_.set(static_cast<size_t>(f), on == VK_TRUE); };
    set(Feature::Int64, enabled.shaderInt64);
    set(Feature::Float64, enabled.shaderFloat64);
    set(Feature::Int16, enabled.shaderInt16);
    set(Feature::Float16, float16Int8.shaderFloat16);
    set(Feature::Int8, float16Int8.shaderInt8);
    set(Feature::StorageBuffer16, storage16.storageBuffer16BitAccess);
    set(Feature::UniformBuffer16, storage16.uniformAndStorageBuffer16BitAccess);
    set(Feature::PushConstant16, storage16.storagePushConstant16);
    set(Feature::StorageBuffer8, storage8.storageBuffer8BitAccess);
    set(Feature::UniformBuffer8, storage8.uniformAndStorageBuffer8BitAccess);
    set(Feature::PushConstant8, storage8.storagePushConstant8);
    set(Feature::BufferInt64Atomics, atomic64.shaderBufferInt64Atomics);
    set(Feature::SharedInt64Atomics, atomic64.shaderSharedInt64Atomics);
    set(Feature::StorageBufferArrayDynamicIndexing, enabled.shaderStorageBufferArrayDynamicIndexing);
    set(Feature::UniformBufferArrayDynamicIndexing, enabled.shaderUniformBufferArrayDynamicIndexing);
    set(Feature::SampledImageArrayDynamicIndexing, enabled.shaderSampledImageArrayDynamicIndexing);

    DeviceOptions deviceOptions;
    deviceOptions.extensions = extensions;
    deviceOptions.pNext = &features2;
    deviceOptions.queueCount = 1;
    d->device_ = Device::Create(*d->instance_, deviceOptions);
    d->name_ = d->device_->properties.deviceName;
    return d;
  }

  const Device& device() const { return *device_; }
  VkDevice vk() const { return device_->handle; }
  const std::string& name() const { return name_; }
  bool IsLavapipe() const { return name_.rfind("llvmpipe", 0) == 0; }
  const VkPhysicalDeviceLimits& limits() const { return device_->properties.limits; }
  FeatureSet Missing(const FeatureSet& wanted) const { return wanted & ~supported_; }
  // Device limits and format support the job needs but the device lacks, or empty.
  template <typename JobT>
  std::string Lacks(const JobT& job) const {
    std::string lacks;
    FeatureSet missing = Missing(job.features);
    if (missing.any()) lacks = FeatureNames(missing);
    const auto& size = job.workgroupSize;
    const VkPhysicalDeviceLimits& l = limits();
    if (size[0] * std::max(size[1], 1u) * std::max(size[2], 1u) > l.maxComputeWorkGroupInvocations ||
        size[0] > l.maxComputeWorkGroupSize[0] || size[1] > l.maxComputeWorkGroupSize[1] ||
        size[2] > l.maxComputeWorkGroupSize[2])
      lacks += std::string(lacks.empty() ? "" : ", ") + "a workgroup of " + std::to_string(size[0]) + "x" +
               std::to_string(size[1]) + "x" + std::to_string(size[2]) + " (maxComputeWorkGroupInvocations " +
               std::to_string(l.maxComputeWorkGroupInvocations) + ")";
    for (const auto& need : job.formats) {
      if ((FormatFeatures(need.format, need.buffer) & need.features) == need.features) continue;
      std::ostringstream m;  // (not string +: GCC 12 warns falsely of overlapping copies there)
      m << (lacks.empty() ? "" : ", ") << FormatFeatureNames(need.features) << " for " << FormatName(need.format)
        << (need.buffer ? " buffers" : " images");
      lacks += m.str();
    }
    return lacks;
  }
  // Validation ERRORs since the last call (always empty without validation).
  std::vector<std::string> TakeValidationErrors() const { return instance_->log()->Take(); }

  VkFormatFeatureFlags FormatFeatures(VkFormat format, bool buffer = false) const {
    VkFormatProperties properties;
    vkGetPhysicalDeviceFormatProperties(device_->physical, format, &properties);
    return buffer ? properties.bufferFeatures : properties.optimalTilingFeatures;
  }

 private:
  ComputeDevice() = default;
  std::unique_ptr<Instance> instance_;
  std::unique_ptr<Device> device_;
  FeatureSet supported_;
  std::string name_;
};

}  // namespace kiln_test::compute
