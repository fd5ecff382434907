// VkSampler creation and destruction.
#include "sampler.h"

#include "device.h"
#include "vk_entrypoints.h"

using namespace kiln;

Sampler::Sampler(const VkSamplerCreateInfo& info)
    : mag_filter(info.magFilter),
      min_filter(info.minFilter),
      mipmap_mode(info.mipmapMode),
      address_mode_u(info.addressModeU),
      address_mode_v(info.addressModeV),
      address_mode_w(info.addressModeW),
      mip_lod_bias(info.mipLodBias),
      anisotropy_enable(info.anisotropyEnable == VK_TRUE),
      max_anisotropy(info.maxAnisotropy),
      compare_enable(info.compareEnable == VK_TRUE),
      compare_op(info.compareOp),
      min_lod(info.minLod),
      max_lod(info.maxLod),
      border_color(info.borderColor),
      unnormalized_coordinates(info.unnormalizedCoordinates == VK_TRUE) {}

// VkSamplerYcbcrConversionInfo in the chain is invalid usage (samplerYcbcrConversion is VK_FALSE)
// and is ignored; Kiln has no conversion objects.
VKAPI_ATTR VkResult VKAPI_CALL kiln_vkCreateSampler(VkDevice device, const VkSamplerCreateInfo* pCreateInfo,
                                                    const VkAllocationCallbacks* pAllocator, VkSampler* pSampler) {
    Sampler* sampler = Device::from(device)->create_child<Sampler>(pAllocator, *pCreateInfo);
    if (!sampler)
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    *pSampler = sampler->handle();
    return VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkDestroySampler(VkDevice device, VkSampler sampler,
                                                 const VkAllocationCallbacks* pAllocator) {
    Device::from(device)->destroy_child(pAllocator, Sampler::from(sampler));
}
