// Instance and device basics, seen through the stock loader: what the physical device reports,
// which commands and extensions exist, how unsupported requests fail, and that application
// allocation callbacks are honoured.
#include <gtest/gtest.h>

#include <bit>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "vk_test_util.h"

namespace kiln_test {
namespace {

constexpr const char* kPromisedDeviceExtensions[] = {
    VK_KHR_DEDICATED_ALLOCATION_EXTENSION_NAME, VK_KHR_GET_MEMORY_REQUIREMENTS_2_EXTENSION_NAME,
    VK_KHR_BIND_MEMORY_2_EXTENSION_NAME,        VK_KHR_DRIVER_PROPERTIES_EXTENSION_NAME,
    VK_EXT_MEMORY_BUDGET_EXTENSION_NAME,
    // The shader engine's narrow types (16bit/8bit_storage depend on storage_buffer_storage_class).
    VK_KHR_STORAGE_BUFFER_STORAGE_CLASS_EXTENSION_NAME, VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME,
    VK_KHR_16BIT_STORAGE_EXTENSION_NAME, VK_KHR_8BIT_STORAGE_EXTENSION_NAME,
};

constexpr const char* kPromisedInstanceExtensions[] = {
    VK_KHR_GET_PHYSICAL_DEVICE_PROPERTIES_2_EXTENSION_NAME,
    VK_KHR_EXTERNAL_MEMORY_CAPABILITIES_EXTENSION_NAME,
};

struct DeviceIds {
  VkPhysicalDeviceIDProperties id =
      Struct<VkPhysicalDeviceIDProperties>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES);
};

DeviceIds QueryIds(VkPhysicalDevice physical) {
  DeviceIds ids;
  auto properties = Struct<VkPhysicalDeviceProperties2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2);
  properties.pNext = &ids.id;
  vkGetPhysicalDeviceProperties2(physical, &properties);
  return ids;
}

TEST(Instance, EnumeratesOneCpuPhysicalDevice) {
  auto instance = Instance::Create();
  std::vector<VkPhysicalDevice> devices = instance->PhysicalDevices();
  // VK_DRIVER_FILES names exactly one driver, and each driver here exposes one device.
  ASSERT_EQ(devices.size(), 1u);
  VkPhysicalDeviceProperties properties;
  vkGetPhysicalDeviceProperties(devices[0], &properties);
  EXPECT_EQ(properties.deviceType, VK_PHYSICAL_DEVICE_TYPE_CPU);
  if (OnKiln()) {
    EXPECT_EQ(std::strncmp(properties.deviceName, "Kiln", 4), 0) << properties.deviceName;
  }
}

TEST(Instance, PhysicalDeviceSupportsVulkan11) {
  auto instance = Instance::Create();
  VkPhysicalDeviceProperties properties;
  vkGetPhysicalDeviceProperties(instance->PhysicalDevice(), &properties);
  EXPECT_GE(VK_API_VERSION_MAJOR(properties.apiVersion), 1u);
  EXPECT_GE(properties.apiVersion, VK_API_VERSION_1_1)
      << VK_API_VERSION_MAJOR(properties.apiVersion) << "." << VK_API_VERSION_MINOR(properties.apiVersion);
}

// Windows interop identifies adapters by LUID; Kiln emulates one. "If deviceLUIDValid is VK_TRUE,
// deviceNodeMask must contain exactly one bit" (VkPhysicalDeviceIDProperties).
TEST(Instance, DeviceLuidIsValidWithOneNodeMaskBit) {
  KT_REQUIRE_KILN();
  auto instance = Instance::Create();
  DeviceIds ids = QueryIds(instance->PhysicalDevice());
  EXPECT_EQ(ids.id.deviceLUIDValid, VK_TRUE);
  EXPECT_EQ(std::popcount(ids.id.deviceNodeMask), 1) << "deviceNodeMask = " << ids.id.deviceNodeMask;
}

// "deviceUUID ... must be immutable for a given device across instances, processes, driver APIs,
// driver versions, and system reboots"; driverUUID likewise for a driver build; LUIDs identify
// the adapter while the system runs.
TEST(Instance, DeviceIdsMatchAcrossInstances) {
  auto first = Instance::Create();
  auto second = Instance::Create();  // both alive at once
  DeviceIds a = QueryIds(first->PhysicalDevice());
  DeviceIds b = QueryIds(second->PhysicalDevice());
  EXPECT_EQ(std::memcmp(a.id.deviceUUID, b.id.deviceUUID, VK_UUID_SIZE), 0);
  EXPECT_EQ(std::memcmp(a.id.driverUUID, b.id.driverUUID, VK_UUID_SIZE), 0);
  EXPECT_EQ(a.id.deviceLUIDValid, b.id.deviceLUIDValid);
  if (a.id.deviceLUIDValid) {
    EXPECT_EQ(std::memcmp(a.id.deviceLUID, b.id.deviceLUID, VK_LUID_SIZE), 0);
    EXPECT_EQ(a.id.deviceNodeMask, b.id.deviceNodeMask);
  }
  const uint8_t zero[VK_UUID_SIZE] = {};
  EXPECT_NE(std::memcmp(a.id.deviceUUID, zero, VK_UUID_SIZE), 0) << "deviceUUID is all zero";

  first.reset();  // and a third instance created after one was destroyed sees the same IDs
  auto third = Instance::Create();
  DeviceIds c = QueryIds(third->PhysicalDevice());
  EXPECT_EQ(std::memcmp(b.id.deviceUUID, c.id.deviceUUID, VK_UUID_SIZE), 0);
}

