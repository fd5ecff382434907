// How the rasterizer spreads tiles over threads: the caller's pool runs "these N jobs". An
// exec::WorkerPool satisfies it with parallel_for (exec sits above raster, so the adapter lives there):
//
//   struct PoolJobs final : raster::JobRunner {
//       exec::WorkerPool& pool;
//       uint32_t thread_count() const override { return pool.thread_count(); }
//       void run(uint32_t n, const Job& job) override { pool.parallel_for(n, job); }
//   };
#pragma once

#include <cstdint>
#include <functional>

namespace kiln::raster {

class JobRunner {
public:
    using Job = std::function<void(uint32_t index, uint32_t worker)>;
    virtual ~JobRunner() = default;
    // Workers passed to a job are below this.
    virtual uint32_t thread_count() const = 0;
    // Calls job(index, worker) for every index in [0, count), in any order and on any worker, and
    // returns when all are done.
    virtual void run(uint32_t count, const Job& job) = 0;
};

// Runs every job on the calling thread, in index order (tests, single-threaded callers).
class InlineJobRunner final : public JobRunner {
public:
    uint32_t thread_count() const override { return 1; }
    void run(uint32_t count, const Job& job) override {
        for (uint32_t i = 0; i < count; ++i)
            job(i, 0);
    }
};

}  // namespace kiln::raster
