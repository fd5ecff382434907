// Shared helpers for the suites that drive a Vulkan driver through the stock loader
// (libvulkan.so.1): instance and device creation, memory type picking, buffers and images with
// bound memory, one-shot command buffer submission, and a debug messenger that records every
// validation ERROR.
//
// Helpers report Vulkan failures by throwing kiln_test::VkError; gtest turns an exception escaping a
// test body into a failure that names the call, the VkResult, file and line.
//
// Driver selection: every instance goes through VK_DRIVER_FILES, which defaults to Kiln's build-tree
// manifest. Run a binary with VK_DRIVER_FILES=<lavapipe manifest> to check the tests themselves
// against lavapipe; Kiln-specific expectations skip there (see OnKiln()).
#pragma once

#include <gtest/gtest.h>
#include <vulkan/vulkan.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "kiln_test_config.h"

inline const char* VkResultName(VkResult result) {
  switch (result) {
#define KT_RESULT(name) \
  case name:            \
    return #name;
    KT_RESULT(VK_SUCCESS)
    KT_RESULT(VK_NOT_READY)
    KT_RESULT(VK_TIMEOUT)
    KT_RESULT(VK_EVENT_SET)
    KT_RESULT(VK_EVENT_RESET)
    KT_RESULT(VK_INCOMPLETE)
    KT_RESULT(VK_ERROR_OUT_OF_HOST_MEMORY)
    KT_RESULT(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    KT_RESULT(VK_ERROR_INITIALIZATION_FAILED)
    KT_RESULT(VK_ERROR_DEVICE_LOST)
    KT_RESULT(VK_ERROR_MEMORY_MAP_FAILED)
    KT_RESULT(VK_ERROR_LAYER_NOT_PRESENT)
    KT_RESULT(VK_ERROR_EXTENSION_NOT_PRESENT)
    KT_RESULT(VK_ERROR_FEATURE_NOT_PRESENT)
    KT_RESULT(VK_ERROR_INCOMPATIBLE_DRIVER)
    KT_RESULT(VK_ERROR_TOO_MANY_OBJECTS)
    KT_RESULT(VK_ERROR_FORMAT_NOT_SUPPORTED)
    KT_RESULT(VK_ERROR_FRAGMENTED_POOL)
    KT_RESULT(VK_ERROR_UNKNOWN)
    KT_RESULT(VK_ERROR_OUT_OF_POOL_MEMORY)
    KT_RESULT(VK_ERROR_INVALID_EXTERNAL_HANDLE)
#undef KT_RESULT
    default:
      return "VkResult(?)";
  }
}

// Found by argument-dependent lookup, so gtest prints VkResults by name.
inline void PrintTo(VkResult result, std::ostream* os) {
  *os << VkResultName(result) << " (" << static_cast<int>(result) << ")";
}

// The validation binary compiles the same test sources with KILN_TEST_WITH_VALIDATION=1 and a suite
// name prefix, so that its tests run under VK_LAYER_KHRONOS_validation and get distinct CTest names.
#ifndef KILN_TEST_WITH_VALIDATION
#define KILN_TEST_WITH_VALIDATION 0
#endif
#ifndef KILN_TEST_SUITE_PREFIX
#define KILN_TEST_SUITE_PREFIX
#endif
#define KILN_SUITE_CAT2(a, b) a##b
#define KILN_SUITE_CAT(a, b) KILN_SUITE_CAT2(a, b)
// KILN_SUITE(Transfer) is Transfer here and ValidatedTransfer in the validation binary.
#define KILN_SUITE(name) KILN_SUITE_CAT(KILN_TEST_SUITE_PREFIX, name)
// INSTANTIATE_TEST_SUITE_P pastes its suite argument with ##, which would not expand KILN_SUITE;
// this wrapper expands it first.
#define KT_INSTANTIATE_TEST_SUITE_P(prefix, suite, ...) INSTANTIATE_TEST_SUITE_P(prefix, suite, __VA_ARGS__)

namespace kiln_test {

// A value-initialized Vulkan structure with its sType set. (Brace-initializing only sType would
// trip -Wmissing-field-initializers.)
template <typename T>
T Struct(VkStructureType type) {
  T value{};
  value.sType = type;
  return value;
}

inline constexpr bool kWithValidation = KILN_TEST_WITH_VALIDATION != 0;
inline constexpr const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";
// Waits are bounded so that a driver bug fails a test instead of hanging it; the bound is far above
// anything the workloads here need.
inline constexpr uint64_t kGenerousTimeoutNs = 20'000'000'000ull;

class VkError : public std::runtime_error {
 public:
  VkError(const std::string& what, VkResult result) : std::runtime_error(what), result(result) {}
  VkResult result;
};

inline void Check(VkResult result, const char* expression, const char* file, int line) {
  if (result == VK_SUCCESS) return;
  std::ostringstream message;
  message << expression << " returned " << VkResultName(result) << " (" << static_cast<int>(result) << ") at " << file
          << ":" << line;
  throw VkError(message.str(), result);
}
#define KT_CHECK(expression) ::kiln_test::Check((expression), #expression, __FILE__, __LINE__)

[[noreturn]] inline void Fail(const std::string& what) { throw std::runtime_error(what); }

// ---------------------------------------------------------------------------------------------
// Which driver runs the tests.

// Points the loader at Kiln unless the caller chose a driver, and keeps Mesa's device-select layer
// out of the chain. Must run before the first instance is created.
inline void UseDriverUnderTestByDefault() {
  setenv("VK_DRIVER_FILES", KILN_TEST_MANIFEST, /*overwrite=*/0);
  setenv("NODEVICE_SELECT", "1", /*overwrite=*/0);
}

inline std::string DriverFilesUnderTest() {
  UseDriverUnderTestByDefault();
  return std::getenv("VK_DRIVER_FILES");
}

// True when the driver under test is Kiln's build-tree manifest, i.e. when Kiln-specific
// expectations (names, memory types, the error codes Kiln chose for invalid usage) apply.
inline bool OnKiln() { return DriverFilesUnderTest() == KILN_TEST_MANIFEST; }

#define KT_REQUIRE_KILN()                                                                      \
  do {                                                                                         \
    if (!::kiln_test::OnKiln())                                                                \
      GTEST_SKIP() << "Kiln-specific expectation; VK_DRIVER_FILES is not " KILN_TEST_MANIFEST; \
  } while (0)

// ---------------------------------------------------------------------------------------------
// Instance.

inline bool InstanceLayerAvailable(const char* name) {
  UseDriverUnderTestByDefault();
  uint32_t count = 0;
  vkEnumerateInstanceLayerProperties(&count, nullptr);
  std::vector<VkLayerProperties> layers(count);
  vkEnumerateInstanceLayerProperties(&count, layers.data());
  return std::any_of(layers.begin(), layers.end(),
                     [&](const VkLayerProperties& l) { return std::strcmp(l.layerName, name) == 0; });
}

// Validation ERROR messages, recorded by the debug messenger (possibly from driver threads).
class MessageLog {
 public:
  void Add(std::string message) {
    std::lock_guard lock(mutex_);
    errors_.push_back(std::move(message));
  }
  std::vector<std::string> Take() {
    std::lock_guard lock(mutex_);
    return std::exchange(errors_, {});
  }
  static std::string Join(const std::vector<std::string>& errors) {
    std::string all;
    for (const std::string& e : errors) all += "\n  * " + e;
    return all;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> errors_;
};

inline VKAPI_ATTR VkBool32 VKAPI_CALL RecordValidationError(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                            VkDebugUtilsMessageTypeFlagsEXT,
                                                            const VkDebugUtilsMessengerCallbackDataEXT* data,
                                                            void* userData) {
  if (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT)
    static_cast<MessageLog*>(userData)->Add(data->pMessage ? data->pMessage : "(no message)");
  return VK_FALSE;  // the spec says applications should return VK_FALSE
}

struct InstanceOptions {
  uint32_t apiVersion = VK_API_VERSION_1_1;
  std::vector<const char*> extensions;
  std::vector<const char*> layers;
  // Adds VK_LAYER_KHRONOS_validation, VK_EXT_debug_utils and a messenger recording every ERROR.
  bool validation = kWithValidation;
  const VkAllocationCallbacks* allocator = nullptr;
  // If set: the VK_DRIVER_FILES value for this vkCreateInstance only. The loader (1.3.239) reads
  // the variable at each vkCreateInstance, so instances on different drivers can coexist.
  std::string driverFiles;
};

class Instance {
 public:
  static VkResult TryCreate(const InstanceOptions& options, std::unique_ptr<Instance>* out) {
    UseDriverUnderTestByDefault();
    std::unique_ptr<Instance> instance(new Instance);
    instance->allocator_ = options.allocator;
    instance->log_ = std::make_shared<MessageLog>();

    std::vector<const char*> layers = options.layers;
    std::vector<const char*> extensions = options.extensions;
    auto messengerInfo =
        Struct<VkDebugUtilsMessengerCreateInfoEXT>(VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT);
    messengerInfo.messageSeverity =
        VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT;
    messengerInfo.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                                VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                                VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
    messengerInfo.pfnUserCallback = RecordValidationError;
    messengerInfo.pUserData = instance->log_.get();
    if (options.validation) {
      layers.push_back(kValidationLayer);
      extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
    }

    auto app = Struct<VkApplicationInfo>(VK_STRUCTURE_TYPE_APPLICATION_INFO);
    app.pApplicationName = "kiln-tests";
    app.apiVersion = options.apiVersion;
    auto info = Struct<VkInstanceCreateInfo>(VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO);
    // Synchronization validation also checks that the tests' own barriers are complete, so that
    // a test cannot pass on one driver by luck of execution order.
    VkValidationFeatureEnableEXT enables[] = {VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT};
    auto features = Struct<VkValidationFeaturesEXT>(VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT);
    features.enabledValidationFeatureCount = 1;
    features.pEnabledValidationFeatures = enables;
    features.pNext = &messengerInfo;
    // Chained messenger info also catches messages from vkCreateInstance/vkDestroyInstance.
    info.pNext = options.validation ? &features : nullptr;
    info.pApplicationInfo = &app;
    info.enabledLayerCount = static_cast<uint32_t>(layers.size());
    info.ppEnabledLayerNames = layers.data();
    info.enabledExtensionCount = static_cast<uint32_t>(extensions.size());
    info.ppEnabledExtensionNames = extensions.data();

    std::string previousDriverFiles;
    if (!options.driverFiles.empty()) {
      previousDriverFiles = std::getenv("VK_DRIVER_FILES");
      setenv("VK_DRIVER_FILES", options.driverFiles.c_str(), 1);
    }
    VkResult result = vkCreateInstance(&info, options.allocator, &instance->handle_);
    if (!options.driverFiles.empty()) setenv("VK_DRIVER_FILES", previousDriverFiles.c_str(), 1);
    if (result != VK_SUCCESS) {
      instance->handle_ = VK_NULL_HANDLE;
      return result;
    }
    if (options.validation) {
      auto create = instance->Proc<PFN_vkCreateDebugUtilsMessengerEXT>("vkCreateDebugUtilsMessengerEXT");
      if (!create) Fail("vkCreateDebugUtilsMessengerEXT is missing with VK_EXT_debug_utils enabled");
      KT_CHECK(create(instance->handle_, &messengerInfo, nullptr, &instance->messenger_));
    }
    *out = std::move(instance);
    return VK_SUCCESS;
  }

  static std::unique_ptr<Instance> Create(const InstanceOptions& options = {}) {
    std::unique_ptr<Instance> instance;
    KT_CHECK(TryCreate(options, &instance));
    return instance;
  }

  ~Instance() {
    if (messenger_ != VK_NULL_HANDLE) {
      auto destroy = Proc<PFN_vkDestroyDebugUtilsMessengerEXT>("vkDestroyDebugUtilsMessengerEXT");
      destroy(handle_, messenger_, nullptr);
    }
    if (handle_ != VK_NULL_HANDLE) vkDestroyInstance(handle_, allocator_);
  }
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  VkInstance handle() const { return handle_; }
  const std::shared_ptr<MessageLog>& log() const { return log_; }

  template <typename Pfn>
  Pfn Proc(const char* name) const {
    return reinterpret_cast<Pfn>(vkGetInstanceProcAddr(handle_, name));
  }

  std::vector<VkPhysicalDevice> PhysicalDevices() const {
    uint32_t count = 0;
    KT_CHECK(vkEnumeratePhysicalDevices(handle_, &count, nullptr));
    std::vector<VkPhysicalDevice> devices(count);
    KT_CHECK(vkEnumeratePhysicalDevices(handle_, &count, devices.data()));
    devices.resize(count);
    return devices;
  }

  // The physical device under test: the first one (VK_DRIVER_FILES names a single driver).
  VkPhysicalDevice PhysicalDevice() const {
    std::vector<VkPhysicalDevice> devices = PhysicalDevices();
    if (devices.empty()) Fail("the loader enumerates no physical device");
    return devices[0];
  }

 private:
  Instance() = default;
  VkInstance handle_ = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
  const VkAllocationCallbacks* allocator_ = nullptr;
  std::shared_ptr<MessageLog> log_;
};

// ---------------------------------------------------------------------------------------------
// Physical device queries.

inline std::vector<VkExtensionProperties> DeviceExtensions(VkPhysicalDevice physical) {
  uint32_t count = 0;
  KT_CHECK(vkEnumerateDeviceExtensionProperties(physical, nullptr, &count, nullptr));
  std::vector<VkExtensionProperties> extensions(count);
  KT_CHECK(vkEnumerateDeviceExtensionProperties(physical, nullptr, &count, extensions.data()));
  extensions.resize(count);
  return extensions;
}

inline bool DeviceExtensionSupported(VkPhysicalDevice physical, const char* name) {
  for (const VkExtensionProperties& e : DeviceExtensions(physical))
    if (std::strcmp(e.extensionName, name) == 0) return true;
  return false;
}

// The queue family the tests use: the first with graphics (which clearing depth/stencil needs,
// VUID-vkCmdClearDepthStencilImage-commandBuffer-cmdpool), compute and transfer.
inline uint32_t PickQueueFamily(VkPhysicalDevice physical) {
  uint32_t count = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(physical, &count, nullptr);
  std::vector<VkQueueFamilyProperties> families(count);
  vkGetPhysicalDeviceQueueFamilyProperties(physical, &count, families.data());
  constexpr VkQueueFlags kWanted = VK_QUEUE_GRAPHICS_BIT | VK_QUEUE_COMPUTE_BIT | VK_QUEUE_TRANSFER_BIT;
  for (uint32_t i = 0; i < count; ++i)
    if ((families[i].queueFlags & kWanted) == kWanted && families[i].queueCount > 0) return i;
  Fail("no queue family with graphics, compute and transfer");
}

inline VkQueueFamilyProperties QueueFamilyProperties(VkPhysicalDevice physical, uint32_t family) {
  uint32_t count = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(physical, &count, nullptr);
  std::vector<VkQueueFamilyProperties> families(count);
  vkGetPhysicalDeviceQueueFamilyProperties(physical, &count, families.data());
  return families.at(family);
}

// ---------------------------------------------------------------------------------------------
// Device.

struct DeviceOptions {
  std::vector<const char*> extensions;
  const VkPhysicalDeviceFeatures* features = nullptr;
  uint32_t queueCount = 0;  // 0: every queue of the family
  const VkAllocationCallbacks* allocator = nullptr;
  const void* pNext = nullptr;
};

class Device {
 public:
  static VkResult TryCreate(const Instance& instance, const DeviceOptions& options, std::unique_ptr<Device>* out) {
    std::unique_ptr<Device> device(new Device);
    device->physical = instance.PhysicalDevice();
    device->allocator_ = options.allocator;
    device->family = PickQueueFamily(device->physical);
    uint32_t available = QueueFamilyProperties(device->physical, device->family).queueCount;
    uint32_t queueCount = options.queueCount ? std::min(options.queueCount, available) : available;
    std::vector<float> priorities(queueCount, 1.0f);
    auto queueInfo = Struct<VkDeviceQueueCreateInfo>(VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO);
    queueInfo.queueFamilyIndex = device->family;
    queueInfo.queueCount = queueCount;
    queueInfo.pQueuePriorities = priorities.data();
    auto info = Struct<VkDeviceCreateInfo>(VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO);
    info.pNext = options.pNext;
    info.queueCreateInfoCount = 1;
    info.pQueueCreateInfos = &queueInfo;
    info.enabledExtensionCount = static_cast<uint32_t>(options.extensions.size());
    info.ppEnabledExtensionNames = options.extensions.data();
    info.pEnabledFeatures = options.features;
    VkResult result = vkCreateDevice(device->physical, &info, options.allocator, &device->handle);
    if (result != VK_SUCCESS) {
      device->handle = VK_NULL_HANDLE;
      return result;
    }
    for (uint32_t i = 0; i < queueCount; ++i) {
      VkQueue queue = VK_NULL_HANDLE;
      vkGetDeviceQueue(device->handle, device->family, i, &queue);
      device->queues.push_back(queue);
    }
    vkGetPhysicalDeviceProperties(device->physical, &device->properties);
    vkGetPhysicalDeviceMemoryProperties(device->physical, &device->memory);
    device->enabledExtensions.assign(options.extensions.begin(), options.extensions.end());
    *out = std::move(device);
    return VK_SUCCESS;
  }

  static std::unique_ptr<Device> Create(const Instance& instance, const DeviceOptions& options = {}) {
    std::unique_ptr<Device> device;
    KT_CHECK(TryCreate(instance, options, &device));
    return device;
  }

  ~Device() {
    if (handle != VK_NULL_HANDLE) {
      vkDeviceWaitIdle(handle);
      vkDestroyDevice(handle, allocator_);
    }
  }
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  VkQueue queue(size_t index = 0) const { return queues.at(index); }

  bool ExtensionEnabled(const char* name) const {
    return std::any_of(enabledExtensions.begin(), enabledExtensions.end(),
                       [&](const std::string& e) { return e == name; });
  }

  // The lowest memory type index in typeBits that has every `required` flag and none of `avoid`;
  // UINT32_MAX if there is none.
  uint32_t FindMemoryType(uint32_t typeBits, VkMemoryPropertyFlags required, VkMemoryPropertyFlags avoid = 0) const {
    for (uint32_t i = 0; i < memory.memoryTypeCount; ++i) {
      VkMemoryPropertyFlags flags = memory.memoryTypes[i].propertyFlags;
      if ((typeBits & (1u << i)) && (flags & required) == required && (flags & avoid) == 0) return i;
    }
    return UINT32_MAX;
  }

  template <typename Pfn>
  Pfn Proc(const char* name) const {
    return reinterpret_cast<Pfn>(vkGetDeviceProcAddr(handle, name));
  }

  VkDevice handle = VK_NULL_HANDLE;
  VkPhysicalDevice physical = VK_NULL_HANDLE;
  uint32_t family = 0;
  std::vector<VkQueue> queues;
  VkPhysicalDeviceProperties properties{};
  VkPhysicalDeviceMemoryProperties memory{};
  std::vector<std::string> enabledExtensions;

 private:
  Device() = default;
  const VkAllocationCallbacks* allocator_ = nullptr;
};

// ---------------------------------------------------------------------------------------------
// Memory, buffers and images.

enum class MemoryKind {
  // HOST_VISIBLE | HOST_COHERENT, persistently mapped: staging and readback.
  Host,
  // DEVICE_LOCAL, preferring a type the host cannot map (Kiln's type 0) so that transfers are
  // exercised through memory the test cannot touch directly.
  Device,
};

inline uint32_t PickMemoryType(const Device& device, uint32_t typeBits, MemoryKind kind) {
  uint32_t index = UINT32_MAX;
  if (kind == MemoryKind::Host) {
    index = device.FindMemoryType(typeBits, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
  } else {
    index = device.FindMemoryType(typeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT);
    if (index == UINT32_MAX) index = device.FindMemoryType(typeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
    if (index == UINT32_MAX) index = device.FindMemoryType(typeBits, 0);
  }
  if (index == UINT32_MAX) Fail("no suitable memory type in memoryTypeBits");
  return index;
}

class Buffer {
 public:
  // `dedicated`: allocate the memory with VkMemoryDedicatedAllocateInfo naming this buffer.
  Buffer(const Device& device, VkDeviceSize size, MemoryKind kind = MemoryKind::Host,
         VkBufferUsageFlags usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
         bool dedicated = false)
      : device_(device.handle), size_(size) {
    auto info = Struct<VkBufferCreateInfo>(VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO);
    info.size = size;
    info.usage = usage;
    info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    KT_CHECK(vkCreateBuffer(device_, &info, nullptr, &buffer_));
    VkMemoryRequirements requirements;
    vkGetBufferMemoryRequirements(device_, buffer_, &requirements);
    auto dedicatedInfo = Struct<VkMemoryDedicatedAllocateInfo>(VK_STRUCTURE_TYPE_MEMORY_DEDICATED_ALLOCATE_INFO);
    dedicatedInfo.buffer = buffer_;
    auto allocate = Struct<VkMemoryAllocateInfo>(VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO);
    allocate.pNext = dedicated ? &dedicatedInfo : nullptr;
    allocate.allocationSize = requirements.size;
    allocate.memoryTypeIndex = PickMemoryType(device, requirements.memoryTypeBits, kind);
    KT_CHECK(vkAllocateMemory(device_, &allocate, nullptr, &memory_));
    KT_CHECK(vkBindBufferMemory(device_, buffer_, memory_, 0));
    if (kind == MemoryKind::Host) {
      void* mapped = nullptr;
      KT_CHECK(vkMapMemory(device_, memory_, 0, VK_WHOLE_SIZE, 0, &mapped));
      data_ = static_cast<uint8_t*>(mapped);
    }
  }
  ~Buffer() {
    vkDestroyBuffer(device_, buffer_, nullptr);
    vkFreeMemory(device_, memory_, nullptr);  // implicitly unmaps
  }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  VkBuffer handle() const { return buffer_; }
  VkDeviceMemory memory() const { return memory_; }
  VkDeviceSize size() const { return size_; }
  // Host-mapped bytes (MemoryKind::Host only).
  uint8_t* data() const {
    if (!data_) Fail("buffer is not host-visible");
    return data_;
  }

 private:
  VkDevice device_;
  VkDeviceSize size_;
  VkBuffer buffer_ = VK_NULL_HANDLE;
  VkDeviceMemory memory_ = VK_NULL_HANDLE;
  uint8_t* data_ = nullptr;
};

inline VkImageCreateInfo ImageInfo(VkImageType type, VkFormat format, VkExtent3D extent, uint32_t mipLevels = 1,
                                   uint32_t arrayLayers = 1, VkImageTiling tiling = VK_IMAGE_TILING_OPTIMAL) {
  auto info = Struct<VkImageCreateInfo>(VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO);
  info.imageType = type;
  info.format = format;
  info.extent = extent;
  info.mipLevels = mipLevels;
  info.arrayLayers = arrayLayers;
  info.samples = VK_SAMPLE_COUNT_1_BIT;
  info.tiling = tiling;
  info.usage = VK_IMAGE_USAGE_TRANSFER_SRC_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  info.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED;
  return info;
}

class Image {
 public:
  // `dedicated`: allocate the memory with VkMemoryDedicatedAllocateInfo naming this image.
  Image(const Device& device, const VkImageCreateInfo& info, MemoryKind kind = MemoryKind::Device,
        bool dedicated = false)
      : device_(device.handle), info_(info) {
    KT_CHECK(vkCreateImage(device_, &info, nullptr, &image_));
    VkMemoryRequirements requirements;
    vkGetImageMemoryRequirements(device_, image_, &requirements);
    auto dedicatedInfo = Struct<VkMemoryDedicatedAllocateInfo>(VK_STRUCTURE_TYPE_MEMORY_DEDICATED_ALLOCATE_INFO);
    dedicatedInfo.image = image_;
    auto allocate = Struct<VkMemoryAllocateInfo>(VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO);
    allocate.pNext = dedicated ? &dedicatedInfo : nullptr;
    allocate.allocationSize = requirements.size;
    allocate.memoryTypeIndex = PickMemoryType(device, requirements.memoryTypeBits, kind);
    KT_CHECK(vkAllocateMemory(device_, &allocate, nullptr, &memory_));
    KT_CHECK(vkBindImageMemory(device_, image_, memory_, 0));
    if (kind == MemoryKind::Host) {
      void* mapped = nullptr;
      KT_CHECK(vkMapMemory(device_, memory_, 0, VK_WHOLE_SIZE, 0, &mapped));
      data_ = static_cast<uint8_t*>(mapped);
    }
  }
  ~Image() {
    vkDestroyImage(device_, image_, nullptr);
    vkFreeMemory(device_, memory_, nullptr);
  }
  Image(const Image&) = delete;
  Image& operator=(const Image&) = delete;

  VkImage handle() const { return image_; }
  const VkImageCreateInfo& info() const { return info_; }
  uint8_t* data() const {
    if (!data_) Fail("image memory is not host-visible");
    return data_;
  }

 private:
  VkDevice device_;
  VkImageCreateInfo info_;
  VkImage image_ = VK_NULL_HANDLE;
  VkDeviceMemory memory_ = VK_NULL_HANDLE;
  uint8_t* data_ = nullptr;
};

// True if `format` supports TRANSFER_SRC and TRANSFER_DST with `tiling` and an image like `info`
// (its type, tiling, usage, flags, extent, mips and layers) can be created.
inline bool ImageSupported(VkPhysicalDevice physical, const VkImageCreateInfo& info) {
  VkFormatProperties formatProperties;
  vkGetPhysicalDeviceFormatProperties(physical, info.format, &formatProperties);
  VkFormatFeatureFlags features = info.tiling == VK_IMAGE_TILING_LINEAR ? formatProperties.linearTilingFeatures
                                                                        : formatProperties.optimalTilingFeatures;
  constexpr VkFormatFeatureFlags kTransfer = VK_FORMAT_FEATURE_TRANSFER_SRC_BIT | VK_FORMAT_FEATURE_TRANSFER_DST_BIT;
  if ((features & kTransfer) != kTransfer) return false;
  VkImageFormatProperties limits;
  if (vkGetPhysicalDeviceImageFormatProperties(physical, info.format, info.imageType, info.tiling, info.usage,
                                               info.flags, &limits) != VK_SUCCESS)
    return false;
  return info.mipLevels <= limits.maxMipLevels && info.arrayLayers <= limits.maxArrayLayers &&
         info.extent.width <= limits.maxExtent.width && info.extent.height <= limits.maxExtent.height &&
         info.extent.depth <= limits.maxExtent.depth;
}

// ---------------------------------------------------------------------------------------------
// Synchronization objects.

class Fence {
 public:
  explicit Fence(VkDevice device, bool signaled = false) : device_(device) {
    auto info = Struct<VkFenceCreateInfo>(VK_STRUCTURE_TYPE_FENCE_CREATE_INFO);
    info.flags = signaled ? VK_FENCE_CREATE_SIGNALED_BIT : 0;
    KT_CHECK(vkCreateFence(device_, &info, nullptr, &fence_));
  }
  ~Fence() { vkDestroyFence(device_, fence_, nullptr); }
  Fence(const Fence&) = delete;
  Fence& operator=(const Fence&) = delete;
  VkFence handle() const { return fence_; }
  VkResult Wait(uint64_t timeout = kGenerousTimeoutNs) const {
    return vkWaitForFences(device_, 1, &fence_, VK_TRUE, timeout);
  }
  VkResult Status() const { return vkGetFenceStatus(device_, fence_); }

 private:
  VkDevice device_;
  VkFence fence_ = VK_NULL_HANDLE;
};

class Semaphore {
 public:
  explicit Semaphore(VkDevice device) : device_(device) {
    auto info = Struct<VkSemaphoreCreateInfo>(VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO);
    KT_CHECK(vkCreateSemaphore(device_, &info, nullptr, &semaphore_));
  }
  ~Semaphore() { vkDestroySemaphore(device_, semaphore_, nullptr); }
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;
  VkSemaphore handle() const { return semaphore_; }

 private:
  VkDevice device_;
  VkSemaphore semaphore_ = VK_NULL_HANDLE;
};

class Event {
 public:
  explicit Event(VkDevice device) : device_(device) {
    auto info = Struct<VkEventCreateInfo>(VK_STRUCTURE_TYPE_EVENT_CREATE_INFO);
    KT_CHECK(vkCreateEvent(device_, &info, nullptr, &event_));
  }
  ~Event() { vkDestroyEvent(device_, event_, nullptr); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  VkEvent handle() const { return event_; }
  VkResult Status() const { return vkGetEventStatus(device_, event_); }

 private:
  VkDevice device_;
  VkEvent event_ = VK_NULL_HANDLE;
};

// ---------------------------------------------------------------------------------------------
// Command buffers.

class CommandPool {
 public:
  explicit CommandPool(const Device& device,
                       VkCommandPoolCreateFlags flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT)
      : device_(device.handle) {
    auto info = Struct<VkCommandPoolCreateInfo>(VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO);
    info.flags = flags;
    info.queueFamilyIndex = device.family;
    KT_CHECK(vkCreateCommandPool(device_, &info, nullptr, &pool_));
  }
  ~CommandPool() { vkDestroyCommandPool(device_, pool_, nullptr); }  // frees its command buffers
  CommandPool(const CommandPool&) = delete;
  CommandPool& operator=(const CommandPool&) = delete;

  VkCommandPool handle() const { return pool_; }
  std::vector<VkCommandBuffer> Allocate(uint32_t count, VkCommandBufferLevel level = VK_COMMAND_BUFFER_LEVEL_PRIMARY) {
    auto info = Struct<VkCommandBufferAllocateInfo>(VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO);
    info.commandPool = pool_;
    info.level = level;
    info.commandBufferCount = count;
    std::vector<VkCommandBuffer> buffers(count);
    KT_CHECK(vkAllocateCommandBuffers(device_, &info, buffers.data()));
    return buffers;
  }
  VkCommandBuffer Allocate(VkCommandBufferLevel level = VK_COMMAND_BUFFER_LEVEL_PRIMARY) {
    return Allocate(1, level)[0];
  }

 private:
  VkDevice device_;
  VkCommandPool pool_ = VK_NULL_HANDLE;
};

inline void Begin(VkCommandBuffer cmd, VkCommandBufferUsageFlags flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT) {
  auto info = Struct<VkCommandBufferBeginInfo>(VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO);
  info.flags = flags;
  KT_CHECK(vkBeginCommandBuffer(cmd, &info));
}

inline void End(VkCommandBuffer cmd) { KT_CHECK(vkEndCommandBuffer(cmd)); }

struct SubmitInfo {
  std::vector<VkCommandBuffer> commandBuffers;
  std::vector<VkSemaphore> waitSemaphores = {};
  std::vector<VkPipelineStageFlags> waitStages = {};
  std::vector<VkSemaphore> signalSemaphores = {};
};

inline VkResult Submit(VkQueue queue, const SubmitInfo& s, VkFence fence = VK_NULL_HANDLE) {
  auto info = Struct<VkSubmitInfo>(VK_STRUCTURE_TYPE_SUBMIT_INFO);
  info.waitSemaphoreCount = static_cast<uint32_t>(s.waitSemaphores.size());
  info.pWaitSemaphores = s.waitSemaphores.data();
  info.pWaitDstStageMask = s.waitStages.data();
  info.commandBufferCount = static_cast<uint32_t>(s.commandBuffers.size());
  info.pCommandBuffers = s.commandBuffers.data();
  info.signalSemaphoreCount = static_cast<uint32_t>(s.signalSemaphores.size());
  info.pSignalSemaphores = s.signalSemaphores.data();
  return vkQueueSubmit(queue, 1, &info, fence);
}

inline VkResult Submit(VkQueue queue, VkCommandBuffer cmd, VkFence fence = VK_NULL_HANDLE) {
  return Submit(queue, SubmitInfo{{cmd}, {}, {}, {}}, fence);
}

// A global memory dependency between transfer writes and later transfer reads and writes.
inline void TransferBarrier(VkCommandBuffer cmd) {
  auto barrier = Struct<VkMemoryBarrier>(VK_STRUCTURE_TYPE_MEMORY_BARRIER);
  barrier.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
  barrier.dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1, &barrier, 0, nullptr,
                       0, nullptr);
}

// Makes transfer writes available to host reads after the fence wait (Synchronization, Host Access
// Types: a fence wait alone does not make device writes visible to the host).
inline void HostReadBarrier(VkCommandBuffer cmd) {
  auto barrier = Struct<VkMemoryBarrier>(VK_STRUCTURE_TYPE_MEMORY_BARRIER);
  barrier.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
  barrier.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
  vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &barrier, 0, nullptr, 0,
                       nullptr);
}

// Every command after it waits for every memory write before it (the draw and raster suites put
// one between the steps of a scene).
inline void FullBarrier(VkCommandBuffer cmd) {
  auto barrier = Struct<VkMemoryBarrier>(VK_STRUCTURE_TYPE_MEMORY_BARRIER);
  barrier.srcAccessMask = VK_ACCESS_MEMORY_WRITE_BIT;
  barrier.dstAccessMask = VK_ACCESS_MEMORY_READ_BIT | VK_ACCESS_MEMORY_WRITE_BIT;
  vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, 0, 1, &barrier, 0,
                       nullptr, 0, nullptr);
}

inline VkImageAspectFlags AspectsOf(VkFormat format) {
  switch (format) {
    case VK_FORMAT_D16_UNORM:
    case VK_FORMAT_X8_D24_UNORM_PACK32:
    case VK_FORMAT_D32_SFLOAT:
      return VK_IMAGE_ASPECT_DEPTH_BIT;
    case VK_FORMAT_S8_UINT:
      return VK_IMAGE_ASPECT_STENCIL_BIT;
    case VK_FORMAT_D16_UNORM_S8_UINT:
    case VK_FORMAT_D24_UNORM_S8_UINT:
    case VK_FORMAT_D32_SFLOAT_S8_UINT:
      return VK_IMAGE_ASPECT_DEPTH_BIT | VK_IMAGE_ASPECT_STENCIL_BIT;
    default:
      return VK_IMAGE_ASPECT_COLOR_BIT;
  }
}

// Moves every subresource of `image` from `from` to `to`, ordering earlier transfers before later ones.
inline void TransitionImage(VkCommandBuffer cmd, const Image& image, VkImageLayout from, VkImageLayout to) {
  auto barrier = Struct<VkImageMemoryBarrier>(VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER);
  barrier.srcAccessMask = from == VK_IMAGE_LAYOUT_UNDEFINED ? 0 : VK_ACCESS_TRANSFER_WRITE_BIT;
  barrier.dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  barrier.oldLayout = from;
  barrier.newLayout = to;
  barrier.srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
  barrier.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
  barrier.image = image.handle();
  barrier.subresourceRange = {AspectsOf(image.info().format), 0, VK_REMAINING_MIP_LEVELS, 0, VK_REMAINING_ARRAY_LAYERS};
  VkPipelineStageFlags srcStage =
      from == VK_IMAGE_LAYOUT_UNDEFINED ? VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT : VK_PIPELINE_STAGE_TRANSFER_BIT;
  vkCmdPipelineBarrier(cmd, srcStage, VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 0, nullptr, 0, nullptr, 1, &barrier);
}

// Records `record` into a fresh primary command buffer, adds a barrier making transfer writes
// visible to the host, submits it to `queueIndex` with a fence and waits for the fence.
inline void RunOnce(const Device& device, const std::function<void(VkCommandBuffer)>& record, size_t queueIndex = 0) {
  CommandPool pool(device, 0);
  VkCommandBuffer cmd = pool.Allocate();
  Begin(cmd);
  record(cmd);
  HostReadBarrier(cmd);
  End(cmd);
  Fence fence(device.handle);
  KT_CHECK(Submit(device.queue(queueIndex), cmd, fence.handle()));
  KT_CHECK(fence.Wait());
}

// ---------------------------------------------------------------------------------------------
// Byte helpers.

// Deterministic pseudo-random bytes (splitmix64: fast enough for tens of MiB per test).
inline std::vector<uint8_t> RandomBytes(size_t count, uint32_t seed) {
  uint64_t state = 0x9E3779B97F4A7C15ull * (uint64_t{seed} + 1);
  std::vector<uint8_t> bytes(count);
  for (size_t i = 0; i < count; i += 8) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    std::memcpy(bytes.data() + i, &z, std::min<size_t>(8, count - i));
  }
  return bytes;
}

// Compares `count` bytes; on mismatch reports how many differ and the first few, with offsets.
inline ::testing::AssertionResult BytesEqual(const uint8_t* actual, const uint8_t* expected, size_t count) {
  if (std::memcmp(actual, expected, count) == 0) return ::testing::AssertionSuccess();
  size_t mismatches = 0;
  std::ostringstream detail;
  for (size_t i = 0; i < count; ++i) {
    if (actual[i] == expected[i]) continue;
    if (mismatches < 8)
      detail << "\n  byte " << i << ": got 0x" << std::hex << int(actual[i]) << ", expected 0x" << int(expected[i])
             << std::dec;
    ++mismatches;
  }
  if (mismatches == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << mismatches << " of " << count << " bytes differ" << detail.str();
}

inline ::testing::AssertionResult BytesEqual(const std::vector<uint8_t>& actual, const std::vector<uint8_t>& expected) {
  if (actual.size() != expected.size())
    return ::testing::AssertionFailure() << "sizes differ: " << actual.size() << " vs " << expected.size();
  return BytesEqual(actual.data(), expected.data(), actual.size());
}

// ---------------------------------------------------------------------------------------------
// Fixture: an instance and a device on the driver under test. With KILN_TEST_WITH_VALIDATION the
// instance runs VK_LAYER_KHRONOS_validation and the test fails on any validation ERROR.

class DeviceTest : public ::testing::Test {
 protected:
  // Extensions the fixture enables when the device offers them (override in a derived fixture).
  virtual std::vector<const char*> WantedDeviceExtensions() const { return {}; }

  void SetUp() override {
    if (kWithValidation && !InstanceLayerAvailable(kValidationLayer))
      GTEST_SKIP() << kValidationLayer << " is not installed (package vulkan-validationlayers)";
    instance_ = Instance::Create();
    log_ = instance_->log();
    DeviceOptions options;
    VkPhysicalDevice physical = instance_->PhysicalDevice();
    for (const char* extension : WantedDeviceExtensions())
      if (DeviceExtensionSupported(physical, extension)) options.extensions.push_back(extension);
    device_ = Device::Create(*instance_, options);
  }

  void TearDown() override {
    device_.reset();
    instance_.reset();
    if (log_) {
      std::vector<std::string> errors = log_->Take();
      EXPECT_TRUE(errors.empty()) << errors.size() << " validation error(s):" << MessageLog::Join(errors);
    }
  }

  const Device& device() const { return *device_; }
  VkDevice vk() const { return device_->handle; }

  std::unique_ptr<Instance> instance_;
  std::unique_ptr<Device> device_;
  std::shared_ptr<MessageLog> log_;
};

}  // namespace kiln_test
