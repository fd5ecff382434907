// Bad input: vkAllocateMemory fails with VK_ERROR_INVALID_EXTERNAL_HANDLE, and holds nothing, for
// every bad handle and every misuse of the external-memory structures; vkGetMemoryWin32HandleKHR
// fails alike for a type the memory was not exported with. Every test checks that the failure left
// the process's descriptor count unchanged and the application's handles live.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "external_test_util.h"

namespace kiln_test {
namespace {

constexpr VkDeviceSize kSize = 64 * 1024;

HANDLE AsHandle(uintptr_t value) { return reinterpret_cast<HANDLE>(value); }

class ExternalMemoryBadInput : public ExternalMemoryTest {
 protected:
  void SetUp() override {
    ExternalMemoryTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    exporter_ = Export(kOpaqueWin32 | kOpaqueWin32Kmt, kSize, hostVisible_);
    nt_ = GetNtHandle(exporter_);
    kmt_ = GetKmtHandle(exporter_);
    fds_ = OpenFdCount();
  }
  void TearDown() override {
    if (!IsSkipped() && exporter_) {
      EXPECT_NO_FD_LEAK(fds_);
      EXPECT_TRUE(is_live(nt_.get())) << "a failed call closed the application's handle";
      // The exporter still works after all of that.
      Memory import;
      EXPECT_EQ(TryImportWin32(kOpaqueWin32, nt_.get(), nullptr, kSize, hostVisible_, &import), VK_SUCCESS);
    }
    nt_.reset();
    exporter_.Reset();
    ExternalMemoryTest::TearDown();
  }

  // The import must fail with VK_ERROR_INVALID_EXTERNAL_HANDLE and create nothing.
  void ExpectInvalidImport(VkExternalMemoryHandleTypeFlagBits type, HANDLE h, VkDeviceSize size = kSize,
                           uint32_t memoryType = UINT32_MAX, const std::vector<const void*>& extra = {}) {
    Memory memory;
    EXPECT_EQ(
        TryImportWin32(type, h, nullptr, size, memoryType == UINT32_MAX ? hostVisible_ : memoryType, &memory, extra),
        VK_ERROR_INVALID_EXTERNAL_HANDLE)
        << HandleTypeName(type) << " handle 0x" << std::hex << reinterpret_cast<uintptr_t>(h);
    EXPECT_FALSE(memory);
  }

