// The cases of VK-GL-CTS dEQP-VK.api.external.memory.{opaque_win32,opaque_win32_kmt}.*, one gtest
// per case: {suballocated,dedicated}.{buffer,image}.info, and for {device_only,host_visible} memory
// create_win32, import_twice, import_multiple_times and the three bind orders. Test names read
// <case>/<handle type>_<allocation>_<resource>[_<memory>].
//
// Every memory case proves the exporter and the import(s) are one payload: through mappings when the
// memory is host-visible, and always through queue copies between the exported and imported resources.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "external_test_util.h"

namespace kiln_test {
namespace {

enum class Allocation { Suballocated, Dedicated };
enum class ResourceKind { Buffer, Image };
enum class MemoryTypeKind { DeviceOnly, HostVisible };

// gtest prints parameters (in failures and in CTest's test names) through these.
void PrintTo(Allocation a, std::ostream* os) { *os << (a == Allocation::Dedicated ? "dedicated" : "suballocated"); }
void PrintTo(ResourceKind r, std::ostream* os) { *os << (r == ResourceKind::Image ? "image" : "buffer"); }
void PrintTo(MemoryTypeKind m, std::ostream* os) {
  *os << (m == MemoryTypeKind::HostVisible ? "host_visible" : "device_only");
}

using InfoParam = std::tuple<VkExternalMemoryHandleTypeFlagBits, Allocation, ResourceKind>;
using MemoryParam = std::tuple<VkExternalMemoryHandleTypeFlagBits, Allocation, ResourceKind, MemoryTypeKind>;

std::string CaseName(VkExternalMemoryHandleTypeFlagBits type, Allocation allocation, ResourceKind resource) {
  return std::string(HandleTypeName(type)) + (allocation == Allocation::Dedicated ? "_dedicated" : "_suballocated") +
         (resource == ResourceKind::Image ? "_image" : "_buffer");
}

// ---------------------------------------------------------------------------------------------
// .info: the capability query of the handle type, and the dedicated requirements it implies.

class Win32MemoryInfo : public ExternalMemoryTest, public ::testing::WithParamInterface<InfoParam> {};

TEST_P(Win32MemoryInfo, info) {
  const auto [type, allocation, resource] = GetParam();
  // A structure the query must leave alone, chained behind the output structure.
  VkBaseOutStructure sentinel{VkStructureType(1000999000), nullptr};
  VkExternalMemoryProperties properties{};
  if (resource == ResourceKind::Buffer) {
    auto info = Struct<VkPhysicalDeviceExternalBufferInfo>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_BUFFER_INFO);
    info.usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    info.handleType = type;
    auto out = Struct<VkExternalBufferProperties>(VK_STRUCTURE_TYPE_EXTERNAL_BUFFER_PROPERTIES);
    out.pNext = &sentinel;
    vkGetPhysicalDeviceExternalBufferProperties(physical(), &info, &out);
    EXPECT_EQ(out.sType, VK_STRUCTURE_TYPE_EXTERNAL_BUFFER_PROPERTIES);
    EXPECT_EQ(out.pNext, &sentinel);
    properties = out.externalMemoryProperties;
  } else {
    const VkImageCreateInfo image = DefaultImageInfo();
    auto external =
        Struct<VkPhysicalDeviceExternalImageFormatInfo>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_IMAGE_FORMAT_INFO);
    external.handleType = type;
    auto info = Struct<VkPhysicalDeviceImageFormatInfo2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_IMAGE_FORMAT_INFO_2);
    info.pNext = &external;
    info.format = image.format;
    info.type = image.imageType;
    info.tiling = image.tiling;
    info.usage = image.usage;
    auto externalOut = Struct<VkExternalImageFormatProperties>(VK_STRUCTURE_TYPE_EXTERNAL_IMAGE_FORMAT_PROPERTIES);
    externalOut.pNext = &sentinel;
    auto out = Struct<VkImageFormatProperties2>(VK_STRUCTURE_TYPE_IMAGE_FORMAT_PROPERTIES_2);
    out.pNext = &externalOut;
    ASSERT_EQ(vkGetPhysicalDeviceImageFormatProperties2(physical(), &info, &out), VK_SUCCESS);
    EXPECT_EQ(out.sType, VK_STRUCTURE_TYPE_IMAGE_FORMAT_PROPERTIES_2);
    EXPECT_EQ(out.pNext, &externalOut);
    EXPECT_EQ(externalOut.sType, VK_STRUCTURE_TYPE_EXTERNAL_IMAGE_FORMAT_PROPERTIES);
    EXPECT_EQ(externalOut.pNext, &sentinel);
    properties = externalOut.externalMemoryProperties;
  }
  EXPECT_EQ(sentinel.sType, VkStructureType(1000999000));
  EXPECT_EQ(sentinel.pNext, nullptr);

  EXPECT_EQ(properties.externalMemoryFeatures & (kExportable | kImportable), kExportable | kImportable)
      << "features 0x" << std::hex << properties.externalMemoryFeatures;
  EXPECT_EQ(properties.externalMemoryFeatures & kDedicatedOnly, 0u) << "opaque types are not dedicated-only";
  EXPECT_TRUE(properties.compatibleHandleTypes & type) << "compatibleHandleTypes must contain the queried type";
  EXPECT_EQ(properties.compatibleHandleTypes, kOpaqueTypes);
  EXPECT_EQ(properties.exportFromImportedHandleTypes, kOpaqueTypes);

  // A resource created with the type: requiresDedicatedAllocation is VK_TRUE exactly when the query
  // says DEDICATED_ONLY, and it is usable with both memory types.
  std::unique_ptr<Resource> r =
      resource == ResourceKind::Image ? Resource::Image(device(), type) : Resource::Buffer(device(), type);
  const bool dedicatedOnly = (properties.externalMemoryFeatures & kDedicatedOnly) != 0;
  EXPECT_EQ(r->dedicatedRequirements().requiresDedicatedAllocation, dedicatedOnly ? VK_TRUE : VK_FALSE);
  EXPECT_EQ(r->dedicatedRequirements().prefersDedicatedAllocation, dedicatedOnly ? VK_TRUE : VK_FALSE);
  EXPECT_EQ(r->requirements().memoryTypeBits & 0x3u, 0x3u)
      << "both memory types can be exported; memoryTypeBits 0x" << std::hex << r->requirements().memoryTypeBits;
  if (allocation == Allocation::Dedicated) {
    // Exporting dedicated memory for the resource is possible as the query promises.
    Memory memory = Export(type, r->requirements().size, deviceOnly_, {r->DedicatedInfo()});
    EXPECT_EQ(r->TryBind(memory.get()), VK_SUCCESS);
  }
}

