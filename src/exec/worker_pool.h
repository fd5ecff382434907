// The threads a queue spreads a dispatch's workgroups over: one per core, the queue's own worker
// among them. Started on first use, joined with the queue.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace kiln::exec {

class WorkerPool {
public:
    WorkerPool() = default;
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    // Calls run(index, worker) for every index in [0, count), on every core, and returns when all
    // are done. `worker` is below thread_count(): per-thread scratch can be indexed by it.
    void parallel_for(uint32_t count, const std::function<void(uint32_t index, uint32_t worker)>& run);
    uint32_t thread_count() const;

private:
    void start();
    void work(uint32_t worker);

    std::mutex mutex_;
    std::condition_variable wake_, finished_;
    std::vector<std::thread> threads_;
    const std::function<void(uint32_t, uint32_t)>* job_ = nullptr;
    uint32_t count_ = 0, next_ = 0, done_ = 0, generation_ = 0;
    bool stopping_ = false, started_ = false;
};

}  // namespace kiln::exec
