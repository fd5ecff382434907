// vkcube's frame rate on Kiln beside lavapipe, at 500x500 (vkcube's default) and 1920x1080, on a
// private Xvfb this program starts. One measurement runs `vkcube --c 20` and `vkcube --c 220` and
// takes the difference, so that start-up (instance, texture upload, lavapipe's shader compiles) and
// exit are left out: what remains is 200 frames of drawing and presenting.
//
//   build/bench/kiln_vkcube_bench [--benchmark_filter=...]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

#include "../tests/wsi/xvfb.h"  // the wsi tests' private X server (a free display, a 0700 runtime dir)
#include "bench_main.h"

namespace {

// Seconds `vkcube --c frames` takes on the driver of `manifest`; negative when it failed.
double run_cube(const char* manifest, int frames, int width, int height) {
    char command[1024];
    std::snprintf(command, sizeof command, "VK_DRIVER_FILES='%s' vkcube --c %d --width %d --height %d > /dev/null 2>&1",
                  manifest, frames, width, height);
    const auto start = std::chrono::steady_clock::now();
    const int status = std::system(command);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return status == 0 ? seconds : -1.0;
}

void vkcube_frames(benchmark::State& state, const char* manifest) {
    // 2048 x 1200 so that a 1920 x 1080 window fits.
    static const std::unique_ptr<kiln_test::Xvfb> xvfb = []() -> std::unique_ptr<kiln_test::Xvfb> {
        try {
            return std::make_unique<kiln_test::Xvfb>("2048x1200x24");
        } catch (const std::exception&) {
            return nullptr;
        }
    }();
    if (!xvfb || access(manifest, R_OK) != 0 || std::system("command -v vkcube > /dev/null 2>&1") != 0) {
        state.SkipWithError("Xvfb, vkcube or the driver's manifest is missing");
        return;
    }
    const int width = int(state.range(0)), height = int(state.range(1));
    constexpr int kFew = 20, kMany = 220;
    for (auto _ : state) {
        const double few = run_cube(manifest, kFew, width, height);
        const double many = run_cube(manifest, kMany, width, height);
        if (few < 0 || many < 0) {
            state.SkipWithError("vkcube failed");
            return;
        }
        state.SetIterationTime(std::max(many - few, 1e-6));
    }
    state.SetItemsProcessed(state.iterations() * (kMany - kFew));  // items/s: frames per second
    state.counters["frame_ms"] = benchmark::Counter(double(kMany - kFew) * double(state.iterations()),
                                                    benchmark::Counter::kIsIterationInvariantRate |
                                                        benchmark::Counter::kInvert);
}

}  // namespace

BENCHMARK_CAPTURE(vkcube_frames, kiln, KILN_BENCH_KILN_MANIFEST)
    ->Args({500, 500})->Args({1920, 1080})->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_CAPTURE(vkcube_frames, lavapipe, KILN_BENCH_LAVAPIPE_MANIFEST)
    ->Args({500, 500})->Args({1920, 1080})->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(1);

int main(int argc, char** argv) {
    return kiln::bench::run_benchmarks(argc, argv, {"--benchmark_repetitions=5", "--benchmark_report_aggregates_only=true"},
                                       {{"what", "vkcube frames (--c 220 minus --c 20) on a private Xvfb"}});
}