INSTANTIATE_TEST_SUITE_P(ApiExternalMemory, Win32MemoryInfo,
                         ::testing::Combine(::testing::Values(kOpaqueWin32, kOpaqueWin32Kmt),
                                            ::testing::Values(Allocation::Suballocated, Allocation::Dedicated),
                                            ::testing::Values(ResourceKind::Buffer, ResourceKind::Image)),
                         [](const ::testing::TestParamInfo<InfoParam>& info) {
                           return CaseName(std::get<0>(info.param), std::get<1>(info.param), std::get<2>(info.param));
                         });

// ---------------------------------------------------------------------------------------------
// Memory cases.

class Win32Memory : public ExternalMemoryTest, public ::testing::WithParamInterface<MemoryParam> {
 protected:
  VkExternalMemoryHandleTypeFlagBits type() const { return std::get<0>(GetParam()); }
  bool dedicated() const { return std::get<1>(GetParam()) == Allocation::Dedicated; }
  bool image() const { return std::get<2>(GetParam()) == ResourceKind::Image; }
  bool hostVisible() const { return std::get<3>(GetParam()) == MemoryTypeKind::HostVisible; }
  uint32_t memoryType() const { return hostVisible() ? hostVisible_ : deviceOnly_; }

  std::unique_ptr<Resource> MakeResource() {
    std::unique_ptr<Resource> r = image() ? Resource::Image(device(), type()) : Resource::Buffer(device(), type());
    if (!(r->requirements().memoryTypeBits & (1u << memoryType())))
      Fail("the resource cannot use memory type " + std::to_string(memoryType()));
    return r;
  }

