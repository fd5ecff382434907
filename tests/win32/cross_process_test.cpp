// Handles, names and KMT values across processes: the three Windows ways, through the broker
// (started on demand by the library). The other process is kiln_win32_peer, forked and exec'd.
#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "win32/broker_client.h"
#include "win32/handle_table.h"
#include "kiln/win32.h"
#include "win32/payload.h"

using namespace kiln::win32;

namespace {

// A running kiln_win32_peer with a pipe to its stdin and one from its stdout.
class Peer {
public:
    explicit Peer(std::vector<std::string> args) {
        int in[2], out[2];
        if (pipe(in) != 0 || pipe(out) != 0)
            return;
        std::vector<char*> argv;
        argv.push_back(const_cast<char*>(KILN_WIN32_PEER));
        for (auto& a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        pid_ = fork();
        if (pid_ == 0) {
            dup2(in[0], 0);
            dup2(out[1], 1);
            close(in[0]), close(in[1]), close(out[0]), close(out[1]);
            execv(argv[0], argv.data());
            _exit(127);
        }
        close(in[0]);
        close(out[1]);
        to_ = fdopen(in[1], "w");
        from_ = fdopen(out[0], "r");
        ready_ = line().rfind("ready ", 0) == 0;
    }
    ~Peer() {
        if (pid_ > 0 && !waited_) {
            kill(pid_, SIGKILL);
            wait();
        }
        if (to_)
            fclose(to_);
        if (from_)
            fclose(from_);
    }
    pid_t pid() const { return pid_; }
    bool ready() const { return ready_; }
    void send(const std::string& text) {
        std::fputs(text.c_str(), to_);
        std::fflush(to_);
    }
    std::string line() {
        char buffer[256] = {};
        if (!from_ || !std::fgets(buffer, sizeof buffer, from_))
            return {};
        std::string s(buffer);
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
            s.pop_back();
        return s;
    }
    // The exit status (-1 when killed by a signal).
    int wait() {
        int status = 0;
        while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        waited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

private:
    pid_t pid_ = -1;
    FILE* to_ = nullptr;
    FILE* from_ = nullptr;
    bool ready_ = false;
    bool waited_ = false;
};

std::string unique_name(const char* what) {
    return std::string("Local\\kiln-test-") + what + "-" + std::to_string(getpid());
}
std::u16string utf16(const std::string& s) { return std::u16string(s.begin(), s.end()); }

// A payload of `size` bytes all `byte`, and its NT handle (closed by the caller).
HANDLE filled_payload(uint64_t size, int byte, const std::u16string& name = {},
                      VkExternalMemoryHandleTypeFlagBits type = VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_HEAP_BIT) {
    HANDLE h = nullptr;
    if (kiln_create_external_payload(type, size, nullptr, 0, name.empty() ? nullptr : name.c_str(), &h) !=
        ERROR_SUCCESS)
        return nullptr;
    Ref<Payload> payload;
    if (type == VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_KMT_BIT) {
        payload = lookup_kmt(uint32_t(reinterpret_cast<uintptr_t>(h)));
    } else {
        HandleInfo info;
        HandleTable::current().lookup(reinterpret_cast<uintptr_t>(h), &info);
        payload = Ref<Payload>::share(static_cast<Payload*>(info.object.get()));
    }
    std::byte* p = payload ? payload->map() : nullptr;
    if (!p)
        return nullptr;
    std::memset(p, byte, size);
    return h;
}

struct Listing {
    std::vector<kiln::broker::ListEntry> entries;
};
Listing broker_objects() {
    Listing listing;
    broker_list([](const kiln::broker::ListEntry& e, void* c) { static_cast<Listing*>(c)->entries.push_back(e); },
                &listing);
    return listing;
}
bool broker_lists_holder(pid_t pid) {
    for (const auto& e : broker_objects().entries)
        for (uint32_t i = 0; i < std::min<uint32_t>(e.holder_count, 16); ++i)
            if (e.holder_pids[i] == uint32_t(pid))
                return true;
    return false;
}

}  // namespace

TEST(CrossProcess, DuplicateHandleIntoAnotherProcessCarriesTheSameBytes) {
    HANDLE h = filled_payload(1 << 20, 0xa7);
    ASSERT_NE(h, nullptr);
    Peer peer({"claim-read", std::to_string(1 << 20), "0xa7"});
    ASSERT_TRUE(peer.ready());
    HANDLE process = OpenProcess(PROCESS_DUP_HANDLE, FALSE, DWORD(peer.pid()));
    ASSERT_NE(process, nullptr);
    HANDLE there = nullptr;
    ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), h, process, &there, 0, FALSE, DUPLICATE_SAME_ACCESS))
        << "error " << GetLastError();
    char value[32];
    std::snprintf(value, sizeof value, "%llx\n", static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(there)));
    peer.send(value);
    EXPECT_EQ(peer.wait(), 0) << "the other process did not see the payload's bytes through its handle";
    CloseHandle(process);
    CloseHandle(h);
}

