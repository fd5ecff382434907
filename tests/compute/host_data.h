// Host-side data helpers for the compute suite: bytes to and from typed values, and deterministic
// pseudo-random inputs.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

namespace kiln_test::compute {

template <typename T>
std::vector<uint8_t> Bytes(const std::vector<T>& values) {
  static_assert(std::is_trivially_copyable_v<T>);
  std::vector<uint8_t> bytes(values.size() * sizeof(T));
  if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

template <typename T>
std::vector<uint8_t> Bytes(const T& value) {
  static_assert(std::is_trivially_copyable_v<T>);
  std::vector<uint8_t> bytes(sizeof(T));
  std::memcpy(bytes.data(), &value, sizeof(T));
  return bytes;
}

template <typename T>
std::vector<T> As(const std::vector<uint8_t>& bytes) {
  static_assert(std::is_trivially_copyable_v<T>);
  std::vector<T> values(bytes.size() / sizeof(T));
  if (!values.empty()) std::memcpy(values.data(), bytes.data(), values.size() * sizeof(T));
  return values;
}

template <typename To, typename From>
To BitCast(const From& from) {
  static_assert(sizeof(To) == sizeof(From));
  To to;
  std::memcpy(&to, &from, sizeof(To));
  return to;
}

// Deterministic pseudo-random numbers (splitmix64), so that failures reproduce.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(0x9E3779B97F4A7C15ull * (seed + 1)) {}
  uint64_t Next64() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint32_t Next32() { return static_cast<uint32_t>(Next64() >> 32); }
  // Uniform in [lo, hi] (inclusive).
  int64_t Range(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(Next64() % uint64_t(hi - lo + 1)); }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * (double(Next64() >> 11) * 0x1p-53); }
  // A float32 in [lo, hi], exactly representable.
  float UniformFloat(double lo, double hi) { return static_cast<float>(Uniform(lo, hi)); }

 private:
  uint64_t state_;
};

}  // namespace kiln_test::compute