TEST(Instance, DriverPropertiesAreFilledIn) {
  auto instance = Instance::Create();
  VkPhysicalDevice physical = instance->PhysicalDevice();
  if (!DeviceExtensionSupported(physical, VK_KHR_DRIVER_PROPERTIES_EXTENSION_NAME)) {
    ASSERT_FALSE(OnKiln()) << "Kiln must advertise " VK_KHR_DRIVER_PROPERTIES_EXTENSION_NAME;
    GTEST_SKIP() << "driver lacks " VK_KHR_DRIVER_PROPERTIES_EXTENSION_NAME;
  }
  // Poison the output so that fields the driver leaves alone are detected.
  VkPhysicalDeviceDriverProperties driver;
  std::memset(&driver, 0xCD, sizeof driver);
  driver.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES;
  driver.pNext = nullptr;
  auto properties = Struct<VkPhysicalDeviceProperties2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2);
  properties.pNext = &driver;
  vkGetPhysicalDeviceProperties2(physical, &properties);

  EXPECT_NE(static_cast<uint32_t>(driver.driverID), 0xCDCDCDCDu) << "driverID not written";
  EXPECT_NE(static_cast<uint32_t>(driver.driverID), 0u);
  size_t nameLength = strnlen(driver.driverName, VK_MAX_DRIVER_NAME_SIZE);
  EXPECT_LT(nameLength, size_t(VK_MAX_DRIVER_NAME_SIZE)) << "driverName is not NUL-terminated";
  EXPECT_GT(nameLength, 0u) << "driverName is empty";
  EXPECT_LT(strnlen(driver.driverInfo, VK_MAX_DRIVER_INFO_SIZE), size_t(VK_MAX_DRIVER_INFO_SIZE))
      << "driverInfo is not NUL-terminated";
  EXPECT_NE(driver.conformanceVersion.major, 0xCD) << "conformanceVersion not written";
  EXPECT_EQ(properties.pNext, &driver) << "the driver must not rewrite the chain";
}

TEST(Instance, QueueFamilyOffersGraphicsComputeTransfer) {
  auto instance = Instance::Create();
  VkPhysicalDevice physical = instance->PhysicalDevice();
  uint32_t familyCount = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(physical, &familyCount, nullptr);
  std::vector<VkQueueFamilyProperties> families(familyCount);
  vkGetPhysicalDeviceQueueFamilyProperties(physical, &familyCount, families.data());
  ASSERT_GE(familyCount, 1u);
  constexpr VkQueueFlags kAll = VK_QUEUE_GRAPHICS_BIT | VK_QUEUE_COMPUTE_BIT | VK_QUEUE_TRANSFER_BIT;
  if (OnKiln()) {
    ASSERT_EQ(familyCount, 1u);
    EXPECT_EQ(families[0].queueFlags & kAll, kAll);
    EXPECT_EQ(families[0].queueCount, 4u);
  }
  // Every queue of the family can be created and is a distinct object.
  auto device = Device::Create(*instance);
  uint32_t family = device->family;
  ASSERT_EQ(device->queues.size(), families[family].queueCount);
  for (size_t i = 0; i < device->queues.size(); ++i) {
    ASSERT_NE(device->queues[i], VK_NULL_HANDLE);
    for (size_t j = 0; j < i; ++j) EXPECT_NE(device->queues[i], device->queues[j]) << i << " vs " << j;
  }
}

