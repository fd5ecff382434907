// Capability queries against the handle-type table of docs/external-memory.md:
// vkGetPhysicalDeviceExternalBufferProperties, vkGetPhysicalDeviceImageFormatProperties2 with
// VkPhysicalDeviceExternalImageFormatInfo, VkMemoryDedicatedRequirements of resources created with
// each type, vkGetPhysicalDeviceExternalImageFormatPropertiesNV, and the host-pointer limits.
#include <gtest/gtest.h>

#include <vector>

#include "external_test_util.h"

namespace kiln_test {
namespace {

// One row of the contract's table.
struct Row {
  VkExternalMemoryHandleTypeFlagBits type;
  bool buffers;
  bool images;
  bool dedicatedOnly;
  bool exportable;
  VkExternalMemoryHandleTypeFlags compatible;
};

const std::vector<Row>& Table() {
  static const std::vector<Row> rows = {
      {kOpaqueWin32, true, true, false, true, kOpaqueTypes},
      {kOpaqueWin32Kmt, true, true, false, true, kOpaqueTypes},
      {kOpaqueFd, true, true, false, true, kOpaqueTypes},
      {kD3D11Texture, false, true, true, false, kD3D11Texture},
      {kD3D11TextureKmt, false, true, true, false, kD3D11TextureKmt},
      {kD3D12Heap, true, true, false, false, kD3D12Heap},
      {kD3D12Resource, true, true, true, false, kD3D12Resource},
      {kHostAllocation, true, false, false, false, kHostAllocation},
      {VK_EXTERNAL_MEMORY_HANDLE_TYPE_DMA_BUF_BIT_EXT, false, false, false, false, 0},
      {VK_EXTERNAL_MEMORY_HANDLE_TYPE_ANDROID_HARDWARE_BUFFER_BIT_ANDROID, false, false, false, false, 0},
      {VK_EXTERNAL_MEMORY_HANDLE_TYPE_ZIRCON_VMO_BIT_FUCHSIA, false, false, false, false, 0},
      {VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_MAPPED_FOREIGN_MEMORY_BIT_EXT, false, false, false, false, 0},
      {VK_EXTERNAL_MEMORY_HANDLE_TYPE_RDMA_ADDRESS_BIT_NV, false, false, false, false, 0},
  };
  return rows;
}

VkExternalMemoryFeatureFlags ExpectedFeatures(const Row& row) {
  return kImportable | (row.exportable ? kExportable : 0) | (row.dedicatedOnly ? kDedicatedOnly : 0);
}

class ExternalMemoryCapabilities : public ExternalMemoryTest {
 protected:
  VkExternalMemoryProperties BufferProperties(VkExternalMemoryHandleTypeFlagBits type) {
    auto info = Struct<VkPhysicalDeviceExternalBufferInfo>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_BUFFER_INFO);
    info.usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    info.handleType = type;
    auto out = Struct<VkExternalBufferProperties>(VK_STRUCTURE_TYPE_EXTERNAL_BUFFER_PROPERTIES);
    // Garbage the query must overwrite.
    std::memset(&out.externalMemoryProperties, 0x5A, sizeof out.externalMemoryProperties);
    vkGetPhysicalDeviceExternalBufferProperties(physical(), &info, &out);
    EXPECT_EQ(out.sType, VK_STRUCTURE_TYPE_EXTERNAL_BUFFER_PROPERTIES);
    EXPECT_EQ(out.pNext, nullptr);
    return out.externalMemoryProperties;
  }

