// The host-memory device allocator: the heap that Kiln's device memory comes from
// and the payload blocks handed out of it. Knows nothing of Vulkan.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace kiln::memory {

enum class Status {
    Ok,
    OutOfHeap,        // the heap has no room for this size
    OutOfHostMemory,  // the host refused (malloc, memfd_create, mmap)
};

// One memory heap: a size taken from the machine's memory and a usage counter.
// Thread-safe: reservations race only on the atomic counter.
class Heap {
public:
    explicit Heap(uint64_t size) : size_(size) {}
    Heap(const Heap&) = delete;
    Heap& operator=(const Heap&) = delete;

    // The heap of the machine: three quarters of physical memory, as a CPU device
    // shares it with the application that drives it.
    static uint64_t system_heap_size();

    uint64_t size() const { return size_; }
    uint64_t used() const { return used_.load(std::memory_order_relaxed); }

    // Counts `bytes` toward the heap; false when they do not fit.
    bool reserve(uint64_t bytes);
    void release(uint64_t bytes);

private:
    uint64_t size_;
    std::atomic<uint64_t> used_{0};
};

enum class Backing {
    Private,    // process-private memory: the fastest (measured in bench/memory_bench.cpp)
    Shareable,  // a memfd mapped shared, so that its pages can be exported and imported
};

// A block of device memory. Move-only; frees its pages and its heap share on destruction.
class Block {
public:
    Block() = default;
    ~Block() { reset(); }
    Block(Block&& other) noexcept { *this = static_cast<Block&&>(other); }
    Block& operator=(Block&& other) noexcept;
    Block(const Block&) = delete;
    Block& operator=(const Block&) = delete;

    static Status allocate(Heap& heap, uint64_t size, Backing backing, Block* out);

    std::byte* data() const { return data_; }
    uint64_t size() const { return size_; }
    Backing backing() const { return backing_; }
    int fd() const { return fd_; }  // the memfd of a Shareable block, else -1
    explicit operator bool() const { return data_ != nullptr; }

    void reset();

private:
    Heap* heap_ = nullptr;
    std::byte* data_ = nullptr;
    uint64_t size_ = 0;
    uint64_t mapped_size_ = 0;
    int fd_ = -1;
    Backing backing_ = Backing::Private;
};

// Alignment of every block's start: a cache line, enough for any texel or vector access.
inline constexpr uint64_t kBlockAlignment = 64;

}  // namespace kiln::memory
