// Strict mode and the commands that give or describe handles: vkGetMemoryWin32HandleKHR,
// vkGetMemoryWin32HandlePropertiesKHR and vkGetMemoryWin32HandleNV. Each rule broken alone is
// reported once with its VUID; the call fails with VK_ERROR_VALIDATION_FAILED_EXT when nothing can
// be read or done (a NULL pointer, a dead object, a struct that is not the struct), with
// VK_ERROR_INVALID_EXTERNAL_HANDLE when the handle type is wrong.
#include <gtest/gtest.h>

#include <cstdlib>

#include "strict_fixture.h"

namespace kiln_test {
namespace {

constexpr VkResult kInvalidHandle = VK_ERROR_INVALID_EXTERNAL_HANDLE;
constexpr VkResult kValidationFailed = VK_ERROR_VALIDATION_FAILED_EXT;

// A VkMemoryGetWin32HandleInfoKHR{memory, type}, to be spoiled one member at a time.
VkMemoryGetWin32HandleInfoKHR GetInfo(VkDeviceMemory memory, VkExternalMemoryHandleTypeFlagBits type) {
  auto info = Struct<VkMemoryGetWin32HandleInfoKHR>(VK_STRUCTURE_TYPE_MEMORY_GET_WIN32_HANDLE_INFO_KHR);
  info.memory = memory;
  info.handleType = type;
  return info;
}

VkMemoryWin32HandlePropertiesKHR Properties() {
  return Struct<VkMemoryWin32HandlePropertiesKHR>(VK_STRUCTURE_TYPE_MEMORY_WIN32_HANDLE_PROPERTIES_KHR);
}

OwnedHandle D3D12Heap() { return OwnedHandle(CreateD3DPayload(kD3D12Heap, kSize)); }

// Runs `call` in a child process (a death test) and expects it to return, not to crash: a call with
// a VkDevice that is no device reaches Kiln only if no loader trampoline reads it first.
#define EXPECT_RETURNS_IN_A_CHILD(call)                                                      \
  do {                                                                                       \
    GTEST_FLAG_SET(death_test_style, "threadsafe");                                          \
    ASSERT_EXIT(                                                                             \
        {                                                                                    \
          (void)(call);                                                                      \
          std::exit(0);                                                                      \
        },                                                                                   \
        ::testing::ExitedWithCode(0), "")                                                    \
        << "the call crashed: a loader trampoline stands before Kiln's entry point";        \
  } while (0)

// ---- vkGetMemoryWin32HandleKHR.

TEST_F(Strict, GetWin32HandleOnNoDeviceBreaksDeviceParameter) {
  Memory memory = Export(kOpaqueWin32);
  VkMemoryGetWin32HandleInfoKHR info = GetInfo(memory.get(), kOpaqueWin32);
  HANDLE h = nullptr;
  EXPECT_RETURNS_IN_A_CHILD(fn().getWin32Handle(NoDevice(), &info, &h));
  EXPECT_EQ(fn().getWin32Handle(NoDevice(), &info, &h), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-vkGetMemoryWin32HandleKHR-device-parameter"));
  EXPECT_EQ(h, nullptr);
}

TEST_F(Strict, GetWin32HandleWithoutInfoBreaksPGetWin32HandleInfoParameter) {
  HANDLE h = nullptr;
  EXPECT_EQ(fn().getWin32Handle(vk(), nullptr, &h), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-vkGetMemoryWin32HandleKHR-pGetWin32HandleInfo-parameter"));
}

TEST_F(Strict, GetWin32HandleWithoutPHandleBreaksPHandleParameter) {
  Memory memory = Export(kOpaqueWin32);
  VkMemoryGetWin32HandleInfoKHR info = GetInfo(memory.get(), kOpaqueWin32);
  EXPECT_EQ(fn().getWin32Handle(vk(), &info, nullptr), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-vkGetMemoryWin32HandleKHR-pHandle-parameter"));
}

TEST_F(Strict, GetWin32HandleInfoOfAnotherSTypeBreaksSType) {
  Memory memory = Export(kOpaqueWin32);
  VkMemoryGetWin32HandleInfoKHR info = GetInfo(memory.get(), kOpaqueWin32);
  info.sType = VK_STRUCTURE_TYPE_MEMORY_GET_FD_INFO_KHR;
  HANDLE h = nullptr;
  EXPECT_EQ(fn().getWin32Handle(vk(), &info, &h), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-VkMemoryGetWin32HandleInfoKHR-sType-sType"));
  EXPECT_EQ(h, nullptr);
}

TEST_F(Strict, GetWin32HandleInfoWithAPNextBreaksPNext) {
  Memory memory = Export(kOpaqueWin32);
  VkMemoryGetWin32HandleInfoKHR info = GetInfo(memory.get(), kOpaqueWin32);
  auto stray = Struct<VkExportMemoryAllocateInfo>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO);
  info.pNext = &stray;
  HANDLE h = nullptr;
  EXPECT_EQ(fn().getWin32Handle(vk(), &info, &h), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-VkMemoryGetWin32HandleInfoKHR-pNext-pNext"));
  EXPECT_EQ(h, nullptr);
}

TEST_F(Strict, GetWin32HandleOfFreedMemoryBreaksMemoryParameter) {
  Memory memory = Export(kOpaqueWin32);
  const VkDeviceMemory freed = memory.get();
  memory.Reset();
  VkMemoryGetWin32HandleInfoKHR info = GetInfo(freed, kOpaqueWin32);
  HANDLE h = nullptr;
  EXPECT_EQ(fn().getWin32Handle(vk(), &info, &h), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-VkMemoryGetWin32HandleInfoKHR-memory-parameter"));
  EXPECT_EQ(h, nullptr);

  // VK_NULL_HANDLE too.
  Forget();
  info.memory = VK_NULL_HANDLE;
  EXPECT_EQ(fn().getWin32Handle(vk(), &info, &h), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-VkMemoryGetWin32HandleInfoKHR-memory-parameter"));
  EXPECT_EQ(h, nullptr);
}

TEST_F(Strict, GetWin32HandleOfAnUndefinedTypeBreaksHandleTypeParameter) {
  Memory memory = Export(kOpaqueWin32);
  HANDLE h = nullptr;
  EXPECT_EQ(TryGetWin32Handle(memory.get(), VkExternalMemoryHandleTypeFlagBits(kUndefinedBit), &h), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkMemoryGetWin32HandleInfoKHR-handleType-parameter"));
  EXPECT_EQ(h, nullptr);
}

TEST_F(Strict, GetWin32HandleOfAnFdTypeBreaks00664) {
  Memory memory = Export(kOpaqueFd | kOpaqueWin32);
  HANDLE h = nullptr;
  EXPECT_EQ(TryGetWin32Handle(memory.get(), kOpaqueFd, &h), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkMemoryGetWin32HandleInfoKHR-handleType-00664"));
  EXPECT_EQ(h, nullptr);
}

TEST_F(Strict, GetWin32HandleOfATypeNotAskedForAtExportBreaks00662) {
  // KMT of memory exported as NT only.
  Memory ntOnly = Export(kOpaqueWin32);
  HANDLE h = nullptr;
  EXPECT_EQ(TryGetWin32Handle(ntOnly.get(), kOpaqueWin32Kmt, &h), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkMemoryGetWin32HandleInfoKHR-handleType-00662"));
  EXPECT_EQ(h, nullptr);

  // NT of memory exported through VkExportMemoryAllocateInfoNV, not VkExportMemoryAllocateInfo.
  Forget();
  Memory nv = ExportNV(kNtNV);
  EXPECT_EQ(TryGetWin32Handle(nv.get(), kOpaqueWin32, &h), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-VkMemoryGetWin32HandleInfoKHR-handleType-00662"));
  EXPECT_EQ(h, nullptr);
}

TEST_F(Strict, SecondNtExportOfOneMemoryBreaks00663) {
  Memory memory = Export(kOpaqueWin32);
  OwnedHandle first = NtHandle(memory);
  HANDLE second = nullptr;
  EXPECT_EQ(TryGetWin32Handle(memory.get(), kOpaqueWin32, &second), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-VkMemoryGetWin32HandleInfoKHR-handleType-00663"));
  EXPECT_EQ(second, nullptr);
  const std::vector<Message> messages = Messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_NE(messages[0].text.find("exported as an NT handle of this type before"), std::string::npos)
      << messages[0].text;
}

// In warn mode the call does what it does with strict mode off -- a new handle, the application's
// to close -- and strict mode still says that the rule was broken.
TEST_F(Strict, SecondNtExportInWarnModeGivesANewHandleAndBreaks00663) {
  StrictDevice warn;
  warn.OpenWith("warn");
  Memory memory = warn.Export(kOpaqueWin32);
  OwnedHandle first = warn.NtHandle(memory);
  HANDLE h = nullptr;
  ASSERT_EQ(warn.TryGetWin32Handle(memory.get(), kOpaqueWin32, &h), VK_SUCCESS);
  OwnedHandle second(h);
  EXPECT_NE(second.get(), nullptr);
  EXPECT_NE(second.get(), first.get());
  EXPECT_TRUE(CompareObjectHandles(first.get(), second.get()));
  EXPECT_TRUE(warn.HeardOnly("VUID-VkMemoryGetWin32HandleInfoKHR-handleType-00663"));
  EXPECT_TRUE(HeardNothing()) << "the error-mode instance's messenger heard the warn-mode device";
}

// ---- vkGetMemoryWin32HandlePropertiesKHR.

TEST_F(Strict, HandlePropertiesOnNoDeviceBreakDeviceParameter) {
  OwnedHandle heap = D3D12Heap();
  VkMemoryWin32HandlePropertiesKHR properties = Properties();
  EXPECT_RETURNS_IN_A_CHILD(fn().getWin32HandleProperties(NoDevice(), kD3D12Heap, heap.get(), &properties));
  EXPECT_EQ(fn().getWin32HandleProperties(NoDevice(), kD3D12Heap, heap.get(), &properties), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-vkGetMemoryWin32HandlePropertiesKHR-device-parameter"));
  EXPECT_TRUE(is_live(heap.get()));
}

TEST_F(Strict, HandlePropertiesWithoutOutputBreakPMemoryWin32HandlePropertiesParameter) {
  OwnedHandle heap = D3D12Heap();
  EXPECT_EQ(fn().getWin32HandleProperties(vk(), kD3D12Heap, heap.get(), nullptr), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-vkGetMemoryWin32HandlePropertiesKHR-pMemoryWin32HandleProperties-parameter"));
}

TEST_F(Strict, HandlePropertiesOfAnotherSTypeBreakSType) {
  OwnedHandle heap = D3D12Heap();
  VkMemoryWin32HandlePropertiesKHR properties = Properties();
  properties.sType = VK_STRUCTURE_TYPE_MEMORY_FD_PROPERTIES_KHR;
  EXPECT_EQ(fn().getWin32HandleProperties(vk(), kD3D12Heap, heap.get(), &properties), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-VkMemoryWin32HandlePropertiesKHR-sType-sType"));
}

TEST_F(Strict, HandlePropertiesWithAPNextBreakPNext) {
  OwnedHandle heap = D3D12Heap();
  VkMemoryWin32HandlePropertiesKHR properties = Properties();
  auto stray = Struct<VkMemoryFdPropertiesKHR>(VK_STRUCTURE_TYPE_MEMORY_FD_PROPERTIES_KHR);
  properties.pNext = &stray;
  EXPECT_EQ(fn().getWin32HandleProperties(vk(), kD3D12Heap, heap.get(), &properties), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-VkMemoryWin32HandlePropertiesKHR-pNext-pNext"));
}

TEST_F(Strict, HandlePropertiesOfAnUndefinedTypeBreakHandleTypeParameter) {
  OwnedHandle heap = D3D12Heap();
  VkMemoryWin32HandlePropertiesKHR properties = Properties();
  EXPECT_EQ(fn().getWin32HandleProperties(vk(), VkExternalMemoryHandleTypeFlagBits(kUndefinedBit), heap.get(),
                                          &properties),
            kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-vkGetMemoryWin32HandlePropertiesKHR-handleType-parameter"));
}

TEST_F(Strict, HandlePropertiesOfAnOpaqueTypeBreak00666) {
  Memory memory = Export(kOpaqueWin32);
  OwnedHandle handle = NtHandle(memory);
  VkMemoryWin32HandlePropertiesKHR properties = Properties();
  EXPECT_EQ(fn().getWin32HandleProperties(vk(), kOpaqueWin32, handle.get(), &properties), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-vkGetMemoryWin32HandlePropertiesKHR-handleType-00666"));
  EXPECT_TRUE(is_live(handle.get()));
}

TEST_F(Strict, HandlePropertiesOfVulkanMadeMemoryBreak00665) {
  Memory memory = Export(kOpaqueWin32);
  OwnedHandle handle = NtHandle(memory);
  VkMemoryWin32HandlePropertiesKHR properties = Properties();
  EXPECT_EQ(fn().getWin32HandleProperties(vk(), kD3D12Heap, handle.get(), &properties), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-vkGetMemoryWin32HandlePropertiesKHR-handle-00665"));
  EXPECT_TRUE(is_live(handle.get()));
}

// ---- vkGetMemoryWin32HandleNV.

TEST_F(Strict, GetWin32HandleNVOnNoDeviceBreaksDeviceParameter) {
  Memory memory = ExportNV(kNtNV);
  HANDLE h = nullptr;
  EXPECT_RETURNS_IN_A_CHILD(fn().getWin32HandleNV(NoDevice(), memory.get(), kNtNV, &h));
  EXPECT_EQ(fn().getWin32HandleNV(NoDevice(), memory.get(), kNtNV, &h), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-vkGetMemoryWin32HandleNV-device-parameter"));
  EXPECT_EQ(h, nullptr);
}

TEST_F(Strict, GetWin32HandleNVWithoutPHandleBreaksPHandleParameter) {
  Memory memory = ExportNV(kNtNV);
  EXPECT_EQ(fn().getWin32HandleNV(vk(), memory.get(), kNtNV, nullptr), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-vkGetMemoryWin32HandleNV-pHandle-parameter"));
}

TEST_F(Strict, GetWin32HandleNVOfFreedMemoryBreaksMemoryParameter) {
  Memory memory = ExportNV(kNtNV);
  const VkDeviceMemory freed = memory.get();
  memory.Reset();
  HANDLE h = nullptr;
  EXPECT_EQ(fn().getWin32HandleNV(vk(), freed, kNtNV, &h), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-vkGetMemoryWin32HandleNV-memory-parameter"));
  EXPECT_EQ(h, nullptr);

  // VK_NULL_HANDLE too.
  Forget();
  EXPECT_EQ(fn().getWin32HandleNV(vk(), VK_NULL_HANDLE, kNtNV, &h), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-vkGetMemoryWin32HandleNV-memory-parameter"));
  EXPECT_EQ(h, nullptr);
}

TEST_F(Strict, GetWin32HandleNVOfAnotherDevicesMemoryBreaksMemoryParent) {
  std::unique_ptr<Device> other = CreateExternalDevice(instance());
  auto exportInfo = Struct<VkExportMemoryAllocateInfoNV>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO_NV);
  exportInfo.handleTypes = kNtNV;
  Memory memory = Allocate(*other, kSize, HostVisibleType(*other), &exportInfo);
  HANDLE h = nullptr;
  EXPECT_EQ(fn().getWin32HandleNV(vk(), memory.get(), kNtNV, &h), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-vkGetMemoryWin32HandleNV-memory-parent"));
  EXPECT_EQ(h, nullptr);
}

TEST_F(Strict, GetWin32HandleNVOfNoTypeBreaksHandleTypeRequiredbitmask) {
  Memory memory = ExportNV(kNtNV);
  HANDLE h = nullptr;
  EXPECT_EQ(fn().getWin32HandleNV(vk(), memory.get(), 0, &h), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-vkGetMemoryWin32HandleNV-handleType-requiredbitmask"));
  EXPECT_EQ(h, nullptr);
}

TEST_F(Strict, GetWin32HandleNVOfAnUndefinedTypeBreaksHandleTypeParameter) {
  Memory memory = ExportNV(kNtNV);
  HANDLE h = nullptr;
  EXPECT_EQ(fn().getWin32HandleNV(vk(), memory.get(), kUndefinedNVBit, &h), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-vkGetMemoryWin32HandleNV-handleType-parameter"));
  EXPECT_EQ(h, nullptr);
}

TEST_F(Strict, GetWin32HandleNVOfATypeNotAskedForAtExportBreaks01326) {
  // KMT of memory NV-exported as NT only.
  Memory nv = ExportNV(kNtNV);
  HANDLE h = nullptr;
  EXPECT_EQ(fn().getWin32HandleNV(vk(), nv.get(), kKmtNV, &h), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-vkGetMemoryWin32HandleNV-handleType-01326"));
  EXPECT_EQ(h, nullptr);

  // NT of memory exported through VkExportMemoryAllocateInfo, not VkExportMemoryAllocateInfoNV.
  Forget();
  Memory khr = Export(kOpaqueWin32);
  EXPECT_EQ(fn().getWin32HandleNV(vk(), khr.get(), kNtNV, &h), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-vkGetMemoryWin32HandleNV-handleType-01326"));
  EXPECT_EQ(h, nullptr);
}

}  // namespace
}  // namespace kiln_test
