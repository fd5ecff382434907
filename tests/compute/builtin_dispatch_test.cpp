// Compute built-ins and the three dispatch commands: vkCmdDispatch, vkCmdDispatchBase (WorkgroupId
// and GlobalInvocationId offset by the base, NumWorkgroups the group count) and
// vkCmdDispatchIndirect (arguments at an offset, and arguments written by an earlier dispatch in
// the same command buffer), zero-sized dispatches, large group counts, and dispatches ordered by
// barriers.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "compute_harness.h"

namespace kiln_test::compute {
namespace {

// ---------------------------------------------------------------------------------------------
// Built-ins (builtins.comp: local size 4 x 2 x 3).

using Record = std::array<uint32_t, 16>;  // global.xyz, index, local.xyz, size code, group.xyz, 0, count.xyz, 0

constexpr uint32_t kLocal[3] = {4, 2, 3};

std::vector<Record> ExpectedRecords(const uint32_t base[3], const uint32_t count[3]) {
  std::vector<Record> records;
  for (uint32_t gz = base[2]; gz < base[2] + count[2]; ++gz)
    for (uint32_t gy = base[1]; gy < base[1] + count[1]; ++gy)
      for (uint32_t gx = base[0]; gx < base[0] + count[0]; ++gx)
        for (uint32_t lz = 0; lz < kLocal[2]; ++lz)
          for (uint32_t ly = 0; ly < kLocal[1]; ++ly)
            for (uint32_t lx = 0; lx < kLocal[0]; ++lx)
              records.push_back({gx * kLocal[0] + lx, gy * kLocal[1] + ly, gz * kLocal[2] + lz,
                                 (lz * kLocal[1] + ly) * kLocal[0] + lx, lx, ly, lz, 423, gx, gy, gz, 0, count[0],
                                 count[1], count[2], 0});
  return records;
}

std::string Describe(const Record& r) {
  std::ostringstream s;
  s << "global (" << r[0] << "," << r[1] << "," << r[2] << ") index " << r[3] << " local (" << r[4] << "," << r[5]
    << "," << r[6] << ") size " << r[7] << " group (" << r[8] << "," << r[9] << "," << r[10] << ") count (" << r[12]
    << "," << r[13] << "," << r[14] << ")";
  return s.str();
}

void RunBuiltins(DispatchKind kind, const uint32_t base[3], const uint32_t count[3]) {
  std::vector<Record> expected = ExpectedRecords(base, count);
  const size_t capacity = expected.size() * 2;  // room for a driver that runs too many invocations
  Job job = SingleModuleJob("builtins");
  BufferResource records = OutputBuffer(0, 16 + capacity * sizeof(Record), Compare::Checker);
  std::fill(records.contents.begin(), records.contents.begin() + 16, 0);  // `taken` starts at 0
  job.buffers.push_back(records);
  Dispatch d;
  d.kind = kind;
  d.x = count[0];
  d.y = count[1];
  d.z = count[2];
  d.baseX = base[0];
  d.baseY = base[1];
  d.baseZ = base[2];
  job.dispatches.push_back(d);
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    const std::vector<uint8_t>& bytes = r.buffers[0];
    uint32_t taken;
    std::memcpy(&taken, bytes.data(), 4);
    m.Equal("invocations run", 0, taken, static_cast<uint32_t>(expected.size()));
    std::vector<Record> got(std::min<size_t>(taken, capacity));
    std::memcpy(got.data(), bytes.data() + 16, got.size() * sizeof(Record));
    std::sort(got.begin(), got.end());
    std::vector<Record> want = expected;
    std::sort(want.begin(), want.end());
    std::vector<Record> missing, extra;
    std::set_difference(want.begin(), want.end(), got.begin(), got.end(), std::back_inserter(missing));
    std::set_difference(got.begin(), got.end(), want.begin(), want.end(), std::back_inserter(extra));
    for (size_t i = 0; i < missing.size(); ++i) m.Add("no invocation recorded " + Describe(missing[i]));
    for (size_t i = 0; i < extra.size(); ++i) m.Add("unexpected record " + Describe(extra[i]));
  });
}