TEST(CrossProcess, ANameReachesAnotherProcessOfTheUser) {
    const std::string name = unique_name("name");
    HANDLE h = filled_payload(65536, 0x3c, utf16(name));
    ASSERT_NE(h, nullptr);
    Peer peer({"name-read", name, "65536", "0x3c"});
    ASSERT_TRUE(peer.ready());
    EXPECT_EQ(peer.wait(), 0);
    CloseHandle(h);
    // With the last holder gone, the name is free again (names hold no reference).
    HANDLE again = nullptr;
    EXPECT_EQ(kiln_create_external_payload(VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_HEAP_BIT, 4096, nullptr, 0,
                                           utf16(name).c_str(), &again),
              ERROR_SUCCESS);
    CloseHandle(again);
}

TEST(CrossProcess, ANameTakenInAnotherProcessIsAlreadyExistsHere) {
    const std::string name = unique_name("taken");
    Peer holder({"export-to", std::to_string(getpid()), name});
    ASSERT_TRUE(holder.ready());
    const std::string value = holder.line();
    ASSERT_FALSE(value.empty());
    EXPECT_EQ(holder.wait(), 0);
    // The exporter is gone, but its handle placed here keeps the payload, and so the name.
    HANDLE h = nullptr;
    EXPECT_EQ(kiln_create_external_payload(VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_HEAP_BIT, 4096, nullptr, 0,
                                           utf16(name).c_str(), &h),
              ERROR_ALREADY_EXISTS);
    HANDLE placed = reinterpret_cast<HANDLE>(uintptr_t(std::stoull(value, nullptr, 16)));
    // Closing a placed handle nobody used yet releases it at the broker, and the name with it.
    EXPECT_TRUE(CloseHandle(placed)) << GetLastError();
    EXPECT_FALSE(CloseHandle(placed));
    EXPECT_EQ(kiln_create_external_payload(VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_HEAP_BIT, 4096, nullptr, 0,
                                           utf16(name).c_str(), &h),
              ERROR_SUCCESS);
    CloseHandle(h);
}

TEST(CrossProcess, AKmtValueReachesAnotherProcess) {
    HANDLE kmt = filled_payload(8192, 0x11, {}, VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_KMT_BIT);
    ASSERT_NE(kmt, nullptr);
    Peer peer({"kmt-read", std::to_string(reinterpret_cast<uintptr_t>(kmt)), "8192", "0x11"});
    ASSERT_TRUE(peer.ready());
    EXPECT_EQ(peer.wait(), 0);
}

