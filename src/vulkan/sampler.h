// VkSampler: the sampling state a shader's image reads apply, kept as the application gave it.
#pragma once

#include "object.h"

namespace kiln {

class Sampler {
public:
    static Sampler* from(VkSampler handle) { return reinterpret_cast<Sampler*>(handle); }
    VkSampler handle() { return reinterpret_cast<VkSampler>(this); }

    explicit Sampler(const VkSamplerCreateInfo& info);

    VkFilter mag_filter;
    VkFilter min_filter;
    VkSamplerMipmapMode mipmap_mode;
    VkSamplerAddressMode address_mode_u;
    VkSamplerAddressMode address_mode_v;
    VkSamplerAddressMode address_mode_w;
    float mip_lod_bias;
    // samplerAnisotropy is not reported: VUID-VkSamplerCreateInfo-anisotropyEnable-01070 makes
    // VK_TRUE invalid usage. Kept as given; the sampler never filters anisotropically.
    bool anisotropy_enable;
    float max_anisotropy;
    bool compare_enable;
    VkCompareOp compare_op;
    float min_lod;
    float max_lod;
    VkBorderColor border_color;
    bool unnormalized_coordinates;
};

}  // namespace kiln
