// Atomics on storage buffers and on workgroup memory (32 and 64-bit), and OpControlBarrier /
// OpMemoryBarrier. Atomic results whose order the spec leaves open (which invocation got which
// ticket, which exchange came last) are checked for the invariants any order must satisfy, and
// compared with lavapipe through the checker only; order-free results (sums, minima, counts) must
// equal the host's exactly.
#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "compute_harness.h"

namespace kiln_test::compute {
namespace {

template <typename T>
void ExpectPermutation(Mismatches& m, const std::string& what, std::vector<T> values, std::vector<T> expected) {
  std::sort(values.begin(), values.end());
  std::sort(expected.begin(), expected.end());
  for (size_t i = 0; i < values.size() && i < expected.size(); ++i)
    if (!m.Equal(what + " (sorted)", i, values[i], expected[i])) return;  // one report is enough
}

std::vector<int32_t> AtomicValues(size_t count, uint64_t seed) {
  Rng rng(seed);
  std::vector<int32_t> values(count);
  for (int32_t& v : values) v = static_cast<int32_t>(rng.Next32());
  values[3] = std::numeric_limits<int32_t>::min();
  values[7] = std::numeric_limits<int32_t>::max();
  values[9] = -1;
  return values;
}

// The order-free outcomes of one set of invocations.
struct AtomicSummary {
  uint32_t sum = 0, orBits = 0, xorBits = 0;
  int32_t smin = std::numeric_limits<int32_t>::max(), smax = std::numeric_limits<int32_t>::min();
  uint32_t umin = 0xFFFFFFFFu, umax = 0;
};

AtomicSummary Summarize(const int32_t* values, size_t count) {
  AtomicSummary s;
  for (size_t i = 0; i < count; ++i) {
    auto u = static_cast<uint32_t>(values[i]);
    s.sum += u;
    s.orBits |= 1u << (u & 31u);
    s.xorBits ^= u;
    s.smin = std::min(s.smin, values[i]);
    s.smax = std::max(s.smax, values[i]);
    s.umin = std::min(s.umin, u);
    s.umax = std::max(s.umax, u);
  }
  return s;
}

// Checks one set of `n` invocations: `returned[i]` = (ticket, previous exchange value, won, -).
// `ids[i]` is what invocation i wrote with exchange and claimed slots with (global or local id).
void CheckInvocations(Mismatches& m, const std::string& scope, const std::vector<std::array<uint32_t, 4>>& returned,
                      uint32_t exchangedFinal, const uint32_t* slots, uint32_t n) {
  std::vector<uint32_t> tickets, chain;
  for (uint32_t i = 0; i < n; ++i) {
    tickets.push_back(returned[i][0]);
    chain.push_back(returned[i][1]);
  }
  std::vector<uint32_t> all(n);
  std::iota(all.begin(), all.end(), 0u);
  ExpectPermutation(m, scope + " atomicAdd tickets are 0..n-1 once each", tickets, all);
  // The exchanges form one chain: the values returned plus the final value are 0 (initial) and
  // every written value (id + 1) exactly once.
  chain.push_back(exchangedFinal);
  std::vector<uint32_t> written(n + 1);
  std::iota(written.begin(), written.end(), 0u);
  ExpectPermutation(m, scope + " atomicExchange chain", chain, written);
  // atomicCompSwap claims: exactly one winner per slot, and the slot holds the winner's id + 1.
  for (uint32_t s = 0; s < 16; ++s) {
    uint32_t winners = 0, winner = 0;
    for (uint32_t i = s; i < n; i += 16)
      if (returned[i][2]) {
        ++winners;
        winner = i;
      }
    m.Equal(scope + " atomicCompSwap winners of slot " + std::to_string(s), s, winners, 1u);
    if (winners == 1) m.Equal(scope + " claimed slot value", s, slots[s], winner + 1);
  }
}

TEST(Atomics, StorageBufferAtomicsMatchHost) {
  constexpr uint32_t kGroups = 4, kCount = kGroups * 64;
  std::vector<int32_t> values = AtomicValues(kCount, 70);
  // Counters: tickets, sum, smin, smax, umin, umax, and, or, xor, exchanged, cas, stored, slots[16],
  // incremented, decremented, subtracted.
  std::vector<uint32_t> counters(12 + 16 + 3, 0);
  counters[29] = 1000000;
  counters[30] = 0xFFFFFFFFu;
  counters[2] = static_cast<uint32_t>(std::numeric_limits<int32_t>::max());
  counters[3] = static_cast<uint32_t>(std::numeric_limits<int32_t>::min());
  counters[4] = 0xFFFFFFFFu;
  counters[6] = 0xFFFFFFFFu;
  Job job = SingleModuleJob("atomics_buffer");
  BufferResource c = OutputBuffer(0, 0, Compare::Checker);
  c.contents = Bytes(counters);
  job.buffers.push_back(c);
  job.buffers.push_back(InputBuffer(1, Bytes(values)));
  job.buffers.push_back(OutputBuffer(2, kCount * 16, Compare::Checker));
  Dispatch d;
  d.x = kGroups;
  job.dispatches.push_back(d);
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    auto got = r.Buffer<uint32_t>(0);
    auto returned = r.Buffer<std::array<uint32_t, 4>>(2);
    AtomicSummary s = Summarize(values.data(), kCount);
    m.Equal("tickets", 0, got[0], kCount);
    m.Equal("atomicAdd sum", 1, got[1], s.sum);
    m.Equal("atomicMin (signed)", 2, static_cast<int32_t>(got[2]), s.smin);
    m.Equal("atomicMax (signed)", 3, static_cast<int32_t>(got[3]), s.smax);
    m.Equal("atomicMin (unsigned)", 4, got[4], s.umin);
    m.Equal("atomicMax (unsigned)", 5, got[5], s.umax);
    m.Equal("atomicAnd (invocations 0..31 each clear their bit)", 6, got[6], 0u);
    m.Equal("atomicOr", 7, got[7], s.orBits);
    m.Equal("atomicXor", 8, got[8], s.xorBits);
    m.Equal("atomicCompSwap retry loop (+3 each)", 10, got[10], 3 * kCount);
    m.Equal("atomicStore", 11, got[11], 0xC0FFEEu);
    m.Equal("OpAtomicIIncrement", 28, got[28], kCount);
    m.Equal("OpAtomicIDecrement", 29, got[29], 1000000u - kCount);
    m.Equal("OpAtomicISub (each invocation its id)", 30, got[30], 0xFFFFFFFFu - kCount * (kCount - 1) / 2);
    CheckInvocations(m, "buffer", returned, got[9], &got[12], kCount);
    for (uint32_t i = 0; i < kCount; ++i) {
      // atomicLoad after the invocation's own atomicAdd sees at least its own increment.
      bool ordered = returned[i][3] > returned[i][0] && returned[i][3] <= kCount;
      m.Equal("atomicLoad(tickets) within (ticket, n]", i, ordered, true);
    }
  });
}

