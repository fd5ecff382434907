// Object plumbing shared by every Vulkan object class: the loader word of dispatchable
// objects, handle <-> object casts, and allocation through VkAllocationCallbacks.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>
#include <type_traits>
#include <utility>
#include <vulkan/vulkan.h>  // with VK_USE_PLATFORM_WIN32_KHR (src/CMakeLists.txt)
#include <vulkan/vk_icd.h>

namespace kiln {

// Dispatchable objects (instance, physical device, device, queue, command buffer) start with
// the word the loader writes its dispatch table pointer into. Kiln stores nothing there.
struct DispatchableObject {
    VK_LOADER_DATA loader_data;
    DispatchableObject() { set_loader_magic_value(this); }
};

// Casts between a Vulkan handle and the Kiln object behind it, in one place.
#define KILN_HANDLE_CASTS(Class, VkHandle)                                                  \
    static Class* from(VkHandle handle) { return reinterpret_cast<Class*>(handle); }      \
    VkHandle handle() { return reinterpret_cast<VkHandle>(this); }

// Host memory for objects: the application's callbacks when given, else the C library.
class HostAllocator {
public:
    // `callbacks` may be NULL; `fallback` is the parent object's allocator (may be NULL).
    HostAllocator(const VkAllocationCallbacks* callbacks, const VkAllocationCallbacks* fallback = nullptr) {
        const VkAllocationCallbacks* chosen = callbacks ? callbacks : fallback;
        if (chosen)
            callbacks_ = *chosen, custom_ = true;
    }
    void* allocate(size_t size, size_t alignment, VkSystemAllocationScope scope) const {
        if (custom_)
            return callbacks_.pfnAllocation(callbacks_.pUserData, size, alignment, scope);
        if (alignment <= alignof(std::max_align_t))
            return std::malloc(size);  // malloc's own alignment suffices: its fast path
        return std::aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment);
    }
    void free(void* p) const {
        if (!p)
            return;
        if (custom_)
            callbacks_.pfnFree(callbacks_.pUserData, p);
        else
            std::free(p);
    }
    const VkAllocationCallbacks* callbacks() const { return custom_ ? &callbacks_ : nullptr; }

private:
    VkAllocationCallbacks callbacks_{};
    bool custom_ = false;
};

// Constructs a T in memory from `allocator`; NULL when the allocation fails.
template <typename T, typename... Args>
T* create_object(const HostAllocator& allocator, VkSystemAllocationScope scope, Args&&... args) {
    void* p = allocator.allocate(sizeof(T), alignof(T) < 16 ? 16 : alignof(T), scope);
    if (!p)
        return nullptr;
    return new (p) T(std::forward<Args>(args)...);
}

template <typename T>
void destroy_object(const HostAllocator& allocator, T* object) {
    if (!object)
        return;
    object->~T();
    allocator.free(object);
}

// The first struct of type T in a pNext chain, or NULL. Unknown sTypes are skipped, as
// the loader and layers chain their own structs.
template <typename T, typename Chain>
auto find_in_chain(Chain* chain, VkStructureType s_type) {
    using Base = std::conditional_t<std::is_const_v<Chain>, const VkBaseInStructure, VkBaseOutStructure>;
    using Result = std::conditional_t<std::is_const_v<Chain>, const T*, T*>;
    for (auto* s = reinterpret_cast<Base*>(chain); s; s = reinterpret_cast<Base*>(s->pNext))
        if (s->sType == s_type)
            return reinterpret_cast<Result>(s);
    return static_cast<Result>(nullptr);
}

}  // namespace kiln

#include "vk_structs.h"

namespace kiln {
// find<VkFoo>(pNext): the sType comes from the registry-generated STypeOf.
template <typename T>
const T* find(const void* chain) {
    return find_in_chain<T>(static_cast<const void*>(chain), gen::STypeOf<T>::value);
}
template <typename T>
T* find_out(void* chain) {
    return find_in_chain<T>(chain, gen::STypeOf<T>::value);
}
// A zeroed VkFoo with its sType set (for Kiln's calls to its own queries).
template <typename T>
T make_struct() {
    T s{};
    s.sType = gen::STypeOf<T>::value;
    return s;
}
}  // namespace kiln