  VkResult ImageProperties(VkExternalMemoryHandleTypeFlagBits type, VkImageFormatProperties* image,
                           VkExternalMemoryProperties* external) {
    const VkImageCreateInfo create = DefaultImageInfo();
    auto externalInfo =
        Struct<VkPhysicalDeviceExternalImageFormatInfo>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_IMAGE_FORMAT_INFO);
    externalInfo.handleType = type;
    auto info = Struct<VkPhysicalDeviceImageFormatInfo2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_IMAGE_FORMAT_INFO_2);
    info.pNext = &externalInfo;
    info.format = create.format;
    info.type = create.imageType;
    info.tiling = create.tiling;
    info.usage = create.usage;
    auto externalOut = Struct<VkExternalImageFormatProperties>(VK_STRUCTURE_TYPE_EXTERNAL_IMAGE_FORMAT_PROPERTIES);
    auto out = Struct<VkImageFormatProperties2>(VK_STRUCTURE_TYPE_IMAGE_FORMAT_PROPERTIES_2);
    out.pNext = &externalOut;
    VkResult result = vkGetPhysicalDeviceImageFormatProperties2(physical(), &info, &out);
    EXPECT_EQ(out.sType, VK_STRUCTURE_TYPE_IMAGE_FORMAT_PROPERTIES_2);
    EXPECT_EQ(out.pNext, &externalOut);
    EXPECT_EQ(externalOut.sType, VK_STRUCTURE_TYPE_EXTERNAL_IMAGE_FORMAT_PROPERTIES);
    EXPECT_EQ(externalOut.pNext, nullptr);
    *image = out.imageFormatProperties;
    *external = externalOut.externalMemoryProperties;
    return result;
  }

  VkResult PlainImageProperties(VkImageFormatProperties* out) {
    const VkImageCreateInfo create = DefaultImageInfo();
    return vkGetPhysicalDeviceImageFormatProperties(physical(), create.format, create.imageType, create.tiling,
                                                    create.usage, create.flags, out);
  }
};

bool SameImageFormatProperties(const VkImageFormatProperties& a, const VkImageFormatProperties& b) {
  return a.maxExtent.width == b.maxExtent.width && a.maxExtent.height == b.maxExtent.height &&
         a.maxExtent.depth == b.maxExtent.depth && a.maxMipLevels == b.maxMipLevels &&
         a.maxArrayLayers == b.maxArrayLayers && a.sampleCounts == b.sampleCounts &&
         a.maxResourceSize == b.maxResourceSize;
}

// Buffers: the table's features and compatible types for every type buffers can use, all zero for
// every other type.
TEST_F(ExternalMemoryCapabilities, BufferPropertiesFollowTheHandleTypeTable) {
  for (const Row& row : Table()) {
    SCOPED_TRACE(HandleTypeName(row.type));
    const VkExternalMemoryProperties p = BufferProperties(row.type);
    if (!row.buffers) {
      EXPECT_EQ(p.externalMemoryFeatures, 0u);
      EXPECT_EQ(p.compatibleHandleTypes, 0u);
      EXPECT_EQ(p.exportFromImportedHandleTypes, 0u);
      continue;
    }
    EXPECT_EQ(p.externalMemoryFeatures, ExpectedFeatures(row)) << std::hex << p.externalMemoryFeatures;
    EXPECT_TRUE(p.compatibleHandleTypes & row.type) << "compatibleHandleTypes must contain the queried type";
    EXPECT_EQ(p.compatibleHandleTypes, row.compatible) << std::hex << p.compatibleHandleTypes;
    if (row.exportable) {
      EXPECT_EQ(p.exportFromImportedHandleTypes, kOpaqueTypes) << "the bridge: imported opaque memory re-exports";
    } else {
      // Import-only types can never be exported, so they never appear here.
      EXPECT_EQ(p.exportFromImportedHandleTypes & ~kOpaqueTypes, 0u) << std::hex << p.exportFromImportedHandleTypes;
    }
  }
}

