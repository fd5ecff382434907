#include "worker_pool.h"

namespace kiln::exec {

WorkerPool::~WorkerPool() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : threads_)
        t.join();
}

uint32_t WorkerPool::thread_count() const {
    const unsigned cores = std::thread::hardware_concurrency();
    return cores ? cores : 1;
}

void WorkerPool::start() {
    started_ = true;
    // The calling thread is worker 0; the others wait for jobs. If a thread cannot be started the
    // pool simply has fewer (the caller alone still finishes every job).
    for (uint32_t w = 1; w < thread_count(); ++w) {
        try {
            threads_.emplace_back([this, w] { work(w); });
        } catch (...) {
            break;
        }
    }
}

void WorkerPool::work(uint32_t worker) {
    uint32_t seen = 0;
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
        if (stopping_)
            return;
        seen = generation_;
        while (job_ && next_ < count_) {
            const uint32_t index = next_++;
            const auto* job = job_;
            lock.unlock();
            (*job)(index, worker);
            lock.lock();
            if (++done_ == count_)
                finished_.notify_all();
        }
    }
}

void WorkerPool::parallel_for(uint32_t count, const std::function<void(uint32_t, uint32_t)>& run) {
    if (count == 0)
        return;
    std::unique_lock lock(mutex_);
    if (!started_)
        start();
    if (threads_.empty() || count == 1) {
        lock.unlock();
        for (uint32_t i = 0; i < count; ++i)
            run(i, 0);
        return;
    }
    job_ = &run;
    count_ = count;
    next_ = done_ = 0;
    ++generation_;
    wake_.notify_all();
    while (next_ < count_) {
        const uint32_t index = next_++;
        lock.unlock();
        run(index, 0);
        lock.lock();
        ++done_;
    }
    finished_.wait(lock, [&] { return done_ == count_; });
    job_ = nullptr;
}

}  // namespace kiln::exec