TEST(Instance, PromisedInstanceExtensionsCanBeEnabled) {
  UseDriverUnderTestByDefault();
  uint32_t count = 0;
  ASSERT_EQ(vkEnumerateInstanceExtensionProperties(nullptr, &count, nullptr), VK_SUCCESS);
  std::vector<VkExtensionProperties> available(count);
  ASSERT_EQ(vkEnumerateInstanceExtensionProperties(nullptr, &count, available.data()), VK_SUCCESS);
  auto listed = [&](const char* name) {
    for (const auto& e : available)
      if (std::strcmp(e.extensionName, name) == 0) return true;
    return false;
  };
  InstanceOptions options;
  for (const char* name : kPromisedInstanceExtensions) {
    ASSERT_TRUE(listed(name)) << name;
    options.extensions.push_back(name);
  }
  auto instance = Instance::Create(options);
  // The KHR aliases reach the driver.
  auto properties2 = instance->Proc<PFN_vkGetPhysicalDeviceProperties2KHR>("vkGetPhysicalDeviceProperties2KHR");
  ASSERT_NE(properties2, nullptr);
  auto ids = Struct<VkPhysicalDeviceIDProperties>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES);
  std::memset(ids.deviceUUID, 0, VK_UUID_SIZE);
  auto properties = Struct<VkPhysicalDeviceProperties2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2);
  properties.pNext = &ids;
  properties2(instance->PhysicalDevice(), &properties);
  EXPECT_EQ(properties.properties.deviceType, VK_PHYSICAL_DEVICE_TYPE_CPU);
  const uint8_t zero[VK_UUID_SIZE] = {};
  EXPECT_NE(std::memcmp(ids.deviceUUID, zero, VK_UUID_SIZE), 0);

  auto externalBuffer = instance->Proc<PFN_vkGetPhysicalDeviceExternalBufferPropertiesKHR>(
      "vkGetPhysicalDeviceExternalBufferPropertiesKHR");
  ASSERT_NE(externalBuffer, nullptr);
  auto bufferInfo = Struct<VkPhysicalDeviceExternalBufferInfo>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_BUFFER_INFO);
  bufferInfo.usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT;
  bufferInfo.handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT;
  auto external = Struct<VkExternalBufferProperties>(VK_STRUCTURE_TYPE_EXTERNAL_BUFFER_PROPERTIES);
  externalBuffer(instance->PhysicalDevice(), &bufferInfo, &external);
  // Whatever the driver supports, exportFromImportedHandleTypes/compatibleHandleTypes must
  // include the queried type whenever the type is supported at all.
  if (external.externalMemoryProperties.externalMemoryFeatures != 0) {
    EXPECT_TRUE(external.externalMemoryProperties.compatibleHandleTypes & bufferInfo.handleType);
  }
}

TEST(Device, PromisedExtensionsCanBeEnabled) {
  auto instance = Instance::Create();
  VkPhysicalDevice physical = instance->PhysicalDevice();
  DeviceOptions options;
  for (const char* name : kPromisedDeviceExtensions) {
    if (DeviceExtensionSupported(physical, name)) {
      options.extensions.push_back(name);
    } else {
      EXPECT_FALSE(OnKiln()) << "Kiln does not advertise " << name;
    }
  }
  std::unique_ptr<Device> device;
  ASSERT_EQ(Device::TryCreate(*instance, options, &device), VK_SUCCESS);
  // Their commands are reachable (core in 1.1 under their KHR names too).
  for (const char* name : {"vkGetBufferMemoryRequirements2KHR", "vkGetImageMemoryRequirements2KHR",
                           "vkBindBufferMemory2KHR", "vkBindImageMemory2KHR"})
    EXPECT_NE(vkGetDeviceProcAddr(device->handle, name), nullptr) << name;
}

// Every command the tests rely on is reachable through vkGetDeviceProcAddr.
TEST(Device, GetDeviceProcAddrFindsImplementedCommands) {
  auto instance = Instance::Create();
  auto device = Device::Create(*instance);
  for (const char* name : {"vkCmdCopyBuffer",
                           "vkCmdFillBuffer",
                           "vkCmdUpdateBuffer",
                           "vkCmdCopyBufferToImage",
                           "vkCmdCopyImageToBuffer",
                           "vkCmdCopyImage",
                           "vkCmdClearColorImage",
                           "vkCmdClearDepthStencilImage",
                           "vkCmdPipelineBarrier",
                           "vkCmdSetEvent",
                           "vkCmdResetEvent",
                           "vkCmdWaitEvents",
                           "vkCmdExecuteCommands",
                           "vkQueueSubmit",
                           "vkQueueWaitIdle",
                           "vkDeviceWaitIdle",
                           "vkAllocateMemory",
                           "vkMapMemory",
                           "vkFlushMappedMemoryRanges",
                           "vkInvalidateMappedMemoryRanges",
                           "vkCreateImageView",
                           "vkCreateBufferView",
                           "vkGetBufferMemoryRequirements2",
                           "vkGetImageMemoryRequirements2",
                           "vkBindBufferMemory2",
                           "vkBindImageMemory2",
                           "vkGetImageSubresourceLayout"})
    EXPECT_NE(vkGetDeviceProcAddr(device->handle, name), nullptr) << name;
}

// Kiln's choice (DESIGN.md, "Honest capabilities"): commands of features it does not implement
// (queries, multisample resolves) are not offered, so an application learns it at load time. Note that the core spec expects vkGetDeviceProcAddr to return a pointer
// for every core command; this deviation is deliberate.
TEST(Device, GetDeviceProcAddrReturnsNullForUnimplementedCommands) {
  KT_REQUIRE_KILN();
  auto instance = Instance::Create();
  auto device = Device::Create(*instance);
  for (const char* name :
       {"vkCreateQueryPool", "vkCmdBeginQuery", "vkCmdWriteTimestamp", "vkCmdSetEvent2", "vkCreateImageView2KILN"})
    EXPECT_EQ(vkGetDeviceProcAddr(device->handle, name), nullptr) << name;
  EXPECT_EQ(vkGetDeviceProcAddr(device->handle, "vkNotARealCommandKILN"), nullptr);
}

