// The main() of Kiln's benchmark programs: Google Benchmark with Kiln's default flags (which the
// command line overrides) and context lines that say what was measured.
#pragma once

#include <benchmark/benchmark.h>

#include <string>
#include <utility>
#include <vector>

namespace kiln::bench {

// Runs the registered benchmarks. `defaults` come before the command line's flags, so that a flag
// given there wins (--benchmark_repetitions=1 for a quick look).
inline int run_benchmarks(int argc, char** argv, std::vector<std::string> defaults,
                          const std::vector<std::pair<std::string, std::string>>& context) {
    std::vector<char*> args = {argv[0]};
    for (std::string& flag : defaults)
        args.push_back(flag.data());
    args.insert(args.end(), argv + 1, argv + argc);
    int count = int(args.size());
    args.push_back(nullptr);
    benchmark::Initialize(&count, args.data());
    if (benchmark::ReportUnrecognizedArguments(count, args.data()))
        return 1;
    for (const auto& [key, value] : context)
        benchmark::AddCustomContext(key, value);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}

}  // namespace kiln::bench
