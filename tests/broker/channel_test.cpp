// Channel: framed messages with at most one fd over a SEQPACKET socketpair. Well-formed messages
// round-trip; hostile ones (bad length fields, oversized, extra fds) are rejected as values, their
// descriptors closed (counted in /proc/self/fd), and the channel stays in step afterwards.
#include "broker/channel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "fd_count.h"

namespace {

using kiln::broker::Channel;
using kiln::broker::ChannelStatus;
using kiln::broker::kMessageHeaderSize;
using kiln::broker::Message;
using kiln::broker::UniqueFd;

using kiln_test::count_fds;

UniqueFd new_memfd(const char* contents = "") {
    UniqueFd fd(memfd_create("kiln-channel-test", MFD_CLOEXEC));
    EXPECT_TRUE(fd.valid());
    const size_t size = std::strlen(contents);
    EXPECT_EQ(write(fd.get(), contents, size), ssize_t(size));
    return fd;
}

Message make(uint32_t type, const std::string& text) {
    Message m;
    EXPECT_TRUE(m.assign(type, text.data(), text.size()));
    return m;
}

std::string payload_of(const Message& m) { return std::string(reinterpret_cast<const char*>(m.payload), m.length); }

// Sends raw bytes and `fds` in one sendmsg, bypassing Channel::send's checks: a hostile peer.
ssize_t send_raw(int socket, const void* data, size_t size, const std::vector<int>& fds = {}) {
    iovec iov{const_cast<void*>(data), size};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
    if (!fds.empty()) {
        msg.msg_control = control.data();
        msg.msg_controllen = control.size();
        cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
        std::memcpy(CMSG_DATA(cmsg), fds.data(), sizeof(int) * fds.size());
    }
    return sendmsg(socket, &msg, MSG_NOSIGNAL);
}

std::vector<uint8_t> raw_message(uint32_t type, uint32_t length_field, size_t payload_bytes) {
    std::vector<uint8_t> bytes(kMessageHeaderSize + payload_bytes, 0x5a);
    std::memcpy(bytes.data(), &type, 4);
    std::memcpy(bytes.data() + 4, &length_field, 4);
    return bytes;
}

class BrokerChannel : public ::testing::Test {
protected:
    void SetUp() override {
        baseline_ = count_fds();
        ASSERT_TRUE(Channel::pair(&a_, &b_).ok());
    }
    void TearDown() override {
        a_ = Channel();
        b_ = Channel();
        EXPECT_EQ(count_fds(), baseline_) << "descriptor leak";
    }
    // The channel is still in step: the next good message arrives whole.
    void expect_still_in_step() {
        ASSERT_TRUE(a_.send(make(77, "after")).ok());
        Message m;
        UniqueFd fd;
        ASSERT_TRUE(b_.receive(&m, &fd).ok());
        EXPECT_EQ(m.type, 77u);
        EXPECT_EQ(payload_of(m), "after");
        EXPECT_FALSE(fd.valid());
    }
    int baseline_ = 0;
    Channel a_, b_;
};

TEST_F(BrokerChannel, PairIsCloseOnExecSeqpacket) {
    for (int fd : {a_.fd(), b_.fd()}) {
        EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
        int type = 0;
        socklen_t size = sizeof type;
        ASSERT_EQ(getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &size), 0);
        EXPECT_EQ(type, SOCK_SEQPACKET);
    }
}

TEST_F(BrokerChannel, MessagesWithoutFdsRoundTripInOrder) {
    const std::string big(Message::kMaxPayload, 'x');
    const std::vector<std::pair<uint32_t, std::string>> sent = {{1, ""}, {2, "a"}, {0xffffffffu, "hello"}, {4, big}};
    for (const auto& [type, text] : sent)
        ASSERT_TRUE(a_.send(make(type, text)).ok());
    for (const auto& [type, text] : sent) {
        Message m;
        UniqueFd fd(new_memfd());  // a stale value in the out-parameter is dropped
        ASSERT_TRUE(b_.receive(&m, &fd).ok());
        EXPECT_EQ(m.type, type);
        EXPECT_EQ(payload_of(m), text);
        EXPECT_FALSE(fd.valid());
    }
    // Both directions.
    ASSERT_TRUE(b_.send(make(9, "back")).ok());
    Message m;
    ASSERT_TRUE(a_.receive(&m, nullptr).ok());
    EXPECT_EQ(payload_of(m), "back");
}