TEST(Device, UnsupportedExtensionIsRejected) {
  auto instance = Instance::Create();
  VkPhysicalDevice physical = instance->PhysicalDevice();
  const char* unsupported = nullptr;
  for (const char* candidate : {VK_KHR_RAY_TRACING_PIPELINE_EXTENSION_NAME, VK_NV_MESH_SHADER_EXTENSION_NAME,
                                VK_KHR_VIDEO_QUEUE_EXTENSION_NAME, VK_AMD_SHADER_BALLOT_EXTENSION_NAME}) {
    if (!DeviceExtensionSupported(physical, candidate)) {
      unsupported = candidate;
      break;
    }
  }
  ASSERT_NE(unsupported, nullptr) << "the driver claims every candidate extension";
  DeviceOptions options;
  options.extensions = {unsupported};
  std::unique_ptr<Device> device;
  EXPECT_EQ(Device::TryCreate(*instance, options, &device), VK_ERROR_EXTENSION_NOT_PRESENT) << unsupported;
  EXPECT_EQ(device, nullptr);
}

TEST(Device, UnsupportedFeatureIsRejected) {
  auto instance = Instance::Create();
  VkPhysicalDevice physical = instance->PhysicalDevice();
  VkPhysicalDeviceFeatures supported;
  vkGetPhysicalDeviceFeatures(physical, &supported);
  // VkPhysicalDeviceFeatures is an array of VkBool32.
  constexpr size_t kCount = sizeof(VkPhysicalDeviceFeatures) / sizeof(VkBool32);
  const VkBool32* flags = reinterpret_cast<const VkBool32*>(&supported);
  size_t missing = kCount;
  if (OnKiln()) {
    // Kiln runs no shaders.
    ASSERT_EQ(supported.geometryShader, VK_FALSE);
    missing = offsetof(VkPhysicalDeviceFeatures, geometryShader) / sizeof(VkBool32);
  } else {
    for (size_t i = 0; i < kCount && missing == kCount; ++i)
      if (!flags[i]) missing = i;
  }
  if (missing == kCount) GTEST_SKIP() << "the driver supports every VkPhysicalDeviceFeatures member";
  VkPhysicalDeviceFeatures requested{};
  reinterpret_cast<VkBool32*>(&requested)[missing] = VK_TRUE;
  DeviceOptions options;
  options.features = &requested;
  std::unique_ptr<Device> device;
  EXPECT_EQ(Device::TryCreate(*instance, options, &device), VK_ERROR_FEATURE_NOT_PRESENT)
      << "feature #" << missing << " of VkPhysicalDeviceFeatures";
}

