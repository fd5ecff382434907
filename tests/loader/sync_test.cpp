// Synchronization: fences, binary semaphores across queues, events, empty submits, long submission
// streams, secondary command buffers, idle waits and concurrent submission from several threads.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "vk_test_util.h"

namespace kiln_test {
namespace {

using namespace std::chrono_literals;

class KILN_SUITE(Sync) : public DeviceTest {
 protected:
  // Records a full copy src -> dst (plus a barrier for host reads) into a new command buffer.
  VkCommandBuffer RecordCopy(CommandPool& pool, const Buffer& src, const Buffer& dst) {
    VkCommandBuffer cmd = pool.Allocate();
    Begin(cmd);
    VkBufferCopy all{0, 0, src.size()};
    vkCmdCopyBuffer(cmd, src.handle(), dst.handle(), 1, &all);
    HostReadBarrier(cmd);
    End(cmd);
    return cmd;
  }
};

TEST_F(KILN_SUITE(Sync), FenceIsSignaledOnceItsWorkCompletes) {
  constexpr VkDeviceSize kSize = 16 * 1024 * 1024;
  Buffer src(device(), kSize), dst(device(), kSize);
  std::vector<uint8_t> pattern = RandomBytes(kSize, 1);
  std::memcpy(src.data(), pattern.data(), kSize);
  CommandPool pool(device());
  VkCommandBuffer cmd = RecordCopy(pool, src, dst);
  Fence fence(vk());
  EXPECT_EQ(fence.Status(), VK_NOT_READY);
  ASSERT_EQ(Submit(device().queue(), cmd, fence.handle()), VK_SUCCESS);
  ASSERT_EQ(fence.Wait(), VK_SUCCESS);
  EXPECT_EQ(fence.Status(), VK_SUCCESS);
  EXPECT_TRUE(BytesEqual(dst.data(), pattern.data(), kSize));
}

TEST_F(KILN_SUITE(Sync), WaitingOnAnUnsignaledFenceTimesOut) {
  Fence unsignaled(vk());
  VkFence handle = unsignaled.handle();
  EXPECT_EQ(vkWaitForFences(vk(), 1, &handle, VK_TRUE, 0), VK_TIMEOUT);
  EXPECT_EQ(vkWaitForFences(vk(), 1, &handle, VK_TRUE, 1'000'000), VK_TIMEOUT);  // 1 ms, blocking
  EXPECT_EQ(unsignaled.Status(), VK_NOT_READY);
  Fence signaled(vk(), /*signaled=*/true);
  VkFence signaledHandle = signaled.handle();
  EXPECT_EQ(vkWaitForFences(vk(), 1, &signaledHandle, VK_TRUE, 0), VK_SUCCESS);
}

TEST_F(KILN_SUITE(Sync), WaitAnyReturnsWhenOneFenceIsSignaled) {
  Fence never(vk());
  Fence created(vk(), /*signaled=*/true);
  VkFence both[2] = {never.handle(), created.handle()};
  // waitAll = VK_FALSE: one signaled fence suffices. A driver that waited for all would time out.
  EXPECT_EQ(vkWaitForFences(vk(), 2, both, VK_FALSE, kGenerousTimeoutNs), VK_SUCCESS);
  EXPECT_EQ(vkWaitForFences(vk(), 2, both, VK_TRUE, 0), VK_TIMEOUT);

  // The same with a fence signaled by a queue.
  Buffer src(device(), 1 << 20), dst(device(), 1 << 20);
  CommandPool pool(device());
  VkCommandBuffer cmd = RecordCopy(pool, src, dst);
  Fence submitted(vk());
  ASSERT_EQ(Submit(device().queue(), cmd, submitted.handle()), VK_SUCCESS);
  VkFence pair[2] = {never.handle(), submitted.handle()};
  EXPECT_EQ(vkWaitForFences(vk(), 2, pair, VK_FALSE, kGenerousTimeoutNs), VK_SUCCESS);
  EXPECT_EQ(submitted.Status(), VK_SUCCESS);
}

TEST_F(KILN_SUITE(Sync), ResetFencesUnsignalsAndTheFenceCanBeReused) {
  Fence a(vk(), /*signaled=*/true), b(vk(), /*signaled=*/true);
  VkFence handles[2] = {a.handle(), b.handle()};
  ASSERT_EQ(vkResetFences(vk(), 2, handles), VK_SUCCESS);
  EXPECT_EQ(a.Status(), VK_NOT_READY);
  EXPECT_EQ(b.Status(), VK_NOT_READY);
  EXPECT_EQ(a.Wait(0), VK_TIMEOUT);

  Buffer src(device(), 4096), dst(device(), 4096);
  CommandPool pool(device());
  VkCommandBuffer cmd = pool.Allocate();
  Begin(cmd, 0);  // resubmittable
  vkCmdFillBuffer(cmd, dst.handle(), 0, VK_WHOLE_SIZE, 0xABABABAB);
  HostReadBarrier(cmd);
  End(cmd);
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    std::memset(dst.data(), 0, 4096);
    ASSERT_EQ(Submit(device().queue(), cmd, a.handle()), VK_SUCCESS);
    ASSERT_EQ(a.Wait(), VK_SUCCESS);
    EXPECT_EQ(dst.data()[4095], 0xAB);
    ASSERT_EQ(vkResetFences(vk(), 1, &handles[0]), VK_SUCCESS);
    EXPECT_EQ(a.Status(), VK_NOT_READY);
  }
}

// Queue A copies and signals a semaphore; queue B waits on it and copies the result further. With
// a large first copy, a queue B that did not wait would read stale bytes.
TEST_F(KILN_SUITE(Sync), SemaphoreOrdersWorkAcrossTwoQueues) {
  constexpr VkDeviceSize kSize = 16 * 1024 * 1024;
  VkQueue queueA = device().queue(0);
  VkQueue queueB = device().queue(device().queues.size() > 1 ? 1 : 0);
  if (OnKiln()) {
    ASSERT_NE(queueA, queueB) << "Kiln has 4 queues";
  }
  Buffer source(device(), kSize), middle(device(), kSize, MemoryKind::Device), result(device(), kSize);
  CommandPool pool(device());
  VkCommandBuffer first = pool.Allocate(), second = pool.Allocate();
  Begin(first, 0);
  VkBufferCopy all{0, 0, kSize};
  vkCmdCopyBuffer(first, source.handle(), middle.handle(), 1, &all);
  End(first);
  Begin(second, 0);
  vkCmdCopyBuffer(second, middle.handle(), result.handle(), 1, &all);
  HostReadBarrier(second);
  End(second);
  Semaphore semaphore(vk());
  for (uint32_t round = 0; round < 3; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    std::vector<uint8_t> pattern = RandomBytes(kSize, 10 + round);
    std::memcpy(source.data(), pattern.data(), kSize);
    std::memset(result.data(), 0, kSize);
    Fence fenceA(vk()), fenceB(vk());
    SubmitInfo a{{first}, {}, {}, {semaphore.handle()}};
    SubmitInfo b{{second}, {semaphore.handle()}, {VK_PIPELINE_STAGE_TRANSFER_BIT}, {}};
    ASSERT_EQ(Submit(queueA, a, fenceA.handle()), VK_SUCCESS);
    ASSERT_EQ(Submit(queueB, b, fenceB.handle()), VK_SUCCESS);
    ASSERT_EQ(fenceB.Wait(), VK_SUCCESS);
    EXPECT_TRUE(BytesEqual(result.data(), pattern.data(), kSize));
    ASSERT_EQ(fenceA.Wait(), VK_SUCCESS);
  }
}

// One vkQueueSubmit with three batches: batch 1 copies and signals a semaphore, batch 2 waits on it
// and runs two command buffers (the second ordered after the first by a barrier), batch 3 waits on
// a second semaphore and copies the result out. One fence covers all three.
TEST_F(KILN_SUITE(Sync), SeveralBatchesInOneSubmitRunInOrder) {
  constexpr VkDeviceSize kSize = 4 * 1024 * 1024;
  Buffer a(device(), kSize), b(device(), kSize, MemoryKind::Device), c(device(), kSize, MemoryKind::Device);
  Buffer d(device(), kSize);
  std::vector<uint8_t> pattern = RandomBytes(kSize, 12);
  std::memcpy(a.data(), pattern.data(), kSize);
  std::memset(d.data(), 0, kSize);
  CommandPool pool(device());
  std::vector<VkCommandBuffer> cmds = pool.Allocate(4);
  VkBufferCopy all{0, 0, kSize};
  Begin(cmds[0]);
  vkCmdCopyBuffer(cmds[0], a.handle(), b.handle(), 1, &all);
  End(cmds[0]);
  Begin(cmds[1]);
  vkCmdCopyBuffer(cmds[1], b.handle(), c.handle(), 1, &all);
  End(cmds[1]);
  Begin(cmds[2]);
  TransferBarrier(cmds[2]);  // after cmds[1] in submission order
  vkCmdFillBuffer(cmds[2], c.handle(), 0, 256, 0x5A5A5A5A);
  End(cmds[2]);
  Begin(cmds[3]);
  vkCmdCopyBuffer(cmds[3], c.handle(), d.handle(), 1, &all);
  HostReadBarrier(cmds[3]);
  End(cmds[3]);
  Semaphore first(vk()), second(vk());
  VkSemaphore firstHandle = first.handle(), secondHandle = second.handle();
  VkPipelineStageFlags transfer = VK_PIPELINE_STAGE_TRANSFER_BIT;
  VkSubmitInfo batches[3];
  for (auto& batch : batches) batch = Struct<VkSubmitInfo>(VK_STRUCTURE_TYPE_SUBMIT_INFO);
  batches[0].commandBufferCount = 1;
  batches[0].pCommandBuffers = &cmds[0];
  batches[0].signalSemaphoreCount = 1;
  batches[0].pSignalSemaphores = &firstHandle;
  batches[1].waitSemaphoreCount = 1;
  batches[1].pWaitSemaphores = &firstHandle;
  batches[1].pWaitDstStageMask = &transfer;
  batches[1].commandBufferCount = 2;
  batches[1].pCommandBuffers = &cmds[1];
  batches[1].signalSemaphoreCount = 1;
  batches[1].pSignalSemaphores = &secondHandle;
  batches[2].waitSemaphoreCount = 1;
  batches[2].pWaitSemaphores = &secondHandle;
  batches[2].pWaitDstStageMask = &transfer;
  batches[2].commandBufferCount = 1;
  batches[2].pCommandBuffers = &cmds[3];
  Fence fence(vk());
  ASSERT_EQ(vkQueueSubmit(device().queue(), 3, batches, fence.handle()), VK_SUCCESS);
  ASSERT_EQ(fence.Wait(), VK_SUCCESS);
  std::vector<uint8_t> expected = pattern;
  std::memset(expected.data(), 0x5A, 256);
  EXPECT_TRUE(BytesEqual(d.data(), expected.data(), kSize));
}

// A command buffer waiting (vkCmdWaitEvents) on an event stays blocked until the host sets it;
// host writes made before vkSetEvent are visible to the commands after the wait (the wait's
// first scope includes VK_PIPELINE_STAGE_HOST_BIT, VUID-vkCmdWaitEvents-srcStageMask-01158).
//
// Note: setting the event only after submission is outside the spec's guarantees ("Queue Forward
// Progress": the event must be set before the vkCmdWaitEvents executes; newer specs add
// VUID-vkSetEvent-event-09543). Kiln, like lavapipe, tolerates it; this test holds it to that.
TEST_F(KILN_SUITE(Sync), HostSetEventReleasesAWaitingCommandBuffer) {
  constexpr VkDeviceSize kSize = 1024 * 1024;
  Buffer src(device(), kSize), dst(device(), kSize);
  std::memset(src.data(), 0x11, kSize);
  std::memset(dst.data(), 0, kSize);
  Event event(vk());
  CommandPool pool(device());
  VkCommandBuffer cmd = pool.Allocate();
  Begin(cmd);
  VkEvent handle = event.handle();
  auto hostToTransfer = Struct<VkMemoryBarrier>(VK_STRUCTURE_TYPE_MEMORY_BARRIER);
  hostToTransfer.srcAccessMask = VK_ACCESS_HOST_WRITE_BIT;
  hostToTransfer.dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
  vkCmdWaitEvents(cmd, 1, &handle, VK_PIPELINE_STAGE_HOST_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 1, &hostToTransfer, 0,
                  nullptr, 0, nullptr);
  VkBufferCopy all{0, 0, kSize};
  vkCmdCopyBuffer(cmd, src.handle(), dst.handle(), 1, &all);
  HostReadBarrier(cmd);
  End(cmd);

  Fence fence(vk());
  ASSERT_EQ(Submit(device().queue(), cmd, fence.handle()), VK_SUCCESS);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(fence.Status(), VK_NOT_READY) << "the command buffer ran past an unset event";
  EXPECT_EQ(event.Status(), VK_EVENT_RESET);
  std::vector<uint8_t> pattern = RandomBytes(kSize, 5);
  std::memcpy(src.data(), pattern.data(), kSize);  // before vkSetEvent: must be seen by the copy
  ASSERT_EQ(vkSetEvent(vk(), handle), VK_SUCCESS);
  ASSERT_EQ(fence.Wait(), VK_SUCCESS);
  EXPECT_TRUE(BytesEqual(dst.data(), pattern.data(), kSize));
}

TEST_F(KILN_SUITE(Sync), EventStateIsVisibleToTheHost) {
  Event event(vk());
  VkEvent handle = event.handle();
  EXPECT_EQ(event.Status(), VK_EVENT_RESET) << "events are created unsignaled";
  ASSERT_EQ(vkSetEvent(vk(), handle), VK_SUCCESS);
  EXPECT_EQ(event.Status(), VK_EVENT_SET);
  ASSERT_EQ(vkResetEvent(vk(), handle), VK_SUCCESS);
  EXPECT_EQ(event.Status(), VK_EVENT_RESET);

  Buffer buffer(device(), 4096);
  RunOnce(device(), [&](VkCommandBuffer cmd) {
    vkCmdFillBuffer(cmd, buffer.handle(), 0, VK_WHOLE_SIZE, 1);
    vkCmdSetEvent(cmd, handle, VK_PIPELINE_STAGE_TRANSFER_BIT);
  });
  EXPECT_EQ(event.Status(), VK_EVENT_SET) << "vkCmdSetEvent not visible after the fence";
  RunOnce(device(), [&](VkCommandBuffer cmd) { vkCmdResetEvent(cmd, handle, VK_PIPELINE_STAGE_TRANSFER_BIT); });
  EXPECT_EQ(event.Status(), VK_EVENT_RESET) << "vkCmdResetEvent not visible after the fence";
}

// vkCmdSetEvent after a copy and vkCmdWaitEvents before the next one form a dependency inside a
// command buffer: the second copy reads what the first wrote.
TEST_F(KILN_SUITE(Sync), DeviceEventsOrderCopiesInOneCommandBuffer) {
  constexpr VkDeviceSize kSize = 8 * 1024 * 1024;
  Buffer src(device(), kSize), middle(device(), kSize, MemoryKind::Device), dst(device(), kSize);
  std::vector<uint8_t> pattern = RandomBytes(kSize, 6);
  std::memcpy(src.data(), pattern.data(), kSize);
  Event event(vk());
  VkEvent handle = event.handle();
  RunOnce(device(), [&](VkCommandBuffer cmd) {
    VkBufferCopy all{0, 0, kSize};
    vkCmdCopyBuffer(cmd, src.handle(), middle.handle(), 1, &all);
    vkCmdSetEvent(cmd, handle, VK_PIPELINE_STAGE_TRANSFER_BIT);
    auto barrier = Struct<VkMemoryBarrier>(VK_STRUCTURE_TYPE_MEMORY_BARRIER);
    barrier.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    barrier.dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
    vkCmdWaitEvents(cmd, 1, &handle, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 1, &barrier, 0,
                    nullptr, 0, nullptr);
    vkCmdCopyBuffer(cmd, middle.handle(), dst.handle(), 1, &all);
  });
  EXPECT_TRUE(BytesEqual(dst.data(), pattern.data(), kSize));
  EXPECT_EQ(event.Status(), VK_EVENT_SET);
}

// An event set by vkCmdSetEvent in one submission releases a vkCmdWaitEvents in a later submission
// to the same queue, with the memory dependency the wait names.
TEST_F(KILN_SUITE(Sync), EventSetInAnEarlierSubmissionOrdersALaterOne) {
  constexpr VkDeviceSize kSize = 8 * 1024 * 1024;
  Buffer src(device(), kSize), middle(device(), kSize, MemoryKind::Device), dst(device(), kSize);
  std::vector<uint8_t> pattern = RandomBytes(kSize, 13);
  std::memcpy(src.data(), pattern.data(), kSize);
  Event event(vk());
  VkEvent handle = event.handle();
  CommandPool pool(device());
  VkCommandBuffer setter = pool.Allocate(), waiter = pool.Allocate();
  VkBufferCopy all{0, 0, kSize};
  Begin(setter);
  vkCmdCopyBuffer(setter, src.handle(), middle.handle(), 1, &all);
  vkCmdSetEvent(setter, handle, VK_PIPELINE_STAGE_TRANSFER_BIT);
  End(setter);
  Begin(waiter);
  auto barrier = Struct<VkMemoryBarrier>(VK_STRUCTURE_TYPE_MEMORY_BARRIER);
  barrier.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
  barrier.dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
  vkCmdWaitEvents(waiter, 1, &handle, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 1, &barrier, 0,
                  nullptr, 0, nullptr);
  vkCmdCopyBuffer(waiter, middle.handle(), dst.handle(), 1, &all);
  HostReadBarrier(waiter);
  End(waiter);
  Fence fence(vk());
  ASSERT_EQ(Submit(device().queue(), setter), VK_SUCCESS);
  ASSERT_EQ(Submit(device().queue(), waiter, fence.handle()), VK_SUCCESS);
  ASSERT_EQ(fence.Wait(), VK_SUCCESS);
  EXPECT_TRUE(BytesEqual(dst.data(), pattern.data(), kSize));
}

// "If submitCount is zero but fence is not VK_NULL_HANDLE, the fence will still be submitted to the
// queue and will become signaled when all work previously submitted to the queue has completed."
TEST_F(KILN_SUITE(Sync), EmptySubmitSignalsItsFenceAfterEarlierWork) {
  constexpr VkDeviceSize kSize = 32 * 1024 * 1024;
  Buffer src(device(), kSize), dst(device(), kSize);
  std::vector<uint8_t> pattern = RandomBytes(kSize, 7);
  std::memcpy(src.data(), pattern.data(), kSize);
  CommandPool pool(device());
  VkCommandBuffer cmd = RecordCopy(pool, src, dst);
  Fence work(vk()), empty(vk());
  ASSERT_EQ(Submit(device().queue(), cmd, work.handle()), VK_SUCCESS);
  ASSERT_EQ(vkQueueSubmit(device().queue(), 0, nullptr, empty.handle()), VK_SUCCESS);
  ASSERT_EQ(empty.Wait(), VK_SUCCESS);
  // Signal operations follow submission order, so the earlier fence is signaled by now.
  EXPECT_EQ(work.Status(), VK_SUCCESS);
  EXPECT_TRUE(BytesEqual(dst.data(), pattern.data(), kSize));
}

// 1000 separate vkQueueSubmit calls in a row: each writes its own slot and then a shared "last"
// slot; a barrier at the start of each orders the shared writes by submission order.
TEST_F(KILN_SUITE(Sync), AThousandSubmissionsAllComplete) {
  constexpr uint32_t kCount = 1000;
  Buffer slots(device(), (kCount + 1) * 4);
  std::memset(slots.data(), 0, (kCount + 1) * 4);
  CommandPool pool(device());
  std::vector<VkCommandBuffer> cmds = pool.Allocate(kCount);
  for (uint32_t i = 0; i < kCount; ++i) {
    Begin(cmds[i]);
    TransferBarrier(cmds[i]);
    uint32_t value = i + 1;
    vkCmdUpdateBuffer(cmds[i], slots.handle(), i * 4, 4, &value);
    vkCmdUpdateBuffer(cmds[i], slots.handle(), kCount * 4, 4, &value);
    if (i + 1 == kCount) HostReadBarrier(cmds[i]);
    End(cmds[i]);
  }
  Fence fence(vk());
  for (uint32_t i = 0; i < kCount; ++i)
    ASSERT_EQ(Submit(device().queue(), cmds[i], i + 1 == kCount ? fence.handle() : VK_NULL_HANDLE), VK_SUCCESS)
        << "submission " << i;
  ASSERT_EQ(fence.Wait(), VK_SUCCESS);
  std::vector<uint32_t> values(kCount + 1);
  std::memcpy(values.data(), slots.data(), values.size() * 4);
  for (uint32_t i = 0; i < kCount; ++i) ASSERT_EQ(values[i], i + 1) << "slot " << i;
  EXPECT_EQ(values[kCount], kCount) << "the last submission's write must land last";
}

TEST_F(KILN_SUITE(Sync), SecondaryCommandBuffersRunInsideThePrimary) {
  constexpr VkDeviceSize kSize = 64 * 1024;
  Buffer buffer(device(), kSize), copy(device(), kSize);
  CommandPool pool(device());
  VkCommandBuffer fill = pool.Allocate(VK_COMMAND_BUFFER_LEVEL_SECONDARY);
  VkCommandBuffer update = pool.Allocate(VK_COMMAND_BUFFER_LEVEL_SECONDARY);
  auto inheritance = Struct<VkCommandBufferInheritanceInfo>(VK_STRUCTURE_TYPE_COMMAND_BUFFER_INHERITANCE_INFO);
  auto begin = Struct<VkCommandBufferBeginInfo>(VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO);
  begin.pInheritanceInfo = &inheritance;
  ASSERT_EQ(vkBeginCommandBuffer(fill, &begin), VK_SUCCESS);
  vkCmdFillBuffer(fill, buffer.handle(), 0, VK_WHOLE_SIZE, 0x11111111);
  ASSERT_EQ(vkEndCommandBuffer(fill), VK_SUCCESS);
  const uint32_t words[4] = {0xA0A1A2A3, 0xB0B1B2B3, 0xC0C1C2C3, 0xD0D1D2D3};
  ASSERT_EQ(vkBeginCommandBuffer(update, &begin), VK_SUCCESS);
  vkCmdUpdateBuffer(update, buffer.handle(), 1024, sizeof words, words);
  ASSERT_EQ(vkEndCommandBuffer(update), VK_SUCCESS);

  VkCommandBuffer primary = pool.Allocate();
  Begin(primary, 0);  // submitted twice below
  vkCmdExecuteCommands(primary, 1, &fill);
  TransferBarrier(primary);
  vkCmdExecuteCommands(primary, 1, &update);
  TransferBarrier(primary);
  VkBufferCopy all{0, 0, kSize};
  vkCmdCopyBuffer(primary, buffer.handle(), copy.handle(), 1, &all);
  HostReadBarrier(primary);
  End(primary);

  std::vector<uint8_t> expected(kSize, 0x11);
  std::memcpy(expected.data() + 1024, words, sizeof words);
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    std::memset(buffer.data(), 0, kSize);
    std::memset(copy.data(), 0, kSize);
    Fence fence(vk());
    ASSERT_EQ(Submit(device().queue(), primary, fence.handle()), VK_SUCCESS);
    ASSERT_EQ(fence.Wait(), VK_SUCCESS);
    EXPECT_TRUE(BytesEqual(buffer.data(), expected.data(), kSize));
    EXPECT_TRUE(BytesEqual(copy.data(), expected.data(), kSize));
  }
}

