// The Vulkan enumeration idiom: the count when the array is NULL, else up to *pCount
// entries and VK_INCOMPLETE when that was not all.
#pragma once

#include <algorithm>
#include <cstring>

#include "object.h"
#include "vk_extensions.h"

namespace kiln {

template <typename T, typename Fill>
VkResult enumerate(uint32_t available, uint32_t* pCount, T* out, Fill&& fill) {
    if (!out) {
        *pCount = available;
        return VK_SUCCESS;
    }
    const uint32_t n = std::min(*pCount, available);
    for (uint32_t i = 0; i < n; ++i)
        fill(i, out[i]);
    *pCount = n;
    return n < available ? VK_INCOMPLETE : VK_SUCCESS;
}

template <typename Set, size_t N>
VkResult enumerate_extensions(const Set& set, const gen::ExtensionInfo (&table)[N], uint32_t* pCount,
                              VkExtensionProperties* out) {
    uint32_t indices[N];
    uint32_t available = 0;
    for (uint32_t i = 0; i < N; ++i)
        if (set.test(i))
            indices[available++] = i;
    return enumerate(available, pCount, out, [&](uint32_t i, VkExtensionProperties& p) {
        p = {};
        std::strncpy(p.extensionName, table[indices[i]].name, VK_MAX_EXTENSION_NAME_SIZE - 1);
        p.specVersion = table[indices[i]].spec_version;
    });
}

}  // namespace kiln
