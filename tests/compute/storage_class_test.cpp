// Pointers and access chains into each storage class a compute shader has: Function, Private,
// Workgroup, Uniform (std140), StorageBuffer (std430) and PushConstant. The block layouts are
// spelled out byte by byte here, so a driver that misplaces a member reads the wrong value.
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "compute_harness.h"

namespace kiln_test::compute {
namespace {

template <typename T>
void Put(std::vector<uint8_t>& bytes, size_t offset, T value) {
  if (bytes.size() < offset + sizeof(T)) bytes.resize(offset + sizeof(T));
  std::memcpy(bytes.data() + offset, &value, sizeof(T));
}

template <typename T>
T Get(const std::vector<uint8_t>& bytes, size_t offset) {
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

// ---------------------------------------------------------------------------------------------
// Function storage.

std::array<int32_t, 4> HostFunctionStorage(const std::array<int32_t, 4>& seed) {
  struct Cell {
    int32_t weight;
    int32_t history[4];
  } cells[5];
  for (int c = 0; c < 5; ++c) {
    cells[c].weight = c;
    for (int h = 0; h < 4; ++h) cells[c].history[h] = seed[h] + c;
  }
  for (int step = 0; step < 12; ++step) {
    int32_t target = (seed[0] + step * seed[1]) & 0xffff;
    int32_t slot = step + seed[2], amount = target % 7 - 3;
    Cell& cell = cells[target % 5];
    cell.history[slot & 3] += amount;
    cell.weight += amount * (slot + 1);
  }
  int32_t high = seed[3] >> 4, low = seed[3] & 15;
  float m[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
  m[static_cast<uint32_t>(low) % 3u][static_cast<uint32_t>(high) % 3u] += float(seed[0] & 255);
  int32_t weights = 0, histories = 0;
  for (int c = 0; c < 5; ++c) {
    weights = weights * 3 + cells[c].weight;
    histories ^= cells[c].history[c & 3] << c;
  }
  return {weights, histories, high * 100 + low,
          static_cast<int32_t>(m[0][0] + m[1][1] * 2.0f + m[2][2] * 3.0f + m[2][0] + m[0][2])};
}

class FunctionStorage : public ::testing::TestWithParam<std::string> {};

TEST_P(FunctionStorage, LocalArraysStructsAndPointerParameters) {
  KT_REQUIRE_MODULE(GetParam());
  constexpr uint32_t kCount = 256;
  Rng rng(60);
  std::vector<std::array<int32_t, 4>> seeds(kCount);
  for (auto& s : seeds)
    for (int32_t& v : s) v = static_cast<int32_t>(rng.Range(-500, 500));
  Job job = ElementwiseJob(GetParam(), Bytes(seeds), {kCount * 16}, kCount);
  job.pushConstantSize = 0;
  job.dispatches[0].pushConstants.clear();
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    auto got = r.Buffer<std::array<int32_t, 4>>(1);
    for (size_t i = 0; i < kCount; ++i) {
      auto expected = HostFunctionStorage(seeds[i]);
      for (int c = 0; c < 4; ++c) m.Equal("result " + std::to_string(c), i, got[i][c], expected[c]);
    }
  });
}

INSTANTIATE_TEST_SUITE_P(Modules, FunctionStorage, ::testing::Values("storage_function", "storage_function.O0"),
                         ModuleParamName);

// ---------------------------------------------------------------------------------------------
// Private storage.

std::array<uint32_t, 4> HostPrivateStorage(uint32_t seed, uint32_t invocation) {
  uint32_t calls = 7, history[6];
  float accumulator[2] = {0.5f, -0.5f};
  for (uint32_t k = 0; k < 6; ++k) history[k] = k;
  for (uint32_t k = 0; k < (seed & 7u) + 3u; ++k) {
    uint32_t value = seed * (k + 1) + invocation;
    history[calls % 6] = value;
    calls += 1;
    accumulator[0] += float(value & 15u);
    accumulator[1] += 1.0f;
  }
  uint32_t folded = 0;
  for (uint32_t k = 0; k < 6; ++k) folded = folded * 31u + history[k];
  return {calls, folded, static_cast<uint32_t>(accumulator[0] * 2), static_cast<uint32_t>(accumulator[1] * 2)};
}

class PrivateStorage : public ::testing::TestWithParam<std::string> {};

TEST_P(PrivateStorage, EachInvocationOwnsItsModuleScopeVariables) {
  KT_REQUIRE_MODULE(GetParam());
  constexpr uint32_t kCount = 256;
  Rng rng(61);
  std::vector<uint32_t> seeds(kCount);
  for (uint32_t& s : seeds) s = rng.Next32();
  Job job = ElementwiseJob(GetParam(), Bytes(seeds), {kCount * 16}, kCount);
  job.pushConstantSize = 0;
  job.dispatches[0].pushConstants.clear();
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    auto got = r.Buffer<std::array<uint32_t, 4>>(1);
    for (uint32_t i = 0; i < kCount; ++i) {
      auto expected = HostPrivateStorage(seeds[i], i);
      for (int c = 0; c < 4; ++c) m.Equal("result " + std::to_string(c), i, got[i][c], expected[c]);
    }
  });
}