TEST_F(BrokerChannel, AnFdArrivesCloseOnExecAndRefersToTheSameFile) {
    UniqueFd original = new_memfd("");
    ASSERT_TRUE(a_.send(make(5, "fd"), original.get()).ok());
    ASSERT_EQ(fcntl(original.get(), F_GETFD), FD_CLOEXEC) << "send must not consume the caller's fd";

    Message m;
    UniqueFd received;
    ASSERT_TRUE(b_.receive(&m, &received).ok());
    ASSERT_TRUE(received.valid());
    EXPECT_EQ(payload_of(m), "fd");
    EXPECT_NE(received.get(), original.get());
    EXPECT_TRUE(fcntl(received.get(), F_GETFD) & FD_CLOEXEC);

    // Write through one, read through the other.
    const char text[] = "shared pages";
    ASSERT_EQ(pwrite(original.get(), text, sizeof text, 100), ssize_t(sizeof text));
    char back[sizeof text] = {};
    ASSERT_EQ(pread(received.get(), back, sizeof back, 100), ssize_t(sizeof back));
    EXPECT_STREQ(back, text);
    struct stat x, y;
    ASSERT_EQ(fstat(original.get(), &x), 0);
    ASSERT_EQ(fstat(received.get(), &y), 0);
    EXPECT_EQ(x.st_ino, y.st_ino);
}

TEST_F(BrokerChannel, MessagesWithAndWithoutFdsInterleave) {
    UniqueFd one = new_memfd("one"), two = new_memfd("two");
    ASSERT_TRUE(a_.send(make(1, "plain")).ok());
    ASSERT_TRUE(a_.send(make(2, "with"), one.get()).ok());
    ASSERT_TRUE(a_.send(make(3, "plain")).ok());
    ASSERT_TRUE(a_.send(make(4, "with"), two.get()).ok());
    for (uint32_t type = 1; type <= 4; ++type) {
        Message m;
        UniqueFd fd;
        ASSERT_TRUE(b_.receive(&m, &fd).ok());
        EXPECT_EQ(m.type, type);
        EXPECT_EQ(fd.valid(), type % 2 == 0);
        if (fd.valid()) {
            char buffer[4] = {};
            ASSERT_EQ(pread(fd.get(), buffer, 3, 0), 3);
            EXPECT_STREQ(buffer, type == 2 ? "one" : "two");
        }
    }
}

TEST_F(BrokerChannel, SendRefusesAnOversizedLengthAndSendsNothing) {
    Message m = make(1, "x");
    m.length = Message::kMaxPayload + 1;
    EXPECT_EQ(a_.send(m).status, ChannelStatus::InvalidArgument);
    EXPECT_FALSE(m.assign(1, m.payload, Message::kMaxPayload + 1));
    ASSERT_EQ(fcntl(b_.fd(), F_SETFL, O_NONBLOCK), 0);
    Message got;
    EXPECT_EQ(b_.receive(&got, nullptr).status, ChannelStatus::WouldBlock);
    // A bad fd is an error too, and nothing is sent.
    EXPECT_EQ(a_.send(make(1, "x"), 1000000).status, ChannelStatus::SystemError);
    EXPECT_EQ(b_.receive(&got, nullptr).status, ChannelStatus::WouldBlock);
}

TEST_F(BrokerChannel, AMessageLargerThanTheMaximumIsTruncatedAndDiscarded) {
    const auto bytes = raw_message(1, Message::kMaxPayload + 100, Message::kMaxPayload + 100);
    ASSERT_EQ(send_raw(a_.fd(), bytes.data(), bytes.size()), ssize_t(bytes.size()));
    Message m;
    UniqueFd fd;
    EXPECT_EQ(b_.receive(&m, &fd).status, ChannelStatus::Truncated);
    EXPECT_FALSE(fd.valid());
    expect_still_in_step();
}

TEST_F(BrokerChannel, ATruncatedMessagesFdIsClosed) {
    {
        UniqueFd payload = new_memfd("x");
        const auto bytes = raw_message(1, 8000, 8000);
        ASSERT_EQ(send_raw(a_.fd(), bytes.data(), bytes.size(), {payload.get()}), ssize_t(bytes.size()));
    }
    Message m;
    UniqueFd fd;
    EXPECT_EQ(b_.receive(&m, &fd).status, ChannelStatus::Truncated);
    EXPECT_FALSE(fd.valid());
    expect_still_in_step();  // TearDown counts the descriptors
}

