// kiln::exec::CommandStream: recording order, payload integrity, alignment, reuse.
#include "exec/command_stream.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace {

using kiln::exec::CommandStream;
using kiln::exec::kCommandAlignment;
using kiln::exec::Op;
using kiln::exec::trailing;

struct TestCmd {  // + `extra` bytes of a pattern derived from `index`
    uint64_t index;
    uint64_t extra;
};

struct Recorded {
    Op op;
    uint64_t extra;
};

constexpr std::size_t kMiB = std::size_t{1} << 20;

std::byte payload_byte(uint64_t index, uint64_t i) { return std::byte(uint8_t(index * 31 + i % 253)); }

Op op_for(uint64_t index) { return Op(index % (uint64_t(Op::ExecuteStream) + 1)); }

void record(CommandStream& stream, uint64_t index, uint64_t extra) {
    auto* cmd = stream.append<TestCmd>(op_for(index), extra);
    ASSERT_NE(cmd, nullptr);
    cmd->index = index;
    cmd->extra = extra;
    std::byte* bytes = trailing<std::byte>(cmd);
    for (uint64_t i = 0; i < extra; ++i)
        bytes[i] = payload_byte(index, i);
}

// Walks the stream and checks that command i is the i-th recorded one, payload intact.
void expect_stream_holds(const CommandStream& stream, const std::vector<Recorded>& expected) {
    uint64_t next = 0;
    uint64_t misaligned = 0, wrong_op = 0, wrong_payload = 0;
    stream.for_each([&](Op op, const void* payload) {
        misaligned += reinterpret_cast<uintptr_t>(payload) % kCommandAlignment != 0;
        const auto* cmd = static_cast<const TestCmd*>(payload);
        if (next >= expected.size() || cmd->index != next) {
            ADD_FAILURE() << "command " << next << " came back as index " << cmd->index;
            ++next;
            return;
        }
        wrong_op += op != expected[next].op;
        if (cmd->extra != expected[next].extra) {
            ++wrong_payload;
        } else {
            const std::byte* bytes = trailing<std::byte>(cmd);
            for (uint64_t i = 0; i < cmd->extra; ++i) {
                if (bytes[i] != payload_byte(next, i)) {
                    ++wrong_payload;
                    break;
                }
            }
        }
        ++next;
    });
    EXPECT_EQ(next, expected.size());
    EXPECT_EQ(misaligned, 0u);
    EXPECT_EQ(wrong_op, 0u);
    EXPECT_EQ(wrong_payload, 0u);
    EXPECT_EQ(stream.command_count(), expected.size());
}

// Sizes of trailing data that cross the first chunk (4 KiB), the largest chunk (1 MiB),
// and every residue modulo the alignment.
std::vector<uint64_t> varied_extras() {
    std::vector<uint64_t> extras;
    for (uint64_t i = 0; i < 600; ++i) {
        uint64_t extra = (i * 7919) % 300;
        if (i % 97 == 5)
            extra = 4096 + i;
        if (i == 200)
            extra = kMiB;
        if (i == 201)
            extra = kMiB + 17;
        if (i == 400)
            extra = 3 * kMiB + 1;
        extras.push_back(extra);
    }
    return extras;
}

TEST(CommandStream, NewStreamIsEmpty) {
    CommandStream stream;
    EXPECT_TRUE(stream.empty());
    EXPECT_EQ(stream.command_count(), 0u);
    int visits = 0;
    stream.for_each([&](Op, const void*) { ++visits; });
    EXPECT_EQ(visits, 0);
}

TEST(CommandStream, CommandsOfVaryingSizesComeBackInOrderWithPayloadsIntact) {
    CommandStream stream;
    std::vector<Recorded> expected;
    const std::vector<uint64_t> extras = varied_extras();
    for (uint64_t i = 0; i < extras.size(); ++i) {
        record(stream, i, extras[i]);
        expected.push_back({op_for(i), extras[i]});
    }
    EXPECT_FALSE(stream.empty());
    expect_stream_holds(stream, expected);
}