INSTANTIATE_TEST_SUITE_P(Modules, PrivateStorage, ::testing::Values("storage_private", "storage_private.O0"),
                         ModuleParamName);

// ---------------------------------------------------------------------------------------------
// Workgroup storage.

TEST(WorkgroupStorage, SharedStructsAndArraysSeenByOtherInvocations) {
  constexpr uint32_t kGroups = 4, kCount = kGroups * 64;
  Rng rng(62);
  std::vector<uint32_t> seeds(kCount);
  for (uint32_t& s : seeds) s = rng.Next32();
  Job job = SingleModuleJob("storage_workgroup");
  job.buffers.push_back(InputBuffer(0, Bytes(seeds)));
  job.buffers.push_back(OutputBuffer(1, kCount * 16));
  Dispatch d;
  d.x = kGroups;
  job.dispatches.push_back(d);
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    auto got = r.Buffer<std::array<uint32_t, 4>>(1);
    for (uint32_t g = 0; g < kGroups; ++g)
      for (uint32_t lid = 0; lid < 64; ++lid) {
        uint32_t base = g * 64, x = lid % 8, y = lid / 8;
        uint32_t mirror = 63 - lid, mx = mirror % 8, my = mirror / 8;
        std::array<uint32_t, 4> expected = {
            seeds[base + mirror] + mirror, 2 * mx + 16 * my,
            (seeds[base + x * 8 + y] & 0xFFu) | ((seeds[base + ((lid + 9) & 63)] >> 16) << 8), seeds[base]};
        for (int c = 0; c < 4; ++c) m.Equal("result " + std::to_string(c), base + lid, got[base + lid][c], expected[c]);
      }
  });
}

// ---------------------------------------------------------------------------------------------
// Uniform storage (std140).