TEST_F(BrokerChannel, LengthFieldsThatDisagreeWithTheDataAreMalformed) {
    struct Case {
        uint32_t length_field;
        size_t payload_bytes;
    };
    for (const Case c : {Case{Message::kMaxPayload, 10}, Case{100, 10}, Case{4, 10}, Case{0xffffffffu, 0},
                         Case{Message::kMaxPayload + 1, Message::kMaxPayload}, Case{1, 0}}) {
        const auto bytes = raw_message(1, c.length_field, c.payload_bytes);
        ASSERT_EQ(send_raw(a_.fd(), bytes.data(), bytes.size()), ssize_t(bytes.size()));
        Message m;
        UniqueFd fd;
        const auto result = b_.receive(&m, &fd);
        EXPECT_EQ(result.status, ChannelStatus::Malformed)
            << "length field " << c.length_field << ", " << c.payload_bytes << " bytes";
        EXPECT_FALSE(fd.valid());
    }
    // Shorter than a header.
    ASSERT_EQ(send_raw(a_.fd(), "abc", 3), 3);
    Message m;
    EXPECT_EQ(b_.receive(&m, nullptr).status, ChannelStatus::Malformed);
    expect_still_in_step();
}

TEST_F(BrokerChannel, TwoFdsInOneMessageAreRejectedAndBothClosed) {
    {
        UniqueFd one = new_memfd(), two = new_memfd();
        const auto bytes = raw_message(1, 0, 0);
        ASSERT_EQ(send_raw(a_.fd(), bytes.data(), bytes.size(), {one.get(), two.get()}), ssize_t(bytes.size()));
    }  // our copies closed; the two in flight are in the socket, not in our table
    EXPECT_EQ(count_fds(), baseline_ + 2) << "just the two sockets";
    Message m;
    UniqueFd fd;
    EXPECT_EQ(b_.receive(&m, &fd).status, ChannelStatus::UnexpectedFds);
    EXPECT_FALSE(fd.valid());
    EXPECT_EQ(count_fds(), baseline_ + 2) << "both received fds must be closed";
    expect_still_in_step();
}

TEST_F(BrokerChannel, MoreFdsThanWeHaveRoomForAreAllClosed) {
    {
        std::vector<UniqueFd> owned;
        std::vector<int> fds;
        for (int i = 0; i < 40; ++i) {
            owned.push_back(new_memfd());
            fds.push_back(owned.back().get());
        }
        const auto bytes = raw_message(1, 0, 0);
        ASSERT_EQ(send_raw(a_.fd(), bytes.data(), bytes.size(), fds), ssize_t(bytes.size()));
    }
    Message m;
    UniqueFd fd;
    const auto status = b_.receive(&m, &fd).status;
    EXPECT_TRUE(status == ChannelStatus::Truncated || status == ChannelStatus::UnexpectedFds) << to_string(status);
    EXPECT_FALSE(fd.valid());
    EXPECT_EQ(count_fds(), baseline_ + 2);
    expect_still_in_step();
}

TEST_F(BrokerChannel, AnFdTheReceiverDidNotAskForIsClosed) {
    {
        UniqueFd payload = new_memfd();
        ASSERT_TRUE(a_.send(make(1, "surprise"), payload.get()).ok());
    }
    Message m;
    EXPECT_EQ(b_.receive(&m, nullptr).status, ChannelStatus::UnexpectedFds);
    EXPECT_EQ(count_fds(), baseline_ + 2);
    expect_still_in_step();
}

TEST_F(BrokerChannel, PeerCloseIsEofAfterPendingMessages) {
    ASSERT_TRUE(a_.send(make(1, "last words")).ok());
    a_ = Channel();
    Message m;
    UniqueFd fd;
    ASSERT_TRUE(b_.receive(&m, &fd).ok());
    EXPECT_EQ(payload_of(m), "last words");
    EXPECT_EQ(b_.receive(&m, &fd).status, ChannelStatus::Eof);
    EXPECT_EQ(b_.receive(&m, &fd).status, ChannelStatus::Eof) << "EOF stays EOF";
    // Sending to the closed peer fails as a value (EPIPE), and raises no SIGPIPE to kill us.
    const auto result = b_.send(make(1, "anyone?"));
    EXPECT_EQ(result.status, ChannelStatus::SystemError);
    EXPECT_EQ(result.error, EPIPE);
}

TEST_F(BrokerChannel, AZeroLengthRecordWithAnFdIsNotEof) {
    {
        UniqueFd payload = new_memfd();
        ASSERT_EQ(send_raw(a_.fd(), "", 0, {payload.get()}), 0);
    }
    Message m;
    UniqueFd fd;
    EXPECT_EQ(b_.receive(&m, &fd).status, ChannelStatus::Malformed);
    EXPECT_FALSE(fd.valid());
    expect_still_in_step();
}

