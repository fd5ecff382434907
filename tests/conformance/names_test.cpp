// Named payloads: VkExportMemoryWin32HandleInfoKHR::name files the payload under a name at
// vkAllocateMemory; VkImportMemoryWin32HandleInfoKHR imports by name (handle NULL) for OPAQUE_WIN32,
// D3D11_TEXTURE, D3D12_HEAP and D3D12_RESOURCE; the name goes when the payload goes.
//
// Every name goes through kiln_test::test_name(): names belong to the user, across processes, and
// test processes run side by side.
#include <gtest/gtest.h>

#include <string>

#include "external_test_util.h"

namespace kiln_test {
namespace {

constexpr VkDeviceSize kSize = 64 * 1024;

class ExternalMemoryNames : public ExternalMemoryTest {
 protected:
  static VkExportMemoryWin32HandleInfoKHR NamedExport(const std::u16string& name) {
    auto info = Struct<VkExportMemoryWin32HandleInfoKHR>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_WIN32_HANDLE_INFO_KHR);
    info.name = name.c_str();
    return info;
  }

  VkResult TryExportNamed(const std::u16string& name, Memory* out,
                          VkExternalMemoryHandleTypeFlags types = kOpaqueWin32) {
    VkExportMemoryWin32HandleInfoKHR win32 = NamedExport(name);
    return TryExport(types, kSize, hostVisible_, out, {&win32});
  }