TEST(UniformStorage, Std140BlockMembersAtTheirOffsets) {
  // Every byte starts as a float that appears nowhere else, so reading padding shows.
  std::vector<uint8_t> block(224 + 16 * 16);
  for (size_t at = 0; at < block.size(); at += 4) Put(block, at, -999.0f);
  Put(block, 0, 1.0f);                                           // f
  for (int c = 0; c < 3; ++c) Put(block, 16 + 4 * c, 2.0f + c);  // v3
  Put(block, 28, 5.0f);                                          // afterV3
  Put(block, 32, 6.0f);                                          // v2
  Put(block, 36, 7.0f);
  for (int k = 0; k < 3; ++k) Put(block, 48 + 16 * k, 8.0f + k);  // arr, stride 16
  for (int c = 0; c < 3; ++c)
    for (int row = 0; row < 3; ++row) Put(block, 96 + 16 * c + 4 * row, 11.0f + c * 3 + row);  // m
  for (int p = 0; p < 2; ++p) {                                                                // pairs, stride 16
    Put(block, 144 + 16 * p, int32_t{20 + 3 * p});
    Put(block, 144 + 16 * p + 8, 21.0f + 3 * p);
    Put(block, 144 + 16 * p + 12, 22.0f + 3 * p);
  }
  const int32_t ivx = 3;
  for (int c = 0; c < 4; ++c) Put(block, 176 + 4 * c, c == 0 ? ivx : int32_t{26 + c});  // iv
  // rm, row-major: row r at 192 + 16 r holds (rm[0][r], rm[1][r]).
  Put(block, 192, 30.0f);
  Put(block, 196, 31.0f);
  Put(block, 208, 32.0f);
  Put(block, 212, 33.0f);
  for (int t = 0; t < 16; ++t)
    for (int c = 0; c < 4; ++c) Put(block, 224 + 16 * t + 4 * c, float(100 * (c + 1) + t));

  Job job = SingleModuleJob("storage_uniform");
  BufferResource ubo = InputBuffer(0, block);
  ubo.type = VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER;
  job.buffers.push_back(ubo);
  job.buffers.push_back(OutputBuffer(1, 56 * 4));
  job.dispatches.push_back({});
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    auto got = r.Buffer<float>(1);
    std::vector<std::pair<std::string, float>> expected = {{"f", 1},
                                                           {"v3.x", 2},
                                                           {"v3.y", 3},
                                                           {"v3.z", 4},
                                                           {"afterV3 (packed after vec3)", 5},
                                                           {"v2.x", 6},
                                                           {"v2.y", 7},
                                                           {"arr[0]", 8},
                                                           {"arr[1] (stride 16)", 9},
                                                           {"arr[2]", 10}};
    for (int c = 0; c < 3; ++c)
      for (int row = 0; row < 3; ++row)
        expected.push_back({"m[" + std::to_string(c) + "][" + std::to_string(row) + "]", 11.0f + c * 3 + row});
    for (int p = 0; p < 2; ++p) {
      expected.push_back({"pairs[" + std::to_string(p) + "].a", float(20 + 3 * p)});
      expected.push_back({"pairs[" + std::to_string(p) + "].b.x", 21.0f + 3 * p});
      expected.push_back({"pairs[" + std::to_string(p) + "].b.y", 22.0f + 3 * p});
    }
    expected.push_back({"iv.x", float(ivx)});
    for (int c = 1; c < 4; ++c) expected.push_back({"iv[" + std::to_string(c) + "]", float(26 + c)});
    expected.push_back({"rm[0][0] (row-major)", 30});
    expected.push_back({"rm[0][1]", 32});
    expected.push_back({"rm[1][0]", 31});
    expected.push_back({"rm[1][1]", 33});
    expected.push_back({"(rm * (1, 10)).x", 30 + 31 * 10});
    expected.push_back({"(rm * (1, 10)).y", 32 + 33 * 10});
    for (size_t k = 0; k < expected.size(); ++k) m.Equal(expected[k].first, k, got[k], expected[k].second);
    for (uint32_t i = 0; i < 16; ++i) {
      uint32_t t = (ivx + i) & 15u;
      float row = float(100 + t) + float(200 + t) + float(300 + t) + float(400 + t);
      m.Equal("table[iv.x + i] + arr[i % 3] + pairs[i & 1].b.y", 40 + i, got[40 + i],
              row + (8.0f + i % 3) + (22.0f + 3 * (i & 1)));
    }
  });
}

// ---------------------------------------------------------------------------------------------
// StorageBuffer storage (std430), read and written in place.

struct Particle {
  float position[3];
  float mass;
  float velocity[2];
  int32_t ids[3];
  float basis[2][3];  // basis[column][row]
};

constexpr size_t kParticleStride = 64;

void WriteParticle(std::vector<uint8_t>& bytes, size_t at, const Particle& p) {
  for (int c = 0; c < 3; ++c) Put(bytes, at + 4 * c, p.position[c]);
  Put(bytes, at + 12, p.mass);
  Put(bytes, at + 16, p.velocity[0]);
  Put(bytes, at + 20, p.velocity[1]);
  for (int c = 0; c < 3; ++c) Put(bytes, at + 24 + 4 * c, p.ids[c]);
  for (int row = 0; row < 3; ++row)  // row-major: row r at 40 + 8 r holds (basis[0][r], basis[1][r])
    for (int col = 0; col < 2; ++col) Put(bytes, at + 40 + 8 * row + 4 * col, p.basis[col][row]);
}