// The extension feature structures Kiln implements part of: vkGetPhysicalDeviceFeatures2 reports
// exactly those members, vkCreateDevice takes all of them together and refuses each other member
// with VK_ERROR_FEATURE_NOT_PRESENT.
TEST(Device, NarrowTypeFeaturesAreReportedAndOnlyThoseAccepted) {
  KT_REQUIRE_KILN();
  auto instance = Instance::Create();
  VkPhysicalDevice physical = instance->PhysicalDevice();
  // Poisoned with VK_TRUE so that a member the driver leaves unwritten shows.
  VkPhysicalDeviceShaderFloat16Int8Features float16Int8;
  VkPhysicalDevice16BitStorageFeatures storage16;
  VkPhysicalDevice8BitStorageFeatures storage8;
  VkPhysicalDeviceShaderAtomicFloatFeaturesEXT atomicFloat;
  auto poison = [](auto& s, VkStructureType type, void* next) {
    std::memset(&s, 0, sizeof s);
    for (VkBool32* b = reinterpret_cast<VkBool32*>(reinterpret_cast<char*>(&s) + sizeof(VkBaseOutStructure));
         reinterpret_cast<char*>(b + 1) <= reinterpret_cast<char*>(&s) + sizeof s; ++b)
      *b = VK_TRUE;
    s.sType = type;
    s.pNext = next;
  };
  poison(atomicFloat, VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_ATOMIC_FLOAT_FEATURES_EXT, nullptr);
  poison(storage8, VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES, &atomicFloat);
  poison(storage16, VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES, &storage8);
  poison(float16Int8, VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES, &storage16);
  VkPhysicalDeviceFeatures2 features2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, &float16Int8, {}};
  vkGetPhysicalDeviceFeatures2(physical, &features2);
  EXPECT_EQ(float16Int8.shaderFloat16, VK_TRUE);
  EXPECT_EQ(float16Int8.shaderInt8, VK_TRUE);
  EXPECT_EQ(storage16.storageBuffer16BitAccess, VK_TRUE);
  EXPECT_EQ(storage16.uniformAndStorageBuffer16BitAccess, VK_TRUE);
  EXPECT_EQ(storage16.storagePushConstant16, VK_TRUE);
  EXPECT_EQ(storage16.storageInputOutput16, VK_FALSE);  // no shader stage inputs or outputs yet
  EXPECT_EQ(storage8.storageBuffer8BitAccess, VK_TRUE);
  EXPECT_EQ(storage8.uniformAndStorageBuffer8BitAccess, VK_TRUE);
  EXPECT_EQ(storage8.storagePushConstant8, VK_TRUE);
  EXPECT_EQ(atomicFloat.shaderBufferFloat32Atomics, VK_FALSE);  // a structure Kiln supports nothing of
  EXPECT_EQ(atomicFloat.shaderSharedFloat32Atomics, VK_FALSE);
  EXPECT_EQ(storage8.pNext, &atomicFloat);  // the chain is left intact

  // Everything reported, at once: accepted.
  DeviceOptions options;
  options.extensions = {VK_KHR_STORAGE_BUFFER_STORAGE_CLASS_EXTENSION_NAME, VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME,
                        VK_KHR_16BIT_STORAGE_EXTENSION_NAME, VK_KHR_8BIT_STORAGE_EXTENSION_NAME};
  storage8.pNext = nullptr;
  // The padding after storage8's last member is not a feature: garbage there (as in a layer's copy
  // of the structure) is not a request.
  constexpr size_t kStorage8End = offsetof(VkPhysicalDevice8BitStorageFeatures, storagePushConstant8) + sizeof(VkBool32);
  std::memset(reinterpret_cast<char*>(&storage8) + kStorage8End, 0x73, sizeof storage8 - kStorage8End);
  options.pNext = &float16Int8;
  std::unique_ptr<Device> device;
  EXPECT_EQ(Device::TryCreate(*instance, options, &device), VK_SUCCESS);
  device.reset();
  // One member more, in a structure Kiln implements part of, and in one it implements nothing of.
  storage16.storageInputOutput16 = VK_TRUE;
  EXPECT_EQ(Device::TryCreate(*instance, options, &device), VK_ERROR_FEATURE_NOT_PRESENT);
  EXPECT_EQ(device, nullptr);
  storage16.storageInputOutput16 = VK_FALSE;
  atomicFloat.shaderBufferFloat32Atomics = VK_TRUE;
  storage8.pNext = &atomicFloat;  // (VK_EXT_shader_atomic_float is not offered, so not enabled)
  EXPECT_EQ(Device::TryCreate(*instance, options, &device), VK_ERROR_FEATURE_NOT_PRESENT);
  EXPECT_EQ(device, nullptr);
}

