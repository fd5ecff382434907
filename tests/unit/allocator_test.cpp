// kiln::memory::Account and Block: heap accounting, the two backings (Private pages a block owns,
// External pages it only counts), ownership.
#include "memory/allocator.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <dirent.h>
#include <sys/mman.h>
#include <thread>
#include <unistd.h>
#include <vector>

// Under a sanitizer an impossible allocation must come back as NULL (as from glibc), not abort
// the run: Block's OutOfHostMemory path is what is being tested. The hooks are exported because
// the project builds with hidden visibility and the sanitizer runtime looks them up dynamically.
#if defined(__has_feature)  // Clang
#if __has_feature(address_sanitizer)
#define KILN_TEST_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define KILN_TEST_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(KILN_TEST_ASAN)
extern "C" __attribute__((visibility("default"))) const char* __asan_default_options() {
    return "allocator_may_return_null=1";
}
#endif
#if defined(__SANITIZE_THREAD__) || defined(KILN_TEST_TSAN)
extern "C" __attribute__((visibility("default"))) const char* __tsan_default_options() {
    return "allocator_may_return_null=1";
}
#endif

namespace {

using kiln::memory::Backing;
using kiln::memory::Block;
using kiln::memory::Account;
using kiln::memory::kBlockAlignment;
using kiln::memory::Status;

constexpr uint64_t kMiB = uint64_t{1} << 20;

// Open file descriptors of this process, from /proc/self/fd (minus the one opendir holds).
int open_fd_count() {
    DIR* dir = opendir("/proc/self/fd");
    if (!dir)
        return -1;
    int count = 0;
    while (const dirent* entry = readdir(dir))
        if (entry->d_name[0] != '.')
            ++count;
    closedir(dir);
    return count - 1;
}

// A byte pattern that differs at every position within a period of 251 (a prime).
std::byte pattern_byte(uint64_t i, uint8_t seed) { return std::byte(uint8_t(i % 251 + seed)); }

// ---- Account: the block count -----

TEST(Account, CountLimitRefusesTheNextBlockAndKeepsBytesUnchanged) {
    Account account(1000, 2);
    EXPECT_EQ(account.reserve(10), Status::Ok);
    EXPECT_EQ(account.reserve(10), Status::Ok);
    EXPECT_EQ(account.reserve(10), Status::TooManyBlocks);
    EXPECT_EQ(account.count(), 2u);
    EXPECT_EQ(account.bytes(), 20u);
    account.release(10);
    EXPECT_EQ(account.count(), 1u);
    EXPECT_EQ(account.reserve(10), Status::Ok);
}

TEST(Account, BytesAtTheLimitDoNotSpillIntoTheCount) {
    // Both counters share one word: a full byte field must leave the count exact.
    const uint64_t limit = Account::kByteMask;
    Account account(limit, 3);
    EXPECT_EQ(account.reserve(limit), Status::Ok);
    EXPECT_EQ(account.count(), 1u);
    EXPECT_EQ(account.bytes(), limit);
    EXPECT_EQ(account.reserve(1), Status::OutOfHeap);
    account.release(limit);
    EXPECT_EQ(account.count(), 0u);
    EXPECT_EQ(account.bytes(), 0u);
}

TEST(Block, TooManyBlocksIsRefusedBeforeAnyPageIsTaken) {
    Account account(kMiB, 1);
    Block first, second;
    ASSERT_EQ(Block::allocate(account, 4096, &first), Status::Ok);
    EXPECT_EQ(Block::allocate(account, 4096, &second), Status::TooManyBlocks);
    EXPECT_FALSE(second);
    EXPECT_EQ(account.bytes(), 4096u);
    first.reset();
    EXPECT_EQ(Block::allocate(account, 4096, &second), Status::Ok);
}

// ---- Account: bytes -----------------------------------------------------------------------------

TEST(Account, ReserveWithinSizeCountsTowardUsage) {
    Account heap(1000, 1u << 20);
    EXPECT_EQ(heap.byte_limit(), 1000u);
    EXPECT_EQ(heap.bytes(), 0u);
    EXPECT_TRUE((heap.reserve(600) == Status::Ok));
    EXPECT_TRUE((heap.reserve(400) == Status::Ok));
    EXPECT_EQ(heap.bytes(), 1000u);
}

TEST(Account, ReserveBeyondSizeFailsAndLeavesUsageUnchanged) {
    Account heap(1000, 1u << 20);
    ASSERT_TRUE((heap.reserve(600) == Status::Ok));
    EXPECT_FALSE((heap.reserve(401) == Status::Ok));
    EXPECT_EQ(heap.bytes(), 600u);
    EXPECT_FALSE((heap.reserve(1001) == Status::Ok));
    EXPECT_EQ(heap.bytes(), 600u);
    // A size that would wrap the counter around must not slip through.
    EXPECT_FALSE((heap.reserve(UINT64_MAX) == Status::Ok));
    EXPECT_FALSE((heap.reserve(UINT64_MAX - 599) == Status::Ok));
    EXPECT_EQ(heap.bytes(), 600u);
    EXPECT_TRUE((heap.reserve(400) == Status::Ok));
    EXPECT_FALSE((heap.reserve(1) == Status::Ok));
    EXPECT_EQ(heap.bytes(), 1000u);
}

TEST(Account, ReleaseReturnsUsage) {
    Account heap(1000, 1u << 20);
    ASSERT_TRUE((heap.reserve(1000) == Status::Ok));
    heap.release(300);
    EXPECT_EQ(heap.bytes(), 700u);
    EXPECT_TRUE((heap.reserve(300) == Status::Ok));
    heap.release(1000);
    EXPECT_EQ(heap.bytes(), 0u);
    EXPECT_TRUE((heap.reserve(1000) == Status::Ok));
}

// Runs `body(thread_index)` on `count` threads released at once, so that they really race.
template <typename F>
void run_together(int count, F body) {
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < count; ++t) {
        threads.emplace_back([&, t] {
            ready.fetch_add(1);
            while (ready.load() < count)
                std::this_thread::yield();
            body(t);
        });
    }
    for (std::thread& t : threads)
        t.join();
}