TEST(Builtins, EveryInvocationSeesItsIds) {
  const uint32_t base[3] = {0, 0, 0}, count[3] = {3, 2, 2};
  RunBuiltins(DispatchKind::Direct, base, count);
}

TEST(Builtins, DispatchBaseOffsetsWorkgroupAndGlobalIds) {
  const uint32_t base[3] = {1, 2, 3}, count[3] = {2, 1, 2};
  RunBuiltins(DispatchKind::Base, base, count);
}

// Built-ins indexed by a run-time value (builtins_indexed.comp: gl_GlobalInvocationID[k] through a
// dynamic OpAccessChain; local size 4 x 2 x 3), each invocation writing its IDs rotated by `rotate`.
class BuiltinsIndexed : public ::testing::TestWithParam<std::string> {};

TEST_P(BuiltinsIndexed, DynamicIndexReadsTheRightComponent) {
  constexpr uint32_t kGroups[3] = {3, 2, 2};
  constexpr uint32_t kInvocations = 24 * kGroups[0] * kGroups[1] * kGroups[2];
  for (uint32_t rotate : {0u, 1u, 2u}) {
    SCOPED_TRACE("rotate " + std::to_string(rotate));
    Job job = SingleModuleJob(GetParam());
    BufferResource ids = OutputBuffer(0, size_t{kInvocations} * 6 * 4);
    std::fill(ids.contents.begin(), ids.contents.end(), 0xEE);
    job.buffers.push_back(ids);
    job.pushConstantSize = 12;
    Dispatch d;
    d.x = kGroups[0];
    d.y = kGroups[1];
    d.z = kGroups[2];
    d.pushConstants = Bytes(std::array<uint32_t, 3>{rotate, kGroups[0], kGroups[1]});
    job.dispatches.push_back(d);
    RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
      auto got = r.Buffer<uint32_t>(0);
      for (uint32_t gz = 0; gz < kGroups[2]; ++gz)
        for (uint32_t gy = 0; gy < kGroups[1]; ++gy)
          for (uint32_t gx = 0; gx < kGroups[0]; ++gx)
            for (uint32_t index = 0; index < 24; ++index) {
              const uint32_t local[3] = {index % kLocal[0], (index / kLocal[0]) % kLocal[1], index / (kLocal[0] * kLocal[1])};
              const uint32_t group[3] = {gx, gy, gz};
              const size_t slot = (((size_t{gz} * kGroups[1] + gy) * kGroups[0] + gx) * 24 + index) * 6;
              for (uint32_t j = 0; j < 3; ++j) {
                const uint32_t k = (j + rotate) % 3;
                m.Equal("GlobalInvocationID[" + std::to_string(k) + "]", slot + j, got[slot + j],
                        group[k] * kLocal[k] + local[k]);
                m.Equal("LocalInvocationID[" + std::to_string(k) + "]", slot + 3 + j, got[slot + 3 + j], local[k]);
              }
            }
    });
  }
}

INSTANTIATE_TEST_SUITE_P(Modules, BuiltinsIndexed, ::testing::Values("builtins_indexed", "builtins_indexed.O0"),
                         ModuleParamName);

// ---------------------------------------------------------------------------------------------
// Dispatch forms (dispatch_ids.comp: local size 4 x 4 x 1, one counter per grid cell).

struct Grid {
  uint32_t width, height, depth;
};

std::vector<uint8_t> GridPush(const Grid& g, uint32_t weight) {
  return Bytes(std::array<uint32_t, 4>{g.width, g.height, g.depth, weight});
}

Job HitsJob(const Grid& grid) {
  Job job = SingleModuleJob("dispatch_ids");
  BufferResource hits = OutputBuffer(0, 16 + size_t{grid.width} * grid.height * grid.depth * 4);
  std::fill(hits.contents.begin(), hits.contents.end(), 0);
  job.buffers.push_back(hits);
  job.pushConstantSize = 16;
  return job;
}

