// The strict-mode suite's fixture: an instance and device made in a given KILN_STRICT mode, with a
// VK_EXT_debug_utils messenger recording every VALIDATION message (ERROR and WARNING), and the
// few steps the tests are made of (export, get a handle, import).
//
// Keep VUID strings out of this file: a script scans tests/strict/*.cpp and files each VUID under
// the test body that breaks it.
#pragma once

#include <gtest/gtest.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "external_test_util.h"

namespace kiln_test {

inline constexpr VkDeviceSize kSize = 64 * 1024;
inline constexpr VkExternalMemoryHandleTypeFlagBitsNV kNtNV = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_BIT_NV;
inline constexpr VkExternalMemoryHandleTypeFlagBitsNV kKmtNV = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_KMT_BIT_NV;
inline constexpr VkExternalMemoryHandleTypeFlagBitsNV kD3D11ImageNV = VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_IMAGE_BIT_NV;
// A bit no handle type defines (of either enum).
inline constexpr uint32_t kUndefinedBit = 1u << 20;
inline constexpr uint32_t kUndefinedNVBit = 0x10;

// One message a messenger heard.
struct Message {
  VkDebugUtilsMessageSeverityFlagBitsEXT severity;
  VkDebugUtilsMessageTypeFlagsEXT type;
  std::string id;
  std::string text;
};

struct Heard {
  std::mutex mutex;
  std::vector<Message> messages;
};

inline VKAPI_ATTR VkBool32 VKAPI_CALL Listen(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                             VkDebugUtilsMessageTypeFlagsEXT type,
                                             const VkDebugUtilsMessengerCallbackDataEXT* data, void* user) {
  auto* heard = static_cast<Heard*>(user);
  std::lock_guard lock(heard->mutex);
  heard->messages.push_back({severity, type, data->pMessageIdName ? data->pMessageIdName : "",
                             data->pMessage ? data->pMessage : ""});
  return VK_FALSE;
}

// "0x1a2b": how strict mode writes a handle value.
inline std::string Hex(HANDLE h) {
  char text[32];
  std::snprintf(text, sizeof text, "0x%" PRIxPTR, reinterpret_cast<uintptr_t>(h));
  return text;
}

// A VkDevice that is no device: the address of zeroed memory (no dispatch table, no Kiln object).
inline VkDevice NoDevice() {
  alignas(16) static uint64_t zeros[16] = {};
  return reinterpret_cast<VkDevice>(zeros);
}


// An instance (VK_EXT_debug_utils, VK_NV_external_memory_capabilities, no validation layer: it
// strips the win32 structs) and a device with every external-memory extension, made in one
// KILN_STRICT mode, and a messenger recording what strict mode says.
class StrictDevice {
 public:
  StrictDevice() = default;
  StrictDevice(const StrictDevice&) = delete;
  StrictDevice& operator=(const StrictDevice&) = delete;
  ~StrictDevice() { Close(); }

  // Made in the mode the environment gives (CTest: KILN_STRICT=error); `listen`: with a messenger.
  void Open(bool listen = true) {
    InstanceOptions options;
    options.extensions = {VK_NV_EXTERNAL_MEMORY_CAPABILITIES_EXTENSION_NAME, VK_EXT_DEBUG_UTILS_EXTENSION_NAME};
    options.validation = false;
    instance_ = Instance::Create(options);
    device_ = CreateExternalDevice(*instance_);
    fn_ = ExternalFunctions::Load(*instance_, *device_);
    hostVisible_ = HostVisibleType(*device_);
    if (!listen) return;
    auto create = instance_->Proc<PFN_vkCreateDebugUtilsMessengerEXT>("vkCreateDebugUtilsMessengerEXT");
    destroyMessenger_ = instance_->Proc<PFN_vkDestroyDebugUtilsMessengerEXT>("vkDestroyDebugUtilsMessengerEXT");
    if (!create || !destroyMessenger_) Fail("VK_EXT_debug_utils has no messenger functions");
    auto info = Struct<VkDebugUtilsMessengerCreateInfoEXT>(VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT);
    info.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT;
    info.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT;
    info.pfnUserCallback = Listen;
    info.pUserData = &heard_;
    KT_CHECK(create(instance_->handle(), &info, nullptr, &messenger_));
  }
  // Made with KILN_STRICT=`mode` (nullptr: unset); the environment is restored after.
  void OpenWith(const char* mode, bool listen = true) {
    const char* was = std::getenv("KILN_STRICT");
    const std::optional<std::string> saved = was ? std::optional<std::string>(was) : std::nullopt;
    if (mode)
      setenv("KILN_STRICT", mode, 1);
    else
      unsetenv("KILN_STRICT");
    Open(listen);
    if (saved)
      setenv("KILN_STRICT", saved->c_str(), 1);
    else
      unsetenv("KILN_STRICT");
  }
  // The device goes first (its leak report reaches the messenger), then the messenger and instance.
  void Close() {
    device_.reset();
    if (messenger_ != VK_NULL_HANDLE) destroyMessenger_(instance_->handle(), messenger_, nullptr);
    messenger_ = VK_NULL_HANDLE;
    instance_.reset();
  }
  void DestroyDevice() { device_.reset(); }