  Memory exporter_;
  OwnedHandle nt_;
  HANDLE kmt_ = nullptr;
  int fds_ = 0;
};

TEST_F(ExternalMemoryBadInput, NeverIssuedNtHandlesAreInvalid) {
  // In this process's range (below 2^30) and in the range the broker places (2^30 to 2^31).
  for (uintptr_t value : {uintptr_t{0x1000}, uintptr_t{0x3fff0000}, uintptr_t{0x3ffffffc}, uintptr_t{0x40000004},
                          uintptr_t{0x7ffffffc}}) {
    ASSERT_FALSE(is_live(AsHandle(value))) << "the test's never-issued value is live";
    ExpectInvalidImport(kOpaqueWin32, AsHandle(value));
    ExpectInvalidImport(kD3D12Heap, AsHandle(value));
  }
}

TEST_F(ExternalMemoryBadInput, ClosedNtHandleIsInvalid) {
  HANDLE closed = nullptr;
  ASSERT_EQ(TryGetWin32Handle(exporter_, kOpaqueWin32, &closed), VK_SUCCESS);
  ASSERT_TRUE(CloseHandle(closed));
  ExpectInvalidImport(kOpaqueWin32, closed);
}

// Random values: none may crash, none may import.
TEST_F(ExternalMemoryBadInput, ForgedHandlesAreInvalid) {
  const std::vector<uint8_t> random = RandomBytes(64 * sizeof(uint64_t), 900);
  for (size_t i = 0; i < 64; ++i) {
    uint64_t raw;
    std::memcpy(&raw, random.data() + i * sizeof raw, sizeof raw);
    // The raw value, a plausible NT value (a multiple of 4 below 2^30, above the few this process
    // holds), and a plausible KMT value (32 bits ending in binary 10).
    const uintptr_t nt = (raw & 0x3ffffffcu) | 0x100000u;
    const uintptr_t kmt = (raw & 0xfffffffcu) | 0x2u;
    for (uintptr_t value : {uintptr_t(raw), nt}) {
      if (is_live(AsHandle(value))) continue;  // astronomically unlikely; not a forgery then
      ExpectInvalidImport(kOpaqueWin32, AsHandle(value));
    }
    if (AsHandle(kmt) != kmt_) ExpectInvalidImport(kOpaqueWin32Kmt, AsHandle(kmt));
    if (HasFailure()) return;  // one report is enough
  }
}

// A closed handle whose slot has since been reused holds a new generation: the stale value reaches
// nothing, even though a live handle to a payload of the same size and type now sits in its slot.
TEST_F(ExternalMemoryBadInput, StaleNtHandleIsInvalid) {
  HANDLE stale = nullptr;
  ASSERT_EQ(TryGetWin32Handle(exporter_, kOpaqueWin32, &stale), VK_SUCCESS);
  ASSERT_TRUE(CloseHandle(stale));
  Memory other = Export(kOpaqueWin32, kSize, hostVisible_);
  std::vector<OwnedHandle> reused;
  for (int i = 0; i < 300; ++i) {
    reused.push_back(GetNtHandle(other));
    ASSERT_NE(reused.back().get(), stale) << "a closed value was handed out again";
  }
  ExpectInvalidImport(kOpaqueWin32, stale);
  reused.clear();
}

// A process handle is a live NT handle, but not of a payload.
TEST_F(ExternalMemoryBadInput, ProcessHandleIsInvalidAsMemory) {
  OwnedHandle process(OpenProcess(PROCESS_DUP_HANDLE, FALSE, GetCurrentProcessId()));
  ASSERT_NE(process.get(), nullptr);
  const int fds = OpenFdCount();
  for (VkExternalMemoryHandleTypeFlagBits type : {kOpaqueWin32, kD3D12Heap}) {
    ExpectInvalidImport(type, process.get());
    ExpectInvalidImport(type, GetCurrentProcess());
  }
  EXPECT_NO_FD_LEAK(fds);
  EXPECT_TRUE(is_live(process.get()));
}

TEST_F(ExternalMemoryBadInput, NtHandleAsKmtTypeAndKmtValueAsNtTypeAreInvalid) {
  ExpectInvalidImport(kOpaqueWin32Kmt, nt_.get());
  ExpectInvalidImport(kOpaqueWin32, kmt_);
  ExpectInvalidImport(kD3D11TextureKmt, nt_.get());
}

// Compatible types only: an OPAQUE_WIN32 handle is not a D3D12 heap, texture or resource.
TEST_F(ExternalMemoryBadInput, OpaqueHandleAsAD3DTypeIsInvalid) {
  // A D3D11 KMT payload lives as long as the process (docs/handles.md): count from after it.
  HANDLE textureKmt = nullptr;
  ASSERT_EQ(kiln_create_external_payload(kD3D11TextureKmt, kSize, nullptr, 0, nullptr, &textureKmt), ERROR_SUCCESS);
  fds_ = OpenFdCount();
  ExpectInvalidImport(kD3D12Heap, nt_.get());
  std::unique_ptr<Resource> buffer = Resource::Buffer(device(), kD3D12Resource);
  ExpectInvalidImport(kD3D12Resource, nt_.get(), kSize, hostVisible_, {buffer->DedicatedInfo()});
  std::unique_ptr<Resource> image = Resource::Image(device(), kD3D11Texture);
  ExpectInvalidImport(kD3D11Texture, nt_.get(), kSize, hostVisible_, {image->DedicatedInfo()});
  std::unique_ptr<Resource> kmtImage = Resource::Image(device(), kD3D11TextureKmt);
  ExpectInvalidImport(kD3D11TextureKmt, kmt_, kSize, hostVisible_, {kmtImage->DedicatedInfo()});
  // And the reverse: a D3D12 heap is not an opaque handle.
  HANDLE heap = nullptr;
  ASSERT_EQ(kiln_create_external_payload(kD3D12Heap, kSize, nullptr, 0, nullptr, &heap), ERROR_SUCCESS);
  OwnedHandle ownedHeap(heap);
  ExpectInvalidImport(kOpaqueWin32, heap);
  ExpectInvalidImport(kOpaqueWin32Kmt, textureKmt);
}

// Each import structure carries the types of its own family: a win32 structure naming an fd or a
// host-pointer type, an fd structure naming a win32 type, a host-pointer structure naming an fd
// type. None may import, and none may take the application's fd.
TEST_F(ExternalMemoryBadInput, ImportStructureOfAnotherFamilysTypeIsInvalid) {
  Memory fdExporter = Export(kOpaqueFd, kSize, hostVisible_);
  OwnedFd fd = GetFd(fdExporter);
  alignas(4096) static uint8_t pages[kSize];
  auto win32 = Struct<VkImportMemoryWin32HandleInfoKHR>(VK_STRUCTURE_TYPE_IMPORT_MEMORY_WIN32_HANDLE_INFO_KHR);
  auto fdImport = Struct<VkImportMemoryFdInfoKHR>(VK_STRUCTURE_TYPE_IMPORT_MEMORY_FD_INFO_KHR);
  auto host = Struct<VkImportMemoryHostPointerInfoEXT>(VK_STRUCTURE_TYPE_IMPORT_MEMORY_HOST_POINTER_INFO_EXT);
  const int fds = OpenFdCount();
  Memory memory;
  for (VkExternalMemoryHandleTypeFlagBits type : {kOpaqueFd, kHostAllocation}) {
    SCOPED_TRACE(HandleTypeName(type));
    win32.handleType = type;
    win32.handle = type == kHostAllocation ? static_cast<HANDLE>(pages) : reinterpret_cast<HANDLE>(intptr_t(fd.get()));
    EXPECT_EQ(TryAllocate(device(), kSize, hostVisible_, &win32, &memory), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  }
  for (VkExternalMemoryHandleTypeFlagBits type : {kOpaqueWin32, kOpaqueWin32Kmt, kHostAllocation}) {
    SCOPED_TRACE(HandleTypeName(type));
    fdImport.handleType = type;
    fdImport.fd = fd.get();
    EXPECT_EQ(TryAllocate(device(), kSize, hostVisible_, &fdImport, &memory), VK_ERROR_INVALID_EXTERNAL_HANDLE);
    EXPECT_TRUE(FdIsOpen(fd.get()));
  }
  for (VkExternalMemoryHandleTypeFlagBits type : {kOpaqueFd, kOpaqueWin32}) {
    SCOPED_TRACE(HandleTypeName(type));
    host.handleType = type;
    host.pHostPointer = pages;
    EXPECT_EQ(TryAllocate(device(), kSize, hostVisible_, &host, &memory), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  }
  EXPECT_NO_FD_LEAK(fds);
}

// A pNext chain that loops (a structure whose pNext leads back to itself) never ends: Kiln must
// refuse it rather than walk it forever.
TEST_F(ExternalMemoryBadInput, LoopingNextChainIsRefused) {
  auto exportInfo = Struct<VkExportMemoryAllocateInfo>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO);
  exportInfo.handleTypes = kOpaqueWin32;
  VkBaseOutStructure unknown{VkStructureType(1000999000), nullptr};
  exportInfo.pNext = &unknown;
  unknown.pNext = reinterpret_cast<VkBaseOutStructure*>(&unknown);
  auto info = Struct<VkMemoryAllocateInfo>(VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO);
  info.pNext = &exportInfo;
  info.allocationSize = kSize;
  info.memoryTypeIndex = hostVisible_;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  EXPECT_EQ(vkAllocateMemory(vk(), &info, nullptr, &memory), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  if (memory != VK_NULL_HANDLE) vkFreeMemory(vk(), memory, nullptr);
}

// A payload of another driver or device: a sealed copy of a Kiln payload whose header carries
// another driverUUID or deviceUUID. A truncated copy (sealed) and an unsealed copy are refused too.
TEST_F(ExternalMemoryBadInput, PayloadOfAnotherDriverOrDeviceIsInvalid) {
  auto id = Struct<VkPhysicalDeviceIDProperties>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES);
  auto properties = Struct<VkPhysicalDeviceProperties2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2);
  properties.pNext = &id;
  vkGetPhysicalDeviceProperties2(physical(), &properties);

  Memory fdExporter = Export(kOpaqueFd, kSize, hostVisible_);
  OwnedFd real = GetFd(fdExporter);
  struct stat st {};
  ASSERT_EQ(fstat(real.get(), &st), 0);
  std::vector<uint8_t> file(static_cast<size_t>(st.st_size));
  ASSERT_EQ(pread(real.get(), file.data(), file.size(), 0), ssize_t(file.size()));
  const size_t headerSize = std::min<size_t>(file.size(), 4096);
  auto find = [&](const uint8_t* uuid) -> ptrdiff_t {
    for (size_t i = 0; i + VK_UUID_SIZE <= headerSize; ++i)
      if (std::memcmp(file.data() + i, uuid, VK_UUID_SIZE) == 0) return ptrdiff_t(i);
    return -1;
  };
  const ptrdiff_t driverAt = find(id.driverUUID);
  const ptrdiff_t deviceAt = find(id.deviceUUID);
  ASSERT_GE(driverAt, 0) << "the payload header does not carry the driverUUID the device reports";
  ASSERT_GE(deviceAt, 0) << "the payload header does not carry the deviceUUID the device reports";

  // A sealed memfd holding `bytes` (the first `length` of them).
  auto sealedCopy = [](const std::vector<uint8_t>& bytes, size_t length, bool seal) {
    OwnedFd fd(memfd_create("kiln-conf-forged", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (fd.get() < 0 || write(fd.get(), bytes.data(), length) != ssize_t(length)) Fail("cannot make a memfd");
    if (seal && fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) != 0) Fail("cannot seal a memfd");
    return fd;
  };
  std::vector<uint8_t> otherDriver = file;
  otherDriver[size_t(driverAt)] ^= 0xff;
  std::vector<uint8_t> otherDevice = file;
  otherDevice[size_t(deviceAt)] ^= 0xff;
  struct Case {
    const char* what;
    OwnedFd fd;
  };
  Case cases[] = {
      {"another driverUUID", sealedCopy(otherDriver, otherDriver.size(), true)},
      {"another deviceUUID", sealedCopy(otherDevice, otherDevice.size(), true)},
      {"a sealed truncated copy", sealedCopy(file, file.size() - 4096, true)},
      {"an unsealed copy", sealedCopy(file, file.size(), false)},
  };
  const int fds = OpenFdCount();
  for (Case& c : cases) {
    SCOPED_TRACE(c.what);
    Memory memory;
    EXPECT_EQ(TryImportFd(c.fd.get(), kSize, hostVisible_, &memory), VK_ERROR_INVALID_EXTERNAL_HANDLE);
    EXPECT_TRUE(FdIsOpen(c.fd.get()));
  }
  EXPECT_NO_FD_LEAK(fds);
}

// VUID-VkMemoryAllocateInfo-allocationSize-01743: the exporter's size and memory type.
TEST_F(ExternalMemoryBadInput, SizeOrMemoryTypeOtherThanTheExportersIsInvalid) {
  for (VkExternalMemoryHandleTypeFlagBits type : {kOpaqueWin32, kOpaqueWin32Kmt}) {
    SCOPED_TRACE(HandleTypeName(type));
    HANDLE h = type == kOpaqueWin32 ? nt_.get() : kmt_;
    ExpectInvalidImport(type, h, kSize / 2);
    ExpectInvalidImport(type, h, kSize - 4096);
    ExpectInvalidImport(type, h, kSize + 4096);
    ExpectInvalidImport(type, h, kSize * 2);
    ExpectInvalidImport(type, h, kSize, deviceOnly_);
  }
  Memory fdExporter = Export(kOpaqueFd, kSize, deviceOnly_);
  OwnedFd fd = GetFd(fdExporter);
  const int fds = OpenFdCount();
  Memory memory;
  EXPECT_EQ(TryImportFd(fd.get(), kSize + 4096, deviceOnly_, &memory), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  EXPECT_EQ(TryImportFd(fd.get(), kSize, hostVisible_, &memory), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  EXPECT_NO_FD_LEAK(fds);
}

// VUID-VkExportMemoryAllocateInfo-handleTypes-00656 (09860): only types that can be exported, and
// only compatible ones together.
TEST_F(ExternalMemoryBadInput, UnsupportedExportTypesAreInvalid) {
  std::unique_ptr<Resource> image = Resource::Image(device(), kD3D11Texture);
  struct Case {
    VkExternalMemoryHandleTypeFlags types;
    bool dedicated;
  };
  const Case cases[] = {
      {kD3D11Texture, true},
      {kD3D11TextureKmt, true},
      {kD3D12Heap, false},
      {kD3D12Resource, true},
      {VK_EXTERNAL_MEMORY_HANDLE_TYPE_DMA_BUF_BIT_EXT, false},
      {kHostAllocation, false},
      {VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_MAPPED_FOREIGN_MEMORY_BIT_EXT, false},
      {kOpaqueWin32 | kD3D12Heap, false},
      {kOpaqueFd | VK_EXTERNAL_MEMORY_HANDLE_TYPE_DMA_BUF_BIT_EXT, false},
      {1u << 20, false},  // no such type
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.types);
    Memory memory;
    EXPECT_EQ(TryExport(c.types, c.dedicated ? image->requirements().size : kSize, hostVisible_, &memory,
                        {c.dedicated ? image->DedicatedInfo() : nullptr}),
              VK_ERROR_INVALID_EXTERNAL_HANDLE);
  }
}

// VUID-VkExportMemoryWin32HandleInfoKHR-handleTypes-00657: VkExportMemoryWin32HandleInfoKHR only with OPAQUE_WIN32
// among the export types.
TEST_F(ExternalMemoryBadInput, Win32ExportInfoWithoutOpaqueWin32IsInvalid) {
  auto win32 = Struct<VkExportMemoryWin32HandleInfoKHR>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_WIN32_HANDLE_INFO_KHR);
  for (VkExternalMemoryHandleTypeFlags types :
       {VkExternalMemoryHandleTypeFlags(kOpaqueWin32Kmt), VkExternalMemoryHandleTypeFlags(kOpaqueFd),
        VkExternalMemoryHandleTypeFlags(kOpaqueWin32Kmt | kOpaqueFd)}) {
    SCOPED_TRACE(types);
    Memory memory;
    EXPECT_EQ(TryExport(types, kSize, hostVisible_, &memory, {&win32}), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  }
  // No export structure at all.
  Memory memory;
  EXPECT_EQ(TryAllocate(device(), kSize, hostVisible_, Chain({&win32}), &memory), VK_ERROR_INVALID_EXTERNAL_HANDLE);
}

// VUID-VkMemoryAllocateInfo-None-06657 / 00641: one import structure per allocation.
TEST_F(ExternalMemoryBadInput, TwoImportStructuresAreInvalid) {
  auto win32 = Struct<VkImportMemoryWin32HandleInfoKHR>(VK_STRUCTURE_TYPE_IMPORT_MEMORY_WIN32_HANDLE_INFO_KHR);
  win32.handleType = kOpaqueWin32;
  win32.handle = nt_.get();
  auto win32Again = win32;

  // KHR win32 + fd: the fd stays the application's.
  Memory fdExporter = Export(kOpaqueFd, kSize, hostVisible_);
  OwnedFd fd = GetFd(fdExporter);
  auto fdImport = Struct<VkImportMemoryFdInfoKHR>(VK_STRUCTURE_TYPE_IMPORT_MEMORY_FD_INFO_KHR);
  fdImport.handleType = kOpaqueFd;
  fdImport.fd = fd.get();

  // KHR + NV: the NT handle stays the application's.
  HANDLE nvHandle = nullptr;
  ASSERT_TRUE(
      DuplicateHandle(GetCurrentProcess(), nt_.get(), GetCurrentProcess(), &nvHandle, 0, FALSE, DUPLICATE_SAME_ACCESS));
  OwnedHandle ownedNv(nvHandle);
  auto nv = Struct<VkImportMemoryWin32HandleInfoNV>(VK_STRUCTURE_TYPE_IMPORT_MEMORY_WIN32_HANDLE_INFO_NV);
  nv.handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_BIT_NV;
  nv.handle = nvHandle;

  // KHR + host pointer.
  alignas(4096) static uint8_t pages[kSize];
  auto host = Struct<VkImportMemoryHostPointerInfoEXT>(VK_STRUCTURE_TYPE_IMPORT_MEMORY_HOST_POINTER_INFO_EXT);
  host.handleType = kHostAllocation;
  host.pHostPointer = pages;

  const int fds = OpenFdCount();
  struct Case {
    const char* what;
    std::vector<const void*> chain;
  };
  const Case cases[] = {
      {"win32 + fd", {&win32, &fdImport}},
      {"fd + win32", {&fdImport, &win32}},
      {"win32 + NV", {&win32, &nv}},
      {"NV + win32", {&nv, &win32}},
      {"win32 + host pointer", {&win32, &host}},
      {"win32 twice", {&win32, &win32Again}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Memory memory;
    EXPECT_EQ(TryAllocate(device(), kSize, hostVisible_, ChainAfter(c.chain[0], {c.chain[1]}), &memory),
              VK_ERROR_INVALID_EXTERNAL_HANDLE);
  }
  EXPECT_NO_FD_LEAK(fds);
  EXPECT_TRUE(FdIsOpen(fd.get()));
  EXPECT_TRUE(is_live(nvHandle));
}

// VUID-VkMemoryGetWin32HandleInfoKHR-handleType-00662/00664: only a type the memory was exported
// with, and only an NT or KMT type.
TEST_F(ExternalMemoryBadInput, GetWin32HandleOfATypeNotExportedIsInvalid) {
  Memory ntOnly = Export(kOpaqueWin32, kSize, hostVisible_);
  Memory kmtOnly = Export(kOpaqueWin32Kmt, kSize, hostVisible_);
  Memory fdOnly = Export(kOpaqueFd, kSize, hostVisible_);
  Memory plain = Allocate(device(), kSize, hostVisible_);
  Memory imported = ImportWin32(kOpaqueWin32, nt_.get(), nullptr, kSize, hostVisible_);  // exports nothing
  const int fds = OpenFdCount();
  struct Case {
    const char* what;
    const Memory* memory;
    VkExternalMemoryHandleTypeFlagBits type;
  };
  const Case cases[] = {
      {"KMT of NT-only memory", &ntOnly, kOpaqueWin32Kmt},
      {"NT of KMT-only memory", &kmtOnly, kOpaqueWin32},
      {"NT of fd-only memory", &fdOnly, kOpaqueWin32},
      {"KMT of fd-only memory", &fdOnly, kOpaqueWin32Kmt},
      {"NT of plain memory", &plain, kOpaqueWin32},
      {"KMT of plain memory", &plain, kOpaqueWin32Kmt},
      {"OPAQUE_FD through the win32 call", &fdOnly, kOpaqueFd},
      {"D3D11_TEXTURE of NT memory", &ntOnly, kD3D11Texture},
      {"D3D12_HEAP of NT memory", &ntOnly, kD3D12Heap},
      {"NT of an import that exports nothing", &imported, kOpaqueWin32},
      {"KMT of an import that exports nothing", &imported, kOpaqueWin32Kmt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    HANDLE h = nullptr;
    EXPECT_EQ(TryGetWin32Handle(*c.memory, c.type, &h), VK_ERROR_INVALID_EXTERNAL_HANDLE);
    if (h != nullptr) {
      EXPECT_FALSE(is_live(h)) << "a failed call left a handle behind";
    }
  }
  EXPECT_NO_FD_LEAK(fds);
}

// Chains a driver does not expect: unknown structure types, known but unrelated structures, and
// one structure twice. Kiln may accept or refuse them; it must not crash or leak, and whatever it
// accepts must still be the memory asked for.
TEST_F(ExternalMemoryBadInput, HostileNextChainsNeitherCrashNorLeak) {
  VkBaseOutStructure unknown{VkStructureType(1000999000), nullptr};
  VkBaseOutStructure unknown2{VkStructureType(0x7ffffff0), nullptr};
  auto features = Struct<VkPhysicalDeviceFeatures2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2);
  auto exportA = Struct<VkExportMemoryAllocateInfo>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO);
  exportA.handleTypes = kOpaqueWin32;
  auto exportB = exportA;
  auto import = Struct<VkImportMemoryWin32HandleInfoKHR>(VK_STRUCTURE_TYPE_IMPORT_MEMORY_WIN32_HANDLE_INFO_KHR);
  import.handleType = kOpaqueWin32;
  import.handle = nt_.get();
  std::unique_ptr<Resource> buffer = Resource::Buffer(device(), kOpaqueWin32);
  auto dedicatedA = *buffer->DedicatedInfo();
  auto dedicatedB = dedicatedA;

  struct Case {
    const char* what;
    std::vector<const void*> chain;
    bool exports;
  };
  const std::vector<Case> cases = {
      {"export + unknown", {&exportA, &unknown}, true},
      {"unknown + export + unknown", {&unknown, &exportA, &unknown2}, true},
      {"export + VkPhysicalDeviceFeatures2", {&exportA, &features}, true},
      {"export twice", {&exportA, &exportB}, true},
      {"import + unknown", {&import, &unknown}, false},
      {"unknown + import", {&unknown2, &import}, false},
      {"import + dedicated twice", {&import, &dedicatedA, &dedicatedB}, false},
  };
  const int fds = OpenFdCount();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    const void* head = c.chain[0];
    std::vector<const void*> rest(c.chain.begin() + 1, c.chain.end());
    Memory memory;
    const VkResult result = TryAllocate(device(), kSize, hostVisible_, ChainAfter(head, rest), &memory);
    EXPECT_TRUE(result == VK_SUCCESS || result == VK_ERROR_INVALID_EXTERNAL_HANDLE ||
                result == VK_ERROR_OUT_OF_HOST_MEMORY)
        << result;
    if (result != VK_SUCCESS) continue;
    if (c.exports) {
      // Accepted as an export: it exports.
      HANDLE h = nullptr;
      EXPECT_EQ(TryGetWin32Handle(memory, kOpaqueWin32, &h), VK_SUCCESS);
      OwnedHandle owned(h);
    } else {
      // Accepted as an import: it is the exporter's payload.
      ExpectSameBytesThroughMappings(exporter_, memory, 950);
    }
  }
  EXPECT_NO_FD_LEAK(fds);
}

// A dedicated import of memory exported for a dedicated resource must be dedicated to a resource
// created identically (memory.adoc, "external memory handle types compatibility"): Kiln compares
// a digest of the creation parameters carried in the payload's header.
TEST_F(ExternalMemoryBadInput, DedicatedImportForAResourceCreatedOtherwiseIsInvalid) {
  std::unique_ptr<Resource> exported = Resource::Buffer(device(), kOpaqueWin32, kSize);
  Memory memory = Export(kOpaqueWin32, kSize, hostVisible_, {exported->DedicatedInfo()});
  OwnedHandle h = GetNtHandle(memory);
  // Created alike: imports.
  std::unique_ptr<Resource> same = Resource::Buffer(device(), kOpaqueWin32, kSize);
  Memory import;
  ASSERT_EQ(TryImportWin32(kOpaqueWin32, h.get(), nullptr, kSize, hostVisible_, &import, {same->DedicatedInfo()}),
            VK_SUCCESS);
  same->Bind(import.get());
  import.Reset();
  // Another size, or an image instead of a buffer: refused.
  std::unique_ptr<Resource> smaller = Resource::Buffer(device(), kOpaqueWin32, kSize / 2);
  ExpectInvalidImport(kOpaqueWin32, h.get(), kSize, hostVisible_, {smaller->DedicatedInfo()});
  std::unique_ptr<Resource> image = Resource::Image(device(), kOpaqueWin32);
  ExpectInvalidImport(kOpaqueWin32, h.get(), kSize, hostVisible_, {image->DedicatedInfo()});
}

// VUID-VkMemoryAllocateInfo-allocationSize-07899: exportable memory has a size. Kiln answers a zero
// size as it does for any allocation, with VK_ERROR_OUT_OF_DEVICE_MEMORY, and files no name.
TEST_F(ExternalMemoryBadInput, ExportOfZeroBytesIsRefused) {
  const std::u16string name = test_name(u"Local\\kiln-conf-zero-bytes");
  auto win32 = Struct<VkExportMemoryWin32HandleInfoKHR>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_WIN32_HANDLE_INFO_KHR);
  win32.name = name.c_str();
  Memory memory;
  EXPECT_EQ(TryExport(kOpaqueWin32 | kOpaqueFd, 0, hostVisible_, &memory, {&win32}), VK_ERROR_OUT_OF_DEVICE_MEMORY);
  EXPECT_FALSE(memory);
  // The name was not taken.
  EXPECT_EQ(TryExport(kOpaqueWin32, kSize, hostVisible_, &memory, {&win32}), VK_SUCCESS);
}

// vkGetMemoryFdPropertiesKHR: OPAQUE_FD is invalid there (VUID-vkGetMemoryFdPropertiesKHR-handleType-00674),
// and Kiln imports no other fd type, so every question is answered with the invalid-handle code.
TEST_F(ExternalMemoryBadInput, FdPropertiesOfAnyFdAreInvalid) {
  auto getFdProperties = device().Proc<PFN_vkGetMemoryFdPropertiesKHR>("vkGetMemoryFdPropertiesKHR");
  ASSERT_NE(getFdProperties, nullptr);
  Memory memory = Export(kOpaqueFd, kSize, hostVisible_);
  OwnedFd fd = GetFd(memory);
  for (VkExternalMemoryHandleTypeFlagBits type : {kOpaqueFd, VK_EXTERNAL_MEMORY_HANDLE_TYPE_DMA_BUF_BIT_EXT}) {
    auto properties = Struct<VkMemoryFdPropertiesKHR>(VK_STRUCTURE_TYPE_MEMORY_FD_PROPERTIES_KHR);
    EXPECT_EQ(getFdProperties(device().handle, type, fd.get(), &properties), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  }
  EXPECT_TRUE(FdIsOpen(fd.get()));
}

}  // namespace
}  // namespace kiln_test
