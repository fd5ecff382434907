// The physical device: properties, features, limits, queues, memory and format support.
#include "physical_device.h"

#include <algorithm>
#include <cstring>

#include "enumerate.h"
#include "format/image_layout.h"
#include "format/texel.h"
#include "format/texel_codec.h"
#include "raster/raster.h"
#include "spirv/ir.h"
#include "device.h"
#include "external/family.h"
#include "external/handle_types.h"
#include "memory/payload_file.h"
#include "instance.h"
#include "vk_entrypoints.h"
#include "vk_formats.h"

namespace kiln {

static constexpr uint32_t kDriverVersion = VK_MAKE_VERSION(KILN_VERSION_MAJOR, KILN_VERSION_MINOR, KILN_VERSION_PATCH);

void fill_id_properties(VkPhysicalDeviceIDProperties& id) {
    // Kiln's identity (memory/payload_file.h) is stamped into every payload it makes: imports
    // compare it, as the spec's driverUUID/deviceUUID rules ask.
    const memory::Identity& me = memory::kiln_identity();
    std::memcpy(id.deviceUUID, me.device_uuid, VK_UUID_SIZE);
    std::memcpy(id.driverUUID, me.driver_uuid, VK_UUID_SIZE);
    // A LUID is 8 bytes on Windows (low DWORD, high LONG); Kiln's is stable and never zero.
    std::memcpy(id.deviceLUID, me.luid, VK_LUID_SIZE);
    id.deviceNodeMask = 1;
    id.deviceLUIDValid = VK_TRUE;
}

static VkPhysicalDeviceLimits make_limits() {
    VkPhysicalDeviceLimits l{};
    l.maxImageDimension1D = 16384;
    l.maxImageDimension2D = 16384;
    l.maxImageDimension3D = 2048;
    l.maxImageDimensionCube = 16384;
    l.maxImageArrayLayers = 2048;
    l.maxTexelBufferElements = kMaxTexelBufferElements;
    l.maxUniformBufferRange = 65536;
    l.maxStorageBufferRange = 1u << 30;
    l.maxPushConstantsSize = 128;
    l.maxMemoryAllocationCount = kMaxMemoryAllocationCount;
    l.maxSamplerAllocationCount = 4000;
    l.bufferImageGranularity = 1;  // buffers and images share memory freely: no tiling hazards
    l.sparseAddressSpaceSize = 0;
    l.maxBoundDescriptorSets = 8;
    l.maxPerStageDescriptorSamplers = 16;
    l.maxPerStageDescriptorUniformBuffers = 12;
    l.maxPerStageDescriptorStorageBuffers = 4;
    l.maxPerStageDescriptorSampledImages = 16;
    l.maxPerStageDescriptorStorageImages = 4;
    l.maxPerStageDescriptorInputAttachments = 4;
    l.maxPerStageResources = 128;
    l.maxDescriptorSetSamplers = 96;
    l.maxDescriptorSetUniformBuffers = 72;
    l.maxDescriptorSetUniformBuffersDynamic = 8;
    l.maxDescriptorSetStorageBuffers = 24;
    l.maxDescriptorSetStorageBuffersDynamic = 4;
    l.maxDescriptorSetSampledImages = 96;
    l.maxDescriptorSetStorageImages = 24;
    l.maxDescriptorSetInputAttachments = 4;
    l.maxVertexInputAttributes = 16;
    l.maxVertexInputBindings = 16;
    l.maxVertexInputAttributeOffset = 2047;
    l.maxVertexInputBindingStride = 2048;
    l.maxVertexOutputComponents = 64;
    l.maxFragmentInputComponents = 64;
    l.maxFragmentOutputAttachments = 4;
    l.maxFragmentCombinedOutputResources = 4;
    l.maxComputeSharedMemorySize = 32768;  // src/spirv/lower.cpp kMaxWorkgroupBytes
    l.maxComputeWorkGroupCount[0] = l.maxComputeWorkGroupCount[1] = l.maxComputeWorkGroupCount[2] = 65535;
    l.maxComputeWorkGroupInvocations = 1024;  // src/spirv/lower.cpp checks the same
    l.maxComputeWorkGroupSize[0] = l.maxComputeWorkGroupSize[1] = 1024;
    l.maxComputeWorkGroupSize[2] = 64;
    l.subPixelPrecisionBits = 4;
    l.subTexelPrecisionBits = 4;
    l.mipmapPrecisionBits = 4;
    l.maxDrawIndexedIndexValue = (1u << 24) - 1;
    l.maxDrawIndirectCount = 1;
    l.maxSamplerLodBias = 2;
    l.maxSamplerAnisotropy = 1;
    l.maxViewports = 1;
    l.maxViewportDimensions[0] = l.maxViewportDimensions[1] = 16384;
    l.viewportBoundsRange[0] = -32768;
    l.viewportBoundsRange[1] = 32767;
    l.minMemoryMapAlignment = 64;
    l.minTexelBufferOffsetAlignment = 16;
    l.minUniformBufferOffsetAlignment = 16;
    l.minStorageBufferOffsetAlignment = 16;
    l.maxTexelOffset = 7;
    l.minTexelOffset = -8;
    l.maxFramebufferWidth = 16384;
    l.maxFramebufferHeight = 16384;
    l.maxFramebufferLayers = 1024;
    // The rasterizer's 4-sample path (src/raster, docs/raster.md) with the standard locations.
    l.framebufferColorSampleCounts = kRenderSampleCounts;
    l.framebufferDepthSampleCounts = kRenderSampleCounts;
    l.framebufferStencilSampleCounts = kRenderSampleCounts;
    l.framebufferNoAttachmentsSampleCounts = kRenderSampleCounts;
    l.maxColorAttachments = 4;
    // Shaders read multisampled color images with OpImageFetch's Sample operand (texelFetch of a
    // sampler2DMS, spirv/lower_image.cpp). Depth and stencil are not sampled in shaders yet
    // (SAMPLED_IMAGE is not a depth format feature), so their counts are the spec's minimum too.
    l.sampledImageColorSampleCounts = kRenderSampleCounts;
    l.sampledImageIntegerSampleCounts = kRenderSampleCounts;
    l.sampledImageDepthSampleCounts = kRenderSampleCounts;
    l.sampledImageStencilSampleCounts = kRenderSampleCounts;
    l.storageImageSampleCounts = VK_SAMPLE_COUNT_1_BIT;
    l.maxSampleMaskWords = 1;
    l.timestampComputeAndGraphics = VK_FALSE;  // no query pools yet
    l.timestampPeriod = 1.0f;
    l.maxClipDistances = 8;
    l.maxCullDistances = 8;
    l.maxCombinedClipAndCullDistances = 8;
    l.discreteQueuePriorities = 2;
    // Points: PointSize clamped to this range and rounded to the 1/256 subpixel grid
    // (raster::setup_point; tests/draw DrawPoints*, unit RasterPoints*).
    l.pointSizeRange[0] = raster::kMinPointSize;
    l.pointSizeRange[1] = raster::kMaxPointSize;
    l.pointSizeGranularity = raster::kPointSizeGranularity;
    // Lines of width 1 (no wideLines: lineWidthGranularity 0) drawn as the spec's rectangles, as lavapipe
    // draws them (raster::setup_line; tests/draw DrawLines*, unit RasterLines*).
    l.lineWidthRange[0] = l.lineWidthRange[1] = 1.0f;
    l.lineWidthGranularity = 0.0f;
    l.strictLines = VK_TRUE;
    l.standardSampleLocations = VK_TRUE;
    l.optimalBufferCopyOffsetAlignment = 16;
    l.optimalBufferCopyRowPitchAlignment = 16;
    l.nonCoherentAtomSize = 64;
    return l;
}

PhysicalDevice::PhysicalDevice(Instance& instance) : instance(instance), heap_size(memory::system_heap_size()) {
    properties.apiVersion = kApiVersion;
    properties.driverVersion = kDriverVersion;
    properties.vendorID = 0;  // Kiln has no PCI or Khronos vendor ID
    properties.deviceID = 0;
    properties.deviceType = VK_PHYSICAL_DEVICE_TYPE_CPU;
    std::strncpy(properties.deviceName, "Kiln (CPU, host memory)", VK_MAX_PHYSICAL_DEVICE_NAME_SIZE - 1);
    VkPhysicalDeviceIDProperties id{};
    fill_id_properties(id);
    std::memcpy(properties.pipelineCacheUUID, id.deviceUUID, VK_UUID_SIZE);
    properties.limits = make_limits();
    properties.sparseProperties = {};

    memory_properties.memoryHeapCount = 1;
    memory_properties.memoryHeaps[0] = {heap_size, VK_MEMORY_HEAP_DEVICE_LOCAL_BIT};
    memory_properties.memoryTypeCount = kMemoryTypeCount;
    // A type that is not mappable comes first: its flags are a strict subset of the other's,
    // which the spec's ordering rule requires.
    memory_properties.memoryTypes[kMemoryTypeDeviceOnly] = {VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0};
    memory_properties.memoryTypes[kMemoryTypeHostVisible] = {
        VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT | VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
            VK_MEMORY_PROPERTY_HOST_COHERENT_BIT | VK_MEMORY_PROPERTY_HOST_CACHED_BIT,
        0};

    extensions.set(size_t(gen::DeviceExt::KHR_dedicated_allocation));
    extensions.set(size_t(gen::DeviceExt::KHR_get_memory_requirements2));
    extensions.set(size_t(gen::DeviceExt::KHR_bind_memory2));
    extensions.set(size_t(gen::DeviceExt::KHR_driver_properties));
    extensions.set(size_t(gen::DeviceExt::EXT_memory_budget));
    // Presenting to surfaces (src/wsi, swapchain.cpp).
    extensions.set(size_t(gen::DeviceExt::KHR_swapchain));
    // External memory (src/vulkan/external, docs/external-memory.md).
    extensions.set(size_t(gen::DeviceExt::KHR_external_memory));
    extensions.set(size_t(gen::DeviceExt::KHR_external_memory_win32));
    extensions.set(size_t(gen::DeviceExt::KHR_external_memory_fd));
    extensions.set(size_t(gen::DeviceExt::EXT_external_memory_host));
    extensions.set(size_t(gen::DeviceExt::NV_external_memory));
    extensions.set(size_t(gen::DeviceExt::NV_external_memory_win32));
    // The SPIR-V engine's narrow types (src/spirv; the features of extension_features below).
    // 16bit_storage and 8bit_storage require storage_buffer_storage_class (vk.xml), which the
    // engine has anyway: the StorageBuffer storage class is how it reads storage buffers.
    extensions.set(size_t(gen::DeviceExt::KHR_storage_buffer_storage_class));
    extensions.set(size_t(gen::DeviceExt::KHR_shader_float16_int8));
    extensions.set(size_t(gen::DeviceExt::KHR_16bit_storage));
    extensions.set(size_t(gen::DeviceExt::KHR_8bit_storage));
    extensions.set(size_t(gen::DeviceExt::KHR_shader_atomic_int64));
    // Render passes and dynamic rendering (render_pass.cpp, rendering.cpp). dynamic_rendering requires
    // depth_stencil_resolve: SAMPLE_ZERO resolves of multisampled depth/stencil (exec/resolve.cpp).
    extensions.set(size_t(gen::DeviceExt::KHR_create_renderpass2));
    extensions.set(size_t(gen::DeviceExt::KHR_depth_stencil_resolve));
    extensions.set(size_t(gen::DeviceExt::KHR_dynamic_rendering));
    // Imageless framebuffers take their views from VkRenderPassAttachmentBeginInfo (rendering.cpp).
    // The extension requires image_format_list, whose VkImageFormatListCreateInfo is a hint Kiln
    // may ignore: every view format is served by the same layout.
    extensions.set(size_t(gen::DeviceExt::KHR_image_format_list));
    extensions.set(size_t(gen::DeviceExt::KHR_imageless_framebuffer));
}

void PhysicalDevice::add_device(Device* device) {
    std::lock_guard lock(devices_mutex_);
    devices_.push_back(device);
}

void PhysicalDevice::remove_device(Device* device) {
    std::lock_guard lock(devices_mutex_);
    devices_.erase(std::remove(devices_.begin(), devices_.end(), device), devices_.end());
}

uint64_t PhysicalDevice::heap_usage() {
    std::lock_guard lock(devices_mutex_);
    uint64_t total = 0;
    for (const Device* device : devices_)
        total += device->memory_account.bytes();
    return total;
}

static bool is_depth_stencil(VkFormat format) {
    return format::depth_texel_size(format) != 0 || format == VK_FORMAT_S8_UINT;
}

VkFormatProperties format_properties(VkFormat format) {
    // The transfer engine copies any format Kiln can lay out and clears any it can encode.
    constexpr VkFormatFeatureFlags transfer = VK_FORMAT_FEATURE_TRANSFER_SRC_BIT | VK_FORMAT_FEATURE_TRANSFER_DST_BIT;
    // Blits (exec/blit.cpp) convert color through the texel codecs and copy depth/stencil texels.
    constexpr VkFormatFeatureFlags blit = VK_FORMAT_FEATURE_BLIT_SRC_BIT | VK_FORMAT_FEATURE_BLIT_DST_BIT;
    VkFormatProperties p{};
    if (format::can_pack_color(format)) {
        p.linearTilingFeatures = transfer;
        p.optimalTilingFeatures = transfer;
        // Shaders read (and sample) every format whose texels the codec decodes; they store to the
        // formats a SPIR-V Image Format names (src/format/texel_codec.cpp, src/spirv/ops_image.cpp).
        if (const format::TexelCodec* codec = format::texel_codec(format)) {
            // Attachments: cleared by load ops and vkCmdClearAttachments in the view's format
            // (rendering.cpp), written by draws through the codec (src/raster/output_merge.cpp).
            VkFormatFeatureFlags image = VK_FORMAT_FEATURE_SAMPLED_IMAGE_BIT | blit | VK_FORMAT_FEATURE_COLOR_ATTACHMENT_BIT;
            p.bufferFeatures = VK_FORMAT_FEATURE_UNIFORM_TEXEL_BUFFER_BIT;
            // Vertex attributes are read through the codec too (exec/draw.cpp), up to four 32-bit
            // components (64-bit components take two locations: not offered).
            if (codec->texel_size <= 16)
                p.bufferFeatures |= VK_FORMAT_FEATURE_VERTEX_BUFFER_BIT;
            // Linear filtering (and linear mipmapping) of float and normalized formats, by samplers
            // and by blits alike, and blending into them (the output merger blends every float-class
            // format; integer formats are neither filtered nor blended, as the spec says).
            if (codec->cls == format::TexelClass::Float)
                image |= VK_FORMAT_FEATURE_SAMPLED_IMAGE_FILTER_LINEAR_BIT | VK_FORMAT_FEATURE_COLOR_ATTACHMENT_BLEND_BIT;
            if (format::has_spirv_image_format(format)) {
                image |= VK_FORMAT_FEATURE_STORAGE_IMAGE_BIT;
                p.bufferFeatures |= VK_FORMAT_FEATURE_STORAGE_TEXEL_BUFFER_BIT;
            }
            // Image atomics on 32-bit integer texels (OpImageTexelPointer).
            if (format == VK_FORMAT_R32_UINT || format == VK_FORMAT_R32_SINT) {
                image |= VK_FORMAT_FEATURE_STORAGE_IMAGE_ATOMIC_BIT;
                p.bufferFeatures |= VK_FORMAT_FEATURE_STORAGE_TEXEL_BUFFER_ATOMIC_BIT;
            }
            p.linearTilingFeatures |= image;
            p.optimalTilingFeatures |= image;
        }
    } else if (is_depth_stencil(format)) {
        // Shaders sample one aspect of a depth/stencil view (format::aspect_codec): depth as a
        // float, filtered and compared like any float texel (ops_image.cpp), stencil as an integer.
        p.optimalTilingFeatures = transfer | blit | VK_FORMAT_FEATURE_DEPTH_STENCIL_ATTACHMENT_BIT |
                                  VK_FORMAT_FEATURE_SAMPLED_IMAGE_BIT;
        if (format != VK_FORMAT_S8_UINT)
            p.optimalTilingFeatures |= VK_FORMAT_FEATURE_SAMPLED_IMAGE_FILTER_LINEAR_BIT;
    }
    return p;
}

}  // namespace kiln

