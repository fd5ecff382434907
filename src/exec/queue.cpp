#include "queue.h"

#include <system_error>

#include "command_stream.h"
#include "executor.h"
#include "sync.h"

namespace kiln::exec {

Queue::~Queue() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    work_.notify_all();
    if (worker_.joinable())
        worker_.join();
}

bool Queue::submit(std::vector<Submission>& batches) {
    {
        std::lock_guard lock(mutex_);
        if (!worker_.joinable()) {
            try {
                worker_ = std::thread([this] { run(); });
            } catch (const std::system_error&) {
                return false;
            }
        }
        for (Submission& s : batches) {
            pending_.push_back(std::move(s));
            ++submitted_;
        }
    }
    work_.notify_one();
    return true;
}

void Queue::wait_idle() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [&] { return completed_ == submitted_; });
}

void Queue::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        work_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
        if (pending_.empty())
            return;  // stopping, and nothing left to run
        Submission submission = std::move(pending_.front());
        pending_.pop_front();
        lock.unlock();
        execute(submission);
        lock.lock();
        ++completed_;
        if (completed_ == submitted_)
            idle_.notify_all();
    }
}

void Queue::execute(Submission& submission) {
    for (Semaphore* s : submission.waits)
        s->wait_and_unsignal();
    for (CommandStream* stream : submission.streams) {
        execute_stream(*stream, &pool_);
        stream->pending.fetch_sub(1, std::memory_order_acq_rel);
    }
    for (Semaphore* s : submission.signals)
        s->signal();
    if (submission.fence)
        submission.fence->signal();
}

}  // namespace kiln::exec
