// VK_EXT_debug_utils at Kiln's ICD interface, called as the loader calls it (vk_icdGetInstanceProcAddr
// on the driver library, no loader in between), for what the stock loader never lets reach the
// driver: vkSubmitDebugUtilsMessageEXT (the loader delivers it itself), and the driver's own use of
// VkAllocationCallbacks in vkCreateDebugUtilsMessengerEXT and vkCreateInstance (the loader makes
// its own allocations from the same callbacks first, so a failure there cannot be told apart).
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <vulkan/vk_icd.h>
#include <vulkan/vulkan.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace {

template <typename T>
T Struct(VkStructureType type) {
  T value{};
  value.sType = type;
  return value;
}

// The driver library, opened and negotiated with as the loader does.
class Driver {
 public:
  Driver() {
    library_ = dlopen(KILN_TEST_ICD_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (!library_) return;
    auto negotiate = reinterpret_cast<PFN_vkNegotiateLoaderICDInterfaceVersion>(
        dlsym(library_, "vk_icdNegotiateLoaderICDInterfaceVersion"));
    gipa_ = reinterpret_cast<PFN_vkGetInstanceProcAddr>(dlsym(library_, "vk_icdGetInstanceProcAddr"));
    uint32_t version = 7;  // what loader 1.3.239 offers
    if (!negotiate || !gipa_ || negotiate(&version) != VK_SUCCESS) gipa_ = nullptr;
  }
  ~Driver() {
    if (library_) dlclose(library_);
  }
  bool ok() const { return gipa_ != nullptr; }

  template <typename Pfn>
  Pfn Proc(VkInstance instance, const char* name) const {
    return reinterpret_cast<Pfn>(gipa_(instance, name));
  }

  // An instance with VK_EXT_debug_utils (or without, when `debugUtils` is false).
  VkResult CreateInstance(const VkAllocationCallbacks* allocator, const void* pNext, VkInstance* instance,
                          bool debugUtils = true) const {
    const char* extensions[] = {VK_EXT_DEBUG_UTILS_EXTENSION_NAME};
    auto info = Struct<VkInstanceCreateInfo>(VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO);
    info.pNext = pNext;
    info.enabledExtensionCount = debugUtils ? 1 : 0;
    info.ppEnabledExtensionNames = extensions;
    return Proc<PFN_vkCreateInstance>(VK_NULL_HANDLE, "vkCreateInstance")(&info, allocator, instance);
  }
  void DestroyInstance(VkInstance instance, const VkAllocationCallbacks* allocator) const {
    Proc<PFN_vkDestroyInstance>(instance, "vkDestroyInstance")(instance, allocator);
  }

 private:
  void* library_ = nullptr;
  PFN_vkGetInstanceProcAddr gipa_ = nullptr;
};

#define KT_REQUIRE_DRIVER(driver) \
  ASSERT_TRUE((driver).ok()) << "cannot open and negotiate with " KILN_TEST_ICD_LIBRARY ": " << dlerror()

struct Heard {
  VkDebugUtilsMessageSeverityFlagBitsEXT severity;
  VkDebugUtilsMessageTypeFlagsEXT types;
  const VkDebugUtilsMessengerCallbackDataEXT* data;
  std::string id;
};

VKAPI_ATTR VkBool32 VKAPI_CALL Record(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                      VkDebugUtilsMessageTypeFlagsEXT types,
                                      const VkDebugUtilsMessengerCallbackDataEXT* data, void* heard) {
  static_cast<std::vector<Heard>*>(heard)->push_back(
      {severity, types, data, data->pMessageIdName ? data->pMessageIdName : ""});
  return VK_FALSE;
}

VkDebugUtilsMessengerCreateInfoEXT Listener(std::vector<Heard>* heard, VkDebugUtilsMessageSeverityFlagsEXT severities,
                                            VkDebugUtilsMessageTypeFlagsEXT types) {
  auto info = Struct<VkDebugUtilsMessengerCreateInfoEXT>(VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT);
  info.messageSeverity = severities;
  info.messageType = types;
  info.pfnUserCallback = &Record;
  info.pUserData = heard;
  return info;
}

// Host memory through VkAllocationCallbacks: counts what is live, and refuses the allocations
// numbered in [refuseFrom, refuseTo) (counted from 0).
class Allocator {
 public:
  VkAllocationCallbacks callbacks() {
    VkAllocationCallbacks c{};
    c.pUserData = this;
    c.pfnAllocation = [](void* self, size_t size, size_t alignment, VkSystemAllocationScope) -> void* {
      auto* a = static_cast<Allocator*>(self);
      std::lock_guard lock(a->mutex_);
      const size_t n = a->calls_++;
      if (n >= a->refuseFrom && n < a->refuseTo) return nullptr;
      void* p = nullptr;
      if (posix_memalign(&p, alignment < sizeof(void*) ? sizeof(void*) : alignment, size ? size : 1) != 0)
        return nullptr;
      a->live_[p] = size;
      return p;
    };
    c.pfnReallocation = [](void*, void*, size_t, size_t, VkSystemAllocationScope) -> void* { return nullptr; };
    c.pfnFree = [](void* self, void* p) {
      if (!p) return;
      auto* a = static_cast<Allocator*>(self);
      std::lock_guard lock(a->mutex_);
      a->live_.erase(p);
      std::free(p);
    };
    return c;
  }
  size_t calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  size_t live() {
    std::lock_guard lock(mutex_);
    return live_.size();
  }
  size_t refuseFrom = SIZE_MAX, refuseTo = SIZE_MAX;