  const Instance& instance() const { return *instance_; }
  const Device& device() const { return *device_; }
  VkDevice vk() const { return device_->handle; }
  const ExternalFunctions& fn() const { return fn_; }
  uint32_t hostVisible() const { return hostVisible_; }

  // ---- What the messenger heard.

  std::vector<Message> Messages() {
    std::lock_guard lock(heard_.mutex);
    return heard_.messages;
  }
  std::vector<Message> Warnings() {
    std::vector<Message> warnings;
    for (Message& m : Messages())
      if (m.severity == VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT) warnings.push_back(std::move(m));
    return warnings;
  }
  // Starts a new list (a test that breaks one rule twice, in two cases).
  void Forget() {
    std::lock_guard lock(heard_.mutex);
    heard_.messages.clear();
  }
  // The one message heard is an ERROR of type VALIDATION that names `vuid` and quotes the spec;
  // nothing else was heard (no second report, no other rule, no warning).
  ::testing::AssertionResult HeardOnly(const std::string& vuid) {
    const std::vector<Message> messages = Messages();
    if (messages.size() != 1) {
      auto failure = ::testing::AssertionFailure() << messages.size() << " messages, not 1:";
      for (const Message& m : messages) failure << "\n  " << m.id << ": " << m.text;
      return failure;
    }
    const Message& m = messages[0];
    if (m.id != vuid) return ::testing::AssertionFailure() << "heard " << m.id << ", not " << vuid << ": " << m.text;
    if (m.severity != VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT)
      return ::testing::AssertionFailure() << "heard " << vuid << " with severity " << m.severity << ", not ERROR";
    if (m.type != VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT)
      return ::testing::AssertionFailure() << "heard " << vuid << " with type " << m.type << ", not VALIDATION";
    if (m.text.find(" The Vulkan spec states: ") == std::string::npos)
      return ::testing::AssertionFailure() << "the message does not quote the spec: " << m.text;
    return ::testing::AssertionSuccess();
  }
  ::testing::AssertionResult HeardNothing() {
    const std::vector<Message> messages = Messages();
    if (messages.empty()) return ::testing::AssertionSuccess();
    auto failure = ::testing::AssertionFailure() << messages.size() << " messages, not 0:";
    for (const Message& m : messages) failure << "\n  " << m.id << ": " << m.text;
    return failure;
  }

  // ---- Steps.