TEST(CrossProcess, APayloadOutlivesTheProcessThatExportedIt) {
    const std::string name = unique_name("outlive");
    Peer exporter({"export-to", std::to_string(getpid()), name});
    ASSERT_TRUE(exporter.ready());
    const std::string value = exporter.line();
    ASSERT_FALSE(value.empty());
    ASSERT_EQ(exporter.wait(), 0);  // the exporter has exited
    HANDLE placed = reinterpret_cast<HANDLE>(uintptr_t(std::stoull(value, nullptr, 16)));
    DWORD flags = 0;
    ASSERT_TRUE(GetHandleInformation(placed, &flags)) << "error " << GetLastError();
    HandleInfo info;
    ASSERT_TRUE(HandleTable::current().lookup(reinterpret_cast<uintptr_t>(placed), &info));
    auto* payload = static_cast<Payload*>(info.object.get());
    ASSERT_EQ(payload->size(), 4096u);
    const auto* p = reinterpret_cast<const unsigned char*>(payload->map());
    ASSERT_NE(p, nullptr);
    for (int i = 0; i < 4096; ++i)
        ASSERT_EQ(p[i], 0x5a) << "byte " << i;
    // The header came across intact: the payload is the exporter's file, made by a D3D12 heap.
    EXPECT_EQ(payload->kind(), PayloadKind::D3D12Heap);
    kiln::memory::PayloadHeader header{};
    EXPECT_EQ(kiln::memory::read_payload_header(payload->fd(), &header), kiln::memory::PayloadCheck::Ok);
    EXPECT_EQ(header.size, 4096u);
    EXPECT_TRUE(CloseHandle(placed));
    // A placed value is claimed once: after closing it, it is invalid.
    EXPECT_FALSE(GetHandleInformation(placed, &flags));
    EXPECT_EQ(GetLastError(), ERROR_INVALID_HANDLE);
}

TEST(CrossProcess, AProcessKilledWithSigkillReleasesWhatItHeld) {
    const std::string name = unique_name("killed");
    HANDLE h = filled_payload(4096, 0x77, utf16(name));
    ASSERT_NE(h, nullptr);
    Peer holder({"hold-name", name});
    ASSERT_TRUE(holder.ready());
    ASSERT_EQ(holder.line(), "holding");
    EXPECT_TRUE(broker_lists_holder(holder.pid()));
    kill(holder.pid(), SIGKILL);
    EXPECT_EQ(holder.wait(), -1);
    bool released = false;
    for (int i = 0; i < 200 && !released; ++i) {
        released = !broker_lists_holder(holder.pid());
        if (!released)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_TRUE(released) << "the broker still lists the killed process as a holder";
    CloseHandle(h);
}

TEST(CrossProcess, AHandlePlacedIntoAProcessThatExitsUnclaimedIsDropped) {
    HANDLE h = filled_payload(4096, 0x01);
    ASSERT_NE(h, nullptr);
    Peer sleeper({"hold-name", unique_name("never-made")});  // fails at once: never claims anything
    ASSERT_TRUE(sleeper.ready());
    HANDLE process = OpenProcess(PROCESS_DUP_HANDLE, FALSE, DWORD(sleeper.pid()));
    ASSERT_NE(process, nullptr);
    HANDLE there = nullptr;
    ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), h, process, &there, 0, FALSE, DUPLICATE_SAME_ACCESS));
    // This payload's placed handles only: the broker is the user's, shared with every other test
    // process (and with other tests of this one, which may leave their own handles placed here).
    HandleInfo info;
    ASSERT_TRUE(HandleTable::current().lookup(reinterpret_cast<uintptr_t>(h), &info));
    uint32_t error = 0;
    const uint64_t gid = static_cast<Payload*>(info.object.get())->share(&error);
    ASSERT_NE(gid, 0u) << "error " << error;
    auto placed_count = [gid] {
        uint32_t n = 0;
        for (const auto& e : broker_objects().entries)
            if (e.gid == gid)
                n += e.placed_count;
        return n;
    };
    sleeper.wait();  // it exits (its name does not exist) without using the handle
    bool dropped = false;
    for (int i = 0; i < 200 && !dropped; ++i) {
        dropped = placed_count() == 0;
        if (!dropped)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_TRUE(dropped) << "the broker keeps a handle placed into a process that is gone";
    CloseHandle(process);
    CloseHandle(h);
}