TEST(Atomics, WorkgroupAtomicsMatchHost) {
  constexpr uint32_t kGroups = 3, kCount = kGroups * 64;
  std::vector<int32_t> values = AtomicValues(kCount, 71);
  Job job = SingleModuleJob("atomics_shared");
  job.buffers.push_back(InputBuffer(0, Bytes(values)));
  job.buffers.push_back(OutputBuffer(1, kGroups * 32 * 4, Compare::Checker));
  job.buffers.push_back(OutputBuffer(2, kCount * 16, Compare::Checker));
  Dispatch d;
  d.x = kGroups;
  job.dispatches.push_back(d);
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    auto groups = r.Buffer<uint32_t>(1);
    auto returned = r.Buffer<std::array<uint32_t, 4>>(2);
    for (uint32_t g = 0; g < kGroups; ++g) {
      const uint32_t* got = &groups[g * 32];
      AtomicSummary s = Summarize(&values[g * 64], 64);
      std::string scope = "workgroup " + std::to_string(g);
      m.Equal(scope + " tickets", g, got[0], 64u);
      m.Equal(scope + " sum", g, got[1], s.sum);
      m.Equal(scope + " smin", g, static_cast<int32_t>(got[2]), s.smin);
      m.Equal(scope + " smax", g, static_cast<int32_t>(got[3]), s.smax);
      m.Equal(scope + " umin", g, got[4], s.umin);
      m.Equal(scope + " umax", g, got[5], s.umax);
      m.Equal(scope + " and", g, got[6], 0u);
      m.Equal(scope + " or", g, got[7], s.orBits);
      m.Equal(scope + " xor", g, got[8], s.xorBits);
      m.Equal(scope + " compSwap loop", g, got[10], 3u * 64u);
      std::vector<std::array<uint32_t, 4>> mine(returned.begin() + g * 64, returned.begin() + (g + 1) * 64);
      CheckInvocations(m, scope, mine, got[9], &got[16], 64);
    }
  });
}