// Kiln's images are transfer sources and destinations, sampled images, storage images (compute
// shaders) and attachments (render passes, tests/raster); each usage is accepted exactly where the
// format reports the feature behind it.
TEST(Device, ImageFormatQueryFollowsFormatFeatures) {
  KT_REQUIRE_KILN();
  auto instance = Instance::Create();
  VkPhysicalDevice physical = instance->PhysicalDevice();
  VkImageFormatProperties limits;
  for (VkImageUsageFlags usage : std::vector<VkImageUsageFlags>{
           VK_IMAGE_USAGE_TRANSFER_SRC_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT, VK_IMAGE_USAGE_SAMPLED_BIT,
           VK_IMAGE_USAGE_STORAGE_BIT, VK_IMAGE_USAGE_TRANSFER_DST_BIT | VK_IMAGE_USAGE_SAMPLED_BIT})
    EXPECT_EQ(vkGetPhysicalDeviceImageFormatProperties(physical, VK_FORMAT_R8G8B8A8_UNORM, VK_IMAGE_TYPE_2D,
                                                       VK_IMAGE_TILING_OPTIMAL, usage, 0, &limits),
              VK_SUCCESS)
        << "usage 0x" << std::hex << usage;
  for (VkImageUsageFlags usage : std::vector<VkImageUsageFlags>{
           VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT, VK_IMAGE_USAGE_INPUT_ATTACHMENT_BIT,
           VK_IMAGE_USAGE_SAMPLED_BIT | VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT})
    EXPECT_EQ(vkGetPhysicalDeviceImageFormatProperties(physical, VK_FORMAT_R8G8B8A8_UNORM, VK_IMAGE_TYPE_2D,
                                                       VK_IMAGE_TILING_OPTIMAL, usage, 0, &limits),
              VK_SUCCESS)
        << "usage 0x" << std::hex << usage;
  EXPECT_EQ(vkGetPhysicalDeviceImageFormatProperties(physical, VK_FORMAT_D32_SFLOAT, VK_IMAGE_TYPE_2D,
                                                     VK_IMAGE_TILING_OPTIMAL,
                                                     VK_IMAGE_USAGE_DEPTH_STENCIL_ATTACHMENT_BIT, 0, &limits),
            VK_SUCCESS);
  // 64-bit components have no texel codec: no attachment (nor input attachment) usage.
  for (VkImageUsageFlags usage : std::vector<VkImageUsageFlags>{VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT,
                                                                VK_IMAGE_USAGE_INPUT_ATTACHMENT_BIT})
    EXPECT_EQ(vkGetPhysicalDeviceImageFormatProperties(physical, VK_FORMAT_R64_UINT, VK_IMAGE_TYPE_2D,
                                                       VK_IMAGE_TILING_OPTIMAL, usage, 0, &limits),
              VK_ERROR_FORMAT_NOT_SUPPORTED)
        << "usage 0x" << std::hex << usage;
  // Color formats are no depth/stencil attachments.
  EXPECT_EQ(vkGetPhysicalDeviceImageFormatProperties(physical, VK_FORMAT_R8G8B8A8_UNORM, VK_IMAGE_TYPE_2D,
                                                     VK_IMAGE_TILING_OPTIMAL,
                                                     VK_IMAGE_USAGE_DEPTH_STENCIL_ATTACHMENT_BIT, 0, &limits),
            VK_ERROR_FORMAT_NOT_SUPPORTED);
  // A format without STORAGE_IMAGE (no SPIR-V Image Format names it) refuses the storage usage.
  EXPECT_EQ(vkGetPhysicalDeviceImageFormatProperties(physical, VK_FORMAT_B8G8R8A8_UNORM, VK_IMAGE_TYPE_2D,
                                                     VK_IMAGE_TILING_OPTIMAL, VK_IMAGE_USAGE_STORAGE_BIT, 0, &limits),
            VK_ERROR_FORMAT_NOT_SUPPORTED);
  // Format features say the same thing, exactly.
  VkFormatProperties features;
  vkGetPhysicalDeviceFormatProperties(physical, VK_FORMAT_R8G8B8A8_UNORM, &features);
  constexpr VkFormatFeatureFlags kImage =
      VK_FORMAT_FEATURE_TRANSFER_SRC_BIT | VK_FORMAT_FEATURE_TRANSFER_DST_BIT | VK_FORMAT_FEATURE_SAMPLED_IMAGE_BIT |
      VK_FORMAT_FEATURE_SAMPLED_IMAGE_FILTER_LINEAR_BIT | VK_FORMAT_FEATURE_STORAGE_IMAGE_BIT |
      VK_FORMAT_FEATURE_BLIT_SRC_BIT | VK_FORMAT_FEATURE_BLIT_DST_BIT | VK_FORMAT_FEATURE_COLOR_ATTACHMENT_BIT |
      VK_FORMAT_FEATURE_COLOR_ATTACHMENT_BLEND_BIT;
  EXPECT_EQ(features.optimalTilingFeatures, kImage);
  EXPECT_EQ(features.linearTilingFeatures, kImage);
  EXPECT_EQ(features.bufferFeatures,
            VkFormatFeatureFlags(VK_FORMAT_FEATURE_UNIFORM_TEXEL_BUFFER_BIT | VK_FORMAT_FEATURE_STORAGE_TEXEL_BUFFER_BIT |
                                 VK_FORMAT_FEATURE_VERTEX_BUFFER_BIT));
  // Integer formats are never filtered nor blended; only R32_UINT and R32_SINT have atomics.
  vkGetPhysicalDeviceFormatProperties(physical, VK_FORMAT_R32_UINT, &features);
  EXPECT_EQ(features.optimalTilingFeatures & VK_FORMAT_FEATURE_SAMPLED_IMAGE_FILTER_LINEAR_BIT, 0u);
  EXPECT_EQ(features.optimalTilingFeatures & VK_FORMAT_FEATURE_COLOR_ATTACHMENT_BLEND_BIT, 0u);
  // 64-bit components are not vertex formats (they would take two locations).
  VkFormatProperties wide;
  vkGetPhysicalDeviceFormatProperties(physical, VK_FORMAT_R64G64B64A64_SFLOAT, &wide);
  EXPECT_EQ(wide.bufferFeatures & VK_FORMAT_FEATURE_VERTEX_BUFFER_BIT, 0u);
  EXPECT_NE(features.optimalTilingFeatures & VK_FORMAT_FEATURE_STORAGE_IMAGE_ATOMIC_BIT, 0u);
  EXPECT_NE(features.bufferFeatures & VK_FORMAT_FEATURE_STORAGE_TEXEL_BUFFER_ATOMIC_BIT, 0u);
  vkGetPhysicalDeviceFormatProperties(physical, VK_FORMAT_R32G32B32A32_UINT, &features);
  EXPECT_EQ(features.optimalTilingFeatures & VK_FORMAT_FEATURE_STORAGE_IMAGE_ATOMIC_BIT, 0u);
  // 64-bit components do not fit the shader engine's registers: transfers only.
  vkGetPhysicalDeviceFormatProperties(physical, VK_FORMAT_R64_UINT, &features);
  EXPECT_EQ(features.optimalTilingFeatures, VkFormatFeatureFlags(VK_FORMAT_FEATURE_TRANSFER_SRC_BIT |
                                                                 VK_FORMAT_FEATURE_TRANSFER_DST_BIT));
  EXPECT_EQ(features.bufferFeatures, 0u);
}

