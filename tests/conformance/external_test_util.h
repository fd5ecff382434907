// Helpers shared by the same-process external-memory conformance tests: a fixture whose device
// enables every external-memory extension Kiln offers, the extension entry points, RAII owners for
// memory objects and NT handles, resources created for external memory, and the byte checks that
// prove two memory objects are one payload (through mappings and through queue copies).
//
// These tests are Kiln's: lavapipe has no win32 external memory, so every test skips off Kiln
// (KT_REQUIRE_KILN) and fails on Kiln when an extension of the contract is missing.
#pragma once

// <kiln/win32.h> defines the Win32 types that <vulkan/vulkan_win32.h> names; vulkan_win32.h comes
// after vulkan.h. (The order matters: no include sorting here.)
// clang-format off
#include <kiln/win32.h>
#include <vulkan/vulkan.h>
#include <vulkan/vulkan_win32.h>
// clang-format on

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "vk_test_util.h"
#include "win32_test_util.h"

namespace kiln_test {

// ---------------------------------------------------------------------------------------------
// Handle types, in the contract's words (docs/external-memory.md).

inline constexpr VkExternalMemoryHandleTypeFlagBits kOpaqueWin32 = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_BIT;
inline constexpr VkExternalMemoryHandleTypeFlagBits kOpaqueWin32Kmt =
    VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_KMT_BIT;
inline constexpr VkExternalMemoryHandleTypeFlagBits kOpaqueFd = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT;
inline constexpr VkExternalMemoryHandleTypeFlagBits kD3D11Texture = VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_BIT;
inline constexpr VkExternalMemoryHandleTypeFlagBits kD3D11TextureKmt =
    VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_KMT_BIT;
inline constexpr VkExternalMemoryHandleTypeFlagBits kD3D12Heap = VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_HEAP_BIT;
inline constexpr VkExternalMemoryHandleTypeFlagBits kD3D12Resource = VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_RESOURCE_BIT;
inline constexpr VkExternalMemoryHandleTypeFlagBits kHostAllocation =
    VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT;
inline constexpr VkExternalMemoryHandleTypeFlags kOpaqueTypes = kOpaqueWin32 | kOpaqueWin32Kmt | kOpaqueFd;

inline constexpr VkExternalMemoryFeatureFlags kExportable = VK_EXTERNAL_MEMORY_FEATURE_EXPORTABLE_BIT;
inline constexpr VkExternalMemoryFeatureFlags kImportable = VK_EXTERNAL_MEMORY_FEATURE_IMPORTABLE_BIT;
inline constexpr VkExternalMemoryFeatureFlags kDedicatedOnly = VK_EXTERNAL_MEMORY_FEATURE_DEDICATED_ONLY_BIT;

// Read and write, the access an NT handle gets when the export names none.
inline constexpr DWORD kReadWrite = DXGI_SHARED_RESOURCE_READ | DXGI_SHARED_RESOURCE_WRITE;

inline const char* HandleTypeName(VkExternalMemoryHandleTypeFlagBits type) {
  switch (type) {
    case VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT:
      return "opaque_fd";
    case VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_BIT:
      return "opaque_win32";
    case VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_KMT_BIT:
      return "opaque_win32_kmt";
    case VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_BIT:
      return "d3d11_texture";
    case VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_KMT_BIT:
      return "d3d11_texture_kmt";
    case VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_HEAP_BIT:
      return "d3d12_heap";
    case VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_RESOURCE_BIT:
      return "d3d12_resource";
    case VK_EXTERNAL_MEMORY_HANDLE_TYPE_DMA_BUF_BIT_EXT:
      return "dma_buf";
    case VK_EXTERNAL_MEMORY_HANDLE_TYPE_ANDROID_HARDWARE_BUFFER_BIT_ANDROID:
      return "android_hardware_buffer";
    case VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT:
      return "host_allocation";
    case VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_MAPPED_FOREIGN_MEMORY_BIT_EXT:
      return "host_mapped_foreign_memory";
    case VK_EXTERNAL_MEMORY_HANDLE_TYPE_ZIRCON_VMO_BIT_FUCHSIA:
      return "zircon_vmo";
    case VK_EXTERNAL_MEMORY_HANDLE_TYPE_RDMA_ADDRESS_BIT_NV:
      return "rdma_address";
    default:
      return "unknown";
  }
}

// ---------------------------------------------------------------------------------------------
// Descriptors: a failed call must leave the process's descriptor count where it was.

inline int OpenFdCount() {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return -1;
  int n = 0;
  while (readdir(dir)) ++n;
  closedir(dir);
  return n - 1;  // the directory's own descriptor
}

inline bool FdIsOpen(int fd) { return fcntl(fd, F_GETFD) != -1 || errno != EBADF; }

// Names and KMT values live in the per-user broker, which a process connects to the first time it
// needs one; the connection then stays. Tests that count descriptors across a failure connect first,
// so that the connection is not mistaken for a leak.
inline void ConnectToBroker() {
  HANDLE named = nullptr;
  std::u16string name = test_name(u"Local\\kiln-conf-broker-warmup");
  if (kiln_create_external_payload(kD3D12Heap, 4096, nullptr, 0, name.c_str(), &named) == ERROR_SUCCESS)
    CloseHandle(named);
}

// ---------------------------------------------------------------------------------------------
// Owners.

// An NT handle the test owns: closed when the owner goes, unless released.
class OwnedHandle {
 public:
  OwnedHandle() = default;
  explicit OwnedHandle(HANDLE h) : h_(h) {}
  OwnedHandle(OwnedHandle&& other) noexcept : h_(other.release()) {}
  OwnedHandle& operator=(OwnedHandle&& other) noexcept {
    reset(other.release());
    return *this;
  }
  ~OwnedHandle() { reset(); }
  HANDLE get() const { return h_; }
  HANDLE release() { return std::exchange(h_, nullptr); }
  void reset(HANDLE h = nullptr) {
    if (h_) CloseHandle(h_);
    h_ = h;
  }

