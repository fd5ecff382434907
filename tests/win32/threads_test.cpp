// Thread safety of the handle table (run under the tsan preset too): many threads creating,
// duplicating, comparing and closing handles at once, through libkiln_win32.so only.
#include <kiln/win32.h>

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

namespace {

uintptr_t value_of(HANDLE h) { return reinterpret_cast<uintptr_t>(h); }

// The handle values live right now, across all threads: no two live handles may share a value.
class LiveSet {
public:
    bool add(uintptr_t v) {
        Shard& s = shard(v);
        std::lock_guard lock(s.mutex);
        return s.values.insert(v).second;
    }
    bool remove(uintptr_t v) {
        Shard& s = shard(v);
        std::lock_guard lock(s.mutex);
        return s.values.erase(v) == 1;
    }

private:
    struct Shard {
        std::mutex mutex;
        std::unordered_set<uintptr_t> values;
    };
    Shard& shard(uintptr_t v) { return shards_[(v >> 2) % shards_.size()]; }
    std::array<Shard, 16> shards_;
};

}  // namespace

TEST(ThreadSafety, ConcurrentCreateDuplicateCompareCloseClosesEveryHandleExactlyOnce) {
    constexpr int kThreads = 8;
    constexpr int kPerThread = 10000;  // handles each thread makes
    constexpr size_t kWindow = 48;     // handles a thread keeps open at once, so they interleave

    LiveSet live;
    std::atomic<int> ready{0};
    std::atomic<int> failures{0};
    std::atomic<long> created{0}, closed{0};
    std::vector<std::vector<uintptr_t>> all_values(kThreads);
    std::mutex report_mutex;
    std::string first_failure;

    auto fail = [&](const std::string& what) {
        if (failures.fetch_add(1) == 0) {
            std::lock_guard lock(report_mutex);
            first_failure = what;
        }
    };

    auto worker = [&](int t) {
        struct Pair {
            HANDLE source, dup;
        };
        std::deque<Pair> open;
        auto close_one = [&](HANDLE h) {
            if (!live.remove(value_of(h)))
                fail("closing a value that was not live");
            if (!CloseHandle(h))
                fail("CloseHandle of a live handle failed, error " + std::to_string(GetLastError()));
            else
                closed.fetch_add(1, std::memory_order_relaxed);
        };
        ready.fetch_add(1);
        while (ready.load() < kThreads)  // start together
            std::this_thread::yield();
        for (int i = 0; i < kPerThread / 2; ++i) {
            Pair p{};
            SECURITY_ATTRIBUTES sa{sizeof(SECURITY_ATTRIBUTES), nullptr, (i & 1) ? TRUE : FALSE};
            const DWORD rc = kiln_create_external_payload(
                (i % 3 == 0) ? VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_BIT
                             : VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_HEAP_BIT,
                4096, &sa, 0, nullptr, &p.source);
            if (rc != ERROR_SUCCESS) {
                fail("kiln_create_external_payload: " + std::to_string(rc));
                return;
            }
            if (!DuplicateHandle(GetCurrentProcess(), p.source, GetCurrentProcess(), &p.dup, 0, FALSE,
                                 DUPLICATE_SAME_ACCESS)) {
                fail("DuplicateHandle: " + std::to_string(GetLastError()));
                return;
            }
            all_values[t].push_back(value_of(p.source));
            all_values[t].push_back(value_of(p.dup));
            created.fetch_add(2, std::memory_order_relaxed);
            if (!live.add(value_of(p.source)) || !live.add(value_of(p.dup)))
                fail("a new handle has the value of a live handle");
            if (!CompareObjectHandles(p.source, p.dup))
                fail("a duplicate does not reference its source's object");
            if (!open.empty() && CompareObjectHandles(p.source, open.back().source))
                fail("two payloads compare equal");
            DWORD flags = 0;
            if (!GetHandleInformation(p.source, &flags) || flags != ((i & 1) ? HANDLE_FLAG_INHERIT : 0u))
                fail("wrong flags on a new handle");
            open.push_back(p);
            if (open.size() > kWindow) {
                // Close the oldest pair, the duplicate first half of the time.
                Pair old = open.front();
                open.pop_front();
                if (!CompareObjectHandles(old.dup, old.source))
                    fail("an old duplicate no longer matches its source");
                if (i & 2) {
                    close_one(old.dup);
                    close_one(old.source);
                } else {
                    close_one(old.source);
                    close_one(old.dup);
                }
            }
        }
        while (!open.empty()) {
            close_one(open.front().source);
            close_one(open.front().dup);
            open.pop_front();
        }
    };

    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back(worker, t);
    for (auto& th : threads)
        th.join();

    EXPECT_EQ(failures.load(), 0) << "first failure: " << first_failure;
    EXPECT_EQ(created.load(), long(kThreads) * kPerThread);
    EXPECT_EQ(closed.load(), created.load()) << "every handle is closed exactly once";
    // Every value handed out is now dead: a second close of any of them fails. (Values may have
    // been reused after their slot wrapped, but nothing is live any more.)
    long stale_ok = 0;
    for (const auto& values : all_values)
        for (uintptr_t v : values) {
            SetLastError(0);
            if (CloseHandle(reinterpret_cast<HANDLE>(v)) == FALSE && GetLastError() == ERROR_INVALID_HANDLE)
                ++stale_ok;
        }
    EXPECT_EQ(stale_ok, created.load()) << "some value was still live (closed fewer times than made)";
}