TEST(Device, LinearTilingIsLimitedTo2DSingleMipSingleLayerColor) {
  KT_REQUIRE_KILN();
  auto instance = Instance::Create();
  VkPhysicalDevice physical = instance->PhysicalDevice();
  constexpr VkImageUsageFlags kTransfer = VK_IMAGE_USAGE_TRANSFER_SRC_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT;
  VkImageFormatProperties limits;
  ASSERT_EQ(vkGetPhysicalDeviceImageFormatProperties(physical, VK_FORMAT_R8G8B8A8_UNORM, VK_IMAGE_TYPE_2D,
                                                     VK_IMAGE_TILING_LINEAR, kTransfer, 0, &limits),
            VK_SUCCESS);
  EXPECT_EQ(limits.maxMipLevels, 1u);
  EXPECT_EQ(limits.maxArrayLayers, 1u);
  EXPECT_EQ(limits.maxExtent.depth, 1u);
  for (VkImageType type : {VK_IMAGE_TYPE_1D, VK_IMAGE_TYPE_3D})
    EXPECT_EQ(vkGetPhysicalDeviceImageFormatProperties(physical, VK_FORMAT_R8G8B8A8_UNORM, type, VK_IMAGE_TILING_LINEAR,
                                                       kTransfer, 0, &limits),
              VK_ERROR_FORMAT_NOT_SUPPORTED)
        << "image type " << type;
  for (VkFormat depth : {VK_FORMAT_D16_UNORM, VK_FORMAT_D32_SFLOAT, VK_FORMAT_S8_UINT, VK_FORMAT_D24_UNORM_S8_UINT}) {
    EXPECT_EQ(vkGetPhysicalDeviceImageFormatProperties(physical, depth, VK_IMAGE_TYPE_2D, VK_IMAGE_TILING_LINEAR,
                                                       kTransfer, 0, &limits),
              VK_ERROR_FORMAT_NOT_SUPPORTED)
        << "format " << depth;
    VkFormatProperties features;
    vkGetPhysicalDeviceFormatProperties(physical, depth, &features);
    EXPECT_EQ(features.linearTilingFeatures, 0u) << "format " << depth;
  }
}

TEST(Device, DepthStencilFormatsSupportTransfersInOptimalTiling) {
  KT_REQUIRE_KILN();
  auto instance = Instance::Create();
  VkPhysicalDevice physical = instance->PhysicalDevice();
  constexpr VkFormatFeatureFlags kTransfer = VK_FORMAT_FEATURE_TRANSFER_SRC_BIT | VK_FORMAT_FEATURE_TRANSFER_DST_BIT;
  for (VkFormat format : {VK_FORMAT_D16_UNORM, VK_FORMAT_X8_D24_UNORM_PACK32, VK_FORMAT_D32_SFLOAT, VK_FORMAT_S8_UINT,
                          VK_FORMAT_D16_UNORM_S8_UINT, VK_FORMAT_D24_UNORM_S8_UINT, VK_FORMAT_D32_SFLOAT_S8_UINT}) {
    VkFormatProperties features;
    vkGetPhysicalDeviceFormatProperties(physical, format, &features);
    EXPECT_EQ(features.optimalTilingFeatures & kTransfer, kTransfer) << "format " << format;
    VkImageFormatProperties limits;
    EXPECT_EQ(vkGetPhysicalDeviceImageFormatProperties(
                  physical, format, VK_IMAGE_TYPE_2D, VK_IMAGE_TILING_OPTIMAL,
                  VK_IMAGE_USAGE_TRANSFER_SRC_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT, 0, &limits),
              VK_SUCCESS)
        << "format " << format;
  }
}

// ---------------------------------------------------------------------------------------------
// Allocation callbacks.

// Counts and checks every host allocation made through VkAllocationCallbacks.
class CountingAllocator {
 public:
  VkAllocationCallbacks callbacks() {
    VkAllocationCallbacks c{};
    c.pUserData = this;
    c.pfnAllocation = &Allocate;
    c.pfnReallocation = &Reallocate;
    c.pfnFree = &Free;
    return c;
  }
  size_t allocations() {
    std::lock_guard lock(mutex_);
    return allocations_;
  }
  size_t live() {
    std::lock_guard lock(mutex_);
    return live_.size();
  }
  std::vector<std::string> problems() {
    std::lock_guard lock(mutex_);
    return problems_;
  }