  // The exporting allocation for `r` (dedicated to it in the dedicated cases).
  Memory ExportFor(Resource& r, std::vector<const void*> extra = {}) {
    if (dedicated()) extra.push_back(r.DedicatedInfo());
    return Export(type(), r.requirements().size, memoryType(), extra);
  }

  // The handle of the parameter's type: a new NT handle (held in `owned`) or the KMT value.
  HANDLE GetHandle(const Memory& memory, OwnedHandle* owned) {
    if (type() == kOpaqueWin32) {
      *owned = GetNtHandle(memory);
      return owned->get();
    }
    return GetKmtHandle(memory);
  }

  // An import of `handle` for `r`, with the exporter's size and memory type.
  Memory ImportFor(Resource& r, HANDLE handle) {
    return ImportWin32(type(), handle, nullptr, r.requirements().size, memoryType(),
                       {dedicated() ? r.DedicatedInfo() : nullptr});
  }

  void ExpectOnePayload(const Memory& a, const Resource& ra, const Memory& b, const Resource& rb, uint32_t seed) {
    if (hostVisible()) ExpectSameBytesThroughMappings(a, b, seed);
    ExpectSameBytesThroughQueues(ra, rb, seed);
  }
};

// Export with VkExportMemoryWin32HandleInfoKHR (NT: no attributes, read and write access, no name),
// get the handle, import it.
TEST_P(Win32Memory, create_win32) {
  std::unique_ptr<Resource> exported = MakeResource();
  std::unique_ptr<Resource> imported = MakeResource();
  auto win32 = Struct<VkExportMemoryWin32HandleInfoKHR>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_WIN32_HANDLE_INFO_KHR);
  win32.pAttributes = nullptr;
  win32.dwAccess = kReadWrite;
  win32.name = nullptr;
  // VUID-VkExportMemoryWin32HandleInfoKHR-handleTypes-00657: the win32 export structure only with OPAQUE_WIN32.
  Memory memory = ExportFor(*exported, {type() == kOpaqueWin32 ? &win32 : nullptr});
  exported->Bind(memory.get());
  OwnedHandle owned;
  HANDLE handle = GetHandle(memory, &owned);
  ASSERT_NE(handle, nullptr);
  if (type() == kOpaqueWin32) {
    EXPECT_TRUE(is_live(handle)) << "an NT handle the application owns";
  }
  Memory import = ImportFor(*imported, handle);
  imported->Bind(import.get());
  ExpectOnePayload(memory, *exported, import, *imported, 1);
}

// Two imports of one handle: three memory objects, one payload.
TEST_P(Win32Memory, import_twice) {
  std::unique_ptr<Resource> exported = MakeResource();
  std::unique_ptr<Resource> first = MakeResource();
  std::unique_ptr<Resource> second = MakeResource();
  Memory memory = ExportFor(*exported);
  exported->Bind(memory.get());
  OwnedHandle owned;
  HANDLE handle = GetHandle(memory, &owned);
  Memory importA = ImportFor(*first, handle);
  Memory importB = ImportFor(*second, handle);
  EXPECT_NE(importA.get(), importB.get()) << "every import is a new VkDeviceMemory";
  first->Bind(importA.get());
  second->Bind(importB.get());
  ExpectOnePayload(memory, *exported, importA, *first, 10);
  ExpectOnePayload(importA, *first, importB, *second, 20);
  ExpectOnePayload(importB, *second, memory, *exported, 30);
}

