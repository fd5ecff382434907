// A std::pmr::memory_resource over VkAllocationCallbacks: what an object keeps in standard
// containers (a device's object names) comes from the same callbacks as the object itself.
#pragma once

#include <memory_resource>
#include <new>

#include "object.h"

namespace kiln {

class HostMemoryResource final : public std::pmr::memory_resource {
public:
    HostMemoryResource(const HostAllocator& allocator, VkSystemAllocationScope scope)
        : allocator_(allocator), scope_(scope) {}

private:
    // Containers report failure by exception; callers catch std::bad_alloc before the C ABI and
    // return VK_ERROR_OUT_OF_HOST_MEMORY.
    void* do_allocate(size_t bytes, size_t alignment) override {
        void* p = allocator_.allocate(bytes ? bytes : 1, alignment, scope_);
        if (!p)
            throw std::bad_alloc();
        return p;
    }
    void do_deallocate(void* p, size_t, size_t) override { allocator_.free(p); }
    bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }

    HostAllocator allocator_;
    VkSystemAllocationScope scope_;
};

}  // namespace kiln