TEST(Account, ConcurrentReservationsNeverExceedSizeAndCountExactly) {
    // 8 threads race for 400000 four-byte reservations of a 100000-byte account: exactly 25000
    // win, and the count agrees with the bytes.
    Account heap(100000, 60000);
    std::atomic<uint64_t> granted{0};
    run_together(8, [&](int) {
        for (int i = 0; i < 50000; ++i)
            if ((heap.reserve(4) == Status::Ok))
                granted.fetch_add(1, std::memory_order_relaxed);
    });
    EXPECT_EQ(granted.load(), 25000u);
    EXPECT_EQ(heap.bytes(), 100000u);
    EXPECT_EQ(heap.count(), 25000u);
}

TEST(Account, ConcurrentReserveAndReleaseKeepExactAccounting) {
    // Each thread reserves and releases sizes that only sometimes fit; whatever it was
    // granted it gives back, so the heap ends empty, and it never overflows on the way.
    Account heap(10000, 1u << 20);
    std::atomic<bool> overflowed{false};
    run_together(8, [&](int t) {
        std::vector<uint64_t> held;
        for (int i = 0; i < 200000; ++i) {
            const uint64_t bytes = 1 + uint64_t(i * 37 + t * 101) % 1500;
            if ((heap.reserve(bytes) == Status::Ok))
                held.push_back(bytes);
            if (heap.bytes() > heap.byte_limit())
                overflowed = true;
            if (held.size() > 3 || (!held.empty() && i % 3 == 0)) {
                heap.release(held.back());
                held.pop_back();
            }
        }
        for (uint64_t bytes : held)
            heap.release(bytes);
    });
    EXPECT_FALSE(overflowed.load());
    EXPECT_EQ(heap.bytes(), 0u);
}

TEST(Account, SystemHeapIsThreeQuartersOfPhysicalMemory) {
    const uint64_t physical = uint64_t(sysconf(_SC_PHYS_PAGES)) * uint64_t(sysconf(_SC_PAGESIZE));
    const uint64_t heap = kiln::memory::system_heap_size();
    EXPECT_GT(heap, 0u);
    // sysinfo and sysconf may round differently: allow a page of slack either way.
    const uint64_t expected = physical / 4 * 3;
    const uint64_t page = uint64_t(sysconf(_SC_PAGESIZE));
    EXPECT_LE(heap, expected + page);
    EXPECT_GE(heap + page, expected);
}

// ---- Block: no descriptors ------------------------------------------------------------

// Blocks are bytes only: payload files (memory/payload_file.h) hold the descriptors of external
// memory, and a block has no fd() any more.
template <typename B>
concept HasFd = requires(const B& b) { b.fd(); };
static_assert(!HasFd<Block>, "memory::Block must not expose a descriptor");

