// The bridge: every opaque handle type names the same payloads. One allocation exported as NT
// handle, KMT value and fd is imported by each in other devices and other instances; memory
// imported from one type is exported again as another (exportFromImportedHandleTypes), and all of
// them map the same pages.
#include <gtest/gtest.h>

#include "external_test_util.h"

namespace kiln_test {
namespace {

constexpr VkDeviceSize kSize = 64 * 1024;

class ExternalMemoryBridge : public ExternalMemoryTest {
 protected:
  void SetUp() override {
    ExternalMemoryTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    otherDevice_ = CreateExternalDevice(*instance_);
    otherInstance_ = CreateExternalInstance();
    remoteDevice_ = CreateExternalDevice(*otherInstance_);
  }
  void TearDown() override {
    remoteDevice_.reset();
    otherInstance_.reset();
    otherDevice_.reset();
    ExternalMemoryTest::TearDown();
  }

  // Memory of another VkDevice of this instance, and of a VkDevice of another VkInstance.
  std::unique_ptr<Device> otherDevice_;
  std::unique_ptr<Instance> otherInstance_;
  std::unique_ptr<Device> remoteDevice_;
};

// Export as OPAQUE_WIN32 | OPAQUE_WIN32_KMT | OPAQUE_FD; import by NT handle in a second device, by
// fd and by KMT value in a device of a second instance: every write is seen by every memory object.
TEST_F(ExternalMemoryBridge, OneExportIsSharedByNtHandleKmtValueAndFdAcrossDevicesAndInstances) {
  Memory memory = Export(kOpaqueTypes, kSize, hostVisible_);
  OwnedHandle nt = GetNtHandle(memory);
  const HANDLE kmt = GetKmtHandle(memory);
  OwnedFd fd = GetFd(memory);

  Memory byNt = ImportWin32(kOpaqueWin32, nt.get(), nullptr, kSize, hostVisible_, {}, otherDevice_.get());
  Memory byFd;
  ASSERT_EQ(TryImportFd(fd.get(), kSize, hostVisible_, &byFd, {}, remoteDevice_.get()), VK_SUCCESS);
  fd.release();  // Kiln's now
  Memory byKmt = ImportWin32(kOpaqueWin32Kmt, kmt, nullptr, kSize, hostVisible_, {}, remoteDevice_.get());

  ExpectSameBytesThroughMappings(memory, byNt, 800);
  ExpectSameBytesThroughMappings(byNt, byFd, 810);
  ExpectSameBytesThroughMappings(byFd, byKmt, 820);
  ExpectSameBytesThroughMappings(byKmt, memory, 830);

  std::unique_ptr<Resource> exported = Resource::Buffer(device(), kOpaqueTypes);
  std::unique_ptr<Resource> ntBuffer = Resource::Buffer(*otherDevice_, kOpaqueTypes);
  std::unique_ptr<Resource> fdBuffer = Resource::Buffer(*remoteDevice_, kOpaqueTypes);
  exported->Bind(memory.get());
  ntBuffer->Bind(byNt.get());
  fdBuffer->Bind(byFd.get());
  ExpectSameBytesThroughQueues(*exported, *fdBuffer, 840);
  ExpectSameBytesThroughQueues(*fdBuffer, *ntBuffer, 850);
}

// Images too, in device-only memory (the queue is the only way in).
TEST_F(ExternalMemoryBridge, DeviceOnlyImageIsSharedAcrossInstances) {
  std::unique_ptr<Resource> exported = Resource::Image(device(), kOpaqueTypes);
  std::unique_ptr<Resource> remote = Resource::Image(*remoteDevice_, kOpaqueTypes);
  const VkDeviceSize size = exported->requirements().size;
  Memory memory = Export(kOpaqueTypes, size, deviceOnly_);
  OwnedHandle nt = GetNtHandle(memory);
  Memory byNt = ImportWin32(kOpaqueWin32, nt.get(), nullptr, size, deviceOnly_, {}, remoteDevice_.get());
  exported->Bind(memory.get());
  remote->Bind(byNt.get());
  ExpectSameBytesThroughQueues(*exported, *remote, 860);
}

// Memory imported from an NT handle is exported again as an fd (exportFromImportedHandleTypes), and
// that fd imports in another instance.
TEST_F(ExternalMemoryBridge, ImportedNtHandleIsReexportedAsAnFd) {
  Memory memory = Export(kOpaqueWin32, kSize, hostVisible_);
  OwnedHandle nt = GetNtHandle(memory);
  auto exportFd = Struct<VkExportMemoryAllocateInfo>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO);
  exportFd.handleTypes = kOpaqueFd;
  Memory imported = ImportWin32(kOpaqueWin32, nt.get(), nullptr, kSize, hostVisible_, {&exportFd});
  OwnedFd fd = GetFd(imported);
  Memory remote;
  ASSERT_EQ(TryImportFd(fd.get(), kSize, hostVisible_, &remote, {}, remoteDevice_.get()), VK_SUCCESS);
  fd.release();
  ExpectSameBytesThroughMappings(memory, remote, 870);
  ExpectSameBytesThroughMappings(remote, imported, 880);
}

// The other way: an fd import exported again as an NT handle, imported in another device.
TEST_F(ExternalMemoryBridge, ImportedFdIsReexportedAsAnNtHandle) {
  Memory memory = Export(kOpaqueFd, kSize, hostVisible_);
  auto exportNt = Struct<VkExportMemoryAllocateInfo>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO);
  exportNt.handleTypes = kOpaqueWin32;
  Memory imported;
  ASSERT_EQ(TryImportFd(GetFd(memory).release(), kSize, hostVisible_, &imported, {&exportNt}, remoteDevice_.get()),
            VK_SUCCESS);
  OwnedHandle nt = GetNtHandle(imported, remoteDevice_.get());
  Memory back = ImportWin32(kOpaqueWin32, nt.get(), nullptr, kSize, hostVisible_, {}, otherDevice_.get());
  ExpectSameBytesThroughMappings(memory, back, 890);
}

// A re-export as KMT gives the payload's one global value.
TEST_F(ExternalMemoryBridge, ReexportedKmtValueIsThePayloadsValue) {
  Memory memory = Export(kOpaqueWin32 | kOpaqueWin32Kmt, kSize, hostVisible_);
  OwnedHandle nt = GetNtHandle(memory);
  const HANDLE kmt = GetKmtHandle(memory);
  auto exportKmt = Struct<VkExportMemoryAllocateInfo>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO);
  exportKmt.handleTypes = kOpaqueWin32Kmt;
  Memory imported =
      ImportWin32(kOpaqueWin32, nt.get(), nullptr, kSize, hostVisible_, {&exportKmt}, remoteDevice_.get());
  EXPECT_EQ(GetKmtHandle(imported, remoteDevice_.get()), kmt);
}

}  // namespace
}  // namespace kiln_test
