// Strict mode and payloads that another driver, or another physical device, made: they reach this
// process only from another one, through the user's handle broker. The test forks and execs
// kiln_strict_forger (forger.cpp), which publishes such a payload -- a handle placed into this
// process, or a name -- and holds it until its stdin closes. Importing it by handle or by name
// fails with VK_ERROR_INVALID_EXTERNAL_HANDLE, and the rule is reported once.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "strict_fixture.h"

namespace kiln_test {
namespace {

constexpr VkResult kInvalidHandle = VK_ERROR_INVALID_EXTERNAL_HANDLE;

// A running kiln_strict_forger: a pipe to its stdin (closed to let it go) and one from its stdout.
class Forger {
 public:
  // `who`: "driver" or "device"; `mode`: "place" (into this process) or "name" (`name`).
  Forger(const char* who, uint32_t memoryType, const char* mode, const std::string& target) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0) return;
    if (pipe2(out, O_CLOEXEC) != 0) {
      close(in[0]), close(in[1]);
      return;
    }
    std::vector<std::string> args = {KILN_STRICT_FORGER, who, std::to_string(kSize), std::to_string(memoryType),
                                     mode, target};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(in[0], 0);  // dup2 clears close-on-exec on 0 and 1
      dup2(out[1], 1);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    if (pid_ < 0) {
      close(in[1]);
      close(out[0]);
      return;
    }
    to_ = in[1];
    from_ = fdopen(out[0], "r");
    if (!from_) close(out[0]);
  }
  Forger(const Forger&) = delete;
  Forger& operator=(const Forger&) = delete;
  ~Forger() {
    if (pid_ > 0 && !waited_) {
      kill(pid_, SIGKILL);
      Wait();
    }
    if (to_ >= 0) close(to_);
    if (from_) std::fclose(from_);
  }

  // Its one line on stdout ("handle 0x...", "named", or "error ...").
  std::string Line() {
    char buffer[256] = {};
    if (!from_ || !std::fgets(buffer, sizeof buffer, from_)) return {};
    std::string s(buffer);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }
  // Closes its stdin (it releases the payload and exits) and returns its exit status (-1: killed).
  int Finish() {
    if (to_ >= 0) close(to_);
    to_ = -1;
    return Wait();
  }

 private:
  int Wait() {
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    waited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  pid_t pid_ = -1;
  int to_ = -1;
  FILE* from_ = nullptr;
  bool waited_ = false;
};

// The handle value a "handle 0x..." line gives; NULL for any other line.
HANDLE PlacedHandle(const std::string& line) {
  if (line.rfind("handle ", 0) != 0) return nullptr;
  return reinterpret_cast<HANDLE>(uintptr_t(std::strtoull(line.c_str() + 7, nullptr, 16)));
}

// A name of this process's own, ASCII (the forger's argument) and UTF-16 (the import's).
std::string ForeignName(const char* what) {
  return std::string("Local\\kiln-strict-foreign-") + what + "-" + std::to_string(getpid());
}
std::u16string Utf16(const std::string& s) { return std::u16string(s.begin(), s.end()); }

TEST_F(Strict, ImportByHandleOfAnotherDriversPayloadBreaksHandle01518) {
  Forger forger("driver", hostVisible(), "place", std::to_string(getpid()));
  const std::string line = forger.Line();
  OwnedHandle h(PlacedHandle(line));
  ASSERT_NE(h.get(), nullptr) << "the forger said: " << line;
  EXPECT_EQ(TryImport(kOpaqueWin32, h.get(), nullptr), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkImportMemoryWin32HandleInfoKHR-handle-01518"));
  EXPECT_TRUE(CloseHandle(h.release())) << "the placed handle was never claimed";
  EXPECT_EQ(forger.Finish(), 0);
}

TEST_F(Strict, ImportByNameOfAnotherDriversPayloadBreaksName01519) {
  const std::string name = ForeignName("driver");
  Forger forger("driver", hostVisible(), "name", name);
  const std::string line = forger.Line();
  ASSERT_EQ(line, "named") << "the forger said: " << line;
  EXPECT_EQ(TryImport(kOpaqueWin32, nullptr, Utf16(name).c_str()), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkImportMemoryWin32HandleInfoKHR-name-01519"));
  EXPECT_EQ(forger.Finish(), 0);
}

TEST_F(Strict, ImportByHandleOfAnotherDevicesPayloadBreaksHandle00659) {
  Forger forger("device", hostVisible(), "place", std::to_string(getpid()));
  const std::string line = forger.Line();
  OwnedHandle h(PlacedHandle(line));
  ASSERT_NE(h.get(), nullptr) << "the forger said: " << line;
  EXPECT_EQ(TryImport(kOpaqueWin32, h.get(), nullptr), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkImportMemoryWin32HandleInfoKHR-handle-00659"));
  EXPECT_TRUE(CloseHandle(h.release())) << "the placed handle was never claimed";
  EXPECT_EQ(forger.Finish(), 0);
}

}  // namespace
}  // namespace kiln_test
