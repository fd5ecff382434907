// kiln::memory::Account and Block: heap accounting, the two backings, ownership.
#include "memory/allocator.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
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

bool fd_is_open(int fd) { return fcntl(fd, F_GETFD) != -1 || errno != EBADF; }

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
    ASSERT_EQ(Block::allocate(account, 4096, Backing::Private, &first), Status::Ok);
    EXPECT_EQ(Block::allocate(account, 4096, Backing::Shareable, &second), Status::TooManyBlocks);
    EXPECT_FALSE(second);
    first.reset();
    EXPECT_EQ(Block::allocate(account, 4096, Backing::Shareable, &second), Status::Ok);
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

// ---- Block: errors --------------------------------------------------------------------

TEST(Block, ZeroSizeIsOutOfHeap) {
    Account heap(kMiB, 1u << 20);
    for (Backing backing : {Backing::Private, Backing::Shareable}) {
        Block block;
        EXPECT_EQ(Block::allocate(heap, 0, backing, &block), Status::OutOfHeap);
        EXPECT_FALSE(block);
        EXPECT_EQ(block.fd(), -1);
        EXPECT_EQ(heap.bytes(), 0u);
    }
}

TEST(Block, SizeLargerThanHeapIsOutOfHeap) {
    Account heap(kMiB, 1u << 20);
    for (Backing backing : {Backing::Private, Backing::Shareable}) {
        Block block;
        EXPECT_EQ(Block::allocate(heap, kMiB + 1, backing, &block), Status::OutOfHeap);
        EXPECT_FALSE(block);
        EXPECT_EQ(heap.bytes(), 0u);
    }
}

TEST(Block, SizeLargerThanWhatIsLeftIsOutOfHeap) {
    Account heap(kMiB, 1u << 20);
    Block first;
    ASSERT_EQ(Block::allocate(heap, 600 * 1024, Backing::Private, &first), Status::Ok);
    for (Backing backing : {Backing::Private, Backing::Shareable}) {
        Block second;
        EXPECT_EQ(Block::allocate(heap, 500 * 1024, backing, &second), Status::OutOfHeap);
        EXPECT_FALSE(second);
    }
    EXPECT_EQ(heap.bytes(), 600u * 1024);
}

TEST(Block, FailedAllocationLeavesTheOutputBlockUntouched) {
    Account heap(kMiB, 1u << 20);
    Block block;
    ASSERT_EQ(Block::allocate(heap, 4096, Backing::Shareable, &block), Status::Ok);
    std::byte* data = block.data();
    const int fd = block.fd();
    EXPECT_EQ(Block::allocate(heap, 2 * kMiB, Backing::Shareable, &block), Status::OutOfHeap);
    EXPECT_EQ(block.data(), data);
    EXPECT_EQ(block.fd(), fd);
    EXPECT_EQ(block.size(), 4096u);
    EXPECT_EQ(heap.bytes(), 4096u);
}

TEST(Block, PrivateHostRefusalIsOutOfHostMemoryAndReturnsTheHeapShare) {
    // 2^47 bytes fit the account but not a 47-bit user address space: the host must refuse.
    Account heap(uint64_t{1} << 47, 1u << 20);
    Block block;
    EXPECT_EQ(Block::allocate(heap, uint64_t{1} << 47, Backing::Private, &block), Status::OutOfHostMemory);
    EXPECT_FALSE(block);
    EXPECT_EQ(heap.bytes(), 0u);
}

TEST(Block, ShareableHostRefusalIsOutOfHostMemoryAndClosesTheMemfd) {
    Account heap(uint64_t{1} << 47, 1u << 20);
    const int fds_before = open_fd_count();
    Block block;
    EXPECT_EQ(Block::allocate(heap, uint64_t{1} << 47, Backing::Shareable, &block), Status::OutOfHostMemory);
    EXPECT_FALSE(block);
    EXPECT_EQ(block.fd(), -1);
    EXPECT_EQ(heap.bytes(), 0u);
    EXPECT_EQ(open_fd_count(), fds_before);
}

// ---- Block: Private -------------------------------------------------------------------