// The handle imported again and again (for NT, each time through a duplicate the test closes), each
// import freed before the next; the last one still sees the exporter's bytes.
TEST_P(Win32Memory, import_multiple_times) {
  constexpr int kImports = 64;
  std::unique_ptr<Resource> exported = MakeResource();
  Memory memory = ExportFor(*exported);
  exported->Bind(memory.get());
  OwnedHandle owned;
  HANDLE handle = GetHandle(memory, &owned);
  const int fdsBefore = OpenFdCount();
  for (int i = 0; i < kImports; ++i) {
    OwnedHandle duplicate;
    HANDLE source = handle;
    if (type() == kOpaqueWin32) {
      HANDLE d = nullptr;
      ASSERT_TRUE(
          DuplicateHandle(GetCurrentProcess(), handle, GetCurrentProcess(), &d, 0, FALSE, DUPLICATE_SAME_ACCESS));
      duplicate.reset(d);
      source = d;
    }
    std::unique_ptr<Resource> imported = MakeResource();
    Memory import = ImportFor(*imported, source);
    imported->Bind(import.get());
  }
  EXPECT_EQ(OpenFdCount(), fdsBefore) << "imports in a row left descriptors behind";
  std::unique_ptr<Resource> last = MakeResource();
  Memory import = ImportFor(*last, handle);
  last->Bind(import.get());
  ExpectOnePayload(memory, *exported, import, *last, 40);
}

// Bind the exporter's resource, export, import, bind the importer's.
TEST_P(Win32Memory, bind_export_import_bind) {
  std::unique_ptr<Resource> a = MakeResource();
  std::unique_ptr<Resource> b = MakeResource();
  Memory memory = ExportFor(*a);
  a->Bind(memory.get());
  OwnedHandle owned;
  HANDLE handle = GetHandle(memory, &owned);
  Memory import = ImportFor(*b, handle);
  b->Bind(import.get());
  ExpectOnePayload(memory, *a, import, *b, 50);
}

// Export, bind the exporter's resource, import, bind the importer's.
TEST_P(Win32Memory, export_bind_import_bind) {
  std::unique_ptr<Resource> a = MakeResource();
  std::unique_ptr<Resource> b = MakeResource();
  Memory memory = ExportFor(*a);
  OwnedHandle owned;
  HANDLE handle = GetHandle(memory, &owned);
  a->Bind(memory.get());
  Memory import = ImportFor(*b, handle);
  b->Bind(import.get());
  ExpectOnePayload(memory, *a, import, *b, 60);
}

// Export, import, then bind both resources.
TEST_P(Win32Memory, export_import_bind_bind) {
  std::unique_ptr<Resource> a = MakeResource();
  std::unique_ptr<Resource> b = MakeResource();
  Memory memory = ExportFor(*a);
  OwnedHandle owned;
  HANDLE handle = GetHandle(memory, &owned);
  Memory import = ImportFor(*b, handle);
  a->Bind(memory.get());
  b->Bind(import.get());
  ExpectOnePayload(memory, *a, import, *b, 70);
}

INSTANTIATE_TEST_SUITE_P(ApiExternalMemory, Win32Memory,
                         ::testing::Combine(::testing::Values(kOpaqueWin32, kOpaqueWin32Kmt),
                                            ::testing::Values(Allocation::Suballocated, Allocation::Dedicated),
                                            ::testing::Values(ResourceKind::Buffer, ResourceKind::Image),
                                            ::testing::Values(MemoryTypeKind::DeviceOnly, MemoryTypeKind::HostVisible)),
                         [](const ::testing::TestParamInfo<MemoryParam>& info) {
                           return CaseName(std::get<0>(info.param), std::get<1>(info.param), std::get<2>(info.param)) +
                                  (std::get<3>(info.param) == MemoryTypeKind::HostVisible ? "_host_visible"
                                                                                          : "_device_only");
                         });

}  // namespace
}  // namespace kiln_test
