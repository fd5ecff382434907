#include "create_rules.h"

#include "device.h"
#include "physical_device.h"
#include "strict.h"
#include "vk_entrypoints.h"
#include "vk_structs.h"
#include "vk_vuids.h"

namespace kiln::external {

namespace {

// compatibleHandleTypes of each bit of `types`, intersected: the types that every one of them
// reports compatible (-00990, -00920, -00991: "equal to any one of the handle types").
template <typename Query>
uint32_t compatible_with_all(uint32_t types, Query compatible_with) {
    uint32_t all = ~0u;
    for (uint32_t rest = types; rest; rest &= rest - 1)
        all &= compatible_with(rest & ~(rest - 1));
    return all;
}

}  // namespace

bool check_image_create(const Device& device, const VkImageCreateInfo& info) {
    if (strict_mode(device) == StrictMode::Off)
        return true;
    const auto* khr = find<VkExternalMemoryImageCreateInfo>(info.pNext);
    const auto* nv = find<VkExternalMemoryImageCreateInfoNV>(info.pNext);
    if (khr && nv)
        return !strict_violation(device, "VUID-VkImageCreateInfo-pNext-00988",
                                 {"vkCreateImage: the pNext chain holds both VkExternalMemoryImageCreateInfo and "
                                  "VkExternalMemoryImageCreateInfoNV."});
    VkPhysicalDevice pd = device.physical_device.handle();
    if (khr && khr->handleTypes) {
        const uint32_t compatible = compatible_with_all(khr->handleTypes, [&](uint32_t type) -> uint32_t {
            auto external = make_struct<VkPhysicalDeviceExternalImageFormatInfo>();
            external.handleType = VkExternalMemoryHandleTypeFlagBits(type);
            auto query = make_struct<VkPhysicalDeviceImageFormatInfo2>();
            query.pNext = &external;
            query.format = info.format;
            query.type = info.imageType;
            query.tiling = info.tiling;
            query.usage = info.usage;
            query.flags = info.flags;
            auto answer = make_struct<VkExternalImageFormatProperties>();
            auto properties = make_struct<VkImageFormatProperties2>();
            properties.pNext = &answer;
            if (kiln_vkGetPhysicalDeviceImageFormatProperties2(pd, &query, &properties) != VK_SUCCESS)
                return 0;
            return answer.externalMemoryProperties.compatibleHandleTypes;
        });
        if ((khr->handleTypes & ~compatible) &&
            strict_violation(device, "VUID-VkImageCreateInfo-pNext-00990",
                             {"vkCreateImage: VkExternalMemoryImageCreateInfo::handleTypes holds types that "
                              "vkGetPhysicalDeviceImageFormatProperties2 does not report compatible for this "
                              "image's format, type, tiling, usage and flags."}))
            return false;
    }
    if (nv && nv->handleTypes) {
        if (nv->handleTypes & ~gen::kDefinedBits_VkExternalMemoryHandleTypeFlagBitsNV)
            return !strict_violation(device, "VUID-VkExternalMemoryImageCreateInfoNV-handleTypes-parameter",
                                     {"vkCreateImage: VkExternalMemoryImageCreateInfoNV::handleTypes has bits no NV "
                                      "handle type defines."});
        const uint32_t compatible = compatible_with_all(nv->handleTypes, [&](uint32_t type) -> uint32_t {
            VkExternalImageFormatPropertiesNV answer{};
            if (kiln_vkGetPhysicalDeviceExternalImageFormatPropertiesNV(pd, info.format, info.imageType, info.tiling,
                                                                        info.usage, info.flags, type,
                                                                        &answer) != VK_SUCCESS)
                return 0;
            return answer.compatibleHandleTypes;
        });
        if ((nv->handleTypes & ~compatible) &&
            strict_violation(device, "VUID-VkImageCreateInfo-pNext-00991",
                             {"vkCreateImage: VkExternalMemoryImageCreateInfoNV::handleTypes holds types that "
                              "vkGetPhysicalDeviceExternalImageFormatPropertiesNV does not report compatible for "
                              "this image's format, type, tiling, usage and flags."}))
            return false;
    }
    if (((khr && khr->handleTypes) || (nv && nv->handleTypes)) && info.initialLayout != VK_IMAGE_LAYOUT_UNDEFINED &&
        strict_violation(device, "VUID-VkImageCreateInfo-pNext-01443",
                         {"vkCreateImage: an image created for external memory has an initialLayout other than "
                          "VK_IMAGE_LAYOUT_UNDEFINED."}))
        return false;
    return true;
}

bool check_buffer_create(const Device& device, const VkBufferCreateInfo& info) {
    if (strict_mode(device) == StrictMode::Off)
        return true;
    const auto* khr = find<VkExternalMemoryBufferCreateInfo>(info.pNext);
    if (!khr || !khr->handleTypes)
        return true;
    VkPhysicalDevice pd = device.physical_device.handle();
    const uint32_t compatible = compatible_with_all(khr->handleTypes, [&](uint32_t type) -> uint32_t {
        auto query = make_struct<VkPhysicalDeviceExternalBufferInfo>();
        query.flags = info.flags;
        query.usage = info.usage;
        query.handleType = VkExternalMemoryHandleTypeFlagBits(type);
        auto answer = make_struct<VkExternalBufferProperties>();
        kiln_vkGetPhysicalDeviceExternalBufferProperties(pd, &query, &answer);
        return answer.externalMemoryProperties.compatibleHandleTypes;
    });
    return !((khr->handleTypes & ~compatible) &&
             strict_violation(device, "VUID-VkBufferCreateInfo-pNext-00920",
                              {"vkCreateBuffer: VkExternalMemoryBufferCreateInfo::handleTypes holds types that "
                               "vkGetPhysicalDeviceExternalBufferProperties does not report compatible for this "
                               "buffer's flags and usage."}));
}

}  // namespace kiln::external