// Pages someone else owns (as a payload's mapping is): an anonymous mapping that outlives the
// blocks adopting it, so that a block freeing or unmapping what it does not own is caught.
class ForeignPages {
public:
    explicit ForeignPages(uint64_t size) : size_(size) {
        void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        data_ = p == MAP_FAILED ? nullptr : static_cast<std::byte*>(p);
    }
    ~ForeignPages() {
        if (data_)
            munmap(data_, size_);
    }
    ForeignPages(const ForeignPages&) = delete;
    ForeignPages& operator=(const ForeignPages&) = delete;

    std::byte* data() const { return data_; }
    uint64_t size() const { return size_; }
    // True while every page is still mapped (mincore fails with ENOMEM on an unmapped range).
    bool mapped() const {
        std::vector<unsigned char> residency((size_ + 4095) / 4096 + 1);
        return mincore(data_, size_, residency.data()) == 0;
    }

private:
    uint64_t size_;
    std::byte* data_;
};

TEST(Block, NoOperationOpensOrClosesADescriptor) {
    Account heap(4 * kMiB, 1u << 20);
    ForeignPages pages(3 * 4096);
    ASSERT_TRUE(pages.data());
    const int fds_before = open_fd_count();
    {
        Block a, b, c;
        ASSERT_EQ(Block::allocate(heap, 10000, &a), Status::Ok);
        ASSERT_EQ(Block::adopt(heap, pages.data(), pages.size(), pages.size(), &b), Status::Ok);
        ASSERT_EQ(Block::adopt(heap, pages.data(), pages.size(), 0, &c), Status::Ok);
        EXPECT_EQ(open_fd_count(), fds_before);
        a = std::move(b);
        c.reset();
    }
    EXPECT_EQ(open_fd_count(), fds_before);
    EXPECT_EQ(heap.bytes(), 0u);
    EXPECT_EQ(heap.count(), 0u);
}

// ---- Block: errors --------------------------------------------------------------------

TEST(Block, ZeroSizeIsOutOfHeap) {
    Account heap(kMiB, 1u << 20);
    ForeignPages pages(4096);
    ASSERT_TRUE(pages.data());
    Block block;
    EXPECT_EQ(Block::allocate(heap, 0, &block), Status::OutOfHeap);
    EXPECT_FALSE(block);
    EXPECT_EQ(Block::adopt(heap, pages.data(), 0, 0, &block), Status::OutOfHeap);
    EXPECT_FALSE(block);
    EXPECT_EQ(block.size(), 0u);
    EXPECT_EQ(heap.bytes(), 0u);
    EXPECT_EQ(heap.count(), 0u);
}

TEST(Block, AdoptingNullIsOutOfHeap) {
    Account heap(kMiB, 1u << 20);
    Block block;
    EXPECT_EQ(Block::adopt(heap, nullptr, 4096, 4096, &block), Status::OutOfHeap);
    EXPECT_EQ(Block::adopt(heap, nullptr, 4096, 0, &block), Status::OutOfHeap);
    EXPECT_FALSE(block);
    EXPECT_EQ(heap.bytes(), 0u);
    EXPECT_EQ(heap.count(), 0u);
}

TEST(Block, AdoptingMoreCountedBytesThanTheBlockHasIsOutOfHeap) {
    Account heap(kMiB, 1u << 20);
    ForeignPages pages(4096);
    ASSERT_TRUE(pages.data());
    Block block;
    EXPECT_EQ(Block::adopt(heap, pages.data(), 4096, 4097, &block), Status::OutOfHeap);
    EXPECT_EQ(Block::adopt(heap, pages.data(), 1, UINT64_MAX, &block), Status::OutOfHeap);
    EXPECT_FALSE(block);
    EXPECT_EQ(heap.bytes(), 0u);
    EXPECT_EQ(heap.count(), 0u);
    // counted == size is the exporter's case, and fine.
    EXPECT_EQ(Block::adopt(heap, pages.data(), 4096, 4096, &block), Status::Ok);
    EXPECT_EQ(heap.bytes(), 4096u);
}

TEST(Block, SizeLargerThanHeapIsOutOfHeap) {
    Account heap(kMiB, 1u << 20);
    ForeignPages pages(kMiB + 4096);
    ASSERT_TRUE(pages.data());
    Block block;
    EXPECT_EQ(Block::allocate(heap, kMiB + 1, &block), Status::OutOfHeap);
    EXPECT_FALSE(block);
    EXPECT_EQ(Block::adopt(heap, pages.data(), kMiB + 1, kMiB + 1, &block), Status::OutOfHeap);
    EXPECT_FALSE(block);
    EXPECT_EQ(heap.bytes(), 0u);
    EXPECT_EQ(heap.count(), 0u);
}