  VkResult TryImportByName(VkExternalMemoryHandleTypeFlagBits type, const std::u16string& name, Memory* out,
                           VkDeviceSize size = kSize, const std::vector<const void*>& extra = {}) {
    return TryImportWin32(type, nullptr, name.c_str(), size, hostVisible_, out, extra);
  }
};

TEST_F(ExternalMemoryNames, ExportedNameImportsWithoutAHandle) {
  const std::u16string name = test_name(u"Local\\kiln-conf-export-name");
  Memory exporter;
  ASSERT_EQ(TryExportNamed(name, &exporter), VK_SUCCESS);
  Memory import;
  ASSERT_EQ(TryImportByName(kOpaqueWin32, name, &import), VK_SUCCESS);
  ExpectSameBytesThroughMappings(exporter, import, 300);
  // A second import by name is one more view of the same payload.
  Memory again;
  ASSERT_EQ(TryImportByName(kOpaqueWin32, name, &again), VK_SUCCESS);
  ExpectSameBytesThroughMappings(again, exporter, 310);
}

TEST_F(ExternalMemoryNames, GlobalNamespaceNameImports) {
  const std::u16string name = test_name(u"Global\\kiln-conf-global-name");
  Memory exporter;
  ASSERT_EQ(TryExportNamed(name, &exporter), VK_SUCCESS);
  Memory import;
  ASSERT_EQ(TryImportByName(kOpaqueWin32, name, &import), VK_SUCCESS);
  ExpectSameBytesThroughMappings(exporter, import, 320);
  // Local\ and Global\ are distinct namespaces.
  Memory local;
  EXPECT_EQ(TryImportByName(kOpaqueWin32, test_name(u"Local\\kiln-conf-global-name"), &local),
            VK_ERROR_INVALID_EXTERNAL_HANDLE);
}

// docs/handles.md: a name without prefix is Local\.
TEST_F(ExternalMemoryNames, UnprefixedNameIsALocalName) {
  Memory exporter;
  ASSERT_EQ(TryExportNamed(test_name(u"kiln-conf-unprefixed"), &exporter), VK_SUCCESS);
  Memory import;
  ASSERT_EQ(TryImportByName(kOpaqueWin32, test_name(u"Local\\kiln-conf-unprefixed"), &import), VK_SUCCESS);
  ExpectSameBytesThroughMappings(exporter, import, 330);
}

// A name that is taken -- by another export or by another kind of payload -- fails the allocation
// with VK_ERROR_INVALID_EXTERNAL_HANDLE, and the failed allocation holds nothing.
TEST_F(ExternalMemoryNames, NameAlreadyTakenFailsTheExport) {
  const std::u16string name = test_name(u"Local\\kiln-conf-taken");
  Memory first;
  ASSERT_EQ(TryExportNamed(name, &first), VK_SUCCESS);
  const int fds = OpenFdCount();
  Memory second;
  EXPECT_EQ(TryExportNamed(name, &second), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  EXPECT_FALSE(second);
  EXPECT_NO_FD_LEAK(fds);

  const std::u16string d3dName = test_name(u"Local\\kiln-conf-taken-by-d3d");
  HANDLE heap = nullptr;
  ASSERT_EQ(kiln_create_external_payload(kD3D12Heap, kSize, nullptr, 0, d3dName.c_str(), &heap), ERROR_SUCCESS);
  OwnedHandle ownedHeap(heap);
  const int fds2 = OpenFdCount();
  EXPECT_EQ(TryExportNamed(d3dName, &second), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  EXPECT_NO_FD_LEAK(fds2);

  // The name still names the first payload.
  Memory import;
  ASSERT_EQ(TryImportByName(kOpaqueWin32, name, &import), VK_SUCCESS);
  ExpectSameBytesThroughMappings(first, import, 340);
}

TEST_F(ExternalMemoryNames, MissingNameFailsTheImport) {
  const int fds = OpenFdCount();
  Memory import;
  EXPECT_EQ(TryImportByName(kOpaqueWin32, test_name(u"Local\\kiln-conf-never-created"), &import),
            VK_ERROR_INVALID_EXTERNAL_HANDLE);
  EXPECT_NO_FD_LEAK(fds);
}

// docs/handles.md: the part after the prefix may not contain '\'; an empty name names nothing.
TEST_F(ExternalMemoryNames, MalformedNameFailsTheImport) {
  const int fds = OpenFdCount();
  for (const std::u16string& name : {test_name(u"Local\\kiln-conf\\nested"), std::u16string(u""),
                                     std::u16string(u"Local\\"), test_name(u"Nowhere\\kiln-conf")}) {
    Memory import;
    EXPECT_EQ(TryImportByName(kOpaqueWin32, name, &import), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  }
  EXPECT_NO_FD_LEAK(fds);
}

// A malformed name fails the export too, and takes nothing.
TEST_F(ExternalMemoryNames, MalformedNameFailsTheExport) {
  const int fds = OpenFdCount();
  Memory exporter;
  EXPECT_EQ(TryExportNamed(test_name(u"Local\\kiln-conf\\nested-export"), &exporter), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  EXPECT_NO_FD_LEAK(fds);
}

// VUID-VkImportMemoryWin32HandleInfoKHR-handle-01439: names only for NT types.
TEST_F(ExternalMemoryNames, NameForAKmtTypeFailsTheImport) {
  const std::u16string name = test_name(u"Local\\kiln-conf-kmt-name");
  Memory exporter;
  ASSERT_EQ(TryExportNamed(name, &exporter, kOpaqueWin32 | kOpaqueWin32Kmt), VK_SUCCESS);
  const int fds = OpenFdCount();
  Memory import;
  EXPECT_EQ(TryImportByName(kOpaqueWin32Kmt, name, &import), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  EXPECT_NO_FD_LEAK(fds);
  // The same name as an NT type is fine.
  EXPECT_EQ(TryImportByName(kOpaqueWin32, name, &import), VK_SUCCESS);
}

// VUID-VkImportMemoryWin32HandleInfoKHR-handle-01441: handle and name are exclusive.
TEST_F(ExternalMemoryNames, HandleAndNameTogetherFailTheImport) {
  const std::u16string name = test_name(u"Local\\kiln-conf-handle-and-name");
  Memory exporter;
  ASSERT_EQ(TryExportNamed(name, &exporter), VK_SUCCESS);
  OwnedHandle h = GetNtHandle(exporter);
  const int fds = OpenFdCount();
  Memory import;
  EXPECT_EQ(TryImportWin32(kOpaqueWin32, h.get(), name.c_str(), kSize, hostVisible_, &import),
            VK_ERROR_INVALID_EXTERNAL_HANDLE);
  EXPECT_NO_FD_LEAK(fds);
  EXPECT_TRUE(is_live(h.get()));
}

// VUID-VkImportMemoryWin32HandleInfoKHR-handle-01440: with no handle, a name is needed.
TEST_F(ExternalMemoryNames, NeitherHandleNorNameFailsTheImport) {
  const int fds = OpenFdCount();
  Memory import;
  for (VkExternalMemoryHandleTypeFlagBits type : {kOpaqueWin32, kOpaqueWin32Kmt, kD3D12Heap}) {
    SCOPED_TRACE(HandleTypeName(type));
    EXPECT_EQ(TryImportWin32(type, nullptr, nullptr, kSize, hostVisible_, &import), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  }
  EXPECT_NO_FD_LEAK(fds);
}

// The name holds no reference: it lives while the payload does (held by the exporter, an import or
// an NT handle), and goes with it; the name is then free for a new payload.
TEST_F(ExternalMemoryNames, NameGoesWhenThePayloadGoes) {
  const std::u16string name = test_name(u"Local\\kiln-conf-name-lifetime");
  Memory exporter;
  ASSERT_EQ(TryExportNamed(name, &exporter), VK_SUCCESS);
  std::vector<uint8_t> bytes = RandomBytes(kSize, 350);
  std::memcpy(exporter.Map(), bytes.data(), kSize);
  OwnedHandle h = GetNtHandle(exporter);
  exporter.Reset();

  // The NT handle holds the payload, so the name still resolves, to the same bytes.
  Memory import;
  ASSERT_EQ(TryImportByName(kOpaqueWin32, name, &import), VK_SUCCESS);
  EXPECT_TRUE(BytesEqual(import.Map(), bytes.data(), kSize));
  import.Unmap();

  // The import holds it too.
  h.reset();
  Memory again;
  ASSERT_EQ(TryImportByName(kOpaqueWin32, name, &again), VK_SUCCESS);
  again.Reset();
  import.Reset();

  // Nothing holds it any more: the name is gone ...
  Memory gone;
  EXPECT_EQ(TryImportByName(kOpaqueWin32, name, &gone), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  // ... and free for a new export.
  Memory reborn;
  EXPECT_EQ(TryExportNamed(name, &reborn), VK_SUCCESS);
}

// Names made by a D3D runtime import by name too (D3D12_HEAP; D3D11_TEXTURE and D3D12_RESOURCE
// dedicated).
TEST_F(ExternalMemoryNames, D3DPayloadsImportByName) {
  const std::u16string heapName = test_name(u"Local\\kiln-conf-d3d12-heap");
  HANDLE heap = nullptr;
  ASSERT_EQ(kiln_create_external_payload(kD3D12Heap, kSize, nullptr, 0, heapName.c_str(), &heap), ERROR_SUCCESS);
  OwnedHandle ownedHeap(heap);
  Memory byName;
  ASSERT_EQ(TryImportByName(kD3D12Heap, heapName, &byName), VK_SUCCESS);
  Memory byHandle = ImportWin32(kD3D12Heap, heap, nullptr, kSize, hostVisible_);
  ExpectSameBytesThroughMappings(byName, byHandle, 360);

  for (VkExternalMemoryHandleTypeFlagBits type : {kD3D11Texture, kD3D12Resource}) {
    SCOPED_TRACE(HandleTypeName(type));
    const std::u16string name =
        test_name(type == kD3D11Texture ? u"Local\\kiln-conf-d3d11-texture" : u"Local\\kiln-conf-d3d12-resource");
    std::unique_ptr<Resource> a = Resource::Image(device(), type);
    std::unique_ptr<Resource> b = Resource::Image(device(), type);
    HANDLE h = nullptr;
    ASSERT_EQ(kiln_create_external_payload(type, a->requirements().size, nullptr, 0, name.c_str(), &h), ERROR_SUCCESS);
    OwnedHandle owned(h);
    Memory ma;
    ASSERT_EQ(TryImportByName(type, name, &ma, a->requirements().size, {a->DedicatedInfo()}), VK_SUCCESS);
    Memory mb = ImportWin32(type, h, nullptr, a->requirements().size, deviceOnly_, {b->DedicatedInfo()});
    a->Bind(ma.get());
    b->Bind(mb.get());
    ExpectSameBytesThroughQueues(*a, *b, 370);
  }
}

}  // namespace
}  // namespace kiln_test
