// The host-memory device allocator: the heap that Kiln's device memory comes from
// and the payload blocks handed out of it. Knows nothing of Vulkan.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace kiln::memory {

enum class Status {
    Ok,
    OutOfHeap,        // the account has no room for these bytes
    TooManyBlocks,    // the account holds as many blocks as it may
    OutOfHostMemory,  // the host refused (malloc, memfd_create, mmap)
};

// The heap of the machine: three quarters of physical memory, as a CPU device shares it with
// the application that drives it.
uint64_t system_heap_size();

// What one device holds of a heap: a block count and a byte count, kept in ONE atomic word
// (count in the top 16 bits, bytes below) so that an allocation and a free cost one atomic
// operation each (docs/performance.md). Thread-safe.
class Account {
public:
    // Limits beyond what the word can hold are lowered to what it can.
    Account(uint64_t byte_limit, uint32_t count_limit)
        : byte_limit_(byte_limit < kByteMask ? byte_limit : kByteMask),
          count_limit_(count_limit < kMaxCountLimit ? count_limit : kMaxCountLimit) {}
    Account(const Account&) = delete;
    Account& operator=(const Account&) = delete;

    uint64_t byte_limit() const { return byte_limit_; }
    uint32_t count_limit() const { return count_limit_; }
    uint64_t bytes() const { return word_.load(std::memory_order_relaxed) & kByteMask; }
    uint32_t count() const { return uint32_t(word_.load(std::memory_order_relaxed) >> kCountShift); }

    // Counts one block of `bytes`; Ok, OutOfHeap or TooManyBlocks (and nothing counted).
    Status reserve(uint64_t bytes);
    void release(uint64_t bytes);

    static constexpr unsigned kCountShift = 48;
    static constexpr uint64_t kByteMask = (uint64_t{1} << kCountShift) - 1;
    static constexpr uint32_t kMaxCountLimit = (1u << (64 - kCountShift)) - 1;

private:
    uint64_t byte_limit_;
    uint32_t count_limit_;
    std::atomic<uint64_t> word_{0};
};

enum class Backing {
    Private,   // process-private memory: the fastest (measured in bench/memory_bench.cpp)
    External,  // pages the block does not own -- a payload's mapping (memory/payload_file.h) or an
               // application's host allocation: the block only counts them in its account
};

// A block of device memory. Move-only; frees its pages (Private) and its account share on destruction.
class Block {
public:
    Block() = default;
    ~Block() { reset(); }
    Block(Block&& other) noexcept { *this = static_cast<Block&&>(other); }
    Block& operator=(Block&& other) noexcept;
    Block(const Block&) = delete;
    Block& operator=(const Block&) = delete;

    // Reserves `size` in `account`, then takes private pages; on failure nothing is held.
    static Status allocate(Account& account, uint64_t size, Block* out);
    // Counts `size` bytes at `data` that someone else owns as one block of `account`, of which
    // `counted` bytes count towards the heap (an exporter counts its payload; an import counts
    // nothing, as the spec wants an imported payload counted once).
    static Status adopt(Account& account, std::byte* data, uint64_t size, uint64_t counted, Block* out);

    std::byte* data() const { return data_; }
    uint64_t size() const { return size_; }
    Backing backing() const { return backing_; }
    explicit operator bool() const { return data_ != nullptr; }

    void reset();

private:
    Account* account_ = nullptr;
    void* allocation_ = nullptr;  // what malloc returned (Private): data_ is it rounded up
    std::byte* data_ = nullptr;
    uint64_t size_ = 0;
    uint64_t counted_ = 0;  // bytes counted in account_
    Backing backing_ = Backing::Private;
};

// Alignment of every block's start: a cache line, enough for any texel or vector access.
inline constexpr uint64_t kBlockAlignment = 64;

}  // namespace kiln::memory