TEST(Atomics, SixtyFourBitBufferAndWorkgroupAtomics) {
  constexpr uint32_t kGroups = 4, kCount = kGroups * 64;
  Rng rng(72);
  std::vector<int64_t> values(kCount);
  for (int64_t& v : values) v = static_cast<int64_t>(rng.Next64());
  values[1] = std::numeric_limits<int64_t>::min();
  // sum, smin, umax, or, xor, exchanged, cas, sharedSums[4]
  std::vector<uint64_t> counters(11, 0);
  counters[1] = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  Job job = SingleModuleJob("atomics64",
                            Features({Feature::Int64, Feature::BufferInt64Atomics, Feature::SharedInt64Atomics}));
  BufferResource c = OutputBuffer(0, 0, Compare::Checker);
  c.contents = Bytes(counters);
  job.buffers.push_back(c);
  job.buffers.push_back(InputBuffer(1, Bytes(values)));
  job.buffers.push_back(OutputBuffer(2, kCount * 8, Compare::Checker));
  Dispatch d;
  d.x = kGroups;
  job.dispatches.push_back(d);
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    auto got = r.Buffer<uint64_t>(0);
    auto previous = r.Buffer<uint64_t>(2);
    uint64_t sum = 0, orBits = 0, xorBits = 0, umax = 0;
    int64_t smin = std::numeric_limits<int64_t>::max();
    for (int64_t v : values) {
      auto u = static_cast<uint64_t>(v);
      sum += u;
      orBits |= 1ull << (u & 63);
      xorBits ^= u;
      umax = std::max(umax, u);
      smin = std::min(smin, v);
    }
    m.Equal("atomicAdd (uint64)", 0, got[0], sum);
    m.Equal("atomicMin (int64)", 1, static_cast<int64_t>(got[1]), smin);
    m.Equal("atomicMax (uint64)", 2, got[2], umax);
    m.Equal("atomicOr (uint64)", 3, got[3], orBits);
    m.Equal("atomicXor (uint64)", 4, got[4], xorBits);
    m.Equal("atomicCompSwap loop (uint64)", 6, got[6], static_cast<uint64_t>(uint64_t{kCount} * 0x100000001ull));
    std::vector<uint64_t> chain(previous.begin(), previous.end()), written = {0};
    chain.push_back(got[5]);
    for (uint32_t i = 0; i < kCount; ++i) written.push_back(uint64_t{i + 1} << 32);
    ExpectPermutation(m, "atomicExchange chain (uint64)", chain, written);
    for (uint32_t g = 0; g < kGroups; ++g) {
      uint64_t shared = 0;
      for (uint32_t i = g * 64; i < (g + 1) * 64; ++i) shared += static_cast<uint64_t>(values[i]) * 3u;
      m.Equal("workgroup atomicAdd (uint64)", g, got[7 + g], shared);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Barriers, for every workgroup size up to the device's limit (the same module, specialized).

class Barriers : public ::testing::TestWithParam<uint32_t> {};

TEST_P(Barriers, PrefixSumAndExchangesAcrossTheWorkgroup) {
  const uint32_t size = GetParam();
  constexpr uint32_t kGroups = 3;
  const uint32_t count = size * kGroups;
  Rng rng(73 + size);
  std::vector<uint32_t> inputs(count);
  for (uint32_t& v : inputs) v = rng.Next32() % 100000;
  Job job = SingleModuleJob("barriers");
  job.pipelines[0].specialization = {{0, Bytes(size)}};
  job.workgroupSize = {size, 1, 1};
  job.buffers.push_back(InputBuffer(0, Bytes(inputs)));
  job.buffers.push_back(OutputBuffer(1, count * 4));
  job.buffers.push_back(OutputBuffer(2, count * 4, Compare::None));  // scratch
  job.buffers.push_back(OutputBuffer(3, count * 8));
  Dispatch d;
  d.x = kGroups;
  job.dispatches.push_back(d);
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    auto sums = r.Buffer<uint32_t>(1);
    auto exchanged = r.Buffer<std::array<uint32_t, 2>>(3);
    for (uint32_t g = 0; g < kGroups; ++g) {
      uint32_t base = g * size, running = 0;
      for (uint32_t lid = 0; lid < size; ++lid) {
        running += inputs[base + lid];
        m.Equal("inclusive prefix sum", base + lid, sums[base + lid], running);
        m.Equal("buffer value of the mirrored invocation", base + lid, exchanged[base + lid][0],
                inputs[base + size - 1 - lid] * 3u + 1u);
        m.Equal("shared value of the next invocation", base + lid, exchanged[base + lid][1], base + (lid + 1) % size);
      }
    }
  });
}

INSTANTIATE_TEST_SUITE_P(WorkgroupSizes, Barriers, ::testing::Values(1u, 7u, 64u, 128u, 256u, 1024u),
                         [](const ::testing::TestParamInfo<uint32_t>& info) {
                           return "Size" + std::to_string(info.param);
                         });

}  // namespace
}  // namespace kiln_test::compute