TEST(CommandStream, FirstCommandLargerThanTheFirstChunkIsKept) {
    CommandStream stream;
    record(stream, 0, 2 * kMiB + 3);
    record(stream, 1, 8);
    record(stream, 2, 5000);
    expect_stream_holds(stream, {{op_for(0), 2 * kMiB + 3}, {op_for(1), 8}, {op_for(2), 5000}});
}

TEST(CommandStream, PayloadsAndTrailingArraysAre16ByteAligned) {
    CommandStream stream;
    uint64_t misaligned = 0;
    for (uint64_t extra = 0; extra < 100; ++extra) {
        auto* cmd = stream.append<TestCmd>(Op::UpdateMemory, extra);
        ASSERT_NE(cmd, nullptr);
        misaligned += reinterpret_cast<uintptr_t>(cmd) % kCommandAlignment != 0;
        misaligned += reinterpret_cast<uintptr_t>(trailing<std::byte>(cmd)) % kCommandAlignment != 0;
    }
    EXPECT_EQ(misaligned, 0u);
}

TEST(CommandStream, TrailingArrayStartsRightAfterTheCommand) {
    CommandStream stream;
    auto* cmd = stream.append<TestCmd>(Op::CopyMemory, 4 * sizeof(uint64_t));
    ASSERT_NE(cmd, nullptr);
    uint64_t* array = trailing<uint64_t>(cmd);
    EXPECT_EQ(reinterpret_cast<std::byte*>(array), reinterpret_cast<std::byte*>(cmd) + sizeof(TestCmd));
    const TestCmd* const_cmd = cmd;
    EXPECT_EQ(trailing<uint64_t>(const_cmd), array);
}

TEST(CommandStream, AppendedCommandIsValueInitialized) {
    // Reuse after reset hands back dirty memory: append must still zero the command.
    CommandStream stream;
    auto* first = stream.append<TestCmd>(Op::FillMemory);
    ASSERT_NE(first, nullptr);
    first->index = 0xdeadbeef;
    first->extra = 0xfeedface;
    stream.reset();
    auto* second = stream.append<TestCmd>(Op::FillMemory);
    ASSERT_NE(second, nullptr);
    EXPECT_EQ(second->index, 0u);
    EXPECT_EQ(second->extra, 0u);
}

TEST(CommandStream, CommandCountCountsEveryAppend) {
    CommandStream stream;
    for (std::size_t i = 1; i <= 1000; ++i) {
        ASSERT_NE(stream.append<TestCmd>(Op::SetEvent, i % 50), nullptr);
        ASSERT_EQ(stream.command_count(), i);
    }
}

TEST(CommandStream, ResetEmptiesTheStream) {
    CommandStream stream;
    for (uint64_t i = 0; i < 300; ++i)
        record(stream, i, 100);
    stream.reset();
    EXPECT_TRUE(stream.empty());
    EXPECT_EQ(stream.command_count(), 0u);
    int visits = 0;
    stream.for_each([&](Op, const void*) { ++visits; });
    EXPECT_EQ(visits, 0);
}

TEST(CommandStream, ResetStreamCanBeRecordedAgain) {
    CommandStream stream;
    const std::vector<uint64_t> extras = varied_extras();
    for (int round = 0; round < 3; ++round) {
        SCOPED_TRACE(round);
        std::vector<Recorded> expected;
        // A different count each round, so that stale commands would show.
        const uint64_t count = extras.size() - 150 * uint64_t(round);
        for (uint64_t i = 0; i < count; ++i) {
            record(stream, i, extras[i]);
            expected.push_back({op_for(i), extras[i]});
        }
        expect_stream_holds(stream, expected);
        stream.reset();
    }
}

TEST(CommandStream, ResetKeepsTheFirstChunkForTheNextRecording) {
    CommandStream stream;
    record(stream, 0, 16);
    const std::size_t first_chunk = stream.bytes_reserved();
    EXPECT_GT(first_chunk, 0u);
    for (uint64_t i = 1; i < 2000; ++i)
        record(stream, i, 64);
    EXPECT_GT(stream.bytes_reserved(), first_chunk);
    stream.reset();
    EXPECT_EQ(stream.bytes_reserved(), first_chunk);
    record(stream, 0, 16);  // fits the kept chunk: no new allocation
    EXPECT_EQ(stream.bytes_reserved(), first_chunk);
}

}  // namespace