TEST_F(KILN_SUITE(Sync), ResetCommandBufferCanBeRecordedAgain) {
  Buffer buffer(device(), 4096);
  CommandPool pool(device());
  VkCommandBuffer cmd = pool.Allocate();
  for (uint32_t value : {0x01010101u, 0x02020202u}) {
    ASSERT_EQ(vkResetCommandBuffer(cmd, 0), VK_SUCCESS);
    Begin(cmd);
    vkCmdFillBuffer(cmd, buffer.handle(), 0, VK_WHOLE_SIZE, value);
    HostReadBarrier(cmd);
    End(cmd);
    Fence fence(vk());
    ASSERT_EQ(Submit(device().queue(), cmd, fence.handle()), VK_SUCCESS);
    ASSERT_EQ(fence.Wait(), VK_SUCCESS);
    EXPECT_EQ(buffer.data()[4095], static_cast<uint8_t>(value)) << "the first recording ran again";
  }
  // Resetting the whole pool also returns its command buffers to the initial state.
  ASSERT_EQ(vkResetCommandPool(vk(), pool.handle(), 0), VK_SUCCESS);
  Begin(cmd);
  vkCmdFillBuffer(cmd, buffer.handle(), 0, VK_WHOLE_SIZE, 0x03030303);
  HostReadBarrier(cmd);
  End(cmd);
  ASSERT_EQ(Submit(device().queue(), cmd), VK_SUCCESS);
  ASSERT_EQ(vkQueueWaitIdle(device().queue()), VK_SUCCESS);
  EXPECT_EQ(buffer.data()[0], 0x03);
}