 private:
  HANDLE h_ = nullptr;
};

// A file descriptor the test owns.
class OwnedFd {
 public:
  OwnedFd() = default;
  explicit OwnedFd(int fd) : fd_(fd) {}
  OwnedFd(OwnedFd&& other) noexcept : fd_(other.release()) {}
  OwnedFd& operator=(OwnedFd&& other) noexcept {
    reset(other.release());
    return *this;
  }
  ~OwnedFd() { reset(); }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// A VkDeviceMemory the test owns: freed when the owner goes.
class Memory {
 public:
  Memory() = default;
  Memory(VkDevice device, VkDeviceMemory memory, VkDeviceSize size) : device_(device), memory_(memory), size_(size) {}
  Memory(Memory&& other) noexcept
      : device_(other.device_), memory_(std::exchange(other.memory_, VK_NULL_HANDLE)), size_(other.size_) {}
  Memory& operator=(Memory&& other) noexcept {
    Reset();
    device_ = other.device_;
    memory_ = std::exchange(other.memory_, VK_NULL_HANDLE);
    size_ = other.size_;
    return *this;
  }
  ~Memory() { Reset(); }

  VkDeviceMemory get() const { return memory_; }
  VkDeviceSize size() const { return size_; }
  explicit operator bool() const { return memory_ != VK_NULL_HANDLE; }
  void Reset() {
    if (memory_ != VK_NULL_HANDLE) vkFreeMemory(device_, memory_, nullptr);  // implicitly unmaps
    memory_ = VK_NULL_HANDLE;
  }
  uint8_t* Map() const {
    void* data = nullptr;
    KT_CHECK(vkMapMemory(device_, memory_, 0, VK_WHOLE_SIZE, 0, &data));
    return static_cast<uint8_t*>(data);
  }
  void Unmap() const { vkUnmapMemory(device_, memory_); }

