#include "allocator.h"

#include <cerrno>
#include <cstdlib>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <unistd.h>

namespace kiln::memory {

uint64_t Heap::system_heap_size() {
    struct sysinfo info {};
    if (sysinfo(&info) != 0)
        return uint64_t{1} << 30;  // a conservative gigabyte when the kernel will not say
    const uint64_t total = uint64_t(info.totalram) * info.mem_unit;
    return total / 4 * 3;
}

bool Heap::reserve(uint64_t bytes) {
    uint64_t current = used_.load(std::memory_order_relaxed);
    do {
        if (bytes > size_ || current > size_ - bytes)
            return false;
    } while (!used_.compare_exchange_weak(current, current + bytes, std::memory_order_relaxed));
    return true;
}

void Heap::release(uint64_t bytes) { used_.fetch_sub(bytes, std::memory_order_relaxed); }

Block& Block::operator=(Block&& other) noexcept {
    if (this != &other) {
        reset();
        heap_ = other.heap_;
        data_ = other.data_;
        size_ = other.size_;
        mapped_size_ = other.mapped_size_;
        fd_ = other.fd_;
        backing_ = other.backing_;
        other.heap_ = nullptr;
        other.data_ = nullptr;
        other.fd_ = -1;
        other.size_ = other.mapped_size_ = 0;
    }
    return *this;
}

static uint64_t round_up(uint64_t value, uint64_t alignment) {
    return (value + alignment - 1) / alignment * alignment;
}

Status Block::allocate(Heap& heap, uint64_t size, Backing backing, Block* out) {
    if (size == 0 || size > heap.size())
        return Status::OutOfHeap;
    if (!heap.reserve(size))
        return Status::OutOfHeap;

    Block block;
    block.heap_ = &heap;
    block.size_ = size;
    block.backing_ = backing;
    if (backing == Backing::Private) {
        // malloc serves small blocks from its arenas and large ones with mmap itself:
        // cheaper than a system call per allocation (see docs/performance.md).
        void* p = std::aligned_alloc(kBlockAlignment, round_up(size, kBlockAlignment));
        if (!p) {
            heap.release(size);
            block.heap_ = nullptr;
            return Status::OutOfHostMemory;
        }
        block.data_ = static_cast<std::byte*>(p);
    } else {
        const uint64_t page = uint64_t(sysconf(_SC_PAGESIZE));
        block.mapped_size_ = round_up(size, page);
        block.fd_ = memfd_create("kiln-device-memory", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (block.fd_ < 0 || ftruncate(block.fd_, off_t(block.mapped_size_)) != 0) {
            return Status::OutOfHostMemory;  // block's destructor closes the fd and releases the heap
        }
        void* p = mmap(nullptr, block.mapped_size_, PROT_READ | PROT_WRITE, MAP_SHARED, block.fd_, 0);
        if (p == MAP_FAILED)
            return Status::OutOfHostMemory;
        block.data_ = static_cast<std::byte*>(p);
    }
    *out = static_cast<Block&&>(block);
    return Status::Ok;
}

void Block::reset() {
    if (data_) {
        if (backing_ == Backing::Private)
            std::free(data_);
        else
            munmap(data_, mapped_size_);
    }
    if (fd_ >= 0)
        close(fd_);
    if (heap_)
        heap_->release(size_);
    heap_ = nullptr;
    data_ = nullptr;
    fd_ = -1;
    size_ = mapped_size_ = 0;
}

}  // namespace kiln::memory