TEST_F(KILN_SUITE(Sync), QueueWaitIdleWaitsForSubmittedWork) {
  constexpr VkDeviceSize kSize = 32 * 1024 * 1024;
  Buffer src(device(), kSize), dst(device(), kSize);
  std::vector<uint8_t> pattern = RandomBytes(kSize, 8);
  std::memcpy(src.data(), pattern.data(), kSize);
  CommandPool pool(device());
  VkCommandBuffer cmd = RecordCopy(pool, src, dst);
  ASSERT_EQ(Submit(device().queue(), cmd), VK_SUCCESS);  // no fence
  ASSERT_EQ(vkQueueWaitIdle(device().queue()), VK_SUCCESS);
  EXPECT_TRUE(BytesEqual(dst.data(), pattern.data(), kSize));
}

TEST_F(KILN_SUITE(Sync), DeviceWaitIdleWaitsForEveryQueue) {
  constexpr VkDeviceSize kSize = 8 * 1024 * 1024;
  const size_t queues = device().queues.size();
  std::vector<std::unique_ptr<Buffer>> sources, destinations;
  std::vector<std::vector<uint8_t>> patterns;
  CommandPool pool(device());
  for (size_t q = 0; q < queues; ++q) {
    sources.push_back(std::make_unique<Buffer>(device(), kSize));
    destinations.push_back(std::make_unique<Buffer>(device(), kSize));
    patterns.push_back(RandomBytes(kSize, 20 + static_cast<uint32_t>(q)));
    std::memcpy(sources[q]->data(), patterns[q].data(), kSize);
    VkCommandBuffer cmd = RecordCopy(pool, *sources[q], *destinations[q]);
    ASSERT_EQ(Submit(device().queue(q), cmd), VK_SUCCESS) << "queue " << q;
  }
  ASSERT_EQ(vkDeviceWaitIdle(vk()), VK_SUCCESS);
  for (size_t q = 0; q < queues; ++q)
    EXPECT_TRUE(BytesEqual(destinations[q]->data(), patterns[q].data(), kSize)) << "queue " << q;
}