TEST(Block, PrivateBlocksAre64ByteAlignedAndWritableAcrossTheirSize) {
    Account heap(64 * kMiB, 1u << 20);
    for (uint64_t size : {uint64_t{1}, uint64_t{3}, uint64_t{63}, uint64_t{64}, uint64_t{65}, uint64_t{4097},
                          kMiB + 3, 5 * kMiB}) {
        SCOPED_TRACE(size);
        Block block;
        ASSERT_EQ(Block::allocate(heap, size, Backing::Private, &block), Status::Ok);
        ASSERT_TRUE(block);
        EXPECT_EQ(block.size(), size);
        EXPECT_EQ(block.backing(), Backing::Private);
        EXPECT_EQ(block.fd(), -1);
        EXPECT_EQ(heap.bytes(), size);
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

// ---- Block: Shareable -----------------------------------------------------------------

TEST(Block, ShareableBlockHasACloseOnExecMemfd) {
    Account heap(kMiB, 1u << 20);
    Block block;
    ASSERT_EQ(Block::allocate(heap, 10000, Backing::Shareable, &block), Status::Ok);
    EXPECT_EQ(block.backing(), Backing::Shareable);
    ASSERT_GE(block.fd(), 0);
    const int flags = fcntl(block.fd(), F_GETFD);
    ASSERT_NE(flags, -1);
    EXPECT_TRUE(flags & FD_CLOEXEC);
    struct stat st {};
    ASSERT_EQ(fstat(block.fd(), &st), 0);
    EXPECT_GE(uint64_t(st.st_size), 10000u);  // whole pages
    EXPECT_EQ(reinterpret_cast<uintptr_t>(block.data()) % kBlockAlignment, 0u);
}

TEST(Block, ShareableFdReadsWhatWasWrittenThroughData) {
    Account heap(kMiB, 1u << 20);
    Block block;
    const uint64_t size = 3 * 4096 + 123;
    ASSERT_EQ(Block::allocate(heap, size, Backing::Shareable, &block), Status::Ok);
    for (uint64_t i = 0; i < size; ++i)
        block.data()[i] = pattern_byte(i, 3);

    std::vector<std::byte> read(size);
    ASSERT_EQ(pread(block.fd(), read.data(), size, 0), ssize_t(size));
    EXPECT_EQ(std::memcmp(read.data(), block.data(), size), 0);
}

TEST(Block, SecondMappingOfTheFdSharesPagesBothWays) {
    Account heap(kMiB, 1u << 20);
    Block block;
    const uint64_t size = 2 * 4096 + 5;
    ASSERT_EQ(Block::allocate(heap, size, Backing::Shareable, &block), Status::Ok);
    for (uint64_t i = 0; i < size; ++i)
        block.data()[i] = pattern_byte(i, 11);

    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, block.fd(), 0);
    ASSERT_NE(p, MAP_FAILED);
    auto* alias = static_cast<std::byte*>(p);
    EXPECT_EQ(std::memcmp(alias, block.data(), size), 0);
    alias[size - 1] = std::byte{0x5a};
    alias[0] = std::byte{0xa5};
    EXPECT_EQ(block.data()[size - 1], std::byte{0x5a});
    EXPECT_EQ(block.data()[0], std::byte{0xa5});
    munmap(p, size);
}

TEST(Block, DestructionReturnsTheHeapShareAndClosesTheFd) {
    Account heap(kMiB, 1u << 20);
    const int fds_before = open_fd_count();
    int fd = -1;
    {
        Block block;
        ASSERT_EQ(Block::allocate(heap, 5000, Backing::Shareable, &block), Status::Ok);
        fd = block.fd();
        EXPECT_EQ(heap.bytes(), 5000u);
        EXPECT_EQ(open_fd_count(), fds_before + 1);
    }
    EXPECT_EQ(heap.bytes(), 0u);
    EXPECT_FALSE(fd_is_open(fd));
    EXPECT_EQ(open_fd_count(), fds_before);
}

TEST(Block, ResetReturnsTheHeapShareAndClosesTheFd) {
    Account heap(kMiB, 1u << 20);
    Block block;
    ASSERT_EQ(Block::allocate(heap, 5000, Backing::Shareable, &block), Status::Ok);
    const int fd = block.fd();
    block.reset();
    EXPECT_FALSE(block);
    EXPECT_EQ(block.fd(), -1);
    EXPECT_EQ(block.size(), 0u);
    EXPECT_EQ(heap.bytes(), 0u);
    EXPECT_FALSE(fd_is_open(fd));
    block.reset();  // twice is harmless
    EXPECT_EQ(heap.bytes(), 0u);
}

TEST(Block, PrivateDestructionReturnsTheHeapShare) {
    Account heap(kMiB, 1u << 20);
    {
        Block block;
        ASSERT_EQ(Block::allocate(heap, 777, Backing::Private, &block), Status::Ok);
        EXPECT_EQ(heap.bytes(), 777u);
    }
    EXPECT_EQ(heap.bytes(), 0u);
}

// ---- Block: moves ---------------------------------------------------------------------

TEST(Block, MoveConstructionTransfersOwnership) {
    Account heap(kMiB, 1u << 20);
    Block a;
    ASSERT_EQ(Block::allocate(heap, 4096, Backing::Shareable, &a), Status::Ok);
    std::byte* data = a.data();
    const int fd = a.fd();
    a.data()[42] = std::byte{0x42};

    Block b(std::move(a));
    EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): the moved-from state is the point
    EXPECT_EQ(a.data(), nullptr);
    EXPECT_EQ(a.fd(), -1);
    EXPECT_EQ(a.size(), 0u);
    EXPECT_EQ(b.data(), data);
    EXPECT_EQ(b.fd(), fd);
    EXPECT_EQ(b.size(), 4096u);
    EXPECT_EQ(b.backing(), Backing::Shareable);
    EXPECT_EQ(b.data()[42], std::byte{0x42});
    EXPECT_EQ(heap.bytes(), 4096u);

    a.reset();  // the moved-from block owns nothing: no double release
    EXPECT_EQ(heap.bytes(), 4096u);
    EXPECT_TRUE(fd_is_open(fd));
    b.reset();
    EXPECT_EQ(heap.bytes(), 0u);
    EXPECT_FALSE(fd_is_open(fd));
}