TEST(Block, AnImportCountsNoBytesWhateverItsSize) {
    // An import counts nothing (the exporter counted the payload): its size may exceed the heap.
    Account heap(kMiB, 1u << 20);
    ForeignPages pages(4 * kMiB);
    ASSERT_TRUE(pages.data());
    Block block;
    ASSERT_EQ(Block::adopt(heap, pages.data(), pages.size(), 0, &block), Status::Ok);
    EXPECT_TRUE(block);
    EXPECT_EQ(block.size(), 4 * kMiB);
    EXPECT_EQ(heap.bytes(), 0u);
    EXPECT_EQ(heap.count(), 1u) << "an import is still a block of the account";
    block.reset();
    EXPECT_EQ(heap.bytes(), 0u);
    EXPECT_EQ(heap.count(), 0u);
}

TEST(Block, SizeLargerThanWhatIsLeftIsOutOfHeap) {
    Account heap(kMiB, 1u << 20);
    ForeignPages pages(kMiB);
    ASSERT_TRUE(pages.data());
    Block first;
    ASSERT_EQ(Block::allocate(heap, 600 * 1024, &first), Status::Ok);
    Block second;
    EXPECT_EQ(Block::allocate(heap, 500 * 1024, &second), Status::OutOfHeap);
    EXPECT_FALSE(second);
    EXPECT_EQ(Block::adopt(heap, pages.data(), 500 * 1024, 500 * 1024, &second), Status::OutOfHeap);
    EXPECT_FALSE(second);
    EXPECT_EQ(heap.bytes(), 600u * 1024);
    EXPECT_EQ(heap.count(), 1u);
    // Exactly what is left fits; one byte more does not.
    EXPECT_EQ(Block::adopt(heap, pages.data(), 500 * 1024, 424 * 1024 + 1, &second), Status::OutOfHeap);
    EXPECT_EQ(Block::adopt(heap, pages.data(), 500 * 1024, 424 * 1024, &second), Status::Ok);
    EXPECT_EQ(heap.bytes(), kMiB);
    // A full heap still takes an import, which counts no bytes.
    Block import;
    EXPECT_EQ(Block::adopt(heap, pages.data(), 500 * 1024, 0, &import), Status::Ok);
    EXPECT_EQ(heap.bytes(), kMiB);
    EXPECT_EQ(heap.count(), 3u);
}

TEST(Block, AdoptingBeyondTheCountLimitIsTooManyBlocks) {
    Account heap(kMiB, 2);
    ForeignPages pages(4096);
    ASSERT_TRUE(pages.data());
    Block a, b, c;
    ASSERT_EQ(Block::allocate(heap, 100, &a), Status::Ok);
    ASSERT_EQ(Block::adopt(heap, pages.data(), 4096, 0, &b), Status::Ok);
    // Counted or not, a third block is one too many; the account is unchanged.
    EXPECT_EQ(Block::adopt(heap, pages.data(), 4096, 0, &c), Status::TooManyBlocks);
    EXPECT_EQ(Block::adopt(heap, pages.data(), 4096, 4096, &c), Status::TooManyBlocks);
    EXPECT_EQ(Block::allocate(heap, 100, &c), Status::TooManyBlocks);
    EXPECT_FALSE(c);
    EXPECT_EQ(heap.count(), 2u);
    EXPECT_EQ(heap.bytes(), 100u);
    b.reset();
    EXPECT_EQ(Block::adopt(heap, pages.data(), 4096, 4096, &c), Status::Ok);
    EXPECT_EQ(heap.count(), 2u);
    EXPECT_EQ(heap.bytes(), 4196u);
}

TEST(Block, FailedAllocationLeavesTheOutputBlockUntouched) {
    Account heap(kMiB, 1u << 20);
    Block block;
    ASSERT_EQ(Block::allocate(heap, 4096, &block), Status::Ok);
    std::byte* data = block.data();
    EXPECT_EQ(Block::allocate(heap, 2 * kMiB, &block), Status::OutOfHeap);
    EXPECT_EQ(block.data(), data);
    EXPECT_EQ(block.size(), 4096u);
    EXPECT_EQ(block.backing(), Backing::Private);
    EXPECT_EQ(heap.bytes(), 4096u);
}