// kiln-handles lists what the broker holds: here a named payload, with this process as holder.
TEST(KilnHandles, ListsASharedObjectWithItsNameTypeSizeAndHolder) {
    const std::string name = unique_name("listed");
    HANDLE h = filled_payload(12288, 0x00, utf16(name));
    ASSERT_NE(h, nullptr);
    FILE* out = popen(KILN_HANDLES " 2>&1", "r");
    ASSERT_NE(out, nullptr);
    std::string text;
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, out))
        text += buffer;
    EXPECT_EQ(pclose(out), 0) << text;
    std::string row;
    for (size_t at = 0, next; at < text.size(); at = next + 1) {
        next = text.find('\n', at);
        if (next == std::string::npos)
            next = text.size();
        const std::string line = text.substr(at, next - at);
        if (line.find(name) != std::string::npos)
            row = line;
    }
    ASSERT_FALSE(row.empty()) << "no row for " << name << " in:\n" << text;
    EXPECT_NE(row.find("d3d12-heap"), std::string::npos) << row;
    // The payload's size (docs/handles.md), not its file's (16384: the header page besides).
    EXPECT_NE(row.find(" 12288 "), std::string::npos) << row;
    EXPECT_NE(row.find(std::to_string(getpid())), std::string::npos) << row;
    CloseHandle(h);
}

// The broker carries payloads only: a descriptor that is not a sealed memfd with Kiln's header, of
// the announced size, is refused (it could be truncated under another process's mapping, or be no
// memory at all, or not Kiln's). The size announced is the payload's own, without its header.
TEST(Broker, RefusesToShareWhatIsNotASealedPayload) {
    const uint64_t file_size = kiln::memory::payload_file_size(4096);
    ASSERT_EQ(file_size, 8192u);
    kiln::broker::Request request;
    kiln::broker::Reply reply;
    request.kind = uint32_t(PayloadKind::D3D12Heap);
    int pipe_fds[2];
    ASSERT_EQ(pipe(pipe_fds), 0);
    request.size = file_size;
    EXPECT_EQ(broker_call(kiln::broker::Op::Share, request, pipe_fds[0], &reply, nullptr), ERROR_INVALID_PARAMETER);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    const int unsealed = memfd_create("unsealed", MFD_CLOEXEC);
    ASSERT_GE(unsealed, 0);
    ASSERT_EQ(ftruncate(unsealed, off_t(file_size)), 0);
    EXPECT_EQ(broker_call(kiln::broker::Op::Share, request, unsealed, &reply, nullptr), ERROR_INVALID_PARAMETER);
    close(unsealed);
    // A sealed memfd of the right size without Kiln's header.
    const int headerless = memfd_create("headerless", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    ASSERT_GE(headerless, 0);
    ASSERT_EQ(ftruncate(headerless, off_t(file_size)), 0);
    ASSERT_EQ(fcntl(headerless, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW), 0);
    request.size = 4096;
    EXPECT_EQ(broker_call(kiln::broker::Op::Share, request, headerless, &reply, nullptr), ERROR_INVALID_PARAMETER);
    close(headerless);
    // A Kiln payload whose size is announced wrongly: its file's size, a page too many, nothing.
    HANDLE h = filled_payload(4096, 0);
    ASSERT_NE(h, nullptr);
    HandleInfo info;
    ASSERT_TRUE(HandleTable::current().lookup(reinterpret_cast<uintptr_t>(h), &info));
    const int fd = static_cast<Payload*>(info.object.get())->fd();
    for (const uint64_t wrong : {file_size, uint64_t{4096} * 2 + 4096, uint64_t{0}}) {
        SCOPED_TRACE(wrong);
        request.size = wrong;
        EXPECT_EQ(broker_call(kiln::broker::Op::Share, request, fd, &reply, nullptr), ERROR_INVALID_PARAMETER);
    }
    request.size = 4096;
    EXPECT_EQ(broker_call(kiln::broker::Op::Share, request, fd, &reply, nullptr), ERROR_SUCCESS);
    request.gid = reply.gid;
    broker_call(kiln::broker::Op::Release, request, -1, &reply, nullptr);
    CloseHandle(h);
}
