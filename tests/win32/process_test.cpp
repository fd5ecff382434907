// Processes: GetCurrentProcess, GetCurrentProcessId, OpenProcess, and process handles as
// DuplicateHandle's process arguments. In-process model only: duplicating into or out of another
// process fails with ERROR_NOT_SUPPORTED until the broker exists (docs/handles.md, Status).
#include <kiln/win32.h>

#include "win32_test_util.h"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using kiln_test::is_live;

constexpr DWORD kProcessQueryInformation = 0x0400;  // PROCESS_QUERY_INFORMATION: not PROCESS_DUP_HANDLE
HANDLE const kUntouched = reinterpret_cast<HANDLE>(uintptr_t(0xabcdef00));

HANDLE new_payload() {
    HANDLE h = nullptr;
    EXPECT_EQ(kiln_create_external_payload(VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_HEAP_BIT, 4096, nullptr, 0, nullptr,
                                           &h),
              ERROR_SUCCESS);
    return h;
}

// A child process that only waits to be killed.
class SleepingChild {
public:
    SleepingChild() {
        pid_ = fork();
        if (pid_ == 0) {
            for (;;)
                pause();
        }
    }
    ~SleepingChild() {
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            int status;
            waitpid(pid_, &status, 0);
        }
    }
    pid_t pid() const { return pid_; }

private:
    pid_t pid_;
};

uid_t owner_of(pid_t pid) {
    struct stat st {};
    if (stat(("/proc/" + std::to_string(pid)).c_str(), &st) != 0)
        return uid_t(-1);
    return st.st_uid;
}

}  // namespace

TEST(Processes, CurrentProcessIdIsGetpid) {
    EXPECT_EQ(GetCurrentProcessId(), DWORD(getpid()));
    // Also in a child: the value is not cached from the parent.
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0)
        _exit(GetCurrentProcessId() == DWORD(getpid()) ? 0 : 1);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "GetCurrentProcessId in a forked child is not the child's pid";
}

TEST(Processes, CurrentProcessIsPseudoHandleMinusOneAndClosingItSucceeds) {
    EXPECT_EQ(GetCurrentProcess(), reinterpret_cast<HANDLE>(intptr_t(-1)));
    SetLastError(1234);
    EXPECT_TRUE(CloseHandle(GetCurrentProcess()));
    EXPECT_TRUE(CloseHandle(GetCurrentProcess()));
    EXPECT_EQ(GetLastError(), 1234u);
    // Still usable after "closing".
    HANDLE payload = new_payload();
    HANDLE out = nullptr;
    EXPECT_TRUE(DuplicateHandle(GetCurrentProcess(), payload, GetCurrentProcess(), &out, 0, FALSE,
                                DUPLICATE_SAME_ACCESS));
    EXPECT_TRUE(CloseHandle(out));
    EXPECT_TRUE(CloseHandle(payload));
}

TEST(Processes, OpenProcessOfSelfWithDupHandleAccessIsADuplicateHandleProcessArgument) {
    HANDLE self = OpenProcess(PROCESS_DUP_HANDLE, FALSE, DWORD(getpid()));
    ASSERT_NE(self, nullptr);
    EXPECT_NE(self, GetCurrentProcess());
    EXPECT_EQ(reinterpret_cast<uintptr_t>(self) % 4, 0u);
    EXPECT_TRUE(CompareObjectHandles(self, GetCurrentProcess()));
    DWORD flags = 0xffffffff;
    ASSERT_TRUE(GetHandleInformation(self, &flags));
    EXPECT_EQ(flags, 0u);

    HANDLE payload = new_payload();
    HANDLE out = nullptr;
    ASSERT_TRUE(DuplicateHandle(self, payload, self, &out, 0, FALSE, DUPLICATE_SAME_ACCESS));
    EXPECT_TRUE(CompareObjectHandles(out, payload));
    EXPECT_TRUE(CloseHandle(out));
    ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), payload, self, &out, 0, FALSE, DUPLICATE_SAME_ACCESS));
    EXPECT_TRUE(CloseHandle(out));
    ASSERT_TRUE(DuplicateHandle(self, payload, GetCurrentProcess(), &out, 0, FALSE, DUPLICATE_SAME_ACCESS));
    EXPECT_TRUE(CloseHandle(out));

    HANDLE inheritable = OpenProcess(PROCESS_DUP_HANDLE, TRUE, DWORD(getpid()));
    ASSERT_NE(inheritable, nullptr);
    ASSERT_TRUE(GetHandleInformation(inheritable, &flags));
    EXPECT_EQ(flags, HANDLE_FLAG_INHERIT);

    EXPECT_TRUE(CloseHandle(inheritable));
    EXPECT_TRUE(CloseHandle(payload));
    EXPECT_TRUE(CloseHandle(self));
    EXPECT_FAILS_WITH(CloseHandle(self), ERROR_INVALID_HANDLE);
}