TEST(Block, FailedAdoptionLeavesTheOutputBlockUntouched) {
    Account heap(kMiB, 1u << 20);
    ForeignPages pages(2 * kMiB);
    ASSERT_TRUE(pages.data());
    Block block;
    ASSERT_EQ(Block::adopt(heap, pages.data(), 4096, 4096, &block), Status::Ok);
    EXPECT_EQ(Block::adopt(heap, pages.data(), 2 * kMiB, 2 * kMiB, &block), Status::OutOfHeap);
    EXPECT_EQ(Block::adopt(heap, nullptr, 4096, 0, &block), Status::OutOfHeap);
    EXPECT_EQ(Block::adopt(heap, pages.data(), 4096, 8192, &block), Status::OutOfHeap);
    EXPECT_EQ(Block::allocate(heap, 2 * kMiB, &block), Status::OutOfHeap);
    EXPECT_EQ(block.data(), pages.data());
    EXPECT_EQ(block.size(), 4096u);
    EXPECT_EQ(block.backing(), Backing::External);
    EXPECT_EQ(heap.bytes(), 4096u);
    EXPECT_EQ(heap.count(), 1u);
}

TEST(Block, PrivateHostRefusalIsOutOfHostMemoryAndReturnsTheHeapShare) {
    // 2^47 bytes fit the account but not a 47-bit user address space: the host must refuse.
    Account heap(uint64_t{1} << 47, 1u << 20);
    Block block;
    EXPECT_EQ(Block::allocate(heap, uint64_t{1} << 47, &block), Status::OutOfHostMemory);
    EXPECT_FALSE(block);
    EXPECT_EQ(heap.bytes(), 0u);
    EXPECT_EQ(heap.count(), 0u);
}

// ---- Block: Private -------------------------------------------------------------------

TEST(Block, PrivateBlocksAre64ByteAlignedAndWritableAcrossTheirSize) {
    Account heap(64 * kMiB, 1u << 20);
    for (uint64_t size : {uint64_t{1}, uint64_t{3}, uint64_t{63}, uint64_t{64}, uint64_t{65}, uint64_t{4097},
                          kMiB + 3, 5 * kMiB}) {
        SCOPED_TRACE(size);
        Block block;
        ASSERT_EQ(Block::allocate(heap, size, &block), Status::Ok);
        ASSERT_TRUE(block);
        EXPECT_EQ(block.size(), size);
        EXPECT_EQ(block.backing(), Backing::Private);
        EXPECT_EQ(heap.bytes(), size);
        EXPECT_EQ(heap.count(), 1u);
        EXPECT_EQ(reinterpret_cast<uintptr_t>(block.data()) % kBlockAlignment, 0u);
        static_assert(kBlockAlignment == 64);
        for (uint64_t i = 0; i < size; ++i)
            block.data()[i] = pattern_byte(i, 7);
        uint64_t mismatches = 0;
        for (uint64_t i = 0; i < size; ++i)
            mismatches += block.data()[i] != pattern_byte(i, 7);
        EXPECT_EQ(mismatches, 0u);
    }
    EXPECT_EQ(heap.bytes(), 0u);
}

TEST(Block, PrivateDestructionReturnsTheHeapShare) {
    Account heap(kMiB, 1u << 20);
    {
        Block block;
        ASSERT_EQ(Block::allocate(heap, 777, &block), Status::Ok);
        EXPECT_EQ(heap.bytes(), 777u);
    }
    EXPECT_EQ(heap.bytes(), 0u);
    EXPECT_EQ(heap.count(), 0u);
}

TEST(Block, PrivateResetReturnsTheHeapShare) {
    Account heap(kMiB, 1u << 20);
    Block block;
    ASSERT_EQ(Block::allocate(heap, 5000, &block), Status::Ok);
    block.reset();
    EXPECT_FALSE(block);
    EXPECT_EQ(block.data(), nullptr);
    EXPECT_EQ(block.size(), 0u);
    EXPECT_EQ(heap.bytes(), 0u);
    EXPECT_EQ(heap.count(), 0u);
    block.reset();  // twice is harmless
    EXPECT_EQ(heap.bytes(), 0u);
    EXPECT_EQ(heap.count(), 0u);
}

// ---- Block: External ------------------------------------------------------------------