TEST(Block, MoveAssignmentFreesTheBlockItReplaces) {
    Account heap(kMiB, 1u << 20);
    Block a, b;
    ASSERT_EQ(Block::allocate(heap, 1000, Backing::Shareable, &a), Status::Ok);
    ASSERT_EQ(Block::allocate(heap, 3000, Backing::Private, &b), Status::Ok);
    const int old_fd = a.fd();
    std::byte* b_data = b.data();
    EXPECT_EQ(heap.bytes(), 4000u);

    a = std::move(b);
    EXPECT_FALSE(fd_is_open(old_fd));
    EXPECT_EQ(heap.bytes(), 3000u);
    EXPECT_EQ(a.data(), b_data);
    EXPECT_EQ(a.size(), 3000u);
    EXPECT_EQ(a.backing(), Backing::Private);
    EXPECT_EQ(a.fd(), -1);
    EXPECT_FALSE(b);  // NOLINT(bugprone-use-after-move)
}

TEST(Block, SelfMoveAssignmentKeepsTheBlock) {
    Account heap(kMiB, 1u << 20);
    Block a;
    ASSERT_EQ(Block::allocate(heap, 1000, Backing::Shareable, &a), Status::Ok);
    std::byte* data = a.data();
    Block& alias = a;
    a = std::move(alias);
    EXPECT_EQ(a.data(), data);
    EXPECT_GE(a.fd(), 0);
    EXPECT_TRUE(fd_is_open(a.fd()));
    EXPECT_EQ(heap.bytes(), 1000u);
}

TEST(Block, AllocatingIntoAnOccupiedBlockFreesTheOldOne) {
    Account heap(kMiB, 1u << 20);
    Block block;
    ASSERT_EQ(Block::allocate(heap, 1000, Backing::Shareable, &block), Status::Ok);
    const int old_fd = block.fd();
    ASSERT_EQ(Block::allocate(heap, 2000, Backing::Private, &block), Status::Ok);
    EXPECT_FALSE(fd_is_open(old_fd));
    EXPECT_EQ(block.size(), 2000u);
    EXPECT_EQ(heap.bytes(), 2000u);
}

TEST(Block, BlocksInAVectorSurviveReallocation) {
    // std::vector moves its elements when it grows: every block must keep its pages.
    Account heap(16 * kMiB, 1u << 20);
    std::vector<Block> blocks;
    for (int i = 0; i < 40; ++i) {
        Block block;
        ASSERT_EQ(Block::allocate(heap, 1000 + i, i % 2 ? Backing::Shareable : Backing::Private, &block), Status::Ok);
        block.data()[0] = std::byte(uint8_t(i));
        blocks.push_back(std::move(block));
    }
    uint64_t expected_used = 0;
    for (int i = 0; i < 40; ++i) {
        EXPECT_EQ(blocks[i].data()[0], std::byte(uint8_t(i)));
        expected_used += 1000 + i;
    }
    EXPECT_EQ(heap.bytes(), expected_used);
    blocks.clear();
    EXPECT_EQ(heap.bytes(), 0u);
}

}  // namespace

