// Specialization constants (spec_constants.comp): defaults without VkSpecializationInfo, every
// constant specialized (map entries in an order unlike the ids', so offsets are looked up by id),
// partial specialization, and constants derived by OpSpecConstantOp and OpSpecConstantComposite,
// including the workgroup size.
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "compute_harness.h"

namespace kiln_test::compute {
namespace {

struct SpecValues {
  uint32_t workgroupSize = 1;
  int32_t kInt = -7;
  uint32_t kUint = 3;
  float kFloat = 1.5f;
  bool kBool = true;
  int32_t kTableSize = 4;
};

std::array<int32_t, 12> Expected(const SpecValues& v) {
  int32_t sum = 0;
  for (int32_t k = 0; k < v.kTableSize; ++k) sum += k * v.kInt;
  return {v.kInt,
          static_cast<int32_t>(v.kUint),
          BitCast<int32_t>(v.kFloat),
          v.kBool ? 1 : 0,
          v.kTableSize,
          v.kInt * 3 + 1,
          static_cast<int32_t>(v.kUint << 2),
          v.kBool ? 0 : 1,
          v.kInt * 100 + 9,
          static_cast<int32_t>(v.workgroupSize),
          sum,
          v.kInt > 100 ? 1 : 0};
}

void RunSpecialization(const std::vector<SpecConstant>& specialization, const SpecValues& values) {
  constexpr uint32_t kGroups = 3;
  const uint32_t invocations = values.workgroupSize * kGroups;
  Job job = SingleModuleJob("spec_constants");
  job.pipelines[0].specialization = specialization;
  job.buffers.push_back(OutputBuffer(0, 48 + invocations * 4));
  Dispatch d;
  d.x = kGroups;
  job.dispatches.push_back(d);
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    auto got = r.Buffer<int32_t>(0);
    auto expected = Expected(values);
    static const char* const kNames[12] = {"kInt",
                                           "kUint",
                                           "kFloat bits",
                                           "kBool",
                                           "kTableSize",
                                           "kInt*3+1",
                                           "kUint<<2",
                                           "!kBool",
                                           "kPair",
                                           "WorkgroupSize.x",
                                           "sum of a spec-sized shared array",
                                           "kInt > 100"};
    for (int k = 0; k < 12; ++k) m.Equal(kNames[k], k, got[k], expected[k]);
    for (uint32_t i = 0; i < invocations; ++i) {
      int32_t lid = static_cast<int32_t>(i % values.workgroupSize);
      m.Equal("per invocation (lid * kInt + (kBool ? 1000 : 0))", i, got[12 + i],
              lid * values.kInt + (values.kBool ? 1000 : 0));
    }
  });
}

TEST(SpecConstants, DefaultsWithoutSpecializationInfo) { RunSpecialization({}, SpecValues{}); }

TEST(SpecConstants, EveryConstantSpecialized) {
  SpecValues v;
  v.workgroupSize = 16;
  v.kInt = 200;
  v.kUint = 5;
  v.kFloat = -2.25f;
  v.kBool = false;
  v.kTableSize = 9;
  // Entries deliberately not in id order.
  RunSpecialization({{5, Bytes(v.kTableSize)},
                     {3, Bytes(v.kFloat)},
                     {0, Bytes(v.workgroupSize)},
                     {4, Bytes(VkBool32{VK_FALSE})},
                     {1, Bytes(v.kInt)},
                     {2, Bytes(v.kUint)}},
                    v);
}

TEST(SpecConstants, PartialSpecializationKeepsOtherDefaults) {
  SpecValues v;
  v.workgroupSize = 8;
  v.kBool = false;
  RunSpecialization({{4, Bytes(VkBool32{VK_FALSE})}, {0, Bytes(v.workgroupSize)}}, v);
}

TEST(SpecConstants, SpecializedTrueAndNegativeValues) {
  SpecValues v;
  v.workgroupSize = 3;
  v.kInt = -123456;
  v.kUint = 0x40000001u;
  v.kFloat = 0x1p-20f;
  v.kTableSize = 1;
  RunSpecialization({{1, Bytes(v.kInt)},
                     {2, Bytes(v.kUint)},
                     {3, Bytes(v.kFloat)},
                     {4, Bytes(VkBool32{VK_TRUE})},
                     {5, Bytes(v.kTableSize)},
                     {0, Bytes(v.workgroupSize)}},
                    v);
}

}  // namespace
}  // namespace kiln_test::compute
