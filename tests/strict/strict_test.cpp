// Strict mode (KILN_STRICT=error, set by CTest for this suite): a broken valid-usage rule of the
// win32 external-memory structs is reported with its VUID as the message ID, the spec's text in
// the message, through the application's VK_EXT_debug_utils messenger -- one message, that rule
// only -- and the call fails with the spec's error code.
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "external_test_util.h"

namespace kiln_test {
namespace {

// What the messenger heard: message ID and text of every ERROR.
struct Heard {
  std::mutex mutex;
  std::vector<std::pair<std::string, std::string>> messages;
};

VKAPI_ATTR VkBool32 VKAPI_CALL Listen(VkDebugUtilsMessageSeverityFlagBitsEXT, VkDebugUtilsMessageTypeFlagsEXT,
                                      const VkDebugUtilsMessengerCallbackDataEXT* data, void* user) {
  auto* heard = static_cast<Heard*>(user);
  std::lock_guard lock(heard->mutex);
  heard->messages.emplace_back(data->pMessageIdName ? data->pMessageIdName : "", data->pMessage ? data->pMessage : "");
  return VK_FALSE;
}

class Strict : public ::testing::Test {
 protected:
  void SetUp() override {
    ConnectToBroker();
    InstanceOptions options;
    options.extensions = {VK_NV_EXTERNAL_MEMORY_CAPABILITIES_EXTENSION_NAME, VK_EXT_DEBUG_UTILS_EXTENSION_NAME};
    options.validation = false;  // the Khronos layer strips the win32 structs these tests use
    instance_ = Instance::Create(options);
    device_ = CreateExternalDevice(*instance_);
    auto create = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance_->handle(), "vkCreateDebugUtilsMessengerEXT"));
    destroy_ = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance_->handle(), "vkDestroyDebugUtilsMessengerEXT"));
    ASSERT_TRUE(create && destroy_);
    auto info = Struct<VkDebugUtilsMessengerCreateInfoEXT>(VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT);
    info.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
    info.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT;
    info.pfnUserCallback = Listen;
    info.pUserData = &heard_;
    KT_CHECK(create(instance_->handle(), &info, nullptr, &messenger_));
  }
  void TearDown() override {
    if (messenger_) destroy_(instance_->handle(), messenger_, nullptr);
    device_.reset();
    instance_.reset();
  }

  VkResult Import(VkExternalMemoryHandleTypeFlagBits type, HANDLE handle, LPCWSTR name) {
    auto import = Struct<VkImportMemoryWin32HandleInfoKHR>(VK_STRUCTURE_TYPE_IMPORT_MEMORY_WIN32_HANDLE_INFO_KHR);
    import.handleType = type;
    import.handle = handle;
    import.name = name;
    Memory memory;
    return TryAllocate(*device_, 64 * 1024, HostVisibleType(*device_), &import, &memory);
  }

  // The one message heard names `vuid` and quotes the spec; nothing else was heard.
  ::testing::AssertionResult HeardOnly(const std::string& vuid) {
    std::lock_guard lock(heard_.mutex);
    if (heard_.messages.size() != 1) {
      auto failure = ::testing::AssertionFailure() << heard_.messages.size() << " messages, not 1:";
      for (const auto& [id, text] : heard_.messages) failure << "\n  " << id << ": " << text;
      return failure;
    }
    const auto& [id, text] = heard_.messages[0];
    if (id != vuid) return ::testing::AssertionFailure() << "heard " << id << ", not " << vuid;
    if (text.find("The Vulkan spec states: ") == std::string::npos)
      return ::testing::AssertionFailure() << "the message does not quote the spec: " << text;
    return ::testing::AssertionSuccess();
  }

  std::unique_ptr<Instance> instance_;
  std::unique_ptr<Device> device_;
  PFN_vkDestroyDebugUtilsMessengerEXT destroy_ = nullptr;
  VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
  Heard heard_;
};

TEST_F(Strict, ImportWithBothHandleAndNameBreaks01441) {
  const std::u16string name = test_name(u"Local\\kiln-strict-01441");
  EXPECT_EQ(Import(kOpaqueWin32, reinterpret_cast<HANDLE>(uintptr_t(0x44)), name.c_str()),
            VK_ERROR_INVALID_EXTERNAL_HANDLE);
  EXPECT_TRUE(HeardOnly("VUID-VkImportMemoryWin32HandleInfoKHR-handle-01441"));
}

TEST_F(Strict, ImportByNameOfAGlobalShareTypeBreaks01439) {
  const std::u16string name = test_name(u"Local\\kiln-strict-01439");
  EXPECT_EQ(Import(kOpaqueWin32Kmt, nullptr, name.c_str()), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  EXPECT_TRUE(HeardOnly("VUID-VkImportMemoryWin32HandleInfoKHR-handleType-01439"));
}

TEST_F(Strict, ImportWithNeitherHandleNorNameBreaks01440) {
  EXPECT_EQ(Import(kOpaqueWin32, nullptr, nullptr), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  EXPECT_TRUE(HeardOnly("VUID-VkImportMemoryWin32HandleInfoKHR-handleType-01440"));
}

TEST_F(Strict, ValidImportsAreNotReported) {
  // An export, its NT handle, an import of it: nothing to say.
  auto exportInfo = Struct<VkExportMemoryAllocateInfo>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO);
  exportInfo.handleTypes = kOpaqueWin32;
  Memory exporter;
  ASSERT_EQ(TryAllocate(*device_, 64 * 1024, HostVisibleType(*device_), &exportInfo, &exporter), VK_SUCCESS);
  const ExternalFunctions fn = ExternalFunctions::Load(*instance_, *device_);
  auto get = Struct<VkMemoryGetWin32HandleInfoKHR>(VK_STRUCTURE_TYPE_MEMORY_GET_WIN32_HANDLE_INFO_KHR);
  get.memory = exporter.get();
  get.handleType = kOpaqueWin32;
  HANDLE handle = nullptr;
  ASSERT_EQ(fn.getWin32Handle(device_->handle, &get, &handle), VK_SUCCESS);
  OwnedHandle owned(handle);
  EXPECT_EQ(Import(kOpaqueWin32, handle, nullptr), VK_SUCCESS);
  std::lock_guard lock(heard_.mutex);
  EXPECT_TRUE(heard_.messages.empty()) << heard_.messages.front().first;
}

}  // namespace
}  // namespace kiln_test
