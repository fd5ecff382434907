#include "allocator.h"

#include <cerrno>
#include <cstdlib>
#include <sys/sysinfo.h>
#include <unistd.h>

namespace kiln::memory {

uint64_t system_heap_size() {
    struct sysinfo info {};
    if (sysinfo(&info) != 0)
        return uint64_t{1} << 30;  // a conservative gigabyte when the kernel will not say
    const uint64_t total = uint64_t(info.totalram) * info.mem_unit;
    return total / 4 * 3;
}

Status Account::reserve(uint64_t bytes) {
    uint64_t current = word_.load(std::memory_order_relaxed);
    uint64_t next;
    do {
        const uint64_t used = current & kByteMask;
        if (bytes > byte_limit_ || used > byte_limit_ - bytes)
            return Status::OutOfHeap;
        if ((current >> kCountShift) >= count_limit_)
            return Status::TooManyBlocks;
        next = current + bytes + (uint64_t{1} << kCountShift);
    } while (!word_.compare_exchange_weak(current, next, std::memory_order_relaxed));
    return Status::Ok;
}

void Account::release(uint64_t bytes) {
    word_.fetch_sub(bytes + (uint64_t{1} << kCountShift), std::memory_order_relaxed);
}

Block& Block::operator=(Block&& other) noexcept {
    if (this != &other) {
        reset();
        account_ = other.account_;
        allocation_ = other.allocation_;
        data_ = other.data_;
        size_ = other.size_;
        counted_ = other.counted_;
        backing_ = other.backing_;
        other.account_ = nullptr;
        other.allocation_ = nullptr;
        other.data_ = nullptr;
        other.size_ = other.counted_ = 0;
    }
    return *this;
}

Status Block::allocate(Account& account, uint64_t size, Block* out) {
    if (size == 0)
        return Status::OutOfHeap;
    const Status reserved = account.reserve(size);
    if (reserved != Status::Ok)
        return reserved;

    Block block;  // from here on, its destructor gives back whatever was taken
    block.account_ = &account;
    block.size_ = block.counted_ = size;
    block.backing_ = Backing::Private;
    // malloc, rounded up to the alignment by hand: aligned_alloc(64) takes a slower path in glibc
    // that fragments its arenas (measured: docs/performance.md). Large sizes are mmap-ed by malloc.
    void* p = size > UINT64_MAX - kBlockAlignment ? nullptr : std::malloc(size + kBlockAlignment - 1);
    if (!p)
        return Status::OutOfHostMemory;
    block.allocation_ = p;
    const uintptr_t aligned = (reinterpret_cast<uintptr_t>(p) + kBlockAlignment - 1) & ~uintptr_t(kBlockAlignment - 1);
    block.data_ = reinterpret_cast<std::byte*>(aligned);
    *out = static_cast<Block&&>(block);
    return Status::Ok;
}

Status Block::adopt(Account& account, std::byte* data, uint64_t size, uint64_t counted, Block* out) {
    if (!data || size == 0 || counted > size)
        return Status::OutOfHeap;
    const Status reserved = account.reserve(counted);
    if (reserved != Status::Ok)
        return reserved;
    Block block;
    block.account_ = &account;
    block.data_ = data;
    block.size_ = size;
    block.counted_ = counted;
    block.backing_ = Backing::External;
    *out = static_cast<Block&&>(block);
    return Status::Ok;
}

void Block::reset() {
    if (allocation_)
        std::free(allocation_);
    if (account_)
        account_->release(counted_);
    account_ = nullptr;
    allocation_ = nullptr;
    data_ = nullptr;
    size_ = counted_ = 0;
}

}  // namespace kiln::memory
