// The names an application gives a device's objects with vkSetDebugUtilsObjectNameEXT, so that the
// messages Kiln reports (debug_report.h) can show a name beside each handle.
#pragma once

#include <atomic>
#include <cstdint>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "host_memory_resource.h"
#include "object.h"

namespace kiln {

class ObjectNames {
public:
    // Names live in `allocator`'s memory (the device's callbacks), as the device's own host memory.
    explicit ObjectNames(const HostAllocator& allocator);
    ObjectNames(const ObjectNames&) = delete;
    ObjectNames& operator=(const ObjectNames&) = delete;

    // Gives (or, for an empty name, takes away) the name of the object `handle`. Kiln's handles are
    // the addresses of distinct objects, so the handle alone is the key; the type is kept to be
    // checked on lookup. VK_ERROR_OUT_OF_HOST_MEMORY when the allocator refuses.
    VkResult set(VkObjectType type, uint64_t handle, std::string_view name);

    // The object's name, or empty when it has none (or was named as another type).
    std::string lookup(VkObjectType type, uint64_t handle) const;

    // Called when an object is destroyed, so that a later object at the same address starts unnamed.
    void forget(uint64_t handle);

private:
    struct Entry {
        VkObjectType type;
        std::pmr::string name;
    };

    HostMemoryResource memory_;
    mutable std::shared_mutex mutex_;
    std::pmr::unordered_map<uint64_t, Entry> names_;
    // Most applications never name anything: forget() then costs one load, not a lock.
    std::atomic<bool> any_named_{false};
};

}  // namespace kiln