TEST(Processes, OpenProcessOfNonexistentPidFailsWithInvalidParameter) {
    // pid_max itself is never a pid (pids are below it); nor are values far above it.
    DWORD pid_max = 4194304;
    std::ifstream("/proc/sys/kernel/pid_max") >> pid_max;
    for (DWORD pid : {pid_max, pid_max + 1, 0x7fffffffu, 0xfffffffeu, 0xffffffffu}) {
        SetLastError(0xdeadbeef);
        EXPECT_EQ(OpenProcess(PROCESS_DUP_HANDLE, FALSE, pid), nullptr) << pid;
        EXPECT_EQ(GetLastError(), ERROR_INVALID_PARAMETER) << pid;
    }
    // A process that has exited and been reaped.
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0)
        _exit(0);
    int status;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    if (owner_of(child) == uid_t(-1)) {  // not reused meanwhile
        SetLastError(0xdeadbeef);
        EXPECT_EQ(OpenProcess(PROCESS_DUP_HANDLE, FALSE, DWORD(child)), nullptr);
        EXPECT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    }
}

TEST(Processes, OpenProcessOfPidZeroFailsWithInvalidParameter) {
    for (DWORD access : {PROCESS_DUP_HANDLE, kProcessQueryInformation, 0u}) {
        SetLastError(0xdeadbeef);
        EXPECT_EQ(OpenProcess(access, FALSE, 0), nullptr);
        EXPECT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    }
}

TEST(Processes, DuplicatingIntoALiveChildGivesAPlacedHandleAndOutOfItIsNotSupported) {
    SleepingChild child;
    ASSERT_GT(child.pid(), 0);
    HANDLE process = OpenProcess(PROCESS_DUP_HANDLE, FALSE, DWORD(child.pid()));
    ASSERT_NE(process, nullptr) << "error " << GetLastError();
    EXPECT_EQ(reinterpret_cast<uintptr_t>(process) % 4, 0u);
    EXPECT_FALSE(CompareObjectHandles(process, GetCurrentProcess()));

    HANDLE payload = new_payload();
    HANDLE out = kUntouched;
    // Into the child: the broker places a handle value there (bit 30 set: never a value of the
    // child's own table) and the source stays open.
    ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), payload, process, &out, 0, FALSE, DUPLICATE_SAME_ACCESS))
        << "error " << GetLastError();
    const uintptr_t placed = reinterpret_cast<uintptr_t>(out);
    EXPECT_EQ(placed % 4, 0u);
    EXPECT_NE(placed & 0x40000000u, 0u);
    EXPECT_LT(placed, 0x80000000u);
    EXPECT_TRUE(is_live(payload)) << "duplicating without DUPLICATE_CLOSE_SOURCE closed the source";
    // The value is the child's, not ours.
    EXPECT_FAILS_WITH(CloseHandle(out), ERROR_INVALID_HANDLE);
    // Out of the child: not supported (the contract's way across is DuplicateHandle *into* a process).
    out = kUntouched;
    EXPECT_FAILS_WITH(DuplicateHandle(process, payload, GetCurrentProcess(), &out, 0, FALSE, DUPLICATE_SAME_ACCESS),
                      ERROR_NOT_SUPPORTED);
    EXPECT_EQ(out, kUntouched);
    // DUPLICATE_CLOSE_SOURCE closes the source after placing the handle.
    ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), payload, process, &out, 0, FALSE,
                                DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE));
    EXPECT_FALSE(is_live(payload));
    EXPECT_TRUE(CloseHandle(process));
}

