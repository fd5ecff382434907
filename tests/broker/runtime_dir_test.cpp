// RuntimeDir: the broker's per-user socket directory is created 0700, and refused when it is a
// symlink, not a directory, another user's, or open to others. Driven through RuntimeDir::at() on
// scratch directories, never the real /tmp/kiln-<uid> or $XDG_RUNTIME_DIR/kiln.
#include "broker/runtime_dir.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using kiln::broker::RuntimeDir;

// A fresh directory under /tmp, removed with everything in it.
class ScratchDir {
public:
    ScratchDir() {
        char name[] = "/tmp/kiln-broker-test-XXXXXX";
        EXPECT_NE(mkdtemp(name), nullptr);
        path_ = name;
    }
    ~ScratchDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

unsigned mode_of(const std::string& path) {
    struct stat st;
    EXPECT_EQ(lstat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
}

bool refused(const std::string& path, std::string* error) {
    std::string out = "untouched";
    const bool ok = RuntimeDir::at(path).open_or_create(&out, error);
    EXPECT_EQ(out, "untouched") << "a refused directory must not be reported as the path";
    return !ok;
}

TEST(BrokerRuntimeDir, CreatesMissingDirectoryWithMode0700) {
    ScratchDir scratch;
    const std::string dir = scratch / "kiln";
    std::string path, error;
    ASSERT_TRUE(RuntimeDir::at(dir).open_or_create(&path, &error)) << error;
    EXPECT_EQ(path, dir);
    struct stat st;
    ASSERT_EQ(lstat(dir.c_str(), &st), 0);
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0700u);
    EXPECT_EQ(st.st_uid, geteuid());
}

TEST(BrokerRuntimeDir, CreatesMode0700WhateverTheUmask) {
    ScratchDir scratch;
    for (mode_t mask : {mode_t(0277), mode_t(0), mode_t(077), mode_t(0777)}) {
        const std::string dir = scratch / ("kiln-" + std::to_string(mask));
        const mode_t old = umask(mask);
        std::string path, error;
        const bool ok = RuntimeDir::at(dir).open_or_create(&path, &error);
        umask(old);
        ASSERT_TRUE(ok) << "umask " << mask << ": " << error;
        EXPECT_EQ(mode_of(dir), 0700u) << "umask " << mask;
    }
}

TEST(BrokerRuntimeDir, AcceptsAnExistingOwn0700DirectoryAndKeepsItsContents) {
    ScratchDir scratch;
    const std::string dir = scratch / "kiln";
    ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
    ASSERT_EQ(chmod(dir.c_str(), 0700), 0);
    const std::string inside = dir + "/broker.lock";
    close(open(inside.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
    std::string path, error;
    ASSERT_TRUE(RuntimeDir::at(dir).open_or_create(&path, &error)) << error;
    EXPECT_EQ(path, dir);
    EXPECT_EQ(access(inside.c_str(), F_OK), 0);
    // And a second time: idempotent.
    ASSERT_TRUE(RuntimeDir::at(dir).open_or_create(&path, &error)) << error;
}

TEST(BrokerRuntimeDir, RefusesAnyModeButExactly0700AndLeavesItAlone) {
    ScratchDir scratch;
    for (mode_t mode : {mode_t(0755), mode_t(0750), mode_t(0701), mode_t(0770), mode_t(0707), mode_t(01700),
                        mode_t(02700), mode_t(0500)}) {
        const std::string dir = scratch / ("kiln-" + std::to_string(mode));
        ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
        ASSERT_EQ(chmod(dir.c_str(), mode), 0);
        std::string error;
        EXPECT_TRUE(refused(dir, &error)) << "mode " << std::oct << mode;
        EXPECT_NE(error.find("must be 0700"), std::string::npos) << error;
        EXPECT_EQ(mode_of(dir), unsigned(mode)) << "the check must not repair someone's directory";
    }
}

TEST(BrokerRuntimeDir, RefusesASymlinkToAGoodDirectory) {
    ScratchDir scratch;
    const std::string real = scratch / "real";
    const std::string link = scratch / "kiln";
    ASSERT_EQ(mkdir(real.c_str(), 0700), 0);
    ASSERT_EQ(chmod(real.c_str(), 0700), 0);
    ASSERT_EQ(symlink(real.c_str(), link.c_str()), 0);
    // The target itself is acceptable: only the link is refused.
    std::string path, error;
    ASSERT_TRUE(RuntimeDir::at(real).open_or_create(&path, &error)) << error;
    EXPECT_TRUE(refused(link, &error));
    EXPECT_NE(error.find("symbolic link"), std::string::npos) << error;
    EXPECT_EQ(RuntimeDir::at(link).open(&error), -1);
}

TEST(BrokerRuntimeDir, RefusesADanglingSymlinkAndCreatesNothingThroughIt) {
    ScratchDir scratch;
    const std::string target = scratch / "planted";
    const std::string link = scratch / "kiln";
    ASSERT_EQ(symlink(target.c_str(), link.c_str()), 0);
    std::string error;
    EXPECT_TRUE(refused(link, &error));
    EXPECT_NE(error.find("symbolic link"), std::string::npos) << error;
    EXPECT_NE(access(target.c_str(), F_OK), 0) << "mkdir must not follow the link";
}

TEST(BrokerRuntimeDir, RefusesARegularFile) {
    ScratchDir scratch;
    const std::string file = scratch / "kiln";
    const int fd = open(file.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0700);
    ASSERT_GE(fd, 0);
    close(fd);
    std::string error;
    EXPECT_TRUE(refused(file, &error));
    EXPECT_NE(error.find("not a directory"), std::string::npos) << error;
}

TEST(BrokerRuntimeDir, RefusesAnotherUsersDirectory) {
    ScratchDir scratch;
    const std::string dir = scratch / "kiln";
    ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
    ASSERT_EQ(chmod(dir.c_str(), 0700), 0);
    // As root: give a scratch directory to nobody. Otherwise: "/" is somebody else's.
    constexpr uid_t kNobody = 65534;
    std::string theirs = dir;
    if (geteuid() == kNobody || chown(dir.c_str(), kNobody, kNobody) != 0)
        theirs = "/";
    struct stat st;
    ASSERT_EQ(lstat(theirs.c_str(), &st), 0);
    if (st.st_uid == geteuid())
        GTEST_SKIP() << "cannot make a directory of another user, and / is ours";
    std::string error;
    EXPECT_TRUE(refused(theirs, &error));
    EXPECT_NE(error.find("owned by uid " + std::to_string(st.st_uid)), std::string::npos) << error;
}

TEST(BrokerRuntimeDir, RefusesARelativePathOrAMissingParent) {
    ScratchDir scratch;
    std::string error;
    EXPECT_TRUE(refused("relative/kiln", &error));
    EXPECT_NE(error.find("absolute"), std::string::npos) << error;
    EXPECT_TRUE(refused("", &error));
    EXPECT_TRUE(refused(scratch / "missing/kiln", &error));
    EXPECT_NE(error.find("cannot create"), std::string::npos) << error;
}

TEST(BrokerRuntimeDir, OpenReturnsACloseOnExecDescriptorOfTheCheckedDirectory) {
    ScratchDir scratch;
    const std::string dir = scratch / "kiln";
    std::string error;
    const int fd = RuntimeDir::at(dir).open(&error);
    ASSERT_GE(fd, 0) << error;
    EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    struct stat by_fd, by_path;
    ASSERT_EQ(fstat(fd, &by_fd), 0);
    ASSERT_EQ(lstat(dir.c_str(), &by_path), 0);
    EXPECT_EQ(by_fd.st_ino, by_path.st_ino);
    EXPECT_EQ(by_fd.st_dev, by_path.st_dev);
    close(fd);
}

int count_fds() {
    int n = 0;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
        (void)entry;
        ++n;
    }
    return n;
}

TEST(BrokerRuntimeDir, LeaksNoDescriptorOnSuccessOrRefusal) {
    ScratchDir scratch;
    const std::string good = scratch / "good", open_to_all = scratch / "open", link = scratch / "link",
                      file = scratch / "file";
    ASSERT_EQ(mkdir(open_to_all.c_str(), 0700), 0);
    ASSERT_EQ(chmod(open_to_all.c_str(), 0777), 0);
    ASSERT_EQ(symlink(scratch.path().c_str(), link.c_str()), 0);
    close(open(file.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
    const int baseline = count_fds();
    for (int i = 0; i < 3; ++i) {
        for (const std::string& dir : {good, open_to_all, link, file, scratch / "missing/x"}) {
            std::string path, error;
            RuntimeDir::at(dir).open_or_create(&path, &error);
        }
    }
    EXPECT_EQ(count_fds(), baseline);
}

// Many processes of one user start at once: every one of them must get the directory, whoever
// made it.
TEST(BrokerRuntimeDir, RacingCreatorsAllSucceed) {
    ScratchDir scratch;
    constexpr int kThreads = 8;
    for (int round = 0; round < 20; ++round) {
        const std::string dir = scratch / ("kiln-" + std::to_string(round));
        std::atomic<int> ready{0};
        std::atomic<int> succeeded{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&] {
                ready.fetch_add(1);
                while (ready.load() < kThreads)
                    std::this_thread::yield();
                std::string path, error;
                if (RuntimeDir::at(dir).open_or_create(&path, &error) && path == dir)
                    succeeded.fetch_add(1);
            });
        }
        for (auto& thread : threads)
            thread.join();
        EXPECT_EQ(succeeded.load(), kThreads) << dir;
        EXPECT_EQ(mode_of(dir), 0700u);
    }
}

// ---- Where the directory is ----

TEST(BrokerRuntimeDirPath, UsesXdgRuntimeDirWhenAbsoluteAndOurs) {
    ScratchDir scratch;
    EXPECT_EQ(RuntimeDir::default_path(scratch.path().c_str(), geteuid()), scratch / "kiln");
    EXPECT_EQ(RuntimeDir::default_path((scratch.path() + "//").c_str(), geteuid()), scratch / "kiln");
}

TEST(BrokerRuntimeDirPath, FallsBackToTmpWhenUnsetRelativeOrNotOurs) {
    ScratchDir scratch;
    const uid_t uid = geteuid();
    const std::string fallback = "/tmp/kiln-" + std::to_string(uid);
    EXPECT_EQ(RuntimeDir::default_path(nullptr, uid), fallback);
    EXPECT_EQ(RuntimeDir::default_path("", uid), fallback);
    EXPECT_EQ(RuntimeDir::default_path("run/user/0", uid), fallback);
    EXPECT_EQ(RuntimeDir::default_path("./", uid), fallback);
    EXPECT_EQ(RuntimeDir::default_path((scratch / "missing").c_str(), uid), fallback);
    const std::string file = scratch / "file";
    close(open(file.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
    EXPECT_EQ(RuntimeDir::default_path(file.c_str(), uid), fallback);
    // Someone else's runtime directory (the scratch directory is ours, so ask as another uid).
    EXPECT_EQ(RuntimeDir::default_path(scratch.path().c_str(), uid + 1), "/tmp/kiln-" + std::to_string(uid + 1));
}

TEST(BrokerRuntimeDirPath, ForUserReadsTheEnvironment) {
    EXPECT_EQ(RuntimeDir::for_user().path(), RuntimeDir::default_path(std::getenv("XDG_RUNTIME_DIR"), geteuid()));
}

}  // namespace