 private:
  VkDevice device_ = VK_NULL_HANDLE;
  VkDeviceMemory memory_ = VK_NULL_HANDLE;
  VkDeviceSize size_ = 0;
};

// ---------------------------------------------------------------------------------------------
// pNext chains.

// Links the given structures (nullptr entries are left out) into one pNext chain, in order, and
// returns its head. Each structure's own pNext is overwritten.
inline const void* Chain(std::initializer_list<const void*> structures) {
  VkBaseOutStructure* head = nullptr;
  VkBaseOutStructure* tail = nullptr;
  for (const void* s : structures) {
    if (!s) continue;
    auto* link = reinterpret_cast<VkBaseOutStructure*>(const_cast<void*>(s));
    link->pNext = nullptr;
    (tail ? tail->pNext : head) = link;
    tail = link;
  }
  return head;
}

// `head`, then `extra` (nullptr entries left out), linked into one pNext chain.
inline const void* ChainAfter(const void* head, const std::vector<const void*>& extra) {
  auto* tail = reinterpret_cast<VkBaseOutStructure*>(const_cast<void*>(head));
  tail->pNext = nullptr;
  for (const void* s : extra) {
    if (!s) continue;
    auto* link = reinterpret_cast<VkBaseOutStructure*>(const_cast<void*>(s));
    link->pNext = nullptr;
    tail->pNext = link;
    tail = link;
  }
  return head;
}

// A D3D runtime's shared resource of `size` bytes, made by Kiln's stand-in: an NT handle (or a KMT
// value, for the KMT types) the caller owns.
inline HANDLE CreateD3DPayload(VkExternalMemoryHandleTypeFlagBits type, VkDeviceSize size) {
  HANDLE h = nullptr;
  if (kiln_create_external_payload(type, size, nullptr, 0, nullptr, &h) != ERROR_SUCCESS)
    Fail("kiln_create_external_payload failed");
  return h;
}

// ---------------------------------------------------------------------------------------------
// Entry points of the extensions (on Linux the loader exports no win32 function).

struct ExternalFunctions {
  PFN_vkGetMemoryWin32HandleKHR getWin32Handle = nullptr;
  PFN_vkGetMemoryWin32HandlePropertiesKHR getWin32HandleProperties = nullptr;
  PFN_vkGetMemoryWin32HandleNV getWin32HandleNV = nullptr;
  PFN_vkGetMemoryFdKHR getFd = nullptr;
  PFN_vkGetMemoryFdPropertiesKHR getFdProperties = nullptr;
  PFN_vkGetMemoryHostPointerPropertiesEXT getHostPointerProperties = nullptr;
  PFN_vkGetPhysicalDeviceExternalImageFormatPropertiesNV getExternalImageFormatPropertiesNV = nullptr;

