// A fixed-size array in host memory from VkAllocationCallbacks: what an object keeps beside
// itself (a layout's bindings, a set's descriptors) comes from the same callbacks as the object.
#pragma once

#include <cstddef>
#include <new>
#include <span>
#include <utility>

#include "object.h"

namespace kiln {

template <typename T>
class HostArray {
public:
    HostArray() = default;
    HostArray(const HostArray&) = delete;
    HostArray& operator=(const HostArray&) = delete;
    HostArray(HostArray&& other) noexcept { swap(other); }
    HostArray& operator=(HostArray&& other) noexcept {
        HostArray(std::move(other)).swap(*this);
        return *this;
    }
    ~HostArray() { clear(); }

    // Replaces the contents with `size` value-initialized elements; false (and empty) when the
    // allocation fails. No allocation for size 0.
    bool allocate(const HostAllocator& allocator, size_t size, VkSystemAllocationScope scope) {
        clear();
        if (size == 0)
            return true;
        void* p = allocator.allocate(size * sizeof(T), alignof(T), scope);
        if (!p)
            return false;
        allocator_ = allocator;
        data_ = static_cast<T*>(p);
        for (size_t i = 0; i < size; ++i)
            new (data_ + i) T();
        size_ = size;
        return true;
    }

    void clear() {
        for (size_t i = 0; i < size_; ++i)
            data_[i].~T();
        allocator_.free(data_);
        data_ = nullptr;
        size_ = 0;
    }

    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    T* data() { return data_; }
    const T* data() const { return data_; }
    T& operator[](size_t i) { return data_[i]; }
    const T& operator[](size_t i) const { return data_[i]; }
    T* begin() { return data_; }
    T* end() { return data_ + size_; }
    const T* begin() const { return data_; }
    const T* end() const { return data_ + size_; }
    std::span<T> span() { return {data_, size_}; }
    std::span<const T> span() const { return {data_, size_}; }

    void swap(HostArray& other) noexcept {
        std::swap(allocator_, other.allocator_);
        std::swap(data_, other.data_);
        std::swap(size_, other.size_);
    }

private:
    HostAllocator allocator_{nullptr};
    T* data_ = nullptr;
    size_t size_ = 0;
};

}  // namespace kiln