TEST(Block, AnAdoptedBlockIsTheOwnersPagesAsGiven) {
    Account heap(kMiB, 1u << 20);
    ForeignPages pages(3 * 4096);
    ASSERT_TRUE(pages.data());
    // Any address and size: no rounding, no copy (an application's host pointer need not be
    // 64-byte aligned as Kiln's own blocks are).
    for (uint64_t offset : {uint64_t{0}, uint64_t{1}, uint64_t{4096 + 7}}) {
        SCOPED_TRACE(offset);
        const uint64_t size = pages.size() - offset;
        Block block;
        ASSERT_EQ(Block::adopt(heap, pages.data() + offset, size, size, &block), Status::Ok);
        ASSERT_TRUE(block);
        EXPECT_EQ(block.data(), pages.data() + offset);
        EXPECT_EQ(block.size(), size);
        EXPECT_EQ(block.backing(), Backing::External);
        EXPECT_EQ(heap.bytes(), size);
        EXPECT_EQ(heap.count(), 1u);
        for (uint64_t i = 0; i < size; ++i)
            block.data()[i] = pattern_byte(i, uint8_t(offset));
        uint64_t mismatches = 0;
        for (uint64_t i = 0; i < size; ++i)
            mismatches += pages.data()[offset + i] != pattern_byte(i, uint8_t(offset));
        EXPECT_EQ(mismatches, 0u) << "the block's bytes are not the owner's pages";
    }
    EXPECT_EQ(heap.bytes(), 0u);
    EXPECT_EQ(heap.count(), 0u);
}

TEST(Block, ResetOfAnAdoptedBlockReleasesExactlyItsCountedBytesAndLeavesThePages) {
    Account heap(kMiB, 1u << 20);
    ASSERT_EQ(heap.reserve(1000), Status::Ok);  // someone else's share, which must stay counted
    ForeignPages pages(8192);
    ASSERT_TRUE(pages.data());
    pages.data()[8191] = std::byte{0x3c};
    for (uint64_t counted : {uint64_t{0}, uint64_t{1}, uint64_t{4096}, uint64_t{8191}, uint64_t{8192}}) {
        SCOPED_TRACE(counted);
        Block block;
        ASSERT_EQ(Block::adopt(heap, pages.data(), 8192, counted, &block), Status::Ok);
        EXPECT_EQ(heap.bytes(), 1000 + counted);
        EXPECT_EQ(heap.count(), 2u);
        EXPECT_EQ(block.size(), 8192u) << "the block's size is all its bytes, counted or not";
        block.reset();
        EXPECT_FALSE(block);
        EXPECT_EQ(block.data(), nullptr);
        EXPECT_EQ(block.size(), 0u);
        EXPECT_EQ(heap.bytes(), 1000u);
        EXPECT_EQ(heap.count(), 1u);
        block.reset();  // twice is harmless
        EXPECT_EQ(heap.bytes(), 1000u);
        EXPECT_EQ(heap.count(), 1u);
        // The pages are the owner's: still mapped, bytes intact.
        EXPECT_TRUE(pages.mapped());
        EXPECT_EQ(pages.data()[8191], std::byte{0x3c});
    }
}

TEST(Block, DestructionOfAnAdoptedBlockReleasesItsCountedBytesAndLeavesThePages) {
    Account heap(kMiB, 1u << 20);
    ForeignPages pages(5 * 4096);
    ASSERT_TRUE(pages.data());
    {
        Block block;
        ASSERT_EQ(Block::adopt(heap, pages.data(), pages.size(), 5000, &block), Status::Ok);
        EXPECT_EQ(heap.bytes(), 5000u);
        block.data()[0] = std::byte{0x11};
    }
    EXPECT_EQ(heap.bytes(), 0u);
    EXPECT_EQ(heap.count(), 0u);
    EXPECT_TRUE(pages.mapped());
    EXPECT_EQ(pages.data()[0], std::byte{0x11});
}

TEST(Block, OnePayloadAdoptedByAnExporterAndAnImporterIsCountedOnce) {
    // The spec counts an exported-then-imported payload once: the exporter's block counts its
    // bytes, the importer's none, and each releases only what it counted.
    Account exporter_heap(kMiB, 1u << 20), importer_heap(kMiB, 1u << 20);
    ForeignPages pages(64 * 1024);
    ASSERT_TRUE(pages.data());
    Block exported, imported;
    ASSERT_EQ(Block::adopt(exporter_heap, pages.data(), pages.size(), pages.size(), &exported), Status::Ok);
    ASSERT_EQ(Block::adopt(importer_heap, pages.data(), pages.size(), 0, &imported), Status::Ok);
    EXPECT_EQ(exporter_heap.bytes() + importer_heap.bytes(), pages.size());
    exported.data()[100] = std::byte{0x77};
    EXPECT_EQ(imported.data()[100], std::byte{0x77});
    exported.reset();
    EXPECT_EQ(exporter_heap.bytes(), 0u);
    EXPECT_EQ(importer_heap.bytes(), 0u);
    EXPECT_EQ(importer_heap.count(), 1u);
    EXPECT_EQ(imported.data()[100], std::byte{0x77}) << "the exporter's reset took the importer's pages";
    imported.reset();
    EXPECT_EQ(importer_heap.count(), 0u);
}

