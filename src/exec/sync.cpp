#include "sync.h"

#include <algorithm>

namespace kiln::exec {

void Fence::signal() {
    {
        std::lock_guard lock(hub_.mutex);
        signaled_ = true;
        hub_.changed.notify_all();  // under the lock: a waiter that sees the signal may destroy the fence
    }
}

void Fence::reset() {
    std::lock_guard lock(hub_.mutex);
    signaled_ = false;
}

bool Fence::is_signaled() const {
    std::lock_guard lock(hub_.mutex);
    return signaled_;
}

bool wait_for_fences(SyncHub& hub, std::span<Fence* const> fences, bool wait_all, uint64_t timeout_ns) {
    auto satisfied = [&] {
        for (const Fence* f : fences) {
            if (f->signaled_ != wait_all)
                return !wait_all;
        }
        return wait_all;
    };
    std::unique_lock lock(hub.mutex);
    if (timeout_ns == UINT64_MAX) {
        hub.changed.wait(lock, satisfied);
        return true;
    }
    // Deadlines far in the future would overflow steady_clock's range: clamp to a year.
    const uint64_t year_ns = uint64_t{365} * 24 * 3600 * 1000000000ull;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::nanoseconds(std::min(timeout_ns, year_ns));
    return hub.changed.wait_until(lock, deadline, satisfied);
}

void Semaphore::signal() {
    {
        std::lock_guard lock(hub_.mutex);
        signaled_ = true;
        hub_.changed.notify_all();  // under the lock: once a waiter sees the change it may destroy *this
    }
}

void Semaphore::wait_and_unsignal() {
    std::unique_lock lock(hub_.mutex);
    hub_.changed.wait(lock, [&] { return signaled_; });
    signaled_ = false;
}

bool Semaphore::is_signaled() const {
    std::lock_guard lock(hub_.mutex);
    return signaled_;
}

void Event::set() {
    {
        std::lock_guard lock(hub_.mutex);
        set_ = true;
        hub_.changed.notify_all();  // under the lock: once a waiter sees the change it may destroy *this
    }
}

void Event::reset() {
    std::lock_guard lock(hub_.mutex);
    set_ = false;
}

bool Event::is_set() const {
    std::lock_guard lock(hub_.mutex);
    return set_;
}

void Event::wait_until_set() {
    std::unique_lock lock(hub_.mutex);
    hub_.changed.wait(lock, [&] { return set_; });
}

}  // namespace kiln::exec
