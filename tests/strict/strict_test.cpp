// Strict mode (KILN_STRICT=error, set by CTest for this suite): a broken valid-usage rule of the
// win32 external-memory structs is reported with its VUID as the message ID, the spec's text in
// the message, through the application's VK_EXT_debug_utils messenger -- one message, that rule
// only -- and the call fails with the spec's error code. This file: the handle/name rules of the
// KHR import, the modes themselves (off, warn, a bogus value, no messenger), and the report of NT
// handles never closed. The rules of each command: strict_allocate_test.cpp,
// strict_handles_test.cpp, strict_resources_test.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "strict_fixture.h"

namespace kiln_test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr VkResult kInvalidHandle = VK_ERROR_INVALID_EXTERNAL_HANDLE;
const HANDLE kSomeHandle = reinterpret_cast<HANDLE>(uintptr_t(0x44));

TEST_F(Strict, ImportWithBothHandleAndNameBreaks01441) {
  const std::u16string name = test_name(u"Local\\kiln-strict-01441");
  EXPECT_EQ(TryImport(kOpaqueWin32, kSomeHandle, name.c_str()), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkImportMemoryWin32HandleInfoKHR-handle-01441"));
}

TEST_F(Strict, ImportByNameOfAGlobalShareTypeBreaks01439) {
  const std::u16string name = test_name(u"Local\\kiln-strict-01439");
  EXPECT_EQ(TryImport(kOpaqueWin32Kmt, nullptr, name.c_str()), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkImportMemoryWin32HandleInfoKHR-handleType-01439"));
}

TEST_F(Strict, ImportWithNeitherHandleNorNameBreaks01440) {
  EXPECT_EQ(TryImport(kOpaqueWin32, nullptr, nullptr), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkImportMemoryWin32HandleInfoKHR-handleType-01440"));
}

TEST_F(Strict, ValidImportsAreNotReported) {
  // An export, its NT handle, an import of it: nothing to say.
  Memory exporter = Export(kOpaqueWin32);
  OwnedHandle handle = NtHandle(exporter);
  EXPECT_EQ(TryImport(kOpaqueWin32, handle.get(), nullptr), VK_SUCCESS);
  EXPECT_TRUE(HeardNothing());
}

// ---- Without a messenger, strict mode writes to stderr.

TEST_F(Strict, WithoutAMessengerTheReportGoesToStderr) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        StrictDevice silent;
        silent.Open(/*listen=*/false);
        const std::u16string name = test_name(u"Local\\kiln-strict-stderr");
        (void)silent.TryImport(kOpaqueWin32, kSomeHandle, name.c_str());
        std::exit(0);
      },
      ::testing::ExitedWithCode(0),
      "kiln strict: \\[ VUID-VkImportMemoryWin32HandleInfoKHR-handle-01441 \\]");
}

// ---- The modes.

// Strict mode off: the rules Kiln checks anyway still fail the call (it cannot go on), but nothing
// is reported; a second NT export gives a second handle, as Windows drivers do.
void ExpectStrictModeOff(StrictDevice& off) {
  const std::u16string name = test_name(u"Local\\kiln-strict-off");
  EXPECT_EQ(off.TryImport(kOpaqueWin32, kSomeHandle, name.c_str()), kInvalidHandle);  // handle and name
  Memory memory = off.Export(kOpaqueWin32);
  HANDLE h = nullptr;
  ASSERT_EQ(off.TryGetWin32Handle(memory.get(), kOpaqueWin32, &h), VK_SUCCESS);
  OwnedHandle first(h);
  ASSERT_EQ(off.TryGetWin32Handle(memory.get(), kOpaqueWin32, &h), VK_SUCCESS) << "a second NT export failed";
  OwnedHandle second(h);
  EXPECT_NE(second.get(), first.get());
  EXPECT_TRUE(CompareObjectHandles(first.get(), second.get()));
  // NULL pointers and a NULL memory object fail without a crash in every mode.
  EXPECT_EQ(off.fn().getWin32Handle(off.vk(), nullptr, &h), VK_ERROR_VALIDATION_FAILED_EXT);
  auto info = Struct<VkMemoryGetWin32HandleInfoKHR>(VK_STRUCTURE_TYPE_MEMORY_GET_WIN32_HANDLE_INFO_KHR);
  info.handleType = kOpaqueWin32;
  EXPECT_EQ(off.fn().getWin32Handle(off.vk(), &info, &h), VK_ERROR_VALIDATION_FAILED_EXT);
  info.memory = memory.get();
  EXPECT_EQ(off.fn().getWin32Handle(off.vk(), &info, nullptr), VK_ERROR_VALIDATION_FAILED_EXT);
  EXPECT_EQ(off.fn().getWin32HandleNV(off.vk(), VK_NULL_HANDLE, VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_BIT_NV, &h),
            VK_ERROR_VALIDATION_FAILED_EXT);
  EXPECT_EQ(off.fn().getWin32HandleProperties(off.vk(), kD3D12Heap, kSomeHandle, nullptr),
            VK_ERROR_VALIDATION_FAILED_EXT);
  EXPECT_TRUE(off.HeardNothing());
}