// Images: the table's features and compatible types, VK_ERROR_FORMAT_NOT_SUPPORTED for every type
// images cannot use; a supported type does not change the format's limits.
TEST_F(ExternalMemoryCapabilities, ImageFormatPropertiesFollowTheHandleTypeTable) {
  VkImageFormatProperties plain{};
  ASSERT_EQ(PlainImageProperties(&plain), VK_SUCCESS);
  for (const Row& row : Table()) {
    SCOPED_TRACE(HandleTypeName(row.type));
    VkImageFormatProperties image{};
    VkExternalMemoryProperties p{};
    const VkResult result = ImageProperties(row.type, &image, &p);
    if (!row.images) {
      EXPECT_EQ(result, VK_ERROR_FORMAT_NOT_SUPPORTED);
      continue;
    }
    ASSERT_EQ(result, VK_SUCCESS);
    EXPECT_EQ(p.externalMemoryFeatures, ExpectedFeatures(row)) << std::hex << p.externalMemoryFeatures;
    EXPECT_TRUE(p.compatibleHandleTypes & row.type) << "compatibleHandleTypes must contain the queried type";
    EXPECT_EQ(p.compatibleHandleTypes, row.compatible) << std::hex << p.compatibleHandleTypes;
    if (row.exportable) {
      EXPECT_EQ(p.exportFromImportedHandleTypes, kOpaqueTypes);
    } else {
      EXPECT_EQ(p.exportFromImportedHandleTypes & ~kOpaqueTypes, 0u) << std::hex << p.exportFromImportedHandleTypes;
    }
    EXPECT_TRUE(SameImageFormatProperties(image, plain));
  }
}

// "If handleType is 0, vkGetPhysicalDeviceImageFormatProperties2 will behave as if
// VkPhysicalDeviceExternalImageFormatInfo was not present."
TEST_F(ExternalMemoryCapabilities, ImageHandleTypeZeroIsIgnored) {
  VkImageFormatProperties plain{};
  ASSERT_EQ(PlainImageProperties(&plain), VK_SUCCESS);
  VkImageFormatProperties image{};
  VkExternalMemoryProperties p{};
  ASSERT_EQ(ImageProperties(VkExternalMemoryHandleTypeFlagBits(0), &image, &p), VK_SUCCESS);
  EXPECT_TRUE(SameImageFormatProperties(image, plain));
}

// Type 0 names no type buffers can use: all-zero properties.
TEST_F(ExternalMemoryCapabilities, BufferHandleTypeZeroReportsNothing) {
  const VkExternalMemoryProperties p = BufferProperties(VkExternalMemoryHandleTypeFlagBits(0));
  EXPECT_EQ(p.externalMemoryFeatures, 0u);
  EXPECT_EQ(p.compatibleHandleTypes, 0u);
  EXPECT_EQ(p.exportFromImportedHandleTypes, 0u);
}

// VkMemoryDedicatedRequirements of a buffer created with each type buffers can use.
TEST_F(ExternalMemoryCapabilities, BufferRequiresDedicatedAllocationExactlyForDedicatedOnlyTypes) {
  for (const Row& row : Table()) {
    if (!row.buffers) continue;
    SCOPED_TRACE(HandleTypeName(row.type));
    const VkBool32 expected = row.dedicatedOnly ? VK_TRUE : VK_FALSE;
    ASSERT_EQ((BufferProperties(row.type).externalMemoryFeatures & kDedicatedOnly) != 0, row.dedicatedOnly);
    std::unique_ptr<Resource> buffer = Resource::Buffer(device(), row.type);
    EXPECT_EQ(buffer->dedicatedRequirements().requiresDedicatedAllocation, expected);
    EXPECT_EQ(buffer->dedicatedRequirements().prefersDedicatedAllocation, expected);
  }
  std::unique_ptr<Resource> plain = Resource::Buffer(device(), 0);
  EXPECT_EQ(plain->dedicatedRequirements().requiresDedicatedAllocation, VK_FALSE);
  EXPECT_EQ(plain->dedicatedRequirements().prefersDedicatedAllocation, VK_FALSE);
}

// VkMemoryDedicatedRequirements of an image created with each type images can use.
TEST_F(ExternalMemoryCapabilities, ImageRequiresDedicatedAllocationExactlyForDedicatedOnlyTypes) {
  for (const Row& row : Table()) {
    if (!row.images) continue;
    SCOPED_TRACE(HandleTypeName(row.type));
    const VkBool32 expected = row.dedicatedOnly ? VK_TRUE : VK_FALSE;
    std::unique_ptr<Resource> image = Resource::Image(device(), row.type);
    EXPECT_EQ(image->dedicatedRequirements().requiresDedicatedAllocation, expected);
    EXPECT_EQ(image->dedicatedRequirements().prefersDedicatedAllocation, expected);
  }
  std::unique_ptr<Resource> plain = Resource::Image(device(), 0);
  EXPECT_EQ(plain->dedicatedRequirements().requiresDedicatedAllocation, VK_FALSE);
  EXPECT_EQ(plain->dedicatedRequirements().prefersDedicatedAllocation, VK_FALSE);
}

