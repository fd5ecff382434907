// kiln::exec::Queue with fences, semaphores and events: what runs when, and what waits.
#include "exec/queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "exec/command_stream.h"
#include "exec/commands.h"
#include "exec/sync.h"

namespace {

using namespace kiln::exec;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kForever = UINT64_MAX;
constexpr uint64_t kFiveSeconds = 5'000'000'000ull;  // a deadline that only a hang reaches

// A stream that fills `size` bytes with a word.
std::unique_ptr<CommandStream> fill_stream(void* dst, uint64_t size, uint32_t value) {
    auto stream = std::make_unique<CommandStream>();
    auto* cmd = stream->append<FillMemoryCmd>(Op::FillMemory);
    cmd->dst = static_cast<std::byte*>(dst);
    cmd->size = size;
    cmd->value = value;
    return stream;
}

void append_wait(CommandStream& stream, std::vector<Event*> events) {
    auto* cmd = stream.append<WaitEventsCmd>(Op::WaitEvents, events.size() * sizeof(Event*));
    cmd->event_count = events.size();
    std::memcpy(trailing<Event*>(cmd), events.data(), events.size() * sizeof(Event*));
}

void append_copy(CommandStream& stream, void* dst, const void* src, uint64_t size) {
    auto* cmd = stream.append<CopyMemoryCmd>(Op::CopyMemory, sizeof(MemoryRegion));
    cmd->dst = static_cast<std::byte*>(dst);
    cmd->src = static_cast<const std::byte*>(src);
    cmd->region_count = 1;
    trailing<MemoryRegion>(cmd)[0] = {0, 0, size};
}

void append_fill(CommandStream& stream, void* dst, uint64_t size, uint32_t value) {
    auto* cmd = stream.append<FillMemoryCmd>(Op::FillMemory);
    cmd->dst = static_cast<std::byte*>(dst);
    cmd->size = size;
    cmd->value = value;
}

Submission submission(std::vector<CommandStream*> streams, Fence* fence = nullptr, std::vector<Semaphore*> waits = {},
                      std::vector<Semaphore*> signals = {}) {
    Submission s;
    s.waits = std::move(waits);
    s.streams = std::move(streams);
    for (CommandStream* stream : s.streams)
        stream->pending.fetch_add(1);  // what vkQueueSubmit does
    s.signals = std::move(signals);
    s.fence = fence;
    return s;
}

bool submit(Queue& queue, Submission s) {
    std::vector<Submission> batches;
    batches.push_back(std::move(s));
    return queue.submit(batches);
}

bool wait_one(SyncHub& hub, Fence& fence, uint64_t timeout_ns) {
    Fence* fences[] = {&fence};
    return wait_for_fences(hub, fences, true, timeout_ns);
}

// ---- fences ---------------------------------------------------------------------------------

TEST(Fence, CreatedSignaledOrNot) {
    SyncHub hub;
    Fence signaled(hub, true), unsignaled(hub, false);
    EXPECT_TRUE(signaled.is_signaled());
    EXPECT_FALSE(unsignaled.is_signaled());
    EXPECT_EQ(&signaled.hub(), &hub);
}

TEST(Fence, ResetUnsignals) {
    SyncHub hub;
    Fence fence(hub, true);
    fence.reset();
    EXPECT_FALSE(fence.is_signaled());
    fence.signal();
    EXPECT_TRUE(fence.is_signaled());
}

TEST(Fence, SignalsAfterTheSubmissionExecutes) {
    SyncHub hub;
    Fence fence(hub, false);
    std::vector<uint32_t> memory(1024, 0);
    auto stream = fill_stream(memory.data(), memory.size() * 4, 0x12345678u);
    Queue queue(hub);
    ASSERT_TRUE(submit(queue, submission({stream.get()}, &fence)));
    ASSERT_TRUE(wait_one(hub, fence, kFiveSeconds));
    EXPECT_TRUE(fence.is_signaled());
    for (uint32_t word : memory)
        ASSERT_EQ(word, 0x12345678u);
    EXPECT_EQ(stream->pending.load(), 0u);
}

TEST(Fence, SubmissionWithoutWorkStillSignals) {
    SyncHub hub;
    Fence fence(hub, false);
    Queue queue(hub);
    ASSERT_TRUE(submit(queue, submission({}, &fence)));
    EXPECT_TRUE(wait_one(hub, fence, kFiveSeconds));
}

TEST(Fence, DoesNotSignalBeforeTheWorkFinishes) {
    SyncHub hub;
    Event gate(hub);
    Fence fence(hub, false);
    CommandStream stream;
    append_wait(stream, {&gate});
    Queue queue(hub);
    ASSERT_TRUE(submit(queue, submission({&stream}, &fence)));
    EXPECT_FALSE(wait_one(hub, fence, 30'000'000));
    EXPECT_FALSE(fence.is_signaled());
    gate.set();
    EXPECT_TRUE(wait_one(hub, fence, kFiveSeconds));
}

TEST(Fence, MayBeDestroyedAsSoonAsAWaitSeesItSignaled) {
    // vkWaitForFences then vkDestroyFence is the usual pattern: once a waiter sees the fence
    // signaled, the queue's worker must no longer touch the fence object.
    SyncHub hub;
    Queue queue(hub);
    for (int i = 0; i < 2000; ++i) {
        auto fence = std::make_unique<Fence>(hub, false);
        ASSERT_TRUE(submit(queue, submission({}, fence.get())));
        ASSERT_TRUE(wait_one(hub, *fence, kFiveSeconds));
        fence.reset();
    }
    queue.wait_idle();
}

TEST(WaitForFences, ZeroTimeoutReportsTheCurrentState) {
    SyncHub hub;
    Fence a(hub, true), b(hub, false);
    Fence* both[] = {&a, &b};
    Fence* only_a[] = {&a};
    Fence* only_b[] = {&b};
    const auto start = Clock::now();
    EXPECT_FALSE(wait_for_fences(hub, both, true, 0));
    EXPECT_TRUE(wait_for_fences(hub, both, false, 0));
    EXPECT_TRUE(wait_for_fences(hub, only_a, true, 0));
    EXPECT_FALSE(wait_for_fences(hub, only_b, true, 0));
    EXPECT_FALSE(wait_for_fences(hub, only_b, false, 0));
    EXPECT_LT(Clock::now() - start, 1s);  // none of these may block
    b.signal();
    EXPECT_TRUE(wait_for_fences(hub, both, true, 0));
}

TEST(WaitForFences, TimesOutWhenNothingSignals) {
    SyncHub hub;
    Fence a(hub, false), b(hub, false);
    Fence* both[] = {&a, &b};
    for (bool wait_all : {true, false}) {
        const auto start = Clock::now();
        EXPECT_FALSE(wait_for_fences(hub, both, wait_all, 20'000'000));
        EXPECT_GE(Clock::now() - start, 20ms);
    }
}

TEST(WaitForFences, AnyWakesWhenOneSignals) {
    SyncHub hub;
    Fence a(hub, false), b(hub, false);
    Fence* both[] = {&a, &b};
    std::thread signaler([&] {
        std::this_thread::sleep_for(20ms);
        b.signal();
    });
    const auto start = Clock::now();
    EXPECT_TRUE(wait_for_fences(hub, both, false, kFiveSeconds));
    EXPECT_LT(Clock::now() - start, 4s);
    signaler.join();
    EXPECT_FALSE(a.is_signaled());
}

TEST(WaitForFences, AllWaitsForTheLastOne) {
    SyncHub hub;
    Fence a(hub, false), b(hub, false);
    Fence* both[] = {&a, &b};
    std::atomic<bool> b_signaled{false};
    std::thread signaler([&] {
        a.signal();
        std::this_thread::sleep_for(30ms);
        b_signaled = true;
        b.signal();
    });
    EXPECT_TRUE(wait_for_fences(hub, both, true, kFiveSeconds));
    EXPECT_TRUE(b_signaled.load());
    signaler.join();
}

TEST(WaitForFences, AllTimesOutWhenOnlySomeSignal) {
    SyncHub hub;
    Fence a(hub, true), b(hub, false);
    Fence* both[] = {&a, &b};
    EXPECT_FALSE(wait_for_fences(hub, both, true, 20'000'000));
}

TEST(WaitForFences, InfiniteAndHugeTimeoutsWaitForTheSignal) {
    SyncHub hub;
    for (uint64_t timeout : {kForever, kForever - 1, uint64_t{1} << 62}) {
        Fence fence(hub, false);
        std::thread signaler([&] {
            std::this_thread::sleep_for(10ms);
            fence.signal();
        });
        EXPECT_TRUE(wait_one(hub, fence, timeout)) << timeout;
        signaler.join();
    }
}

// ---- queues -------------------------------------------------------------------------------

TEST(Queue, SubmissionsRunInOrder) {
    SyncHub hub;
    uint32_t word = 0;
    std::vector<std::unique_ptr<CommandStream>> streams;
    Queue queue(hub);
    for (uint32_t i = 1; i <= 200; ++i) {
        streams.push_back(fill_stream(&word, 4, i));
        ASSERT_TRUE(submit(queue, submission({streams.back().get()})));
    }
    queue.wait_idle();
    EXPECT_EQ(word, 200u);
}

TEST(Queue, BatchesOfOneSubmitRunInOrderAndFenceTheLast) {
    SyncHub hub;
    Fence fence(hub, false);
    std::vector<uint32_t> words(3, 0);
    auto first = fill_stream(words.data(), 12, 1);
    auto second = fill_stream(words.data() + 1, 8, 2);
    auto third = fill_stream(words.data() + 2, 4, 3);
    Queue queue(hub);
    std::vector<Submission> batches;
    batches.push_back(submission({first.get(), second.get()}));
    batches.push_back(submission({third.get()}, &fence));
    ASSERT_TRUE(queue.submit(batches));
    ASSERT_TRUE(wait_one(hub, fence, kFiveSeconds));
    EXPECT_EQ(words, (std::vector<uint32_t>{1, 2, 3}));
}

TEST(Queue, StreamPendingCountDropsWhenItHasRun) {
    SyncHub hub;
    uint32_t word = 0;
    auto stream = fill_stream(&word, 4, 1);
    Queue queue(hub);
    ASSERT_TRUE(submit(queue, submission({stream.get()})));
    ASSERT_TRUE(submit(queue, submission({stream.get()})));
    queue.wait_idle();
    EXPECT_EQ(stream->pending.load(), 0u);
}

TEST(Queue, WaitIdleWithNothingSubmittedReturns) {
    SyncHub hub;
    Queue queue(hub);
    queue.wait_idle();
    SUCCEED();
}

TEST(Queue, WaitIdleWaitsForEverySubmission) {
    SyncHub hub;
    Event gate(hub);
    std::vector<uint32_t> words(4, 0);
    CommandStream blocked;
    append_wait(blocked, {&gate});
    append_fill(blocked, &words[0], 4, 1);
    std::vector<std::unique_ptr<CommandStream>> rest;
    Queue queue(hub);
    ASSERT_TRUE(submit(queue, submission({&blocked})));
    for (uint32_t i = 1; i < 4; ++i) {
        rest.push_back(fill_stream(&words[i], 4, i + 1));
        ASSERT_TRUE(submit(queue, submission({rest.back().get()})));
    }
    std::atomic<bool> idle{false};
    std::thread waiter([&] {
        queue.wait_idle();
        idle = true;
    });
    std::this_thread::sleep_for(30ms);
    EXPECT_FALSE(idle.load());
    gate.set();
    waiter.join();
    EXPECT_TRUE(idle.load());
    EXPECT_EQ(words, (std::vector<uint32_t>{1, 2, 3, 4}));
}

TEST(Queue, DestructionFinishesPendingWork) {
    SyncHub hub;
    Event gate(hub);
    std::vector<uint32_t> words(50, 0);
    std::vector<std::unique_ptr<CommandStream>> streams;
    std::thread opener;
    {
        Queue queue(hub);
        CommandStream* first = streams.emplace_back(std::make_unique<CommandStream>()).get();
        append_wait(*first, {&gate});
        ASSERT_TRUE(submit(queue, submission({first})));
        for (uint32_t i = 0; i < words.size(); ++i) {
            streams.push_back(fill_stream(&words[i], 4, i + 100));
            ASSERT_TRUE(submit(queue, submission({streams.back().get()})));
        }
        // The queue is destroyed while the first submission still waits.
        opener = std::thread([&] {
            std::this_thread::sleep_for(30ms);
            gate.set();
        });
    }
    opener.join();
    for (uint32_t i = 0; i < words.size(); ++i)
        EXPECT_EQ(words[i], i + 100) << i;
}

TEST(Queue, DestructionOfAnUnusedQueueReturns) {
    SyncHub hub;
    { Queue queue(hub); }
    SUCCEED();
}

// ---- semaphores -----------------------------------------------------------------------------

TEST(Semaphore, SignalThenWaitConsumesTheSignal) {
    SyncHub hub;
    Semaphore semaphore(hub);
    EXPECT_FALSE(semaphore.is_signaled());
    semaphore.signal();
    EXPECT_TRUE(semaphore.is_signaled());
    semaphore.wait_and_unsignal();
    EXPECT_FALSE(semaphore.is_signaled());
}

TEST(Semaphore, QueueSignalsItsSemaphoresAfterItsWork) {
    SyncHub hub;
    Semaphore semaphore(hub);
    Fence fence(hub, false);
    uint32_t word = 0;
    auto stream = fill_stream(&word, 4, 5);
    Queue queue(hub);
    ASSERT_TRUE(submit(queue, submission({stream.get()}, &fence, {}, {&semaphore})));
    ASSERT_TRUE(wait_one(hub, fence, kFiveSeconds));
    EXPECT_TRUE(semaphore.is_signaled());
    EXPECT_EQ(word, 5u);
}

TEST(Semaphore, OrdersWorkOnTwoQueues) {
    // Queue B copies X to Y after waiting for the semaphore that queue A signals once it has
    // written X; A's work is held back by an event, so without the wait B would copy zeros.
    SyncHub hub;
    Semaphore semaphore(hub);
    Event gate(hub);
    Fence done(hub, false);
    std::vector<uint32_t> x(256, 0), y(256, 0);
    CommandStream consumer, producer;
    append_copy(consumer, y.data(), x.data(), x.size() * 4);
    append_wait(producer, {&gate});
    append_fill(producer, x.data(), x.size() * 4, 0xabcdef01u);
    Queue a(hub), b(hub);  // destroyed first: their workers are done before what they use goes

    ASSERT_TRUE(submit(b, submission({&consumer}, &done, {&semaphore})));
    ASSERT_TRUE(submit(a, submission({&producer}, nullptr, {}, {&semaphore})));

    EXPECT_FALSE(wait_one(hub, done, 30'000'000));  // B is still waiting for A
    gate.set();
    ASSERT_TRUE(wait_one(hub, done, kFiveSeconds));
    for (uint32_t word : y)
        ASSERT_EQ(word, 0xabcdef01u);
    a.wait_idle();
    EXPECT_FALSE(semaphore.is_signaled());  // B's wait consumed the signal
}

// ---- events -----------------------------------------------------------------------------------

TEST(Event, WaitEventsBlocksTheQueueUntilTheHostSetsTheEvent) {
    SyncHub hub;
    Event event(hub);
    Fence fence(hub, false);
    uint32_t target = 0;
    CommandStream stream;
    append_wait(stream, {&event});
    append_fill(stream, &target, 4, 7);
    Queue queue(hub);
    ASSERT_TRUE(submit(queue, submission({&stream}, &fence)));
    std::this_thread::sleep_for(30ms);
    EXPECT_FALSE(fence.is_signaled());
    event.set();
    ASSERT_TRUE(wait_one(hub, fence, kFiveSeconds));
    EXPECT_EQ(target, 7u);
}

TEST(Event, WaitEventsWaitsForEveryEvent) {
    SyncHub hub;
    Event first(hub), second(hub);
    Fence fence(hub, false);
    CommandStream stream;
    append_wait(stream, {&first, &second});
    Queue queue(hub);
    ASSERT_TRUE(submit(queue, submission({&stream}, &fence)));
    first.set();
    EXPECT_FALSE(wait_one(hub, fence, 30'000'000));
    second.set();
    EXPECT_TRUE(wait_one(hub, fence, kFiveSeconds));
}

TEST(Event, SetEventOnOneQueueReleasesWaitEventsOnAnother) {
    SyncHub hub;
    Event event(hub);
    Fence fence(hub, false);
    CommandStream waits, sets;
    append_wait(waits, {&event});
    sets.append<EventCmd>(Op::SetEvent)->event = &event;
    Queue waiter_queue(hub), setter_queue(hub);
    ASSERT_TRUE(submit(waiter_queue, submission({&waits}, &fence)));
    EXPECT_FALSE(wait_one(hub, fence, 20'000'000));
    ASSERT_TRUE(submit(setter_queue, submission({&sets})));
    EXPECT_TRUE(wait_one(hub, fence, kFiveSeconds));
    EXPECT_TRUE(event.is_set());
    setter_queue.wait_idle();
}

TEST(Event, ResetAfterSetBlocksTheNextWait) {
    SyncHub hub;
    Event event(hub);
    event.set();
    event.wait_until_set();  // returns at once
    event.reset();
    EXPECT_FALSE(event.is_set());
    std::atomic<bool> woke{false};
    std::thread waiter([&] {
        event.wait_until_set();
        woke = true;
    });
    std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(woke.load());
    event.set();
    waiter.join();
    EXPECT_TRUE(woke.load());
}

}  // namespace