TEST(StorageBufferStorage, Std430StructsUpdatedInPlaceThroughAccessChains) {
  constexpr uint32_t kParticles = 40, kCount = 37;  // the last three stay untouched
  constexpr float kScale = 0.5f;
  Rng rng(63);
  std::vector<Particle> particles(kParticles);
  std::vector<uint8_t> bytes(16 + kParticles * kParticleStride, 0xEE);
  Put(bytes, 0, kCount);
  Put(bytes, 8, kScale);
  for (uint32_t i = 0; i < kParticles; ++i) {
    Particle& p = particles[i];
    auto small = [&] { return static_cast<float>(rng.Range(-40, 40)) * 0.5f; };
    for (float& v : p.position) v = small();
    p.mass = static_cast<float>(rng.Range(1, 4));
    for (float& v : p.velocity) v = small();
    for (int32_t& v : p.ids) v = static_cast<int32_t>(rng.Range(-1000, 1000));
    for (auto& column : p.basis)
      for (float& v : column) v = small();
    WriteParticle(bytes, 16 + i * kParticleStride, p);
  }
  std::vector<uint8_t> expected = bytes;
  for (uint32_t i = 0; i < kCount; ++i) {
    Particle p = particles[i];
    int j = p.ids[0] & 1;
    float add[3] = {p.velocity[0], p.velocity[1], kScale};
    for (int c = 0; c < 3; ++c) p.position[c] += add[c] * p.mass;
    p.ids[2] = p.ids[j + 1] * 2 + static_cast<int32_t>(i);
    p.velocity[1] = -p.velocity[1];
    float column[3] = {p.basis[j][0], p.basis[j][1], p.basis[j][2]};
    for (int row = 0; row < 3; ++row) p.basis[1 - j][row] = column[row] * 2.0f;
    p.basis[0][2] += 1.0f;
    p.mass = float(kParticles);  // particles.length()
    WriteParticle(expected, 16 + i * kParticleStride, p);
  }
  Job job = SingleModuleJob("storage_buffer_layout");
  BufferResource world = OutputBuffer(0, 0);
  world.contents = bytes;
  job.buffers.push_back(world);
  Dispatch d;
  d.x = 2;
  job.dispatches.push_back(d);
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    const std::vector<uint8_t>& got = r.buffers[0];
    for (size_t at = 0; at < got.size(); at += 4) {
      size_t particle = at < 16 ? SIZE_MAX : (at - 16) / kParticleStride;
      std::string where =
          at < 16 ? "header"
                  : "particle " + std::to_string(particle) + " byte " + std::to_string((at - 16) % kParticleStride);
      m.Equal(where, at, Get<uint32_t>(got, at), Get<uint32_t>(expected, at));
    }
  });
}

// ---------------------------------------------------------------------------------------------
// PushConstant storage.

std::vector<uint8_t> PushBlock(uint32_t count, uint32_t tailX) {
  std::vector<uint8_t> block(112, 0);
  Put(block, 0, count);
  Put(block, 4, int32_t{-3});  // scale
  Put(block, 8, 0.5f);         // offset
  Put(block, 12, -1.5f);
  for (int c = 0; c < 4; ++c) Put(block, 16 + 4 * c, float(c + 1));  // color
  Put(block, 32, 0.0f);                                              // rotation: column 0 = (0, 1), column 1 = (-1, 0)
  Put(block, 36, 1.0f);
  Put(block, 40, -1.0f);
  Put(block, 44, 0.0f);
  for (int t = 0; t < 8; ++t) Put(block, 48 + 4 * t, int32_t{t * t - 10});  // table
  Put(block, 96, tailX);                                                    // tail
  Put(block, 100, 3u);
  Put(block, 104, 5u);
  Put(block, 108, 7u);
  return block;
}

TEST(PushConstantStorage, BlockMembersRangesAndUpdatesBetweenDispatches) {
  constexpr uint32_t kCount = 40;
  std::vector<uint8_t> first = PushBlock(kCount, 0), second = PushBlock(kCount, 64);
  Job job = SingleModuleJob("push_constants");
  job.buffers.push_back(OutputBuffer(0, 128 * 16));
  job.pushConstantSize = 112;
  Dispatch d0;
  d0.x = 2;
  d0.morePushes = {{0, {first.begin(), first.begin() + 48}}, {48, {first.begin() + 48, first.end()}}};
  Dispatch d1 = d0;
  d1.morePushes = {{96, {second.begin() + 96, second.end()}}};  // only the tail changes
  job.dispatches = {d0, d1};
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    auto got = r.Buffer<std::array<float, 4>>(0);
    const std::array<uint32_t, 4> tails[2] = {{0, 3, 5, 7}, {64, 3, 5, 7}};
    for (const auto& tail : tails)
      for (uint32_t i = 0; i < kCount; ++i) {
        int32_t table[8];
        for (int t = 0; t < 8; ++t) table[t] = t * t - 10;
        float px = float(i) + 0.5f, py = float(table[i & 7]) - 1.5f;
        std::array<float, 4> expected = {-py, px, float(-3 * table[(i + tail[1]) & 7]),
                                         1.0f * tail[0] + 2.0f * tail[1] + 3.0f * tail[2] + 4.0f * tail[3]};
        for (int c = 0; c < 4; ++c)
          m.Equal("dispatch with tail.x=" + std::to_string(tail[0]) + " component " + std::to_string(c), tail[0] + i,
                  got[tail[0] + i][c], expected[c]);
      }
    for (uint32_t i = kCount; i < 64; ++i) m.Equal("untouched (poison)", i, BitCast<uint32_t>(got[i][0]), 0xCDCDCDCDu);
  });
}

}  // namespace
}  // namespace kiln_test::compute
