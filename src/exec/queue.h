// A queue: submissions are handed to a worker thread, which runs them in order.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>

#include "worker_pool.h"
#include <vector>

namespace kiln::exec {

class CommandStream;
class Fence;
class Semaphore;
class SyncHub;

struct Submission {
    std::vector<Semaphore*> waits;
    std::vector<CommandStream*> streams;  // each one's `pending` was raised by the submitter
    std::vector<Semaphore*> signals;
    Fence* fence = nullptr;  // set on the last submission of a vkQueueSubmit
};

class Queue {
public:
    explicit Queue(SyncHub& hub) : hub_(hub) {}
    ~Queue();
    Queue(const Queue&) = delete;
    Queue& operator=(const Queue&) = delete;

    // Takes (moves out) the batches in order; the worker thread starts on the first submission.
    // Returns false, leaving `batches` untouched, when the worker thread cannot be started.
    bool submit(std::vector<Submission>& batches);
    // Blocks until everything submitted so far has executed.
    void wait_idle();

private:
    void run();
    void execute(Submission& submission);

    SyncHub& hub_;
    std::mutex mutex_;
    std::condition_variable work_;
    std::condition_variable idle_;
    std::deque<Submission> pending_;
    uint64_t submitted_ = 0;
    uint64_t completed_ = 0;
    bool stopping_ = false;
    WorkerPool pool_;  // compute dispatches spread over the cores (before worker_: joined after it)
    std::thread worker_;
};

}  // namespace kiln::exec