TEST(Processes, HandleWithoutDupHandleAccessIsDeniedAsDuplicateHandleProcessArgument) {
    HANDLE query = OpenProcess(kProcessQueryInformation, FALSE, DWORD(getpid()));
    ASSERT_NE(query, nullptr);
    HANDLE payload = new_payload();
    HANDLE out = kUntouched;
    EXPECT_FAILS_WITH(DuplicateHandle(GetCurrentProcess(), payload, query, &out, 0, FALSE, DUPLICATE_SAME_ACCESS),
                      ERROR_ACCESS_DENIED);
    EXPECT_FAILS_WITH(DuplicateHandle(query, payload, GetCurrentProcess(), &out, 0, FALSE, DUPLICATE_SAME_ACCESS),
                      ERROR_ACCESS_DENIED);
    EXPECT_EQ(out, kUntouched);
    // A duplicate of the process handle cannot gain PROCESS_DUP_HANDLE either.
    EXPECT_FAILS_WITH(DuplicateHandle(GetCurrentProcess(), query, GetCurrentProcess(), &out,
                                      kProcessQueryInformation | PROCESS_DUP_HANDLE, FALSE, 0),
                      ERROR_ACCESS_DENIED);
    EXPECT_EQ(out, kUntouched);
    EXPECT_TRUE(is_live(payload));

    // Also for a child process opened without it.
    SleepingChild child;
    HANDLE child_query = OpenProcess(kProcessQueryInformation, FALSE, DWORD(child.pid()));
    ASSERT_NE(child_query, nullptr);
    EXPECT_FAILS_WITH(DuplicateHandle(GetCurrentProcess(), payload, child_query, &out, 0, FALSE,
                                      DUPLICATE_SAME_ACCESS),
                      ERROR_ACCESS_DENIED);
    EXPECT_TRUE(CloseHandle(child_query));
    EXPECT_TRUE(CloseHandle(payload));
    EXPECT_TRUE(CloseHandle(query));
}

// Another user's process: ERROR_ACCESS_DENIED. As root, the check runs in a child that has dropped
// to the unprivileged `nobody` (65534) first, against pid 1 when root owns it; as another user,
// against pid 1 when it is not ours.
TEST(Processes, OpenProcessOfAnotherUsersProcessFailsWithAccessDenied) {
    const uid_t init_owner = owner_of(1);
    if (init_owner == uid_t(-1))
        GTEST_SKIP() << "/proc/1 is not visible";
    if (geteuid() != 0) {
        if (init_owner == geteuid())
            GTEST_SKIP() << "pid 1 belongs to this user";
        SetLastError(0xdeadbeef);
        EXPECT_EQ(OpenProcess(PROCESS_DUP_HANDLE, FALSE, 1), nullptr);
        EXPECT_EQ(GetLastError(), ERROR_ACCESS_DENIED);
        return;
    }
    const uid_t nobody = 65534;
    if (init_owner == nobody)
        GTEST_SKIP() << "pid 1 belongs to nobody";
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        if (setgid(nobody) != 0 || setuid(nobody) != 0)
            _exit(10);
        SetLastError(0xdeadbeef);
        HANDLE h = OpenProcess(PROCESS_DUP_HANDLE, FALSE, 1);
        if (h != nullptr)
            _exit(11);
        _exit(GetLastError() == ERROR_ACCESS_DENIED ? 0 : 12);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    if (WEXITSTATUS(status) == 10)
        GTEST_SKIP() << "could not drop to uid 65534";
    EXPECT_NE(WEXITSTATUS(status), 11) << "OpenProcess of pid 1 (uid " << init_owner << ") as uid 65534 succeeded";
    EXPECT_EQ(WEXITSTATUS(status), 0) << "OpenProcess failed with another error than ERROR_ACCESS_DENIED";
}

// A child made by fork() is another process: its GetCurrentProcessId is its own pid, and
// duplicating within it is duplicating within the current process.
TEST(Processes, AForkedChildIsItsOwnCurrentProcess) {
    HANDLE payload = new_payload();
    ASSERT_EQ(GetCurrentProcessId(), DWORD(getpid()));  // caches the parent's pid first
    const pid_t child = fork();
    if (child == 0) {
        HANDLE copy = nullptr;
        const bool ok = GetCurrentProcessId() == DWORD(getpid()) &&
                        DuplicateHandle(GetCurrentProcess(), payload, GetCurrentProcess(), &copy, 0, FALSE,
                                        DUPLICATE_SAME_ACCESS) &&
                        CloseHandle(copy);
        _exit(ok ? 0 : 1);
    }
    ASSERT_GT(child, 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_TRUE(CloseHandle(payload));
}