TEST_F(BrokerChannel, PeerCredentialsOfASocketpairAreOurOwn) {
    const auto creds = kiln::broker::peer_credentials(b_.fd());
    ASSERT_TRUE(creds.has_value()) << std::strerror(errno);
    EXPECT_EQ(creds->pid, getpid());
    EXPECT_EQ(creds->uid, geteuid());
    EXPECT_EQ(creds->gid, getegid());
    EXPECT_TRUE(kiln::broker::same_user(*creds));
    auto other = *creds;
    other.uid = geteuid() + 1;
    EXPECT_FALSE(kiln::broker::same_user(other));

    int pipe_fds[2];
    ASSERT_EQ(pipe2(pipe_fds, O_CLOEXEC), 0);
    EXPECT_FALSE(kiln::broker::peer_credentials(pipe_fds[0]).has_value());
    EXPECT_EQ(errno, ENOTSOCK);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    EXPECT_FALSE(kiln::broker::peer_credentials(-1).has_value());
}

// Each message is one record: threads sending on one channel never interleave their bytes.
TEST_F(BrokerChannel, ConcurrentSendersNeverInterleave) {
    constexpr int kThreads = 4, kEach = 300;
    std::vector<std::thread> senders;
    std::atomic<int> failures{0};
    for (int t = 0; t < kThreads; ++t) {
        senders.emplace_back([&, t] {
            for (int i = 0; i < kEach; ++i) {
                const std::string text(size_t(100 + t * 900), char('a' + t));
                if (!a_.send(make(uint32_t(t * 100000 + i), text)).ok())
                    failures.fetch_add(1);
            }
        });
    }
    std::vector<int> next(kThreads, 0);
    for (int n = 0; n < kThreads * kEach; ++n) {
        Message m;
        ASSERT_TRUE(b_.receive(&m, nullptr).ok());
        const int t = int(m.type / 100000), i = int(m.type % 100000);
        ASSERT_LT(t, kThreads);
        EXPECT_EQ(i, next[t]++) << "per-thread order";
        EXPECT_EQ(payload_of(m), std::string(size_t(100 + t * 900), char('a' + t)));
    }
    for (auto& sender : senders)
        sender.join();
    EXPECT_EQ(failures.load(), 0);
}

// A signal that interrupts a blocked receive (no SA_RESTART) must not surface as an error.
TEST_F(BrokerChannel, ReceiveRetriesAfterASignal) {
    struct sigaction action {}, old {};
    action.sa_handler = [](int) {};
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: recvmsg fails with EINTR
    ASSERT_EQ(sigaction(SIGUSR1, &action, &old), 0);

    std::atomic<bool> started{false}, done{false};
    kiln::broker::ChannelResult result;
    Message m;
    std::thread receiver([&] {
        started = true;
        result = b_.receive(&m, nullptr);
        done = true;
    });
    while (!started)
        std::this_thread::yield();
    const pthread_t thread = receiver.native_handle();
    for (int i = 0; i < 5 && !done; ++i) {
        usleep(20000);
        pthread_kill(thread, SIGUSR1);
    }
    EXPECT_FALSE(done.load()) << "receive returned early: " << to_string(result.status) << " errno " << result.error;
    ASSERT_TRUE(a_.send(make(3, "eventually")).ok());
    receiver.join();
    sigaction(SIGUSR1, &old, nullptr);
    EXPECT_TRUE(result.ok()) << to_string(result.status) << " errno " << result.error;
    EXPECT_EQ(payload_of(m), "eventually");
}

TEST(BrokerUniqueFd, ClosesOnResetMoveAndDestruction) {
    const int baseline = count_fds();
    {
        UniqueFd a(memfd_create("a", MFD_CLOEXEC));
        ASSERT_TRUE(a.valid());
        UniqueFd b(std::move(a));
        EXPECT_FALSE(a.valid());
        EXPECT_EQ(count_fds(), baseline + 1);
        b = UniqueFd(memfd_create("b", MFD_CLOEXEC));
        EXPECT_EQ(count_fds(), baseline + 1) << "assignment closes the old fd";
        const int raw = b.release();
        EXPECT_FALSE(b.valid());
        b.reset(raw);
    }
    EXPECT_EQ(count_fds(), baseline);
}

}  // namespace