  static ExternalFunctions Load(const Instance& instance, const Device& device) {
    ExternalFunctions f;
    f.getWin32Handle = device.Proc<PFN_vkGetMemoryWin32HandleKHR>("vkGetMemoryWin32HandleKHR");
    f.getWin32HandleProperties =
        device.Proc<PFN_vkGetMemoryWin32HandlePropertiesKHR>("vkGetMemoryWin32HandlePropertiesKHR");
    f.getWin32HandleNV = device.Proc<PFN_vkGetMemoryWin32HandleNV>("vkGetMemoryWin32HandleNV");
    f.getFd = device.Proc<PFN_vkGetMemoryFdKHR>("vkGetMemoryFdKHR");
    f.getFdProperties = device.Proc<PFN_vkGetMemoryFdPropertiesKHR>("vkGetMemoryFdPropertiesKHR");
    f.getHostPointerProperties =
        device.Proc<PFN_vkGetMemoryHostPointerPropertiesEXT>("vkGetMemoryHostPointerPropertiesEXT");
    f.getExternalImageFormatPropertiesNV = instance.Proc<PFN_vkGetPhysicalDeviceExternalImageFormatPropertiesNV>(
        "vkGetPhysicalDeviceExternalImageFormatPropertiesNV");
    if (!f.getWin32Handle) Fail("vkGetDeviceProcAddr(vkGetMemoryWin32HandleKHR) is NULL");
    if (!f.getWin32HandleProperties) Fail("vkGetDeviceProcAddr(vkGetMemoryWin32HandlePropertiesKHR) is NULL");
    if (!f.getWin32HandleNV) Fail("vkGetDeviceProcAddr(vkGetMemoryWin32HandleNV) is NULL");
    if (!f.getFd) Fail("vkGetDeviceProcAddr(vkGetMemoryFdKHR) is NULL");
    if (!f.getFdProperties) Fail("vkGetDeviceProcAddr(vkGetMemoryFdPropertiesKHR) is NULL");
    if (!f.getHostPointerProperties) Fail("vkGetDeviceProcAddr(vkGetMemoryHostPointerPropertiesEXT) is NULL");
    if (!f.getExternalImageFormatPropertiesNV)
      Fail("vkGetInstanceProcAddr(vkGetPhysicalDeviceExternalImageFormatPropertiesNV) is NULL");
    return f;
  }
};

// ---------------------------------------------------------------------------------------------
// Instances and devices with every external-memory extension of the contract.

inline const std::vector<const char*>& ExternalDeviceExtensions() {
  static const std::vector<const char*> extensions = {
      VK_KHR_EXTERNAL_MEMORY_EXTENSION_NAME,      VK_KHR_EXTERNAL_MEMORY_WIN32_EXTENSION_NAME,
      VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME,   VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME,
      VK_NV_EXTERNAL_MEMORY_EXTENSION_NAME,       VK_NV_EXTERNAL_MEMORY_WIN32_EXTENSION_NAME,
      VK_KHR_DEDICATED_ALLOCATION_EXTENSION_NAME, VK_KHR_GET_MEMORY_REQUIREMENTS_2_EXTENSION_NAME,
  };
  return extensions;
}

inline bool InstanceExtensionSupported(const char* name) {
  UseDriverUnderTestByDefault();
  uint32_t count = 0;
  vkEnumerateInstanceExtensionProperties(nullptr, &count, nullptr);
  std::vector<VkExtensionProperties> extensions(count);
  vkEnumerateInstanceExtensionProperties(nullptr, &count, extensions.data());
  for (const VkExtensionProperties& e : extensions)
    if (std::strcmp(e.extensionName, name) == 0) return true;
  return false;
}

// An instance with VK_NV_external_memory_capabilities, on the driver under test, without validation
// (these tests misuse the API on purpose).
inline std::unique_ptr<Instance> CreateExternalInstance() {
  if (!InstanceExtensionSupported(VK_NV_EXTERNAL_MEMORY_CAPABILITIES_EXTENSION_NAME))
    Fail("the driver does not offer " VK_NV_EXTERNAL_MEMORY_CAPABILITIES_EXTENSION_NAME);
  InstanceOptions options;
  options.extensions = {VK_NV_EXTERNAL_MEMORY_CAPABILITIES_EXTENSION_NAME};
  options.validation = false;
  return Instance::Create(options);
}

// A device with every extension of ExternalDeviceExtensions() (and VK_EXT_memory_budget when offered).
inline std::unique_ptr<Device> CreateExternalDevice(const Instance& instance) {
  DeviceOptions options;
  VkPhysicalDevice physical = instance.PhysicalDevice();
  for (const char* extension : ExternalDeviceExtensions()) {
    if (!DeviceExtensionSupported(physical, extension)) Fail(std::string("the driver does not offer ") + extension);
    options.extensions.push_back(extension);
  }
  if (DeviceExtensionSupported(physical, VK_EXT_MEMORY_BUDGET_EXTENSION_NAME))
    options.extensions.push_back(VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
  return Device::Create(instance, options);
}

// The two memory types of the contract: device-only (type 0 on Kiln) and host-visible (type 1).
inline uint32_t DeviceOnlyType(const Device& device) {
  uint32_t type = device.FindMemoryType(~0u, 0, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT);
  if (type == UINT32_MAX) Fail("no device-only memory type");
  return type;
}
inline uint32_t HostVisibleType(const Device& device) {
  uint32_t type =
      device.FindMemoryType(~0u, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
  if (type == UINT32_MAX) Fail("no host-visible coherent memory type");
  return type;
}

inline VkResult TryAllocate(const Device& device, VkDeviceSize size, uint32_t type, const void* pNext, Memory* out) {
  auto info = Struct<VkMemoryAllocateInfo>(VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO);
  info.pNext = pNext;
  info.allocationSize = size;
  info.memoryTypeIndex = type;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  VkResult result = vkAllocateMemory(device.handle, &info, nullptr, &memory);
  *out = result == VK_SUCCESS ? Memory(device.handle, memory, size) : Memory();
  return result;
}

inline Memory Allocate(const Device& device, VkDeviceSize size, uint32_t type, const void* pNext = nullptr) {
  Memory memory;
  KT_CHECK(TryAllocate(device, size, type, pNext, &memory));
  return memory;
}

// ---------------------------------------------------------------------------------------------
// Resources created for external memory: a buffer or an image, without memory.

inline constexpr VkDeviceSize kBufferSize = 64 * 1024;

inline VkImageCreateInfo DefaultImageInfo() {
  return ImageInfo(VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {64, 64, 1});
}

class Resource {
 public:
  // A buffer of `size` bytes created with VkExternalMemoryBufferCreateInfo{types} (none if types is 0).
  static std::unique_ptr<Resource> Buffer(const Device& device, VkExternalMemoryHandleTypeFlags types,
                                          VkDeviceSize size = kBufferSize) {
    std::unique_ptr<Resource> r(new Resource(device));
    auto external = Struct<VkExternalMemoryBufferCreateInfo>(VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO);
    external.handleTypes = types;
    auto info = Struct<VkBufferCreateInfo>(VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO);
    info.pNext = types ? &external : nullptr;
    info.size = size;
    info.usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    KT_CHECK(vkCreateBuffer(device.handle, &info, nullptr, &r->buffer_));
    r->size_ = size;
    auto query = Struct<VkBufferMemoryRequirementsInfo2>(VK_STRUCTURE_TYPE_BUFFER_MEMORY_REQUIREMENTS_INFO_2);
    query.buffer = r->buffer_;
    auto requirements = Struct<VkMemoryRequirements2>(VK_STRUCTURE_TYPE_MEMORY_REQUIREMENTS_2);
    requirements.pNext = &r->dedicatedRequirements_;
    vkGetBufferMemoryRequirements2(device.handle, &query, &requirements);
    r->requirements_ = requirements.memoryRequirements;
    return r;
  }

  // An image like `info`, created with VkExternalMemoryImageCreateInfo{types} (or, with `nv`,
  // VkExternalMemoryImageCreateInfoNV{types}); none if types is 0.
  static std::unique_ptr<Resource> Image(const Device& device, VkExternalMemoryHandleTypeFlags types,
                                         const VkImageCreateInfo& info = DefaultImageInfo(), bool nv = false) {
    std::unique_ptr<Resource> r(new Resource(device));
    r->imageInfo_ = info;
    auto external = Struct<VkExternalMemoryImageCreateInfo>(VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_IMAGE_CREATE_INFO);
    external.handleTypes = types;
    auto externalNV = Struct<VkExternalMemoryImageCreateInfoNV>(VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_IMAGE_CREATE_INFO_NV);
    externalNV.handleTypes = types;
    VkImageCreateInfo create = info;
    create.pNext = types == 0 ? nullptr : nv ? static_cast<const void*>(&externalNV) : &external;
    KT_CHECK(vkCreateImage(device.handle, &create, nullptr, &r->image_));
    auto query = Struct<VkImageMemoryRequirementsInfo2>(VK_STRUCTURE_TYPE_IMAGE_MEMORY_REQUIREMENTS_INFO_2);
    query.image = r->image_;
    auto requirements = Struct<VkMemoryRequirements2>(VK_STRUCTURE_TYPE_MEMORY_REQUIREMENTS_2);
    requirements.pNext = &r->dedicatedRequirements_;
    vkGetImageMemoryRequirements2(device.handle, &query, &requirements);
    r->requirements_ = requirements.memoryRequirements;
    // The byte helpers below move whole single-level 2D R8G8B8A8 images, tightly packed.
    if (info.format != VK_FORMAT_R8G8B8A8_UNORM || info.mipLevels != 1 || info.arrayLayers != 1)
      Fail("Resource::Image supports single-level R8G8B8A8_UNORM images only");
    r->size_ = VkDeviceSize{info.extent.width} * info.extent.height * 4;
    return r;
  }

  ~Resource() {
    if (buffer_ != VK_NULL_HANDLE) vkDestroyBuffer(device_.handle, buffer_, nullptr);
    if (image_ != VK_NULL_HANDLE) vkDestroyImage(device_.handle, image_, nullptr);
  }
  Resource(const Resource&) = delete;
  Resource& operator=(const Resource&) = delete;

  bool isImage() const { return image_ != VK_NULL_HANDLE; }
  VkBuffer buffer() const { return buffer_; }
  VkImage image() const { return image_; }
  const VkImageCreateInfo& imageInfo() const { return imageInfo_; }
  const Device& device() const { return device_; }
  const VkMemoryRequirements& requirements() const { return requirements_; }
  const VkMemoryDedicatedRequirements& dedicatedRequirements() const { return dedicatedRequirements_; }
  // Bytes of the buffer, or of the image's texels packed tightly (what a buffer copy moves).
  VkDeviceSize contentSize() const { return size_; }

  // A VkMemoryDedicatedAllocateInfo naming this resource (owned by the resource, so it can be chained).
  VkMemoryDedicatedAllocateInfo* DedicatedInfo() {
    dedicatedInfo_ = Struct<VkMemoryDedicatedAllocateInfo>(VK_STRUCTURE_TYPE_MEMORY_DEDICATED_ALLOCATE_INFO);
    dedicatedInfo_.buffer = buffer_;
    dedicatedInfo_.image = image_;
    return &dedicatedInfo_;
  }

  VkResult TryBind(VkDeviceMemory memory, VkDeviceSize offset = 0) const {
    return isImage() ? vkBindImageMemory(device_.handle, image_, memory, offset)
                     : vkBindBufferMemory(device_.handle, buffer_, memory, offset);
  }
  void Bind(VkDeviceMemory memory, VkDeviceSize offset = 0) const { KT_CHECK(TryBind(memory, offset)); }

 private:
  explicit Resource(const Device& device) : device_(device) {}
  const Device& device_;
  VkBuffer buffer_ = VK_NULL_HANDLE;
  VkImage image_ = VK_NULL_HANDLE;
  VkImageCreateInfo imageInfo_{};
  VkDeviceSize size_ = 0;
  VkMemoryRequirements requirements_{};
  VkMemoryDedicatedRequirements dedicatedRequirements_ =
      Struct<VkMemoryDedicatedRequirements>(VK_STRUCTURE_TYPE_MEMORY_DEDICATED_REQUIREMENTS);
  VkMemoryDedicatedAllocateInfo dedicatedInfo_{};
};

// ---------------------------------------------------------------------------------------------
// Moving bytes through the queue.

inline void ImageBarrier(VkCommandBuffer cmd, VkImage image, VkImageLayout from, VkImageLayout to) {
  auto barrier = Struct<VkImageMemoryBarrier>(VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER);
  barrier.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT;
  barrier.dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  barrier.oldLayout = from;
  barrier.newLayout = to;
  barrier.srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
  barrier.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
  barrier.image = image;
  barrier.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
  vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 0, nullptr, 0, nullptr,
                       1, &barrier);
}

inline VkBufferImageCopy WholeImageCopy(const VkImageCreateInfo& info) {
  VkBufferImageCopy region{};
  region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
  region.imageExtent = info.extent;
  return region;
}

// Images shared through external memory rest in VK_IMAGE_LAYOUT_GENERAL between submissions: a
// write overwrites every texel (so it may start from UNDEFINED) and leaves the image in GENERAL; a
// read starts from GENERAL, the layout the other side left the memory in.

// Writes `bytes` into the resource with a queue copy from a staging buffer.
inline void WriteThroughQueue(const Resource& r, const std::vector<uint8_t>& bytes) {
  const Device& device = r.device();
  kiln_test::Buffer staging(device, bytes.size(), MemoryKind::Host);
  std::memcpy(staging.data(), bytes.data(), bytes.size());
  RunOnce(device, [&](VkCommandBuffer cmd) {
    if (r.isImage()) {
      ImageBarrier(cmd, r.image(), VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL);
      VkBufferImageCopy region = WholeImageCopy(r.imageInfo());
      vkCmdCopyBufferToImage(cmd, staging.handle(), r.image(), VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &region);
      ImageBarrier(cmd, r.image(), VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_IMAGE_LAYOUT_GENERAL);
    } else {
      VkBufferCopy region{0, 0, bytes.size()};
      vkCmdCopyBuffer(cmd, staging.handle(), r.buffer(), 1, &region);
    }
  });
}

// Reads the resource's bytes with a queue copy into a host-visible readback buffer.
inline std::vector<uint8_t> ReadThroughQueue(const Resource& r) {
  const Device& device = r.device();
  const VkDeviceSize size = r.contentSize();
  kiln_test::Buffer readback(device, size, MemoryKind::Host);
  std::memset(readback.data(), 0xCD, size);
  RunOnce(device, [&](VkCommandBuffer cmd) {
    if (r.isImage()) {
      ImageBarrier(cmd, r.image(), VK_IMAGE_LAYOUT_GENERAL, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL);
      VkBufferImageCopy region = WholeImageCopy(r.imageInfo());
      vkCmdCopyImageToBuffer(cmd, r.image(), VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, readback.handle(), 1, &region);
      ImageBarrier(cmd, r.image(), VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, VK_IMAGE_LAYOUT_GENERAL);
    } else {
      VkBufferCopy region{0, 0, size};
      vkCmdCopyBuffer(cmd, r.buffer(), readback.handle(), 1, &region);
    }
  });
  return std::vector<uint8_t>(readback.data(), readback.data() + size);
}

// Writes `bytes` into the resource with a resource-to-resource copy (vkCmdCopyBuffer, or
// vkCmdCopyImage from a source image of the same shape with its own memory).
inline void WriteByResourceCopy(const Resource& r, const std::vector<uint8_t>& bytes) {
  const Device& device = r.device();
  if (!r.isImage()) {
    kiln_test::Buffer source(device, bytes.size(), MemoryKind::Device);
    kiln_test::Buffer staging(device, bytes.size(), MemoryKind::Host);
    std::memcpy(staging.data(), bytes.data(), bytes.size());
    RunOnce(device, [&](VkCommandBuffer cmd) {
      VkBufferCopy region{0, 0, bytes.size()};
      vkCmdCopyBuffer(cmd, staging.handle(), source.handle(), 1, &region);
      TransferBarrier(cmd);
      vkCmdCopyBuffer(cmd, source.handle(), r.buffer(), 1, &region);
    });
    return;
  }
  std::unique_ptr<Resource> source = Resource::Image(device, 0, r.imageInfo());
  Memory sourceMemory = Allocate(device, source->requirements().size,
                                 PickMemoryType(device, source->requirements().memoryTypeBits, MemoryKind::Device));
  source->Bind(sourceMemory.get());
  WriteThroughQueue(*source, bytes);
  RunOnce(device, [&](VkCommandBuffer cmd) {
    ImageBarrier(cmd, source->image(), VK_IMAGE_LAYOUT_GENERAL, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL);
    ImageBarrier(cmd, r.image(), VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL);
    VkImageCopy region{};
    region.srcSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
    region.dstSubresource = region.srcSubresource;
    region.extent = r.imageInfo().extent;
    vkCmdCopyImage(cmd, source->image(), VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, r.image(),
                   VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &region);
    ImageBarrier(cmd, r.image(), VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_IMAGE_LAYOUT_GENERAL);
  });
}

// ---------------------------------------------------------------------------------------------
// The proof that two memory objects are one payload.

// Bytes written through one mapping are read through the other, both ways.
// `size` 0: the smaller allocationSize of the two.
inline void ExpectSameBytesThroughMappings(const Memory& a, const Memory& b, uint32_t seed, VkDeviceSize size = 0) {
  if (size == 0) size = std::min(a.size(), b.size());
  uint8_t* pa = a.Map();
  uint8_t* pb = b.Map();
  const std::vector<uint8_t> first = RandomBytes(size, seed);
  std::memcpy(pa, first.data(), size);
  EXPECT_TRUE(BytesEqual(pb, first.data(), size)) << "written through the first mapping, read through the second";
  const std::vector<uint8_t> second = RandomBytes(size, seed + 1);
  std::memcpy(pb, second.data(), size);
  EXPECT_TRUE(BytesEqual(pa, second.data(), size)) << "written through the second mapping, read through the first";
  a.Unmap();
  b.Unmap();
}

// Bytes written into resource `a` by the queue are read from resource `b` by the queue, and the
// reverse (with a resource-to-resource copy into `b`). The resources may be on different devices.
inline void ExpectSameBytesThroughQueues(const Resource& a, const Resource& b, uint32_t seed) {
  const std::vector<uint8_t> first = RandomBytes(a.contentSize(), seed + 2);
  WriteThroughQueue(a, first);
  EXPECT_TRUE(BytesEqual(ReadThroughQueue(b), first)) << "written by the queue into the first resource";
  const std::vector<uint8_t> second = RandomBytes(b.contentSize(), seed + 3);
  WriteByResourceCopy(b, second);
  EXPECT_TRUE(BytesEqual(ReadThroughQueue(a), second)) << "copied by the queue into the second resource";
}

// ---------------------------------------------------------------------------------------------
// The fixture.

class ExternalMemoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    KT_REQUIRE_KILN();
    instance_ = CreateExternalInstance();
    device_ = CreateExternalDevice(*instance_);
    fn_ = ExternalFunctions::Load(*instance_, *device_);
    deviceOnly_ = DeviceOnlyType(*device_);
    hostVisible_ = HostVisibleType(*device_);
    // Any test may count descriptors around a call that looks up a name or a KMT value.
    ConnectToBroker();
  }
  void TearDown() override {
    device_.reset();
    instance_.reset();
  }