 private:
  std::mutex mutex_;
  size_t calls_ = 0;
  std::map<void*, size_t> live_;
};

TEST(DebugUtilsIcd, CommandsExistOnlyWithTheExtensionEnabled) {
  Driver driver;
  KT_REQUIRE_DRIVER(driver);
  for (bool enabled : {false, true}) {
    VkInstance instance = VK_NULL_HANDLE;
    ASSERT_EQ(driver.CreateInstance(nullptr, nullptr, &instance, enabled), VK_SUCCESS);
    for (const char* name : {"vkCreateDebugUtilsMessengerEXT", "vkDestroyDebugUtilsMessengerEXT",
                             "vkSubmitDebugUtilsMessageEXT", "vkSetDebugUtilsObjectNameEXT",
                             "vkSetDebugUtilsObjectTagEXT", "vkQueueBeginDebugUtilsLabelEXT",
                             "vkQueueEndDebugUtilsLabelEXT", "vkQueueInsertDebugUtilsLabelEXT",
                             "vkCmdBeginDebugUtilsLabelEXT", "vkCmdEndDebugUtilsLabelEXT",
                             "vkCmdInsertDebugUtilsLabelEXT"})
      EXPECT_EQ(driver.Proc<PFN_vkVoidFunction>(instance, name) != nullptr, enabled) << name << " enabled=" << enabled;
    driver.DestroyInstance(instance, nullptr);
  }
  // And the driver lists the extension (through the loader, the loader's own entry hides it).
  auto enumerate = driver.Proc<PFN_vkEnumerateInstanceExtensionProperties>(VK_NULL_HANDLE,
                                                                           "vkEnumerateInstanceExtensionProperties");
  uint32_t count = 0;
  ASSERT_EQ(enumerate(nullptr, &count, nullptr), VK_SUCCESS);
  std::vector<VkExtensionProperties> extensions(count);
  ASSERT_EQ(enumerate(nullptr, &count, extensions.data()), VK_SUCCESS);
  bool listed = false;
  for (const VkExtensionProperties& e : extensions)
    listed = listed || std::strcmp(e.extensionName, VK_EXT_DEBUG_UTILS_EXTENSION_NAME) == 0;
  EXPECT_TRUE(listed);
}

// vkSubmitDebugUtilsMessageEXT hands the application's callback data, unchanged, to every
// messenger whose filters take it.
TEST(DebugUtilsIcd, SubmittedMessageReachesTheMessengersThatWantIt) {
  Driver driver;
  KT_REQUIRE_DRIVER(driver);
  VkInstance instance = VK_NULL_HANDLE;
  ASSERT_EQ(driver.CreateInstance(nullptr, nullptr, &instance), VK_SUCCESS);
  auto create = driver.Proc<PFN_vkCreateDebugUtilsMessengerEXT>(instance, "vkCreateDebugUtilsMessengerEXT");
  auto destroy = driver.Proc<PFN_vkDestroyDebugUtilsMessengerEXT>(instance, "vkDestroyDebugUtilsMessengerEXT");
  auto submit = driver.Proc<PFN_vkSubmitDebugUtilsMessageEXT>(instance, "vkSubmitDebugUtilsMessageEXT");
  ASSERT_TRUE(create && destroy && submit);

  std::vector<Heard> performance, warnings, errors;
  const VkDebugUtilsMessengerCreateInfoEXT infos[3] = {
      Listener(&performance, VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT, VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT),
      Listener(&warnings, VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT, VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT),
      Listener(&errors, VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT, VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT)};
  VkDebugUtilsMessengerEXT messengers[3];
  for (int i = 0; i < 3; ++i) ASSERT_EQ(create(instance, &infos[i], nullptr, &messengers[i]), VK_SUCCESS);

  auto data = Struct<VkDebugUtilsMessengerCallbackDataEXT>(VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CALLBACK_DATA_EXT);
  data.pMessageIdName = "submitted";
  data.pMessage = "slow path";
  submit(instance, VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT,
         VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT, &data);
  ASSERT_EQ(performance.size(), 1u);
  EXPECT_EQ(performance[0].data, &data);
  EXPECT_EQ(performance[0].severity, VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT);
  EXPECT_EQ(performance[0].types,
            VkDebugUtilsMessageTypeFlagsEXT(VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                                            VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT));
  EXPECT_EQ(warnings.size(), 1u);
  EXPECT_TRUE(errors.empty());

  destroy(instance, messengers[1], nullptr);
  submit(instance, VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT, VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT, &data);
  EXPECT_EQ(warnings.size(), 1u) << "a destroyed messenger was called";
  EXPECT_EQ(performance.size(), 1u) << "the type filter let a GENERAL message through";
  destroy(instance, messengers[0], nullptr);
  destroy(instance, messengers[2], nullptr);
  destroy(instance, VK_NULL_HANDLE, nullptr);  // "If messenger is VK_NULL_HANDLE, ..." nothing happens
  driver.DestroyInstance(instance, nullptr);
}

// The messenger comes from pAllocator when given: a refusal is VK_ERROR_OUT_OF_HOST_MEMORY, and
// what was allocated is freed by vkDestroyDebugUtilsMessengerEXT with the same callbacks.
TEST(DebugUtilsIcd, MessengerMemoryComesFromPAllocator) {
  Driver driver;
  KT_REQUIRE_DRIVER(driver);
  VkInstance instance = VK_NULL_HANDLE;
  ASSERT_EQ(driver.CreateInstance(nullptr, nullptr, &instance), VK_SUCCESS);
  auto create = driver.Proc<PFN_vkCreateDebugUtilsMessengerEXT>(instance, "vkCreateDebugUtilsMessengerEXT");
  auto destroy = driver.Proc<PFN_vkDestroyDebugUtilsMessengerEXT>(instance, "vkDestroyDebugUtilsMessengerEXT");
  std::vector<Heard> heard;
  const VkDebugUtilsMessengerCreateInfoEXT info =
      Listener(&heard, VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT, VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT);

  Allocator refusing;
  refusing.refuseFrom = 0;
  VkAllocationCallbacks callbacks = refusing.callbacks();
  VkDebugUtilsMessengerEXT messenger = VK_NULL_HANDLE;
  EXPECT_EQ(create(instance, &info, &callbacks, &messenger), VK_ERROR_OUT_OF_HOST_MEMORY);
  EXPECT_GT(refusing.calls(), 0u) << "pAllocator was not asked";

  Allocator counting;
  callbacks = counting.callbacks();
  ASSERT_EQ(create(instance, &info, &callbacks, &messenger), VK_SUCCESS);
  EXPECT_GT(counting.live(), 0u);
  destroy(instance, messenger, &callbacks);
  EXPECT_EQ(counting.live(), 0u);
  driver.DestroyInstance(instance, nullptr);
}

// vkCreateInstance keeps copies of the chained messengers in the instance's memory: whichever
// allocation is refused, the call fails with VK_ERROR_OUT_OF_HOST_MEMORY and leaves nothing behind,
// and once every allocation succeeds both chained messengers hear vkCreateInstance and
// vkDestroyInstance.
TEST(DebugUtilsIcd, InstanceCreationSurvivesEveryAllocationFailure) {
  Driver driver;
  KT_REQUIRE_DRIVER(driver);
  std::vector<Heard> first, second;
  VkDebugUtilsMessengerCreateInfoEXT chained[2] = {
      Listener(&first, VK_DEBUG_UTILS_MESSAGE_SEVERITY_INFO_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_VERBOSE_BIT_EXT,
               VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT),
      Listener(&second, VK_DEBUG_UTILS_MESSAGE_SEVERITY_INFO_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_VERBOSE_BIT_EXT,
               VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT)};
  chained[0].pNext = &chained[1];

  size_t refused = 0;
  for (size_t n = 0;; ++n) {
    Allocator allocator;
    allocator.refuseFrom = n;
    allocator.refuseTo = n + 1;
    VkAllocationCallbacks callbacks = allocator.callbacks();
    VkInstance instance = VK_NULL_HANDLE;
    first.clear();
    second.clear();
    const VkResult result = driver.CreateInstance(&callbacks, &chained[0], &instance);
    if (result == VK_SUCCESS) {
      ASSERT_EQ(allocator.calls(), n) << "an allocation was refused and the call still succeeded";
      ASSERT_EQ(first.size(), 1u);
      EXPECT_EQ(first[0].id, "Kiln-vkCreateInstance");
      EXPECT_EQ(second.size(), 1u);
      driver.DestroyInstance(instance, &callbacks);
      ASSERT_EQ(first.size(), 2u);
      EXPECT_EQ(first[1].id, "Kiln-vkDestroyInstance");
      EXPECT_EQ(first[1].severity, VK_DEBUG_UTILS_MESSAGE_SEVERITY_VERBOSE_BIT_EXT);
      EXPECT_EQ(second.size(), 2u);
      EXPECT_EQ(allocator.live(), 0u);
      break;
    }
    EXPECT_EQ(result, VK_ERROR_OUT_OF_HOST_MEMORY) << "allocation " << n;
    EXPECT_EQ(allocator.live(), 0u) << "allocation " << n << " refused: memory left behind";
    ++refused;
    ASSERT_LT(n, 64u) << "vkCreateInstance never succeeds";
  }
  // The instance, its physical device and the copies of the chained messengers at least.
  EXPECT_GE(refused, 3u);
}

}  // namespace
