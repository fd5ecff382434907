// The Win32 handle model's in-process paths, through the public API of libkiln_win32.so:
// what an interop application pays per handle operation. (Cross-process figures come with the
// broker.) Figures: docs/performance.md.
#include <benchmark/benchmark.h>

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

}  // namespace

BENCHMARK(DuplicateClose)->Repetitions(9)->ReportAggregatesOnly(true);
BENCHMARK(CompareObjectHandlesOfTwoHandles)->Repetitions(9)->ReportAggregatesOnly(true);
BENCHMARK(CreateClosePayload)->Arg(4096)->Arg(1 << 20)->Arg(64 << 20)->Repetitions(9)->ReportAggregatesOnly(true);
BENCHMARK(DuplicateCloseContended)->Threads(2)->Threads(4)->UseRealTime()->Repetitions(9)->ReportAggregatesOnly(true);

BENCHMARK_MAIN();