// Checks every cell's count; `weightAt(x, y, z)` is what the dispatches should have added there.
template <typename WeightAt>
Checker HitsChecker(const Grid& grid, std::array<uint32_t, 3> numWorkgroups, uint32_t outside, WeightAt weightAt) {
  return [=](const JobResult& r, Mismatches& m) {
    auto words = r.Buffer<uint32_t>(0);
    m.Equal("NumWorkgroups.x", 0, words[0], numWorkgroups[0]);
    m.Equal("NumWorkgroups.y", 1, words[1], numWorkgroups[1]);
    m.Equal("NumWorkgroups.z", 2, words[2], numWorkgroups[2]);
    m.Equal("invocations outside the grid", 3, words[3], outside);
    for (uint32_t z = 0; z < grid.depth; ++z)
      for (uint32_t y = 0; y < grid.height; ++y)
        for (uint32_t x = 0; x < grid.width; ++x) {
          size_t at = (size_t{z} * grid.height + y) * grid.width + x;
          m.Equal("hits at (" + std::to_string(x) + "," + std::to_string(y) + "," + std::to_string(z) + ")", at,
                  words[4 + at], weightAt(x, y, z));
        }
  };
}

TEST(Dispatch, DirectRunsEachInvocationOnce) {
  Grid grid{20, 12, 3};
  Job job = HitsJob(grid);
  Dispatch d;
  d.x = 5;
  d.y = 3;
  d.z = 3;
  d.pushConstants = GridPush(grid, 1);
  job.dispatches.push_back(d);
  RunAndCheck(job, HitsChecker(grid, {5, 3, 3}, 0, [](uint32_t, uint32_t, uint32_t) { return 1u; }));
}

TEST(Dispatch, InvocationsBeyondAPartialGridAreMasked) {
  Grid grid{18, 10, 2};  // 5 x 3 x 2 groups of 4 x 4 cover 20 x 12 x 2
  Job job = HitsJob(grid);
  Dispatch d;
  d.x = 5;
  d.y = 3;
  d.z = 2;
  d.pushConstants = GridPush(grid, 1);
  job.dispatches.push_back(d);
  RunAndCheck(job,
              HitsChecker(grid, {5, 3, 2}, 20 * 12 * 2 - 18 * 10 * 2, [](uint32_t, uint32_t, uint32_t) { return 1u; }));
}

TEST(Dispatch, BaseRunsOnlyItsGroups) {
  Grid grid{20, 12, 3};
  Job job = HitsJob(grid);
  Dispatch d;
  d.kind = DispatchKind::Base;
  d.baseX = 2;
  d.baseY = 1;
  d.x = 3;
  d.y = 2;
  d.z = 3;
  d.pushConstants = GridPush(grid, 1);
  job.dispatches.push_back(d);
  RunAndCheck(job, HitsChecker(grid, {3, 2, 3}, 0, [](uint32_t x, uint32_t y, uint32_t) {
                return x >= 8 && x < 20 && y >= 4 && y < 12 ? 1u : 0u;
              }));
}

TEST(Dispatch, IndirectReadsItsArgumentsAtAnOffset) {
  Grid grid{20, 12, 3};
  Job job = HitsJob(grid);
  BufferResource args;
  args.type = kNoDescriptor;
  args.contents = Bytes(std::vector<uint32_t>{99, 99, 99, 99, 5, 3, 3, 99});  // the command at byte 16
  args.compare = Compare::None;
  job.buffers.push_back(args);
  Dispatch d;
  d.kind = DispatchKind::Indirect;
  d.indirectBuffer = 1;
  d.indirectOffset = 16;
  d.pushConstants = GridPush(grid, 1);
  job.dispatches.push_back(d);
  RunAndCheck(job, HitsChecker(grid, {5, 3, 3}, 0, [](uint32_t, uint32_t, uint32_t) { return 1u; }));
}