  // Host-visible memory of `size` bytes with VkExportMemoryAllocateInfo{types}, then `extra`.
  VkResult TryExport(VkExternalMemoryHandleTypeFlags types, Memory* out, const std::vector<const void*>& extra = {},
                     VkDeviceSize size = kSize) {
    auto exportInfo = Struct<VkExportMemoryAllocateInfo>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO);
    exportInfo.handleTypes = types;
    return TryAllocate(device(), size, hostVisible_, ChainAfter(&exportInfo, extra), out);
  }
  Memory Export(VkExternalMemoryHandleTypeFlags types, const std::vector<const void*>& extra = {},
                VkDeviceSize size = kSize) {
    Memory memory;
    KT_CHECK(TryExport(types, &memory, extra, size));
    return memory;
  }
  // The same with VkExportMemoryAllocateInfoNV{types}.
  VkResult TryExportNV(VkExternalMemoryHandleTypeFlagsNV types, Memory* out,
                       const std::vector<const void*>& extra = {}) {
    auto exportInfo = Struct<VkExportMemoryAllocateInfoNV>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO_NV);
    exportInfo.handleTypes = types;
    return TryAllocate(device(), kSize, hostVisible_, ChainAfter(&exportInfo, extra), out);
  }
  Memory ExportNV(VkExternalMemoryHandleTypeFlagsNV types) {
    Memory memory;
    KT_CHECK(TryExportNV(types, &memory));
    return memory;
  }

  // vkGetMemoryWin32HandleKHR{memory, type}.
  VkResult TryGetWin32Handle(VkDeviceMemory memory, VkExternalMemoryHandleTypeFlagBits type, HANDLE* out) {
    auto info = Struct<VkMemoryGetWin32HandleInfoKHR>(VK_STRUCTURE_TYPE_MEMORY_GET_WIN32_HANDLE_INFO_KHR);
    info.memory = memory;
    info.handleType = type;
    return fn_.getWin32Handle(vk(), &info, out);
  }
  // A new NT handle (OPAQUE_WIN32) to `memory`, which the test owns.
  OwnedHandle NtHandle(const Memory& memory) {
    HANDLE h = nullptr;
    KT_CHECK(TryGetWin32Handle(memory.get(), kOpaqueWin32, &h));
    return OwnedHandle(h);
  }
  // vkGetMemoryWin32HandleNV(memory, type): an NT handle the test owns.
  OwnedHandle NtHandleNV(const Memory& memory) {
    HANDLE h = nullptr;
    KT_CHECK(fn_.getWin32HandleNV(vk(), memory.get(), kNtNV, &h));
    return OwnedHandle(h);
  }
  // A new fd (OPAQUE_FD) to `memory`.
  OwnedFd Fd(const Memory& memory) {
    auto info = Struct<VkMemoryGetFdInfoKHR>(VK_STRUCTURE_TYPE_MEMORY_GET_FD_INFO_KHR);
    info.memory = memory.get();
    info.handleType = kOpaqueFd;
    int fd = -1;
    KT_CHECK(fn_.getFd(vk(), &info, &fd));
    return OwnedFd(fd);
  }

  // An import (host-visible, `size` bytes) through VkImportMemoryWin32HandleInfoKHR, then `extra`.
  VkResult TryImport(VkExternalMemoryHandleTypeFlagBits type, HANDLE handle, LPCWSTR name,
                     const std::vector<const void*>& extra = {}, VkDeviceSize size = kSize) {
    auto import = Struct<VkImportMemoryWin32HandleInfoKHR>(VK_STRUCTURE_TYPE_IMPORT_MEMORY_WIN32_HANDLE_INFO_KHR);
    import.handleType = type;
    import.handle = handle;
    import.name = name;
    Memory memory;
    return TryAllocate(device(), size, hostVisible_, ChainAfter(&import, extra), &memory);
  }
  // The same through VkImportMemoryWin32HandleInfoNV.
  VkResult TryImportNV(VkExternalMemoryHandleTypeFlagsNV type, HANDLE handle,
                       const std::vector<const void*>& extra = {}) {
    auto import = Struct<VkImportMemoryWin32HandleInfoNV>(VK_STRUCTURE_TYPE_IMPORT_MEMORY_WIN32_HANDLE_INFO_NV);
    import.handleType = type;
    import.handle = handle;
    Memory memory;
    return TryAllocate(device(), kSize, hostVisible_, ChainAfter(&import, extra), &memory);
  }

 private:
  std::unique_ptr<Instance> instance_;
  std::unique_ptr<Device> device_;
  ExternalFunctions fn_;
  uint32_t hostVisible_ = 1;
  PFN_vkDestroyDebugUtilsMessengerEXT destroyMessenger_ = nullptr;
  VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
  Heard heard_;
};

// Each test gets a StrictDevice made in the environment's mode (KILN_STRICT=error under CTest).
class Strict : public ::testing::Test, public StrictDevice {
 protected:
  void SetUp() override {
    KT_REQUIRE_KILN();
    ConnectToBroker();  // names and KMT values go through the broker: connect before any test counts
    Open();
  }
  void TearDown() override { Close(); }
};

}  // namespace kiln_test