// Several threads, each with its own command pool, submit to the device's queues at once (access
// to each VkQueue is externally synchronized, so threads sharing a queue share a mutex).
TEST_F(KILN_SUITE(Sync), ConcurrentSubmitsFromSeveralThreadsAllComplete) {
  constexpr uint32_t kThreads = 4, kRounds = 50;
  constexpr VkDeviceSize kSize = 256 * 1024;
  const size_t queueCount = device().queues.size();
  std::vector<std::mutex> queueLocks(queueCount);
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (uint32_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        CommandPool pool(device());
        Buffer buffer(device(), kSize);
        VkCommandBuffer cmd = pool.Allocate();
        size_t q = t % queueCount;
        for (uint32_t round = 0; round < kRounds; ++round) {
          uint32_t word = (t << 24) | round;
          KT_CHECK(vkResetCommandBuffer(cmd, 0));
          Begin(cmd);
          vkCmdFillBuffer(cmd, buffer.handle(), 0, VK_WHOLE_SIZE, word);
          HostReadBarrier(cmd);
          End(cmd);
          Fence fence(vk());
          {
            std::lock_guard lock(queueLocks[q]);
            KT_CHECK(Submit(device().queue(q), cmd, fence.handle()));
          }
          KT_CHECK(fence.Wait());
          uint32_t first, last;
          std::memcpy(&first, buffer.data(), 4);
          std::memcpy(&last, buffer.data() + kSize - 4, 4);
          if (first != word || last != word) {
            failures[t] = "round " + std::to_string(round) + ": buffer not filled";
            return;
          }
        }
      } catch (const std::exception& e) {
        failures[t] = e.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (uint32_t t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], "") << "thread " << t;
}

}  // namespace
}  // namespace kiln_test