  const Device& device() const { return *device_; }
  VkDevice vk() const { return device_->handle; }
  VkPhysicalDevice physical() const { return device_->physical; }

  // Exportable memory of `size` bytes: VkExportMemoryAllocateInfo{types}, then `extra` (e.g.
  // VkExportMemoryWin32HandleInfoKHR, VkMemoryDedicatedAllocateInfo), chained in order.
  VkResult TryExport(VkExternalMemoryHandleTypeFlags types, VkDeviceSize size, uint32_t type, Memory* out,
                     const std::vector<const void*>& extra = {}, const Device* on = nullptr) {
    auto exportInfo = Struct<VkExportMemoryAllocateInfo>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO);
    exportInfo.handleTypes = types;
    return TryAllocate(on ? *on : device(), size, type, ChainAfter(&exportInfo, extra), out);
  }
  Memory Export(VkExternalMemoryHandleTypeFlags types, VkDeviceSize size, uint32_t type,
                const std::vector<const void*>& extra = {}, const Device* on = nullptr) {
    Memory memory;
    KT_CHECK(TryExport(types, size, type, &memory, extra, on));
    return memory;
  }

  // vkGetMemoryWin32HandleKHR.
  VkResult TryGetWin32Handle(const Memory& memory, VkExternalMemoryHandleTypeFlagBits type, HANDLE* out,
                             const Device* on = nullptr) {
    auto info = Struct<VkMemoryGetWin32HandleInfoKHR>(VK_STRUCTURE_TYPE_MEMORY_GET_WIN32_HANDLE_INFO_KHR);
    info.memory = memory.get();
    info.handleType = type;
    // Entry points are per device: another device's come from that device.
    auto get = on ? on->Proc<PFN_vkGetMemoryWin32HandleKHR>("vkGetMemoryWin32HandleKHR") : fn_.getWin32Handle;
    return get((on ? *on : device()).handle, &info, out);
  }
  // A new NT handle (OPAQUE_WIN32) the test owns.
  OwnedHandle GetNtHandle(const Memory& memory, const Device* on = nullptr) {
    HANDLE h = nullptr;
    KT_CHECK(TryGetWin32Handle(memory, kOpaqueWin32, &h, on));
    return OwnedHandle(h);
  }
  // The payload's KMT value (OPAQUE_WIN32_KMT), which nobody owns.
  HANDLE GetKmtHandle(const Memory& memory, const Device* on = nullptr) {
    HANDLE h = nullptr;
    KT_CHECK(TryGetWin32Handle(memory, kOpaqueWin32Kmt, &h, on));
    return h;
  }
  // vkGetMemoryFdKHR: a new fd the test owns.
  VkResult TryGetFd(const Memory& memory, VkExternalMemoryHandleTypeFlagBits type, int* fd,
                    const Device* on = nullptr) {
    auto info = Struct<VkMemoryGetFdInfoKHR>(VK_STRUCTURE_TYPE_MEMORY_GET_FD_INFO_KHR);
    info.memory = memory.get();
    info.handleType = type;
    auto get = on ? on->Proc<PFN_vkGetMemoryFdKHR>("vkGetMemoryFdKHR") : fn_.getFd;
    return get((on ? *on : device()).handle, &info, fd);
  }
  OwnedFd GetFd(const Memory& memory, const Device* on = nullptr) {
    int fd = -1;
    KT_CHECK(TryGetFd(memory, kOpaqueFd, &fd, on));
    return OwnedFd(fd);
  }