TEST(Dispatch, IndirectArgumentsWrittenByAnEarlierDispatch) {
  Grid grid{16, 8, 2};
  Job job = HitsJob(grid);
  job.pipelines.insert(job.pipelines.begin(), PipelineSpec{"indirect_args", {}});  // pipeline 0
  BufferResource args = OutputBuffer(1, 64, Compare::Bitwise);
  std::fill(args.contents.begin(), args.contents.end(), 0);
  job.buffers.push_back(args);
  Dispatch write;
  write.pipeline = 0;
  write.pushConstants = Bytes(std::array<uint32_t, 4>{5, 4, 2, 2});  // record at word 5 (byte 20)
  Dispatch run;
  run.pipeline = 1;
  run.kind = DispatchKind::Indirect;
  run.indirectBuffer = 1;
  run.indirectOffset = 20;
  run.pushConstants = GridPush(grid, 1);
  job.dispatches = {write, run};
  RunAndCheck(job, HitsChecker(grid, {4, 2, 2}, 0, [](uint32_t, uint32_t, uint32_t) { return 1u; }));
}

TEST(Dispatch, ZeroGroupCountsRunNothing) {
  Grid grid{8, 8, 1};
  Job job = HitsJob(grid);
  BufferResource args;
  args.type = kNoDescriptor;
  args.contents = Bytes(std::vector<uint32_t>{0, 2, 1, 2, 0, 1, 2, 2, 0});
  args.compare = Compare::None;
  job.buffers.push_back(args);
  Dispatch direct;
  direct.x = 0;
  direct.y = 2;
  direct.pushConstants = GridPush(grid, 1);
  Dispatch directZ = direct;
  directZ.x = 2;
  directZ.z = 0;
  Dispatch indirectX, indirectY, indirectZ;
  indirectX.kind = indirectY.kind = indirectZ.kind = DispatchKind::Indirect;
  indirectX.indirectBuffer = indirectY.indirectBuffer = indirectZ.indirectBuffer = 1;
  indirectX.indirectOffset = 0;   // (0, 2, 1)
  indirectY.indirectOffset = 12;  // (2, 0, 1)
  indirectZ.indirectOffset = 24;  // (2, 2, 0)
  job.dispatches = {direct, directZ, indirectX, indirectY, indirectZ};
  RunAndCheck(job, HitsChecker(grid, {0, 0, 0}, 0, [](uint32_t, uint32_t, uint32_t) { return 0u; }));
}

TEST(Dispatch, AllThreeFormsInOneCommandBufferAccumulate) {
  Grid grid{20, 12, 3};
  Job job = HitsJob(grid);
  BufferResource args;
  args.type = kNoDescriptor;
  args.contents = Bytes(std::vector<uint32_t>{5, 3, 3});
  args.compare = Compare::None;
  job.buffers.push_back(args);
  Dispatch direct;
  direct.x = 5;
  direct.y = 3;
  direct.z = 3;
  direct.pushConstants = GridPush(grid, 1);
  Dispatch base = direct;
  base.kind = DispatchKind::Base;  // base (0, 0, 0): equivalent to vkCmdDispatch
  base.pushConstants = GridPush(grid, 10);
  Dispatch indirect;
  indirect.kind = DispatchKind::Indirect;
  indirect.indirectBuffer = 1;
  indirect.pushConstants = GridPush(grid, 100);
  job.dispatches = {direct, base, indirect};
  RunAndCheck(job, HitsChecker(grid, {5, 3, 3}, 0, [](uint32_t, uint32_t, uint32_t) { return 111u; }));
}

TEST(Dispatch, LargeGroupCounts) {
  Grid grid{2048, 128, 1};  // 512 x 32 groups, 262144 invocations
  Job job = HitsJob(grid);
  Dispatch d;
  d.x = 512;
  d.y = 32;
  d.pushConstants = GridPush(grid, 3);
  job.dispatches.push_back(d);
  RunAndCheck(job, HitsChecker(grid, {512, 32, 1}, 0, [](uint32_t, uint32_t, uint32_t) { return 3u; }));
}

}  // namespace
}  // namespace kiln_test::compute
