// The compute suite's harness: building jobs (compute_job.h) in the shapes the tests share, and the
// check every test ends with:
//
//   RunAndCheck(job, checker)
//     1. runs the job on the driver under test (VK_DRIVER_FILES, Kiln by default; a skip names the
//        feature, format or limit it lacks) and applies the checker, which compares the results
//        with values computed on the host (a failure prints each bad index with expected and got);
//     2. where lavapipe is installed and is not itself the driver under test, runs the same job on
//        lavapipe in the same process (VK_DRIVER_FILES is read at each vkCreateInstance) and
//        compares: resources marked Compare::Bitwise must be byte-identical (integer work),
//        resources marked Compare::Checker (float work, or results in an order the spec leaves
//        open) only have to pass the same checker, i.e. the documented tolerance, on both drivers.
//        Where lavapipe itself fails the host check, that is printed as a lavapipe deviation and
//        the driver under test is judged by the spec alone.
//
// Set KILN_COMPUTE_VALIDATION=1 to run every instance under VK_LAYER_KHRONOS_validation with
// synchronization validation; each test then also fails on any validation ERROR.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "compute_device.h"
#include "compute_job.h"
#include "host_data.h"
#include "shader_library.h"

namespace kiln_test::compute {

// ---------------------------------------------------------------------------------------------
// Building jobs.

// Convenience: a job with one module.
inline Job SingleModuleJob(const std::string& module, FeatureSet features = {}) {
  Job job;
  job.pipelines.push_back({module, {}});
  job.features = features;
  return job;
}

// Output buffers start filled with this byte, so that an element the shader failed to write shows
// up as 0xCDCDCDCD rather than as a plausible zero.
inline constexpr uint8_t kPoison = 0xCD;

inline BufferResource OutputBuffer(uint32_t binding, size_t bytes, Compare compare = Compare::Bitwise) {
  BufferResource b;
  b.binding = binding;
  b.contents.assign(bytes, kPoison);
  b.compare = compare;
  return b;
}

inline BufferResource InputBuffer(uint32_t binding, std::vector<uint8_t> contents) {
  BufferResource b;
  b.binding = binding;
  b.contents = std::move(contents);
  b.compare = Compare::None;
  return b;
}

// The common shape: binding 0 holds the inputs, bindings 1.. the outputs (poisoned), the push
// constant is the element count, and ceil(count / localSize) workgroups run.
inline Job ElementwiseJob(const std::string& module, std::vector<uint8_t> inputs,
                          const std::vector<size_t>& outputBytes, uint32_t count, FeatureSet features = {},
                          Compare compare = Compare::Bitwise, uint32_t localSize = 64) {
  Job job = SingleModuleJob(module, features);
  job.buffers.push_back(InputBuffer(0, std::move(inputs)));
  for (size_t i = 0; i < outputBytes.size(); ++i)
    job.buffers.push_back(OutputBuffer(static_cast<uint32_t>(i + 1), outputBytes[i], compare));
  job.pushConstantSize = 4;
  Dispatch d;
  d.x = (count + localSize - 1) / localSize;
  d.pushConstants = Bytes(count);
  job.dispatches.push_back(d);
  return job;
}

// gtest parameter names for module names ("control_flow.O0" -> "control_flow_O0").
inline std::string ModuleParamName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name)
    if (c == '.') c = '_';
  return name;
}

#define KT_REQUIRE_MODULE(module)                                                                        \
  do {                                                                                                   \
    if (::kiln_test::compute::FindShader(module).empty())                                                \
      GTEST_SKIP() << "module " << (module) << " was not built (glslangValidator missing at configure)"; \
  } while (0)

// ---------------------------------------------------------------------------------------------
// Checking.

// Collects mismatches against host-computed values: counts all, keeps the first few for the report.
class Mismatches {
 public:
  static constexpr size_t kKept = 12;

  void Add(const std::string& message) {
    if (messages_.size() < kKept) messages_.push_back(message);
    ++count_;
  }

  // Exact comparison (integers, bools, exactly specified floats by bit pattern).
  template <typename T>
  bool Equal(const std::string& what, size_t index, T got, T expected) {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::memcmp(&got, &expected, sizeof(T)) == 0) return true;
    } else {
      if (got == expected) return true;
    }
    std::ostringstream m;
    m << what << " [" << index << "]: expected " << Show(expected) << ", got " << Show(got);
    Add(m.str());
    return false;
  }

  // |got - expected| <= tolerance, expected being the (near) infinitely precise result.
  bool Near(const std::string& what, size_t index, long double got, long double expected, long double tolerance,
            const std::string& inputs = "") {
    if (std::fabs(got - expected) <= tolerance) return true;
    std::ostringstream m;
    m.precision(20);
    m << what << " [" << index << "]";
    if (!inputs.empty()) m << " (" << inputs << ")";
    m << ": expected " << expected << " +- " << tolerance << ", got " << got << " (off by " << (got - expected) << ")";
    Add(m.str());
    return false;
  }

  bool ok() const { return count_ == 0; }
  size_t count() const { return count_; }
  std::string Summary() const {
    std::ostringstream m;
    m << count_ << " mismatch(es)";
    for (const std::string& s : messages_) m << "\n  " << s;
    if (count_ > messages_.size()) m << "\n  ...";
    return m.str();
  }

 private:
  template <typename T>
  static std::string Show(T value) {
    std::ostringstream m;
    if constexpr (std::is_same_v<T, bool>) {
      m << (value ? "true" : "false");
    } else if constexpr (std::is_floating_point_v<T>) {
      m.precision(17);
      m << value;
    } else if constexpr (std::is_integral_v<T> && sizeof(T) == 1) {
      m << static_cast<int>(value) << " (0x" << std::hex << (static_cast<unsigned>(value) & 0xFF) << ")";
    } else if constexpr (std::is_integral_v<T>) {
      m << value << " (0x" << std::hex << static_cast<std::make_unsigned_t<T>>(value) << ")";
    } else {
      m << value;
    }
    return m.str();
  }

  std::vector<std::string> messages_;
  size_t count_ = 0;
};