TEST(Block, ConcurrentAdoptionsAndResetsKeepExactAccounting) {
    // Exporters (counting) and importers (not counting) race for a small account: whatever each
    // was granted it gives back, the byte limit is never exceeded, and the account ends empty.
    Account heap(64 * 1024, 1u << 20);
    ForeignPages pages(16 * 1024);
    ASSERT_TRUE(pages.data());
    std::atomic<bool> overflowed{false};
    std::atomic<uint64_t> imports{0};
    run_together(8, [&](int t) {
        std::vector<Block> held;
        for (int i = 0; i < 20000; ++i) {
            const uint64_t size = 1 + uint64_t(i * 37 + t * 101) % pages.size();
            const uint64_t counted = (i + t) % 3 == 0 ? 0 : size;
            Block block;
            if (Block::adopt(heap, pages.data(), size, counted, &block) == Status::Ok) {
                imports.fetch_add(counted == 0, std::memory_order_relaxed);
                held.push_back(std::move(block));
            }
            if (heap.bytes() > heap.byte_limit())
                overflowed = true;
            if (held.size() > 4 || (!held.empty() && i % 3 == 0))
                held.pop_back();
        }
    });
    EXPECT_FALSE(overflowed.load());
    EXPECT_GT(imports.load(), 0u);
    EXPECT_EQ(heap.bytes(), 0u);
    EXPECT_EQ(heap.count(), 0u);
}

// ---- Block: moves ---------------------------------------------------------------------

TEST(Block, MoveConstructionTransfersOwnership) {
    Account heap(kMiB, 1u << 20);
    Block a;
    ASSERT_EQ(Block::allocate(heap, 4096, &a), Status::Ok);
    std::byte* data = a.data();
    a.data()[42] = std::byte{0x42};

    Block b(std::move(a));
    EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): the moved-from state is the point
    EXPECT_EQ(a.data(), nullptr);
    EXPECT_EQ(a.size(), 0u);
    EXPECT_EQ(b.data(), data);
    EXPECT_EQ(b.size(), 4096u);
    EXPECT_EQ(b.backing(), Backing::Private);
    EXPECT_EQ(b.data()[42], std::byte{0x42});
    EXPECT_EQ(heap.bytes(), 4096u);

    a.reset();  // the moved-from block owns nothing: no double release, no double free
    EXPECT_EQ(heap.bytes(), 4096u);
    EXPECT_EQ(heap.count(), 1u);
    b.reset();
    EXPECT_EQ(heap.bytes(), 0u);
    EXPECT_EQ(heap.count(), 0u);
}

TEST(Block, MoveConstructionOfAnAdoptedBlockTransfersItsCountedBytes) {
    Account heap(kMiB, 1u << 20);
    ForeignPages pages(8192);
    ASSERT_TRUE(pages.data());
    Block a;
    ASSERT_EQ(Block::adopt(heap, pages.data(), 8192, 3000, &a), Status::Ok);

    Block b(std::move(a));
    EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(a.data(), nullptr);
    EXPECT_EQ(a.size(), 0u);
    EXPECT_EQ(b.data(), pages.data());
    EXPECT_EQ(b.size(), 8192u);
    EXPECT_EQ(b.backing(), Backing::External);
    EXPECT_EQ(heap.bytes(), 3000u);

    a.reset();  // nothing: the counted bytes moved with the pages
    EXPECT_EQ(heap.bytes(), 3000u);
    EXPECT_EQ(heap.count(), 1u);
    b.reset();
    EXPECT_EQ(heap.bytes(), 0u);
    EXPECT_EQ(heap.count(), 0u);
    EXPECT_TRUE(pages.mapped());
}