 private:
  void* DoAllocate(size_t size, size_t alignment, VkSystemAllocationScope scope) {
    std::lock_guard lock(mutex_);
    // "alignment ... must be a power of two" (PFN_vkAllocationFunction); scope must be a valid enum.
    if (alignment == 0 || (alignment & (alignment - 1)) != 0)
      problems_.push_back("alignment " + std::to_string(alignment) + " is not a power of two");
    if (scope > VK_SYSTEM_ALLOCATION_SCOPE_INSTANCE)
      problems_.push_back("invalid allocation scope " + std::to_string(scope));
    if (size == 0) return nullptr;
    void* memory = nullptr;
    if (posix_memalign(&memory, std::max(alignment, sizeof(void*)), size) != 0) return nullptr;
    live_[memory] = size;
    ++allocations_;
    return memory;
  }
  void DoFree(void* memory) {
    if (!memory) return;
    std::lock_guard lock(mutex_);
    auto it = live_.find(memory);
    if (it == live_.end()) {
      problems_.push_back("pfnFree of a pointer pfnAllocation did not return");  // leak it, don't crash
      return;
    }
    live_.erase(it);
    std::free(memory);
  }
  size_t SizeOf(void* memory) {
    std::lock_guard lock(mutex_);
    auto it = live_.find(memory);
    return it == live_.end() ? 0 : it->second;
  }

  static void* VKAPI_CALL Allocate(void* self, size_t size, size_t alignment, VkSystemAllocationScope scope) {
    return static_cast<CountingAllocator*>(self)->DoAllocate(size, alignment, scope);
  }
  static void* VKAPI_CALL Reallocate(void* self, void* original, size_t size, size_t alignment,
                                     VkSystemAllocationScope scope) {
    auto* allocator = static_cast<CountingAllocator*>(self);
    if (!original) return allocator->DoAllocate(size, alignment, scope);
    if (size == 0) {
      allocator->DoFree(original);
      return nullptr;
    }
    void* memory = allocator->DoAllocate(size, alignment, scope);
    if (!memory) return nullptr;
    std::memcpy(memory, original, std::min(size, allocator->SizeOf(original)));
    allocator->DoFree(original);
    return memory;
  }
  static void VKAPI_CALL Free(void* self, void* memory) { static_cast<CountingAllocator*>(self)->DoFree(memory); }

  std::mutex mutex_;
  std::map<void*, size_t> live_;
  size_t allocations_ = 0;
  std::vector<std::string> problems_;
};

// Separate allocators for the instance, the device and a buffer: each sees allocations, every
// allocation is freed through the allocator that made it, and nothing outlives its object.
TEST(Instance, AllocationCallbacksSeeEveryAllocationFreed) {
  CountingAllocator instanceCounter, deviceCounter, bufferCounter;
  VkAllocationCallbacks instanceCallbacks = instanceCounter.callbacks();
  VkAllocationCallbacks deviceCallbacks = deviceCounter.callbacks();
  VkAllocationCallbacks bufferCallbacks = bufferCounter.callbacks();
  {
    InstanceOptions instanceOptions;
    instanceOptions.allocator = &instanceCallbacks;
    auto instance = Instance::Create(instanceOptions);
    EXPECT_GT(instanceCounter.allocations(), 0u) << "vkCreateInstance allocated nothing through the callbacks";

    DeviceOptions deviceOptions;
    deviceOptions.allocator = &deviceCallbacks;
    auto device = Device::Create(*instance, deviceOptions);
    EXPECT_GT(deviceCounter.allocations(), 0u) << "vkCreateDevice allocated nothing through the callbacks";

    // The loader does not wrap vkCreateBuffer, so these allocations are the driver's.
    auto info = Struct<VkBufferCreateInfo>(VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO);
    info.size = 4096;
    info.usage = VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    VkBuffer buffer = VK_NULL_HANDLE;
    ASSERT_EQ(vkCreateBuffer(device->handle, &info, &bufferCallbacks, &buffer), VK_SUCCESS);
    EXPECT_GT(bufferCounter.allocations(), 0u) << "vkCreateBuffer ignored pAllocator";
    vkDestroyBuffer(device->handle, buffer, &bufferCallbacks);
    EXPECT_EQ(bufferCounter.live(), 0u) << "vkDestroyBuffer left allocations behind";

    size_t deviceLive = deviceCounter.live();
    device.reset();
    EXPECT_LT(deviceCounter.live(), deviceLive);
    EXPECT_EQ(deviceCounter.live(), 0u) << "allocations outlived vkDestroyDevice";
  }
  EXPECT_EQ(instanceCounter.live(), 0u) << "allocations outlived vkDestroyInstance";
  for (CountingAllocator* counter : {&instanceCounter, &deviceCounter, &bufferCounter}) {
    std::vector<std::string> problems = counter->problems();
    EXPECT_TRUE(problems.empty()) << MessageLog::Join(problems);
  }
}

}  // namespace
}  // namespace kiln_test