// An image created with several opaque types together (all compatible) needs no dedicated allocation.
TEST_F(ExternalMemoryCapabilities, CompatibleOpaqueTypesTogetherNeedNoDedicatedAllocation) {
  std::unique_ptr<Resource> image = Resource::Image(device(), kOpaqueTypes);
  EXPECT_EQ(image->dedicatedRequirements().requiresDedicatedAllocation, VK_FALSE);
  std::unique_ptr<Resource> buffer = Resource::Buffer(device(), kOpaqueTypes);
  EXPECT_EQ(buffer->dedicatedRequirements().requiresDedicatedAllocation, VK_FALSE);
}

// vkGetPhysicalDeviceExternalImageFormatPropertiesNV with type 0 answers like
// vkGetPhysicalDeviceImageFormatProperties.
TEST_F(ExternalMemoryCapabilities, NvQueryWithTypeZeroMatchesImageFormatProperties) {
  const VkImageCreateInfo create = DefaultImageInfo();
  VkImageFormatProperties plain{};
  ASSERT_EQ(PlainImageProperties(&plain), VK_SUCCESS);
  VkExternalImageFormatPropertiesNV nv{};
  ASSERT_EQ(fn_.getExternalImageFormatPropertiesNV(physical(), create.format, create.imageType, create.tiling,
                                                   create.usage, create.flags, 0, &nv),
            VK_SUCCESS);
  EXPECT_TRUE(SameImageFormatProperties(nv.imageFormatProperties, plain));
  // An unsupported format answers alike too.
  VkImageFormatProperties unsupportedPlain{};
  const VkResult plainResult = vkGetPhysicalDeviceImageFormatProperties(
      physical(), VK_FORMAT_ASTC_4x4_UNORM_BLOCK, create.imageType, create.tiling, create.usage, 0, &unsupportedPlain);
  EXPECT_EQ(fn_.getExternalImageFormatPropertiesNV(physical(), VK_FORMAT_ASTC_4x4_UNORM_BLOCK, create.imageType,
                                                   create.tiling, create.usage, 0, 0, &nv),
            plainResult);
}

// VUID-vkGetPhysicalDeviceExternalImageFormatPropertiesNV-usage-requiredbitmask: usage 0 is not an
// image; Kiln answers VK_ERROR_FORMAT_NOT_SUPPORTED, with or without a handle type.
TEST_F(ExternalMemoryCapabilities, NvQueryWithUsageZeroIsNotSupported) {
  const VkImageCreateInfo create = DefaultImageInfo();
  for (VkExternalMemoryHandleTypeFlagsNV type :
       {VkExternalMemoryHandleTypeFlagsNV{0}, VkExternalMemoryHandleTypeFlagsNV{VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_BIT_NV}}) {
    VkExternalImageFormatPropertiesNV nv{};
    EXPECT_EQ(fn_.getExternalImageFormatPropertiesNV(physical(), create.format, create.imageType, create.tiling, 0,
                                                     create.flags, type, &nv),
              VK_ERROR_FORMAT_NOT_SUPPORTED);
  }
}

