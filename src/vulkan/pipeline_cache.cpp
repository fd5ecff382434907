// Pipeline caches: creation from initial data, the data they return, merging.
#include "pipeline_cache.h"

#include <cstring>

#include "device.h"
#include "physical_device.h"
#include "vk_entrypoints.h"

using namespace kiln;

static_assert(sizeof(VkPipelineCacheHeaderVersionOne) == 32, "VUID-VkPipelineCacheHeaderVersionOne-headerSize-04967");

PipelineCache::PipelineCache(const VkPhysicalDeviceProperties& properties) {
    header.headerSize = sizeof header;
    header.headerVersion = VK_PIPELINE_CACHE_HEADER_VERSION_ONE;
    header.vendorID = properties.vendorID;
    header.deviceID = properties.deviceID;
    std::memcpy(header.pipelineCacheUUID, properties.pipelineCacheUUID, VK_UUID_SIZE);
}

bool PipelineCache::accepts(const void* data, size_t size) const {
    if (!data || size < sizeof header)
        return false;
    VkPipelineCacheHeaderVersionOne given;
    std::memcpy(&given, data, sizeof given);  // pInitialData has no alignment promise
    return given.headerSize == header.headerSize && given.headerVersion == header.headerVersion &&
           given.vendorID == header.vendorID && given.deviceID == header.deviceID &&
           std::memcmp(given.pipelineCacheUUID, header.pipelineCacheUUID, VK_UUID_SIZE) == 0;
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkCreatePipelineCache(VkDevice device, const VkPipelineCacheCreateInfo* pCreateInfo,
                                                          const VkAllocationCallbacks* pAllocator,
                                                          VkPipelineCache* pPipelineCache) {
    Device* parent = Device::from(device);
    PipelineCache* cache = parent->create_child<PipelineCache>(pAllocator, parent->physical_device.properties);
    if (!cache)
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    if (cache->accepts(pCreateInfo->pInitialData, pCreateInfo->initialDataSize)) {
        // The entries after the header would be loaded here. Kiln's cache data holds none yet, so
        // accepted data, like foreign data, leaves the cache empty.
    }
    *pPipelineCache = cache->handle();
    return VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkDestroyPipelineCache(VkDevice device, VkPipelineCache pipelineCache,
                                                       const VkAllocationCallbacks* pAllocator) {
    Device::from(device)->destroy_child(pAllocator, PipelineCache::from(pipelineCache));
}

// The two-call idiom. A buffer smaller than the header gets nothing and a size of 0; any prefix
// written must be valid initial data (vkGetPipelineCacheData), so only whole headers are.
VKAPI_ATTR VkResult VKAPI_CALL kiln_vkGetPipelineCacheData(VkDevice, VkPipelineCache pipelineCache, size_t* pDataSize,
                                                           void* pData) {
    const PipelineCache& cache = *PipelineCache::from(pipelineCache);
    if (!pData) {
        *pDataSize = cache.data_size();
        return VK_SUCCESS;
    }
    if (*pDataSize < sizeof cache.header) {
        *pDataSize = 0;
        return VK_INCOMPLETE;
    }
    std::memcpy(pData, &cache.header, sizeof cache.header);
    *pDataSize = sizeof cache.header;
    return VK_SUCCESS;
}

// Merging empty caches leaves the destination as it is.
VKAPI_ATTR VkResult VKAPI_CALL kiln_vkMergePipelineCaches(VkDevice, VkPipelineCache, uint32_t, const VkPipelineCache*) {
    return VK_SUCCESS;
}