TEST_F(Strict, StrictModeOffReportsNothing) {
  Close();  // the process's only instance is the one made with KILN_STRICT unset
  StrictDevice off;
  off.OpenWith(nullptr);
  ExpectStrictModeOff(off);
}

// Each instance keeps its own mode: a device of an instance made with strict mode off is no
// invalid device because a strict instance lives beside it.
TEST_F(Strict, StrictModeOffBesideAStrictInstanceReportsNothing) {
  StrictDevice off;
  off.OpenWith(nullptr);
  ExpectStrictModeOff(off);
  EXPECT_TRUE(HeardNothing()) << "the strict instance heard about the other instance's device";
}

// KILN_STRICT=loud is neither warn nor error: strict mode stays off.
TEST_F(Strict, ABogusModeLeavesStrictModeOff) {
  Close();  // the process's only instance is the one made with KILN_STRICT=loud
  StrictDevice loud;
  loud.OpenWith("loud");
  ExpectStrictModeOff(loud);
}

// ---- NT handles never closed.

TEST_F(Strict, NtHandleLeftOpenIsReportedWhenTheDeviceIsDestroyed) {
  Memory memory = Export(kOpaqueWin32);
  Memory other = Export(kOpaqueWin32);
  OwnedHandle leaked = NtHandle(memory);
  HANDLE closed = NtHandle(other).release();
  ASSERT_TRUE(CloseHandle(closed));
  memory.Reset();
  other.Reset();
  DestroyDevice();

  const std::vector<Message> messages = Messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].id, "Kiln-Strict-NtHandleNeverClosed");
  EXPECT_EQ(messages[0].severity, VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT);
  EXPECT_EQ(messages[0].type, VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT);
  EXPECT_THAT(messages[0].text, HasSubstr(Hex(leaked.get())));
  if (closed != leaked.get()) {
    EXPECT_THAT(messages[0].text, Not(HasSubstr(Hex(closed) + " (")));
  }
  EXPECT_TRUE(is_live(leaked.get())) << "the device took the application's handle";

  // Closed now: nothing more is said (the instance goes without a word).
  leaked.reset();
  Forget();
  Close();
  EXPECT_TRUE(HeardNothing());
}

TEST_F(Strict, ClosedNtHandlesAreNotReportedWhenTheDeviceIsDestroyed) {
  {
    Memory khr = Export(kOpaqueWin32);
    Memory nv = ExportNV(kNtNV);
    OwnedHandle a = NtHandle(khr);
    OwnedHandle b = NtHandleNV(nv);
  }
  DestroyDevice();
  EXPECT_TRUE(HeardNothing());
}

// A handle still open when the process exits is reported then, on stderr. (The vkDestroyDevice
// report before it says "again at exit" too: the pattern matches the at-exit report itself.)
TEST_F(Strict, NtHandleNeverClosedIsReportedAtExit) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        StrictDevice leaky;
        leaky.Open(/*listen=*/false);
        {
          Memory memory = leaky.Export(kOpaqueWin32);
          (void)leaky.NtHandle(memory).release();
        }
        leaky.Close();
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "Kiln-Strict-NtHandleNeverClosed \\] at exit, 1 NT handles");
}

// ... and not when it was closed after its device went.
TEST_F(Strict, NtHandleClosedAfterItsDeviceIsNotReportedAtExit) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        StrictDevice leaky;
        leaky.Open(/*listen=*/false);
        HANDLE h = nullptr;
        {
          Memory memory = leaky.Export(kOpaqueWin32);
          h = leaky.NtHandle(memory).release();
        }
        leaky.Close();
        CloseHandle(h);
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), Not(HasSubstr("Kiln-Strict-NtHandleNeverClosed ] at exit")));
}

}  // namespace
}  // namespace kiln_test
