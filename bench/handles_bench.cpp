// The Win32 handle model's in-process paths, through the public API of libkiln_win32.so:
// what an interop application pays per handle operation. (Cross-process figures come with the
// broker.) Figures: docs/performance.md.
#include <benchmark/benchmark.h>

#include <csignal>
#include <cstdio>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include <kiln/win32.h>

namespace {

// A D3D12 heap payload made once; the loops work on its handle.
struct Payload {
    HANDLE handle = nullptr;
    explicit Payload(uint64_t size) {
        if (kiln_create_external_payload(VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_HEAP_BIT, size, nullptr, 0, nullptr,
                                         &handle) != ERROR_SUCCESS)
            handle = nullptr;
    }
    ~Payload() {
        if (handle)
            CloseHandle(handle);
    }
};

void DuplicateClose(benchmark::State& state) {
    Payload payload(65536);
    if (!payload.handle) {
        state.SkipWithError("kiln_create_external_payload failed");
        return;
    }
    for (auto _ : state) {
        HANDLE copy = nullptr;
        DuplicateHandle(GetCurrentProcess(), payload.handle, GetCurrentProcess(), &copy, 0, FALSE,
                        DUPLICATE_SAME_ACCESS);
        benchmark::DoNotOptimize(copy);
        CloseHandle(copy);
    }
}

void CompareObjectHandlesOfTwoHandles(benchmark::State& state) {
    Payload payload(65536);
    HANDLE copy = nullptr;
    if (!payload.handle || !DuplicateHandle(GetCurrentProcess(), payload.handle, GetCurrentProcess(), &copy, 0,
                                            FALSE, DUPLICATE_SAME_ACCESS)) {
        state.SkipWithError("setup failed");
        return;
    }
    for (auto _ : state)
        benchmark::DoNotOptimize(CompareObjectHandles(payload.handle, copy));
    CloseHandle(copy);
}

// Creating a payload makes a sealed memfd: the system calls dominate.
void CreateClosePayload(benchmark::State& state) {
    const uint64_t size = uint64_t(state.range(0));
    for (auto _ : state) {
        HANDLE handle = nullptr;
        if (kiln_create_external_payload(VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_HEAP_BIT, size, nullptr, 0, nullptr,
                                         &handle) != ERROR_SUCCESS) {
            state.SkipWithError("kiln_create_external_payload failed");
            break;
        }
        CloseHandle(handle);
    }
}

// Many threads duplicating and closing at once: the table's lock under contention.
void DuplicateCloseContended(benchmark::State& state) {
    static Payload* payload = nullptr;
    if (state.thread_index() == 0)
        payload = new Payload(65536);
    // Google Benchmark starts all threads' loops together after setup.
    for (auto _ : state) {
        HANDLE copy = nullptr;
        DuplicateHandle(GetCurrentProcess(), payload->handle, GetCurrentProcess(), &copy, 0, FALSE,
                        DUPLICATE_SAME_ACCESS);
        CloseHandle(copy);
    }
    if (state.thread_index() == 0) {
        delete payload;
        payload = nullptr;
    }
}

// Another process (kiln_handles_peer) that claims and closes every handle it is sent.
class PeerProcess {
public:
    PeerProcess() {
        int in[2], out[2];
        if (pipe(in) != 0 || pipe(out) != 0)
            return;
        pid_ = fork();
        if (pid_ == 0) {
            dup2(in[0], 0);
            dup2(out[1], 1);
            close(in[0]), close(in[1]), close(out[0]), close(out[1]);
            execl(KILN_HANDLES_PEER, KILN_HANDLES_PEER, static_cast<char*>(nullptr));
            _exit(127);
        }
        close(in[0]);
        close(out[1]);
        to_ = fdopen(in[1], "w");
        from_ = fdopen(out[0], "r");
        ready_ = line() == "ready";
    }
    ~PeerProcess() {
        if (to_)
            fclose(to_);  // the peer's scanf ends: it exits
        if (from_)
            fclose(from_);
        if (pid_ > 0)
            waitpid(pid_, nullptr, 0);
    }
    bool ready() const { return ready_; }
    pid_t pid() const { return pid_; }
    // Sends a handle value there and waits for the peer's answer.
    bool hand_over(HANDLE value) {
        std::fprintf(to_, "%llx\n", static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(value)));
        std::fflush(to_);
        return line() == "ok";
    }

private:
    std::string line() {
        char buffer[64] = {};
        if (!std::fgets(buffer, sizeof buffer, from_))
            return {};
        std::string s(buffer);
        while (!s.empty() && s.back() == '\n')
            s.pop_back();
        return s;
    }
    pid_t pid_ = -1;
    FILE* to_ = nullptr;
    FILE* from_ = nullptr;
    bool ready_ = false;
};

// The cross-process transfer: DuplicateHandle into another process, which then uses the handle
// (claiming the object from the broker, receiving the memfd) and closes it, and says so.
void CrossProcessTransfer(benchmark::State& state) {
    Payload payload(uint64_t(state.range(0)));
    PeerProcess peer;
    HANDLE process = peer.ready() ? OpenProcess(PROCESS_DUP_HANDLE, FALSE, DWORD(peer.pid())) : nullptr;
    if (!payload.handle || !process) {
        state.SkipWithError("setup failed (payload, peer process or OpenProcess)");
        return;
    }
    for (auto _ : state) {
        HANDLE there = nullptr;
        if (!DuplicateHandle(GetCurrentProcess(), payload.handle, process, &there, 0, FALSE, DUPLICATE_SAME_ACCESS) ||
            !peer.hand_over(there)) {
            state.SkipWithError("the transfer failed");
            break;
        }
    }
    CloseHandle(process);
}

// What the transfer costs without Kiln: a byte there and back over the same pipes.
void PipeRoundTrip(benchmark::State& state) {
    int there[2], back[2];
    if (pipe(there) != 0 || pipe(back) != 0) {
        state.SkipWithError("pipe failed");
        return;
    }
    const pid_t child = fork();
    if (child == 0) {
        close(there[1]);  // so that the parent's close ends the loop below
        close(back[0]);
        char c;
        while (read(there[0], &c, 1) == 1)
            if (write(back[1], &c, 1) != 1)
                break;
        _exit(0);
    }
    close(there[0]);
    close(back[1]);
    for (auto _ : state) {
        char c = 'x';
        if (write(there[1], &c, 1) != 1 || read(back[0], &c, 1) != 1) {
            state.SkipWithError("pipe round trip failed");
            break;
        }
    }
    close(there[1]);
    waitpid(child, nullptr, 0);
    close(back[0]);
}

}  // namespace

BENCHMARK(CrossProcessTransfer)->Arg(4096)->Arg(64 << 20)->UseRealTime()->Repetitions(9)->ReportAggregatesOnly(true);
BENCHMARK(PipeRoundTrip)->UseRealTime()->Repetitions(9)->ReportAggregatesOnly(true);
BENCHMARK(DuplicateClose)->Repetitions(9)->ReportAggregatesOnly(true);
BENCHMARK(CompareObjectHandlesOfTwoHandles)->Repetitions(9)->ReportAggregatesOnly(true);
BENCHMARK(CreateClosePayload)->Arg(4096)->Arg(1 << 20)->Arg(64 << 20)->Repetitions(9)->ReportAggregatesOnly(true);
BENCHMARK(DuplicateCloseContended)->Threads(2)->Threads(4)->UseRealTime()->Repetitions(9)->ReportAggregatesOnly(true);

BENCHMARK_MAIN();
