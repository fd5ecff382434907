// VkPipelineCache: where pipelines will keep the IR their shaders were lowered to, keyed by the
// SPIR-V and specialization, so that a second creation skips the lowering. It holds nothing yet:
// its data is the header alone, and initial data adds nothing to it.
#pragma once

#include <cstddef>

#include "object.h"

namespace kiln {

class PipelineCache {
public:
    KILN_HANDLE_CASTS(PipelineCache, VkPipelineCache)
    explicit PipelineCache(const VkPhysicalDeviceProperties& properties);

    // The header vkGetPipelineCacheData writes first: Kiln's vendorID, deviceID and pipelineCacheUUID.
    VkPipelineCacheHeaderVersionOne header{};

    // True when `data` starts with this header, i.e. was written by this implementation. Other data
    // is not an error: the cache starts empty (VkPipelineCacheCreateInfo).
    bool accepts(const void* data, size_t size) const;
    // The bytes vkGetPipelineCacheData returns in full.
    size_t data_size() const { return sizeof header; }
};

}  // namespace kiln
