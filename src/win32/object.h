// Kernel objects: what NT handles reference. An object lives while any handle or holder
// (a Vulkan memory object, a name does not count) references it. Knows nothing of Vulkan.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>

namespace kiln::win32 {

enum class ObjectType : uint8_t {
    Process,  // a process opened with OpenProcess (or the current one)
    Payload,  // a block of shared memory: a sealed memfd
};

class KernelObject {
public:
    explicit KernelObject(ObjectType type) : type_(type) {}
    virtual ~KernelObject();
    KernelObject(const KernelObject&) = delete;
    KernelObject& operator=(const KernelObject&) = delete;

    ObjectType type() const { return type_; }

    void retain() { references_.fetch_add(1, std::memory_order_relaxed); }
    // Adds a reference only if the object is still alive (`expected` references, not 0): for
    // registries that find objects without holding them. On failure `expected` is reloaded.
    bool try_retain(uint32_t& expected) {
        return expected != 0 &&
               references_.compare_exchange_weak(expected, expected + 1, std::memory_order_acq_rel);
    }
    void release() {
        if (references_.fetch_sub(1, std::memory_order_acq_rel) == 1)
            delete this;
    }
    uint32_t references() const { return references_.load(std::memory_order_relaxed); }

    // The name the object was created with (UTF-16, with its Local\ or Global\ prefix), or empty.
    const std::u16string& name() const { return name_; }
    void set_name(std::u16string name) { name_ = std::move(name); }

private:
    std::atomic<uint32_t> references_{1};
    ObjectType type_;
    std::u16string name_;
};

// An owning reference to a kernel object.
template <typename T = KernelObject>
class Ref {
public:
    Ref() = default;
    // Takes over the reference the caller holds.
    static Ref adopt(T* object) {
        Ref r;
        r.object_ = object;
        return r;
    }
    // Adds a reference of its own.
    static Ref share(T* object) {
        if (object)
            object->retain();
        return adopt(object);
    }
    Ref(const Ref& other) : object_(other.object_) {
        if (object_)
            object_->retain();
    }
    Ref(Ref&& other) noexcept : object_(std::exchange(other.object_, nullptr)) {}
    Ref& operator=(Ref other) noexcept {
        std::swap(object_, other.object_);
        return *this;
    }
    ~Ref() {
        if (object_)
            object_->release();
    }
    T* get() const { return object_; }
    T* operator->() const { return object_; }
    T& operator*() const { return *object_; }
    explicit operator bool() const { return object_ != nullptr; }
    // Gives up the reference without releasing it.
    T* leak() { return std::exchange(object_, nullptr); }

private:
    T* object_ = nullptr;
};

}  // namespace kiln::win32