using Checker = std::function<void(const JobResult&, Mismatches&)>;

// Byte-level differences between two results, for the resources marked Compare::Bitwise.
inline std::string BitwiseDifferences(const Job& job, const JobResult& a, const JobResult& b) {
  std::ostringstream m;
  auto compare = [&](const char* kind, size_t index, const std::vector<uint8_t>& x, const std::vector<uint8_t>& y) {
    size_t differing = 0, first = 0;
    for (size_t i = 0; i < x.size(); ++i)
      if (x[i] != y[i] && differing++ == 0) first = i;
    if (differing)
      m << "\n  " << kind << " " << index << ": " << differing << " byte(s) differ, first at byte " << first
        << " (word " << first / 4 << ")";
  };
  for (size_t i = 0; i < job.buffers.size(); ++i)
    if (job.buffers[i].compare == Compare::Bitwise) compare("buffer", i, a.buffers[i], b.buffers[i]);
  for (size_t i = 0; i < job.images.size(); ++i)
    if (job.images[i].compare == Compare::Bitwise) compare("image", i, a.images[i], b.images[i]);
  return m.str();
}

// Whether the running test should also compare with lavapipe (see the file comment).
inline bool WantDifferential(const ComputeDevice& underTest) {
  if (!LavapipeInstalled()) return false;
  return !underTest.IsLavapipe();
}

inline void ExpectNoValidationErrors(const ComputeDevice& device) {
  std::vector<std::string> errors = device.TakeValidationErrors();
  EXPECT_TRUE(errors.empty()) << device.name() << ": " << errors.size()
                              << " validation error(s):" << MessageLog::Join(errors);
}

// Creates the driver-under-test device for `job`, or reports why the test cannot run (a skip).
// Tests that run several jobs on one device use this with RunAndCheckOn.
inline std::unique_ptr<ComputeDevice> DeviceUnderTest(const Job& job, std::string* skipReason) {
  auto device = ComputeDevice::Create("");
  std::string lacks = device->Lacks(job);
  if (!lacks.empty()) {
    *skipReason = device->name() + " lacks " + lacks;
    return nullptr;
  }
  return device;
}

// The lavapipe reference device, created once per process on first use (lavapipe compiles each
// pipeline with LLVM; one device keeps the differential cheap). Null when lavapipe is absent.
inline ComputeDevice* Reference() {
  static std::unique_ptr<ComputeDevice> reference = [] {
    std::unique_ptr<ComputeDevice> d;
    if (LavapipeInstalled()) d = ComputeDevice::Create(KILN_LAVAPIPE_MANIFEST);
    if (d && !d->IsLavapipe()) Fail("the reference manifest does not name lavapipe: " + d->name());
    return d;
  }();
  return reference.get();
}

// Runs `job` on `underTest`, checks it, and compares with lavapipe. On lavapipe itself, a failing
// job with a documented lavapipeDeviation becomes a skip that names the deviation.
inline void RunAndCheckOn(const ComputeDevice& underTest, const Job& job, const Checker& check) {
  JobResult mine = RunJob(underTest, job);
  Mismatches mismatches;
  check(mine, mismatches);
  ExpectNoValidationErrors(underTest);
  if (!mismatches.ok() && underTest.IsLavapipe() && !job.lavapipeDeviation.empty()) {
    GTEST_SKIP() << "known lavapipe deviation from the spec: " << job.lavapipeDeviation << "\n" << mismatches.Summary();
  }
  EXPECT_TRUE(mismatches.ok()) << "on " << underTest.name() << ": " << mismatches.Summary();

  if (!WantDifferential(underTest)) return;
  if (!job.lavapipeDeviation.empty()) {
    std::cout << "[ lavapipe ] not compared: known deviation: " << job.lavapipeDeviation << "\n";
    return;
  }
  ComputeDevice* reference = Reference();
  std::string lacks = reference->Lacks(job);
  if (!lacks.empty()) {
    std::cout << "[ lavapipe ] not compared: lavapipe lacks " << lacks << "\n";
    return;
  }
  JobResult theirs = RunJob(*reference, job);
  ExpectNoValidationErrors(*reference);
  Mismatches referenceMismatches;
  check(theirs, referenceMismatches);
  if (!referenceMismatches.ok()) {
    // lavapipe is off the spec here; the driver under test was judged by the host check above.
    std::cout << "[ lavapipe ] off the spec (not a failure of the driver under test): " << referenceMismatches.Summary()
              << "\n";
    return;
  }
  std::string differences = BitwiseDifferences(job, mine, theirs);
  EXPECT_TRUE(differences.empty()) << "integer results differ between " << underTest.name() << " and lavapipe, "
                                   << "though both pass the host check:" << differences;
}

// The usual test body: one job on the driver under test, checked, compared with lavapipe.
inline void RunAndCheck(const Job& job, const Checker& check) {
  std::string skipReason;
  std::unique_ptr<ComputeDevice> device = DeviceUnderTest(job, &skipReason);
  if (!device) GTEST_SKIP() << skipReason;
  RunAndCheckOn(*device, job, check);
}

}  // namespace kiln_test::compute