// The NV types: opaque ones export and import, D3D11 images import only, dedicated; every
// compatibleHandleTypes contains the queried type.
TEST_F(ExternalMemoryCapabilities, NvQueryReportsEachTypeCompatibleWithItself) {
  const VkImageCreateInfo create = DefaultImageInfo();
  struct NvRow {
    VkExternalMemoryHandleTypeFlagBitsNV type;
    bool exportable;
    bool dedicatedOnly;
  };
  const NvRow rows[] = {
      {VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_BIT_NV, true, false},
      {VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_KMT_BIT_NV, true, false},
      {VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_IMAGE_BIT_NV, false, true},
      {VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_IMAGE_KMT_BIT_NV, false, true},
  };
  VkImageFormatProperties plain{};
  ASSERT_EQ(PlainImageProperties(&plain), VK_SUCCESS);
  for (const NvRow& row : rows) {
    SCOPED_TRACE(row.type);
    VkExternalImageFormatPropertiesNV nv{};
    ASSERT_EQ(fn_.getExternalImageFormatPropertiesNV(physical(), create.format, create.imageType, create.tiling,
                                                     create.usage, create.flags, row.type, &nv),
              VK_SUCCESS);
    EXPECT_TRUE(nv.compatibleHandleTypes & row.type) << std::hex << nv.compatibleHandleTypes;
    EXPECT_TRUE(nv.externalMemoryFeatures & VK_EXTERNAL_MEMORY_FEATURE_IMPORTABLE_BIT_NV);
    EXPECT_EQ((nv.externalMemoryFeatures & VK_EXTERNAL_MEMORY_FEATURE_EXPORTABLE_BIT_NV) != 0, row.exportable);
    EXPECT_EQ((nv.externalMemoryFeatures & VK_EXTERNAL_MEMORY_FEATURE_DEDICATED_ONLY_BIT_NV) != 0, row.dedicatedOnly);
    EXPECT_TRUE(SameImageFormatProperties(nv.imageFormatProperties, plain));
  }
}

// VK_EXT_external_memory_host: minImportedHostPointerAlignment is the page size.
TEST_F(ExternalMemoryCapabilities, HostPointerAlignmentIsThePageSize) {
  auto host = Struct<VkPhysicalDeviceExternalMemoryHostPropertiesEXT>(
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_MEMORY_HOST_PROPERTIES_EXT);
  auto properties = Struct<VkPhysicalDeviceProperties2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2);
  properties.pNext = &host;
  vkGetPhysicalDeviceProperties2(physical(), &properties);
  EXPECT_EQ(host.minImportedHostPointerAlignment, 4096u);
}

// Drivers match adapters by UUID and LUID: deviceUUID and driverUUID are not all zero, and stable.
TEST_F(ExternalMemoryCapabilities, DeviceIdPropertiesAreStable) {
  auto query = [&] {
    auto id = Struct<VkPhysicalDeviceIDProperties>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES);
    auto properties = Struct<VkPhysicalDeviceProperties2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2);
    properties.pNext = &id;
    vkGetPhysicalDeviceProperties2(physical(), &properties);
    return id;
  };
  const VkPhysicalDeviceIDProperties first = query();
  const VkPhysicalDeviceIDProperties second = query();
  const uint8_t zero[VK_UUID_SIZE] = {};
  EXPECT_NE(std::memcmp(first.deviceUUID, zero, VK_UUID_SIZE), 0);
  EXPECT_NE(std::memcmp(first.driverUUID, zero, VK_UUID_SIZE), 0);
  EXPECT_EQ(std::memcmp(first.deviceUUID, second.deviceUUID, VK_UUID_SIZE), 0);
  EXPECT_EQ(std::memcmp(first.driverUUID, second.driverUUID, VK_UUID_SIZE), 0);
  // A second instance sees the same device.
  std::unique_ptr<Instance> other = CreateExternalInstance();
  auto id = Struct<VkPhysicalDeviceIDProperties>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES);
  auto properties = Struct<VkPhysicalDeviceProperties2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2);
  properties.pNext = &id;
  vkGetPhysicalDeviceProperties2(other->PhysicalDevice(), &properties);
  EXPECT_EQ(std::memcmp(first.deviceUUID, id.deviceUUID, VK_UUID_SIZE), 0);
  EXPECT_EQ(std::memcmp(first.driverUUID, id.driverUUID, VK_UUID_SIZE), 0);
  EXPECT_EQ(first.deviceLUIDValid, id.deviceLUIDValid);
  if (first.deviceLUIDValid) {
    EXPECT_EQ(std::memcmp(first.deviceLUID, id.deviceLUID, VK_LUID_SIZE), 0);
  }
}

}  // namespace
}  // namespace kiln_test
