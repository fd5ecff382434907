// Fences, binary semaphores and events. All of one device's sync objects share one
// SyncHub (a mutex and a condition variable): waits on several objects at once
// (vkWaitForFences with waitAll = VK_FALSE) then need no per-waiter registration.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <span>

namespace kiln::exec {

class SyncHub {
public:
    std::mutex mutex;
    std::condition_variable changed;
};

class Fence {
public:
    Fence(SyncHub& hub, bool signaled) : hub_(hub), signaled_(signaled) {}
    void signal();
    void reset();
    bool is_signaled() const;
    SyncHub& hub() const { return hub_; }

private:
    friend bool wait_for_fences(SyncHub&, std::span<Fence* const>, bool, uint64_t);
    SyncHub& hub_;
    bool signaled_;
};

// Waits until all (or any) of `fences` are signaled, or `timeout_ns` passes
// (UINT64_MAX: forever). Returns false on timeout.
bool wait_for_fences(SyncHub& hub, std::span<Fence* const> fences, bool wait_all, uint64_t timeout_ns);

// A binary semaphore: a queue signals it, a queue's wait consumes the signal.
class Semaphore {
public:
    explicit Semaphore(SyncHub& hub) : hub_(hub) {}
    void signal();
    void wait_and_unsignal();
    bool is_signaled() const;

private:
    SyncHub& hub_;
    bool signaled_ = false;
};

class Event {
public:
    explicit Event(SyncHub& hub) : hub_(hub) {}
    void set();
    void reset();
    bool is_set() const;
    void wait_until_set();

private:
    SyncHub& hub_;
    bool set_ = false;
};

}  // namespace kiln::exec