TEST(Block, MoveAssignmentFreesTheBlockItReplaces) {
    Account heap(kMiB, 1u << 20);
    ForeignPages pages(4096);
    ASSERT_TRUE(pages.data());
    Block a, b;
    ASSERT_EQ(Block::adopt(heap, pages.data(), 4096, 1000, &a), Status::Ok);
    ASSERT_EQ(Block::allocate(heap, 3000, &b), Status::Ok);
    std::byte* b_data = b.data();
    EXPECT_EQ(heap.bytes(), 4000u);
    EXPECT_EQ(heap.count(), 2u);

    a = std::move(b);  // an External block replaced by a Private one: its 1000 counted bytes go
    EXPECT_EQ(heap.bytes(), 3000u);
    EXPECT_EQ(heap.count(), 1u);
    EXPECT_EQ(a.data(), b_data);
    EXPECT_EQ(a.size(), 3000u);
    EXPECT_EQ(a.backing(), Backing::Private);
    EXPECT_FALSE(b);  // NOLINT(bugprone-use-after-move)
    EXPECT_TRUE(pages.mapped());

    Block c;
    ASSERT_EQ(Block::adopt(heap, pages.data(), 4096, 0, &c), Status::Ok);
    a = std::move(c);  // a Private block replaced by an import: its pages freed, its 3000 bytes go
    EXPECT_EQ(heap.bytes(), 0u);
    EXPECT_EQ(heap.count(), 1u);
    EXPECT_EQ(a.data(), pages.data());
    EXPECT_EQ(a.backing(), Backing::External);
    a.reset();
    EXPECT_EQ(heap.count(), 0u);
}

TEST(Block, SelfMoveAssignmentKeepsTheBlock) {
    Account heap(kMiB, 1u << 20);
    ForeignPages pages(4096);
    ASSERT_TRUE(pages.data());
    Block a, e;
    ASSERT_EQ(Block::allocate(heap, 1000, &a), Status::Ok);
    ASSERT_EQ(Block::adopt(heap, pages.data(), 4096, 2000, &e), Status::Ok);
    std::byte* data = a.data();
    Block& alias = a;
    a = std::move(alias);
    Block& e_alias = e;
    e = std::move(e_alias);
    EXPECT_EQ(a.data(), data);
    EXPECT_EQ(a.size(), 1000u);
    EXPECT_EQ(e.data(), pages.data());
    EXPECT_EQ(e.size(), 4096u);
    EXPECT_EQ(e.backing(), Backing::External);
    EXPECT_EQ(heap.bytes(), 3000u);
    EXPECT_EQ(heap.count(), 2u);
}

TEST(Block, AllocatingIntoAnOccupiedBlockFreesTheOldOne) {
    Account heap(kMiB, 1u << 20);
    ForeignPages pages(4096);
    ASSERT_TRUE(pages.data());
    Block block;
    ASSERT_EQ(Block::adopt(heap, pages.data(), 4096, 1000, &block), Status::Ok);
    ASSERT_EQ(Block::allocate(heap, 2000, &block), Status::Ok);
    EXPECT_EQ(block.size(), 2000u);
    EXPECT_EQ(block.backing(), Backing::Private);
    EXPECT_EQ(heap.bytes(), 2000u);
    EXPECT_EQ(heap.count(), 1u);
    ASSERT_EQ(Block::adopt(heap, pages.data(), 4096, 4096, &block), Status::Ok);
    EXPECT_EQ(block.data(), pages.data());
    EXPECT_EQ(heap.bytes(), 4096u);
    EXPECT_EQ(heap.count(), 1u);
    EXPECT_TRUE(pages.mapped());
}

TEST(Block, BlocksInAVectorSurviveReallocation) {
    // std::vector moves its elements when it grows: every block must keep its pages.
    Account heap(16 * kMiB, 1u << 20);
    ForeignPages pages(40 * 4096);
    ASSERT_TRUE(pages.data());
    std::vector<Block> blocks;
    uint64_t expected_used = 0;
    for (int i = 0; i < 40; ++i) {
        Block block;
        if (i % 2) {
            // Odd blocks: a page of the foreign mapping each, counting half of it.
            ASSERT_EQ(Block::adopt(heap, pages.data() + i * 4096, 4096, 1000 + i, &block), Status::Ok);
        } else {
            ASSERT_EQ(Block::allocate(heap, 1000 + i, &block), Status::Ok);
        }
        expected_used += 1000 + i;
        block.data()[0] = std::byte(uint8_t(i));
        blocks.push_back(std::move(block));
    }
    for (int i = 0; i < 40; ++i) {
        EXPECT_EQ(blocks[i].data()[0], std::byte(uint8_t(i)));
        EXPECT_EQ(blocks[i].backing(), i % 2 ? Backing::External : Backing::Private);
        if (i % 2) {
            EXPECT_EQ(blocks[i].data(), pages.data() + i * 4096);
        }
    }
    EXPECT_EQ(heap.bytes(), expected_used);
    EXPECT_EQ(heap.count(), 40u);
    blocks.clear();
    EXPECT_EQ(heap.bytes(), 0u);
    EXPECT_EQ(heap.count(), 0u);
    EXPECT_TRUE(pages.mapped());
}

}  // namespace