  // An import through VkImportMemoryWin32HandleInfoKHR{type, handle, name}, then `extra`.
  VkResult TryImportWin32(VkExternalMemoryHandleTypeFlagBits type, HANDLE handle, LPCWSTR name, VkDeviceSize size,
                          uint32_t memoryType, Memory* out, const std::vector<const void*>& extra = {},
                          const Device* on = nullptr) {
    auto import = Struct<VkImportMemoryWin32HandleInfoKHR>(VK_STRUCTURE_TYPE_IMPORT_MEMORY_WIN32_HANDLE_INFO_KHR);
    import.handleType = type;
    import.handle = handle;
    import.name = name;
    return TryAllocate(on ? *on : device(), size, memoryType, ChainAfter(&import, extra), out);
  }
  Memory ImportWin32(VkExternalMemoryHandleTypeFlagBits type, HANDLE handle, LPCWSTR name, VkDeviceSize size,
                     uint32_t memoryType, const std::vector<const void*>& extra = {}, const Device* on = nullptr) {
    Memory memory;
    KT_CHECK(TryImportWin32(type, handle, name, size, memoryType, &memory, extra, on));
    return memory;
  }
  // An import through VkImportMemoryFdInfoKHR{OPAQUE_FD, fd}.
  VkResult TryImportFd(int fd, VkDeviceSize size, uint32_t memoryType, Memory* out,
                       const std::vector<const void*>& extra = {}, const Device* on = nullptr) {
    auto import = Struct<VkImportMemoryFdInfoKHR>(VK_STRUCTURE_TYPE_IMPORT_MEMORY_FD_INFO_KHR);
    import.handleType = kOpaqueFd;
    import.fd = fd;
    return TryAllocate(on ? *on : device(), size, memoryType, ChainAfter(&import, extra), out);
  }

  std::unique_ptr<Instance> instance_;
  std::unique_ptr<Device> device_;
  ExternalFunctions fn_;
  uint32_t deviceOnly_ = 0;
  uint32_t hostVisible_ = 1;
};

// Asserts that a failing call left the process's descriptor count unchanged.
#define EXPECT_NO_FD_LEAK(before) EXPECT_EQ(::kiln_test::OpenFdCount(), (before)) << "descriptors leaked"

}  // namespace kiln_test
