// Subgroup operations (subgroups.comp): basic, vote, ballot, arithmetic, shuffle and shuffle
// relative. Each invocation records its subgroup; the host groups the records and recomputes every
// result from the inputs of that subgroup's invocations, so the same check judges any subgroup size
// (Kiln's 32, lavapipe's 8), and both drivers are checked against it.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "compute_harness.h"

namespace kiln_test::compute {
namespace {

constexpr uint32_t kLocalSize = 128;
constexpr uint32_t kGroups = 4;
constexpr uint32_t kInvocations = kLocalSize * kGroups;
constexpr uint32_t kWords = 40;  // per invocation (subgroups.comp)

std::vector<uint32_t> Inputs() {
  Rng rng(2026);
  std::vector<uint32_t> x(kInvocations);
  for (uint32_t i = 0; i < kInvocations; ++i) {
    switch (i / kLocalSize) {
      case 1: x[i] = static_cast<uint32_t>(rng.Range(101, 999)); break;       // all > 100
      case 2: x[i] = static_cast<uint32_t>(rng.Range(0, 255)) * 2 + 1; break;  // all odd (all active), x >> 9 == 0
      default: x[i] = static_cast<uint32_t>(rng.Range(0, 999)); break;
    }
  }
  return x;
}

uint32_t FloatBits(float f) { return std::bit_cast<uint32_t>(f); }

TEST(Subgroups, EveryOperationMatchesTheSubgroupItRanIn) {
  const std::vector<uint32_t> x = Inputs();
  Job job = SingleModuleJob("subgroups");
  job.buffers.push_back(InputBuffer(0, Bytes(x)));
  job.buffers.push_back(OutputBuffer(1, size_t{kInvocations} * kWords * 4, Compare::Checker));
  Dispatch d;
  d.x = kGroups;
  job.dispatches.push_back(d);
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    auto got = r.Buffer<uint32_t>(1);
    auto word = [&](uint32_t i, uint32_t w) { return got[size_t{i} * kWords + w]; };
    const uint32_t size = word(0, 0);
    if (size == 0 || size > 128 || (size & (size - 1))) {
      m.Add("gl_SubgroupSize " + std::to_string(size) + " is not a power of two up to 128");
      return;
    }
    // members[(workgroup, subgroup id)][invocation id] = global invocation.
    std::map<std::pair<uint32_t, uint32_t>, std::vector<uint32_t>> members;
    for (uint32_t i = 0; i < kInvocations; ++i) {
      m.Equal("gl_SubgroupSize", i, word(i, 0), size);
      m.Equal("gl_NumSubgroups", i, word(i, 3), kLocalSize / size);
      const uint32_t id = word(i, 1), subgroup = word(i, 2);
      if (id >= size || subgroup >= kLocalSize / size) {
        m.Add("invocation " + std::to_string(i) + " has subgroup " + std::to_string(subgroup) + ", id " + std::to_string(id));
        return;
      }
      auto& list = members[{i / kLocalSize, subgroup}];
      list.resize(size, UINT32_MAX);
      if (list[id] != UINT32_MAX) {
        m.Add("two invocations share subgroup " + std::to_string(subgroup) + " id " + std::to_string(id));
        return;
      }
      list[id] = i;
    }
    for (const auto& [key, list] : members) {
      for (uint32_t id = 0; id < size; ++id) {
        if (list[id] == UINT32_MAX) {
          m.Add("subgroup " + std::to_string(key.second) + " of workgroup " + std::to_string(key.first) + " is not full");
          return;
        }
      }
      auto xs = [&](uint32_t id) { return x[list[id]]; };
      // Every invocation active.
      uint32_t sum = 0;
      for (uint32_t id = 0; id < size; ++id) sum += xs(id);
      for (uint32_t id = 0; id < size; ++id) {
        const uint32_t i = list[id];
        m.Equal("subgroupShuffle", i, word(i, 4), xs((id * 3 + 1) % size));
        m.Equal("subgroupShuffleXor", i, word(i, 5), xs(id ^ 1));
        m.Equal("subgroupShuffleUp", i, word(i, 6), xs(id >= 2 ? id - 2 : id));
        m.Equal("subgroupShuffleDown", i, word(i, 7), xs(id + 3 < size ? id + 3 : id));
        m.Equal("subgroupBroadcast(x, 1)", i, word(i, 8), xs(1));
        m.Equal("subgroupAdd (all active)", i, word(i, 9), sum);
      }
      // Only the odd inputs' invocations active.
      std::vector<uint32_t> active;
      for (uint32_t id = 0; id < size; ++id)
        if (xs(id) & 1) active.push_back(id);
      uint32_t ballot = 0;
      for (uint32_t id : active)
        if (xs(id) > 500) ballot |= 1u << id;
      bool all = true, any = false, equal = true, anyOr = false;
      uint32_t add = 0, mul = 1, mn = UINT32_MAX, mx = 0, andAll = ~0u, orAll = 0, xorAll = 0;
      int32_t smin = std::numeric_limits<int32_t>::max();
      float fsum = 0;
      for (uint32_t id : active) {
        const uint32_t v = xs(id);
        all &= v > 100;
        any |= v > 900;
        equal &= (v >> 9) == (xs(active[0]) >> 9);
        anyOr |= v > 700;
        add += v;
        mul *= v | 1u;
        mn = std::min(mn, v);
        mx = std::max(mx, v);
        smin = std::min(smin, int32_t(v) - 500);
        andAll &= v;
        orAll |= v;
        xorAll ^= v;
        fsum += float(v);
      }
      uint32_t inclusive = 0, exclusive = 0, wideX = 0, wideY = 0;
      int32_t smaxRunning = std::numeric_limits<int32_t>::min();
      float fminRunning = std::numeric_limits<float>::infinity();
      double dsum = 0;
      for (uint32_t id : active) {
        const uint32_t i = list[id], v = xs(id);
        exclusive = inclusive;
        inclusive += v;
        wideX += v;
        wideY += v * 3u;
        smaxRunning = std::max(smaxRunning, int32_t(v) - 500);
        const float fminBefore = fminRunning;
        fminRunning = std::min(fminRunning, float(v) * 0.5f);
        dsum += double(v) * 0.25;
        const uint32_t below = id == 31 ? ~0u : (2u << id) - 1;
        m.Equal("subgroupElect", i, word(i, 10), id == active[0] ? 1u : 0u);
        m.Equal("subgroupAll(x > 100)", i, word(i, 11), all ? 1u : 0u);
        m.Equal("subgroupAny(x > 900)", i, word(i, 12), any ? 1u : 0u);
        m.Equal("subgroupAllEqual(x >> 9)", i, word(i, 13), equal ? 1u : 0u);
        m.Equal("subgroupBallot(x > 500).x", i, word(i, 14), ballot);
        m.Equal("subgroupBallot(x > 500).yzw", i, word(i, 15), 0u);
        m.Equal("subgroupBallotBitCount", i, word(i, 16), uint32_t(std::popcount(ballot)));
        m.Equal("subgroupBallotInclusiveBitCount", i, word(i, 17), uint32_t(std::popcount(ballot & below)));
        m.Equal("subgroupBallotExclusiveBitCount", i, word(i, 18), uint32_t(std::popcount(ballot & ((1u << id) - 1))));
        m.Equal("subgroupBallotFindLSB", i, word(i, 19), ballot ? uint32_t(std::countr_zero(ballot)) : 777u);
        m.Equal("subgroupBallotFindMSB", i, word(i, 20), ballot ? 31u - uint32_t(std::countl_zero(ballot)) : 777u);
        m.Equal("subgroupInverseBallot", i, word(i, 21), ballot >> id & 1);
        m.Equal("subgroupBallotBitExtract(b, id ^ 1)", i, word(i, 22), ballot >> (id ^ 1) & 1);
        m.Equal("subgroupBroadcastFirst", i, word(i, 23), xs(active[0]));
        m.Equal("subgroupAdd", i, word(i, 24), add);
        m.Equal("subgroupInclusiveAdd", i, word(i, 25), inclusive);
        m.Equal("subgroupExclusiveAdd", i, word(i, 26), exclusive);
        m.Equal("subgroupMul(x | 1)", i, word(i, 27), mul);
        m.Equal("subgroupMin", i, word(i, 28), mn);
        m.Equal("subgroupMax", i, word(i, 29), mx);
        m.Equal("subgroupMin(int(x) - 500)", i, word(i, 30), uint32_t(smin));
        m.Equal("subgroupInclusiveMax(int(x) - 500)", i, word(i, 31), uint32_t(smaxRunning));
        m.Equal("subgroupAnd", i, word(i, 32), andAll);
        m.Equal("subgroupOr", i, word(i, 33), orAll);
        m.Equal("subgroupXor", i, word(i, 34), xorAll);
        m.Equal("subgroupOr(x > 700)", i, word(i, 35), anyOr ? 1u : 0u);
        m.Equal("subgroupAdd(float(x))", i, word(i, 36), FloatBits(fsum));
        m.Equal("subgroupExclusiveMin(float(x) * 0.5)", i, word(i, 37), FloatBits(fminBefore));
        m.Equal("subgroupInclusiveAdd(uvec2(x, 3x))", i, word(i, 38), wideX ^ wideY);
        m.Equal("subgroupInclusiveAdd(double(x) / 4)", i, word(i, 39), FloatBits(float(dsum)));
      }
      for (uint32_t id = 0; id < size; ++id) {
        if (xs(id) & 1) continue;
        const uint32_t i = list[id];
        for (uint32_t w = 10; w < kWords; ++w) m.Equal("inactive invocation's untouched word", i * kWords + w, word(i, w), 0xCDCDCDCDu);
      }
    }
  });
}

}  // namespace
}  // namespace kiln_test::compute