using namespace kiln;

VKAPI_ATTR void VKAPI_CALL kiln_vkGetPhysicalDeviceProperties(VkPhysicalDevice handle,
                                                              VkPhysicalDeviceProperties* pProperties) {
    *pProperties = PhysicalDevice::from(handle)->properties;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkGetPhysicalDeviceProperties2(VkPhysicalDevice handle,
                                                               VkPhysicalDeviceProperties2* pProperties) {
    PhysicalDevice* pd = PhysicalDevice::from(handle);
    pProperties->properties = pd->properties;
    for (auto* s = static_cast<VkBaseOutStructure*>(pProperties->pNext); s; s = s->pNext) {
        switch (s->sType) {
        case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES:
            fill_id_properties(*reinterpret_cast<VkPhysicalDeviceIDProperties*>(s));
            break;
        case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_MEMORY_HOST_PROPERTIES_EXT:
            reinterpret_cast<VkPhysicalDeviceExternalMemoryHostPropertiesEXT*>(s)->minImportedHostPointerAlignment =
                external::kHostPointerAlignment;
            break;
        case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES: {
            auto& p = *reinterpret_cast<VkPhysicalDeviceDriverProperties*>(s);
            // Kiln has no registered VkDriverId; it reports the "MAX_ENUM" sentinel, never another driver's ID.
            p.driverID = VK_DRIVER_ID_MAX_ENUM;
            std::memset(p.driverName, 0, sizeof p.driverName);
            std::memset(p.driverInfo, 0, sizeof p.driverInfo);
            std::strncpy(p.driverName, "Kiln", VK_MAX_DRIVER_NAME_SIZE - 1);
            std::strncpy(p.driverInfo, "Kiln " KILN_VERSION_STRING " (CPU, win32 interop)", VK_MAX_DRIVER_INFO_SIZE - 1);
            p.conformanceVersion = {0, 0, 0, 0};  // not submitted for conformance
            break;
        }
        case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES: {
            auto& p = *reinterpret_cast<VkPhysicalDeviceMaintenance3Properties*>(s);
            p.maxPerSetDescriptors = 1024;
            p.maxMemoryAllocationSize = pd->heap_size;
            break;
        }
        case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_POINT_CLIPPING_PROPERTIES:
            reinterpret_cast<VkPhysicalDevicePointClippingProperties*>(s)->pointClippingBehavior =
                VK_POINT_CLIPPING_BEHAVIOR_ALL_CLIP_PLANES;
            break;
        case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MULTIVIEW_PROPERTIES: {
            auto& p = *reinterpret_cast<VkPhysicalDeviceMultiviewProperties*>(s);
            p.maxMultiviewViewCount = 6;
            p.maxMultiviewInstanceIndex = (1u << 27) - 1;
            break;
        }
        case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DEPTH_STENCIL_RESOLVE_PROPERTIES: {
            // SAMPLE_ZERO, the mode the extension requires, for both aspects (exec/resolve.cpp).
            auto& p = *reinterpret_cast<VkPhysicalDeviceDepthStencilResolveProperties*>(s);
            p.supportedDepthResolveModes = VK_RESOLVE_MODE_SAMPLE_ZERO_BIT;
            p.supportedStencilResolveModes = VK_RESOLVE_MODE_SAMPLE_ZERO_BIT;
            p.independentResolveNone = VK_FALSE;
            p.independentResolve = VK_FALSE;
            break;
        }
        case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROTECTED_MEMORY_PROPERTIES:
            reinterpret_cast<VkPhysicalDeviceProtectedMemoryProperties*>(s)->protectedNoFault = VK_FALSE;
            break;
        case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES: {
            auto& p = *reinterpret_cast<VkPhysicalDeviceSubgroupProperties*>(s);
            // A subgroup is a batch of the shader engine (spirv/ops_subgroup.h).
            p.subgroupSize = spirv::kLanes;
            p.supportedStages = VK_SHADER_STAGE_COMPUTE_BIT;
            p.supportedOperations = VK_SUBGROUP_FEATURE_BASIC_BIT | VK_SUBGROUP_FEATURE_VOTE_BIT |
                                    VK_SUBGROUP_FEATURE_ARITHMETIC_BIT | VK_SUBGROUP_FEATURE_BALLOT_BIT |
                                    VK_SUBGROUP_FEATURE_SHUFFLE_BIT | VK_SUBGROUP_FEATURE_SHUFFLE_RELATIVE_BIT;
            p.quadOperationsInAllStages = VK_FALSE;
            break;
        }
        default:
            break;  // structures Kiln does not know stay untouched
        }
    }
}

namespace kiln {

VkPhysicalDeviceFeatures supported_features() {
    VkPhysicalDeviceFeatures f{};
    f.shaderInt64 = VK_TRUE;
    f.shaderFloat64 = VK_TRUE;
    f.shaderInt16 = VK_TRUE;
    // Arrays of uniform/storage buffer descriptors indexed by a dynamically uniform value (the
    // shader engine's BufferArray memory: one descriptor per batch, its first active lane's index).
    f.shaderUniformBufferArrayDynamicIndexing = VK_TRUE;
    f.shaderStorageBufferArrayDynamicIndexing = VK_TRUE;
    // Every storage format a SPIR-V Image Format names is read and written (format_properties).
    f.shaderStorageImageExtendedFormats = VK_TRUE;
    // The rasterizer clamps depth bias (src/raster/setup.cpp; tests/draw DepthBias*, unit Raster*).
    f.depthBiasClamp = VK_TRUE;
    // Point sizes above 1 (pointSizeRange; src/raster/setup.cpp setup_point, tests/draw DrawPoints*).
    f.largePoints = VK_TRUE;
    // Vertex shaders' ClipDistance and CullDistance, 8 together (src/raster/clip.h; tests/draw
    // Draw*Distance*).
    f.shaderClipDistance = VK_TRUE;
    f.shaderCullDistance = VK_TRUE;
    return f;
}

}  // namespace kiln

VKAPI_ATTR void VKAPI_CALL kiln_vkGetPhysicalDeviceFeatures(VkPhysicalDevice, VkPhysicalDeviceFeatures* pFeatures) {
    *pFeatures = supported_features();
}

namespace kiln {
namespace {

// The optional features Kiln implements beyond VkPhysicalDeviceFeatures, one overload per feature
// structure, written with the structure's own members; every member not set here is VK_FALSE.
// Each is tested by tests/compute (Float16, Int8, Storage16, Storage8, Atomics).
void set_supported(VkPhysicalDeviceShaderFloat16Int8Features& f) {
    f.shaderFloat16 = VK_TRUE;  // Half computes in float, rounded to nearest even per operation
    f.shaderInt8 = VK_TRUE;
}
void set_supported(VkPhysicalDevice16BitStorageFeatures& f) {
    f.storageBuffer16BitAccess = VK_TRUE;
    f.uniformAndStorageBuffer16BitAccess = VK_TRUE;
    f.storagePushConstant16 = VK_TRUE;
    // storageInputOutput16 stays VK_FALSE: there are no shader stage inputs or outputs yet.
}
void set_supported(VkPhysicalDevice8BitStorageFeatures& f) {
    f.storageBuffer8BitAccess = VK_TRUE;
    f.uniformAndStorageBuffer8BitAccess = VK_TRUE;
    f.storagePushConstant8 = VK_TRUE;
}
void set_supported(VkPhysicalDeviceImagelessFramebufferFeatures& f) {
    f.imagelessFramebuffer = VK_TRUE;  // tests/raster RenderPass.ImagelessFramebuffer*
}
void set_supported(VkPhysicalDeviceDynamicRenderingFeatures& f) {
    f.dynamicRendering = VK_TRUE;  // vkCmdBeginRendering / vkCmdEndRendering (rendering.cpp, tests/raster)
}
void set_supported(VkPhysicalDeviceShaderAtomicInt64Features& f) {
    // 64-bit atomics on buffers and workgroup memory are host atomics on 8-byte-aligned words (ops.cpp).
    f.shaderBufferInt64Atomics = VK_TRUE;
    f.shaderSharedInt64Atomics = VK_TRUE;
}

template <typename T>
void fill(VkBaseOutStructure* s) {
    set_supported(*reinterpret_cast<T*>(s));
}

struct ExtensionFeatures {
    VkStructureType s_type;
    void (*fill)(VkBaseOutStructure*);
};
template <typename T>
constexpr ExtensionFeatures features_of() {
    return {gen::STypeOf<T>::value, &fill<T>};
}

constexpr ExtensionFeatures kExtensionFeatures[] = {
    features_of<VkPhysicalDeviceShaderFloat16Int8Features>(),
    features_of<VkPhysicalDevice16BitStorageFeatures>(),
    features_of<VkPhysicalDevice8BitStorageFeatures>(),
    features_of<VkPhysicalDeviceShaderAtomicInt64Features>(),
    features_of<VkPhysicalDeviceDynamicRenderingFeatures>(),
    features_of<VkPhysicalDeviceImagelessFramebufferFeatures>(),
};

}  // namespace

bool fill_supported_features(VkBaseOutStructure* s) {
    const gen::FeatureStruct* f = gen::feature_struct(s->sType);
    if (!f)
        return false;
    // Only the members: padding after the last one is left as the application has it.
    std::memset(reinterpret_cast<char*>(s) + sizeof(VkBaseOutStructure), 0, f->end - sizeof(VkBaseOutStructure));
    for (const ExtensionFeatures& e : kExtensionFeatures)
        if (e.s_type == s->sType)
            e.fill(s);
    return true;
}

}  // namespace kiln

// Every feature structure the registry describes (kFeatureStructs, generated) is answered with
// what Kiln implements (fill_supported_features); structures Kiln does not know stay untouched.
VKAPI_ATTR void VKAPI_CALL kiln_vkGetPhysicalDeviceFeatures2(VkPhysicalDevice, VkPhysicalDeviceFeatures2* pFeatures) {
    pFeatures->features = supported_features();
    for (auto* s = static_cast<VkBaseOutStructure*>(pFeatures->pNext); s; s = s->pNext)
        fill_supported_features(s);  // sType and pNext stay: only the members after them are written
}

static const VkQueueFamilyProperties kQueueFamily = {
    VK_QUEUE_GRAPHICS_BIT | VK_QUEUE_COMPUTE_BIT | VK_QUEUE_TRANSFER_BIT, kQueueCount,
    0,  // no timestamps yet
    {1, 1, 1}};

VKAPI_ATTR void VKAPI_CALL kiln_vkGetPhysicalDeviceQueueFamilyProperties(VkPhysicalDevice, uint32_t* pCount,
                                                                         VkQueueFamilyProperties* pProperties) {
    enumerate(1u, pCount, pProperties, [](uint32_t, VkQueueFamilyProperties& p) { p = kQueueFamily; });
}

VKAPI_ATTR void VKAPI_CALL kiln_vkGetPhysicalDeviceQueueFamilyProperties2(VkPhysicalDevice, uint32_t* pCount,
                                                                          VkQueueFamilyProperties2* pProperties) {
    enumerate(1u, pCount, pProperties, [](uint32_t, VkQueueFamilyProperties2& p) { p.queueFamilyProperties = kQueueFamily; });
}

VKAPI_ATTR void VKAPI_CALL kiln_vkGetPhysicalDeviceMemoryProperties(VkPhysicalDevice handle,
                                                                    VkPhysicalDeviceMemoryProperties* pProperties) {
    *pProperties = PhysicalDevice::from(handle)->memory_properties;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkGetPhysicalDeviceMemoryProperties2(VkPhysicalDevice handle,
                                                                     VkPhysicalDeviceMemoryProperties2* pProperties) {
    PhysicalDevice* pd = PhysicalDevice::from(handle);
    pProperties->memoryProperties = pd->memory_properties;
    if (auto* budget = find_out<VkPhysicalDeviceMemoryBudgetPropertiesEXT>(pProperties->pNext)) {
        std::memset(budget->heapBudget, 0, sizeof budget->heapBudget);
        std::memset(budget->heapUsage, 0, sizeof budget->heapUsage);
        budget->heapUsage[0] = pd->heap_usage();
        budget->heapBudget[0] = pd->heap_size;
    }
}

VKAPI_ATTR void VKAPI_CALL kiln_vkGetPhysicalDeviceFormatProperties(VkPhysicalDevice, VkFormat format,
                                                                    VkFormatProperties* pProperties) {
    *pProperties = format_properties(format);
}

VKAPI_ATTR void VKAPI_CALL kiln_vkGetPhysicalDeviceFormatProperties2(VkPhysicalDevice, VkFormat format,
                                                                     VkFormatProperties2* pProperties) {
    pProperties->formatProperties = format_properties(format);
}

static VkResult image_format_properties(PhysicalDevice& pd, VkFormat format, VkImageType type, VkImageTiling tiling,
                                        VkImageUsageFlags usage, VkImageCreateFlags flags,
                                        VkImageFormatProperties* out) {
    *out = {};
    const VkFormatProperties fp = format_properties(format);
    const VkFormatFeatureFlags features =
        tiling == VK_IMAGE_TILING_LINEAR ? fp.linearTilingFeatures
        : tiling == VK_IMAGE_TILING_OPTIMAL ? fp.optimalTilingFeatures : 0;
    if (!features)
        return VK_ERROR_FORMAT_NOT_SUPPORTED;
    // Every usage needs the format feature that backs it.
    if ((usage & VK_IMAGE_USAGE_TRANSFER_SRC_BIT) && !(features & VK_FORMAT_FEATURE_TRANSFER_SRC_BIT))
        return VK_ERROR_FORMAT_NOT_SUPPORTED;
    if ((usage & VK_IMAGE_USAGE_TRANSFER_DST_BIT) && !(features & VK_FORMAT_FEATURE_TRANSFER_DST_BIT))
        return VK_ERROR_FORMAT_NOT_SUPPORTED;
    if ((usage & VK_IMAGE_USAGE_SAMPLED_BIT) && !(features & VK_FORMAT_FEATURE_SAMPLED_IMAGE_BIT))
        return VK_ERROR_FORMAT_NOT_SUPPORTED;
    if ((usage & VK_IMAGE_USAGE_STORAGE_BIT) && !(features & VK_FORMAT_FEATURE_STORAGE_IMAGE_BIT))
        return VK_ERROR_FORMAT_NOT_SUPPORTED;
    if ((usage & VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT) && !(features & VK_FORMAT_FEATURE_COLOR_ATTACHMENT_BIT))
        return VK_ERROR_FORMAT_NOT_SUPPORTED;
    if ((usage & VK_IMAGE_USAGE_DEPTH_STENCIL_ATTACHMENT_BIT) &&
        !(features & VK_FORMAT_FEATURE_DEPTH_STENCIL_ATTACHMENT_BIT))
        return VK_ERROR_FORMAT_NOT_SUPPORTED;
    // Input and transient attachments are attachments too (VUID-VkImageCreateInfo-usage-00006 asks
    // for either attachment feature); an image with these usages is an ordinary image to Kiln.
    constexpr VkImageUsageFlags attachment_only =
        VK_IMAGE_USAGE_INPUT_ATTACHMENT_BIT | VK_IMAGE_USAGE_TRANSIENT_ATTACHMENT_BIT;
    if ((usage & attachment_only) &&
        !(features & (VK_FORMAT_FEATURE_COLOR_ATTACHMENT_BIT | VK_FORMAT_FEATURE_DEPTH_STENCIL_ATTACHMENT_BIT)))
        return VK_ERROR_FORMAT_NOT_SUPPORTED;
    if (usage & ~VkImageUsageFlags(VK_IMAGE_USAGE_TRANSFER_SRC_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT |
                                   VK_IMAGE_USAGE_SAMPLED_BIT | VK_IMAGE_USAGE_STORAGE_BIT |
                                   VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | VK_IMAGE_USAGE_DEPTH_STENCIL_ATTACHMENT_BIT |
                                   attachment_only))
        return VK_ERROR_FORMAT_NOT_SUPPORTED;
    constexpr VkImageCreateFlags known_flags = VK_IMAGE_CREATE_MUTABLE_FORMAT_BIT | VK_IMAGE_CREATE_CUBE_COMPATIBLE_BIT |
                                               VK_IMAGE_CREATE_ALIAS_BIT | VK_IMAGE_CREATE_EXTENDED_USAGE_BIT |
                                               VK_IMAGE_CREATE_2D_ARRAY_COMPATIBLE_BIT;
    if (flags & ~known_flags)
        return VK_ERROR_FORMAT_NOT_SUPPORTED;  // sparse, protected, disjoint, ...
    if ((flags & VK_IMAGE_CREATE_CUBE_COMPATIBLE_BIT) && type != VK_IMAGE_TYPE_2D)
        return VK_ERROR_FORMAT_NOT_SUPPORTED;
    if ((flags & VK_IMAGE_CREATE_2D_ARRAY_COMPATIBLE_BIT) && type != VK_IMAGE_TYPE_3D)
        return VK_ERROR_FORMAT_NOT_SUPPORTED;
    const VkPhysicalDeviceLimits& l = pd.properties.limits;
    switch (type) {
    case VK_IMAGE_TYPE_1D:
        out->maxExtent = {l.maxImageDimension1D, 1, 1};
        break;
    case VK_IMAGE_TYPE_2D:
        out->maxExtent = {l.maxImageDimension2D, l.maxImageDimension2D, 1};
        break;
    case VK_IMAGE_TYPE_3D:
        if (is_depth_stencil(format))
            return VK_ERROR_FORMAT_NOT_SUPPORTED;
        out->maxExtent = {l.maxImageDimension3D, l.maxImageDimension3D, l.maxImageDimension3D};
        break;
    default:
        return VK_ERROR_FORMAT_NOT_SUPPORTED;
    }
    if (tiling == VK_IMAGE_TILING_LINEAR) {
        // Kiln's linear images: 2D, one level, one layer (the spec's minimum).
        if (type != VK_IMAGE_TYPE_2D)
            return VK_ERROR_FORMAT_NOT_SUPPORTED;
        out->maxMipLevels = 1;
        out->maxArrayLayers = 1;
    } else {
        const uint32_t largest = std::max({out->maxExtent.width, out->maxExtent.height, out->maxExtent.depth});
        uint32_t levels = 1;
        while ((largest >> levels) != 0)
            ++levels;
        out->maxMipLevels = std::min(levels, format::kMaxMipLevels);
        out->maxArrayLayers = type == VK_IMAGE_TYPE_3D ? 1 : l.maxImageArrayLayers;
    }
    // "Image Creation Limits": one sample for linear tiling, non-2D, cube-compatible images and
    // formats that are no attachment; otherwise the limits of the usages. Kiln's multisampled
    // images are attachments, transfer sources/destinations (render, clear, copy, resolve) and
    // sampled images (OpImageFetch with Sample); not storage images (storageImageSampleCounts = 1)
    // nor input attachments (multisampled input attachments are not supported).
    out->sampleCounts = VK_SAMPLE_COUNT_1_BIT;
    constexpr VkImageUsageFlags multisample_usages =
        VK_IMAGE_USAGE_TRANSFER_SRC_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT | VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT |
        VK_IMAGE_USAGE_DEPTH_STENCIL_ATTACHMENT_BIT | VK_IMAGE_USAGE_TRANSIENT_ATTACHMENT_BIT |
        VK_IMAGE_USAGE_SAMPLED_BIT;
    if (tiling == VK_IMAGE_TILING_OPTIMAL && type == VK_IMAGE_TYPE_2D && !(flags & VK_IMAGE_CREATE_CUBE_COMPATIBLE_BIT) &&
        (features & (VK_FORMAT_FEATURE_COLOR_ATTACHMENT_BIT | VK_FORMAT_FEATURE_DEPTH_STENCIL_ATTACHMENT_BIT)) &&
        !(usage & ~multisample_usages))
        out->sampleCounts = kRenderSampleCounts;
    out->maxResourceSize = pd.heap_size;
    return VK_SUCCESS;
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkGetPhysicalDeviceImageFormatProperties(
    VkPhysicalDevice handle, VkFormat format, VkImageType type, VkImageTiling tiling, VkImageUsageFlags usage,
    VkImageCreateFlags flags, VkImageFormatProperties* pProperties) {
    return image_format_properties(*PhysicalDevice::from(handle), format, type, tiling, usage, flags, pProperties);
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkGetPhysicalDeviceImageFormatProperties2(
    VkPhysicalDevice handle, const VkPhysicalDeviceImageFormatInfo2* pInfo, VkImageFormatProperties2* pProperties) {
    VkResult result = image_format_properties(*PhysicalDevice::from(handle), pInfo->format, pInfo->type, pInfo->tiling,
                                              pInfo->usage, pInfo->flags, &pProperties->imageFormatProperties);
    if (result != VK_SUCCESS)
        return result;
    // External handle types (docs/external-memory.md); type 0 is ignored. A type images cannot
    // use is unsupported for this image, as the spec says.
    VkExternalMemoryProperties external_properties{};
    if (auto* external_info = find<VkPhysicalDeviceExternalImageFormatInfo>(pInfo->pNext);
        external_info && external_info->handleType != 0) {
        external_properties = external::memory_properties(external_info->handleType, external::Resource::Image);
        if (!external_properties.externalMemoryFeatures) {
            pProperties->imageFormatProperties = {};
            return VK_ERROR_FORMAT_NOT_SUPPORTED;
        }
    }
    if (auto* out = find_out<VkExternalImageFormatProperties>(pProperties->pNext))
        out->externalMemoryProperties = external_properties;
    if (auto* out = find_out<VkSamplerYcbcrConversionImageFormatProperties>(pProperties->pNext))
        out->combinedImageSamplerDescriptorCount = 1;
    return VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkGetPhysicalDeviceSparseImageFormatProperties(
    VkPhysicalDevice, VkFormat, VkImageType, VkSampleCountFlagBits, VkImageUsageFlags, VkImageTiling, uint32_t* pCount,
    VkSparseImageFormatProperties*) {
    *pCount = 0;  // no sparse residency
}

VKAPI_ATTR void VKAPI_CALL kiln_vkGetPhysicalDeviceSparseImageFormatProperties2(
    VkPhysicalDevice, const VkPhysicalDeviceSparseImageFormatInfo2*, uint32_t* pCount,
    VkSparseImageFormatProperties2*) {
    *pCount = 0;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkGetPhysicalDeviceExternalBufferProperties(
    VkPhysicalDevice, const VkPhysicalDeviceExternalBufferInfo* pInfo, VkExternalBufferProperties* pProperties) {
    // Sparse buffers are not supported, shared or not.
    const VkBufferCreateFlags sparse =
        VK_BUFFER_CREATE_SPARSE_BINDING_BIT | VK_BUFFER_CREATE_SPARSE_RESIDENCY_BIT | VK_BUFFER_CREATE_SPARSE_ALIASED_BIT;
    pProperties->externalMemoryProperties =
        pInfo->flags & sparse ? VkExternalMemoryProperties{}
                              : external::memory_properties(pInfo->handleType, external::Resource::Buffer);
}

VKAPI_ATTR void VKAPI_CALL kiln_vkGetPhysicalDeviceExternalFenceProperties(
    VkPhysicalDevice, const VkPhysicalDeviceExternalFenceInfo*, VkExternalFenceProperties* pProperties) {
    pProperties->exportFromImportedHandleTypes = 0;
    pProperties->compatibleHandleTypes = 0;
    pProperties->externalFenceFeatures = 0;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkGetPhysicalDeviceExternalSemaphoreProperties(
    VkPhysicalDevice, const VkPhysicalDeviceExternalSemaphoreInfo*, VkExternalSemaphoreProperties* pProperties) {
    pProperties->exportFromImportedHandleTypes = 0;
    pProperties->compatibleHandleTypes = 0;
    pProperties->externalSemaphoreFeatures = 0;
}


VKAPI_ATTR VkResult VKAPI_CALL kiln_vkEnumerateDeviceExtensionProperties(VkPhysicalDevice handle,
                                                                         const char* pLayerName, uint32_t* pCount,
                                                                         VkExtensionProperties* pProperties) {
    if (pLayerName)
        return VK_ERROR_LAYER_NOT_PRESENT;
    return enumerate_extensions(PhysicalDevice::from(handle)->extensions, gen::kDeviceExtensions, pCount,
                                pProperties);
}
