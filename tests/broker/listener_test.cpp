// Listener and connect_to: the broker's socket in a checked runtime directory; one listener per
// directory (the lock); stale sockets replaced, anything else left alone; a forked client is seen
// with its own pid and our uid.
#include "broker/channel.h"
#include "broker/runtime_dir.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd_count.h"

namespace {

using kiln::broker::Channel;
using kiln::broker::ChannelStatus;
using kiln::broker::Listener;
using kiln::broker::Message;
using kiln::broker::RuntimeDir;
using kiln::broker::UniqueFd;

using kiln_test::count_fds;

class BrokerListener : public ::testing::Test {
protected:
    void SetUp() override {
        baseline_ = count_fds();
        char name[] = "/tmp/kiln-listener-test-XXXXXX";
        ASSERT_NE(mkdtemp(name), nullptr);
        scratch_ = name;
        dir_ = scratch_ + "/kiln";
        socket_path_ = dir_ + "/broker.sock";
    }
    void TearDown() override {
        std::error_code ignored;
        std::filesystem::remove_all(scratch_, ignored);
        EXPECT_EQ(count_fds(), baseline_) << "descriptor leak";
    }
    bool is_socket(const std::string& path) {
        struct stat st;
        return lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
    }
    int baseline_ = 0;
    std::string scratch_, dir_, socket_path_;
};

TEST_F(BrokerListener, ListensInACheckedDirectoryAndRemovesItsSocketWhenDone) {
    {
        Listener listener;
        std::string error;
        ASSERT_EQ(Listener::create(RuntimeDir::at(dir_), &listener, &error), Listener::Status::Ok) << error;
        EXPECT_EQ(listener.socket_path(), socket_path_);
        EXPECT_TRUE(is_socket(socket_path_));
        EXPECT_TRUE(fcntl(listener.fd(), F_GETFD) & FD_CLOEXEC);
        struct stat st;
        ASSERT_EQ(lstat(dir_.c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 07777, 0700u) << "the directory was created by RuntimeDir";

        Channel client, server;
        ASSERT_TRUE(kiln::broker::connect_to(socket_path_, &client).ok());
        ASSERT_TRUE(listener.accept(&server).ok());
        EXPECT_TRUE(fcntl(server.fd(), F_GETFD) & FD_CLOEXEC);
        Message m;
        ASSERT_TRUE(m.assign(7, "hi", 2));
        ASSERT_TRUE(client.send(m).ok());
        Message got;
        ASSERT_TRUE(server.receive(&got, nullptr).ok());
        EXPECT_EQ(got.type, 7u);
    }
    EXPECT_FALSE(is_socket(socket_path_)) << "a gone listener leaves no socket behind";
    Channel client;
    const auto result = kiln::broker::connect_to(socket_path_, &client);
    EXPECT_EQ(result.status, ChannelStatus::SystemError);
    EXPECT_EQ(result.error, ENOENT) << "no broker: ENOENT, the cue to start one";
}

TEST_F(BrokerListener, AForkedClientIsSeenWithItsOwnPidAndOurUid) {
    Listener listener;
    std::string error;
    ASSERT_EQ(Listener::create(RuntimeDir::at(dir_), &listener, &error), Listener::Status::Ok) << error;

    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        // The child: connect, say who it is, wait for the answer. Exit code = what went wrong.
        Channel channel;
        if (!kiln::broker::connect_to(socket_path_, &channel).ok())
            _exit(10);
        const pid_t self = getpid();
        Message m;
        m.assign(1, &self, sizeof self);
        if (!channel.send(m).ok())
            _exit(11);
        Message reply;
        if (!channel.receive(&reply, nullptr).ok() || reply.type != 2)
            _exit(12);
        const auto broker = kiln::broker::peer_credentials(channel.fd());
        _exit(broker && broker->pid == getppid() && kiln::broker::same_user(*broker) ? 0 : 13);
    }

    Channel server;
    ASSERT_TRUE(listener.accept(&server).ok());
    const auto creds = kiln::broker::peer_credentials(server.fd());
    ASSERT_TRUE(creds.has_value());
    EXPECT_EQ(creds->pid, child);
    EXPECT_NE(creds->pid, getpid());
    EXPECT_EQ(creds->uid, geteuid());
    EXPECT_TRUE(kiln::broker::same_user(*creds));
    Message m;
    ASSERT_TRUE(server.receive(&m, nullptr).ok());
    pid_t said = 0;
    ASSERT_EQ(m.length, sizeof said);
    std::memcpy(&said, m.payload, sizeof said);
    EXPECT_EQ(said, child);
    Message reply;
    reply.assign(2, nullptr, 0);
    ASSERT_TRUE(server.send(reply).ok());

    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    // And then the child is gone: EOF.
    EXPECT_EQ(server.receive(&m, nullptr).status, ChannelStatus::Eof);
}

TEST_F(BrokerListener, OnlyOneListenerPerDirectory) {
    Listener first;
    std::string error;
    ASSERT_EQ(Listener::create(RuntimeDir::at(dir_), &first, &error), Listener::Status::Ok) << error;
    {
        Listener second;
        EXPECT_EQ(Listener::create(RuntimeDir::at(dir_), &second, &error), Listener::Status::AlreadyRunning);
        EXPECT_NE(error.find("already"), std::string::npos) << error;
    }
    // The refused one touched nothing: the first still serves.
    Channel client, server;
    ASSERT_TRUE(kiln::broker::connect_to(socket_path_, &client).ok());
    ASSERT_TRUE(first.accept(&server).ok());

    first = Listener();  // gone: its lock with it
    Listener third;
    EXPECT_EQ(Listener::create(RuntimeDir::at(dir_), &third, &error), Listener::Status::Ok) << error;
}

TEST_F(BrokerListener, AStaleSocketIsReplaced) {
    ASSERT_TRUE(RuntimeDir::at(dir_).open_or_create(nullptr, nullptr));
    {
        // A broker that died: its socket file stays, nobody listens.
        UniqueFd dead(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strcpy(address.sun_path, socket_path_.c_str());
        ASSERT_EQ(bind(dead.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    }
    ASSERT_TRUE(is_socket(socket_path_));
    Channel client;
    EXPECT_EQ(kiln::broker::connect_to(socket_path_, &client).error, ECONNREFUSED);

    Listener listener;
    std::string error;
    ASSERT_EQ(Listener::create(RuntimeDir::at(dir_), &listener, &error), Listener::Status::Ok) << error;
    ASSERT_TRUE(kiln::broker::connect_to(socket_path_, &client).ok());
}

TEST_F(BrokerListener, SomethingElseUnderTheSocketNameIsLeftAlone) {
    ASSERT_TRUE(RuntimeDir::at(dir_).open_or_create(nullptr, nullptr));
    close(open(socket_path_.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
    Listener listener;
    std::string error;
    EXPECT_EQ(Listener::create(RuntimeDir::at(dir_), &listener, &error), Listener::Status::Error);
    EXPECT_NE(error.find("not a socket"), std::string::npos) << error;
    struct stat st;
    ASSERT_EQ(lstat(socket_path_.c_str(), &st), 0);
    EXPECT_TRUE(S_ISREG(st.st_mode));
}

TEST_F(BrokerListener, RefusesADirectoryRuntimeDirRefuses) {
    // Open to others.
    ASSERT_EQ(mkdir(dir_.c_str(), 0700), 0);
    ASSERT_EQ(chmod(dir_.c_str(), 0755), 0);
    Listener listener;
    std::string error;
    EXPECT_EQ(Listener::create(RuntimeDir::at(dir_), &listener, &error), Listener::Status::Error);
    EXPECT_NE(error.find("0700"), std::string::npos) << error;
    EXPECT_FALSE(is_socket(socket_path_));

    // A symlink to a good directory: nothing is created in the target.
    const std::string real = scratch_ + "/real", link = scratch_ + "/link";
    ASSERT_EQ(mkdir(real.c_str(), 0700), 0);
    ASSERT_EQ(symlink(real.c_str(), link.c_str()), 0);
    EXPECT_EQ(Listener::create(RuntimeDir::at(link), &listener, &error), Listener::Status::Error);
    EXPECT_NE(error.find("symbolic link"), std::string::npos) << error;
    EXPECT_FALSE(is_socket(real + "/broker.sock"));
    EXPECT_NE(access((real + "/broker.lock").c_str(), F_OK), 0);
}

// Bound through the checked directory's descriptor, a path longer than sun_path still works.
TEST_F(BrokerListener, BindsInADirectoryWhosePathIsLongerThanSunPath) {
    std::string deep = scratch_;
    while (deep.size() < 120) {
        deep += "/0123456789abcdef";
        ASSERT_EQ(mkdir(deep.c_str(), 0700), 0);
    }
    const std::string dir = deep + "/kiln";
    Listener listener;
    std::string error;
    ASSERT_EQ(Listener::create(RuntimeDir::at(dir), &listener, &error), Listener::Status::Ok) << error;
    EXPECT_TRUE(is_socket(dir + "/broker.sock"));
    Channel client;
    EXPECT_EQ(kiln::broker::connect_to(dir + "/broker.sock", &client).status, ChannelStatus::InvalidArgument)
        << "connect_to takes only a path that fits sockaddr_un";
}

TEST(BrokerConnectTo, ReportsNoBrokerAsEnoent) {
    Channel client;
    const auto result = kiln::broker::connect_to("/tmp/kiln-no-such-dir-for-sure/broker.sock", &client);
    EXPECT_EQ(result.status, ChannelStatus::SystemError);
    EXPECT_EQ(result.error, ENOENT);
    EXPECT_FALSE(client.valid());
    EXPECT_EQ(kiln::broker::connect_to("", &client).status, ChannelStatus::InvalidArgument);
}

}  // namespace
