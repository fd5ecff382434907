// Float tolerances from the Vulkan spec, appendix "Vulkan Environment for SPIR-V", section
// "Precision and Operation of SPIR-V Instructions" (spirvenv-precision-operation), as error bounds
// the checks can compute per input.
//
// The spec gives each operation one of three kinds of precision:
//   * correctly rounded: the exact result or one of its two representable neighbours (the rounding
//     mode is not specified without RoundingModeRTE/RTZ): error < 1 ULP;
//   * n ULP, or an absolute error: exp/exp2 3 + 2|x| ULP (half: 1 + 2|x|), log/log2 3 ULP outside
//     [0.5, 2] and absolute 2^-21 inside (half: 2^-7), inversesqrt 2 ULP, OpFDiv 2.5 ULP,
//     sin/cos absolute 2^-11 in [-pi, pi] (half: 2^-7), atan/atan2 4096 ULP (half: 5 ULP);
//   * inherited from a formula (sqrt from 1.0 / inversesqrt, pow from exp2(y * log2(x)), sinh from
//     (exp(x) - exp(-x)) * 0.5, length from sqrt(dot(x, x)), fma from OpFMul then OpFAdd, ...): at
//     least as accurate as that formula evaluated with the operations above.
// Bound evaluates such formulas: a value in (extended) host precision carrying an error bound that
// each operation widens by its allowance, so an inherited tolerance is written as the spec's
// formula. ULP is taken in the binade of the result's magnitude (at a power of two that is the
// larger gap, a conservative reading of the spec's ulp()). Denormal results may be flushed to zero
// without the DenormPreserve execution mode, so a result within the denormal range is also allowed
// to be off by the smallest normal number. The tests avoid denormal inputs and the points where a
// formula has a discontinuity (floor(x/y) at an integer, say) unless the error bound covers it.
//
// Double precision: the spec only says "The precision of double-precision instructions is at least
// that of single precision". The float64 checks apply the same table with double ULPs, which is what
// IEEE double arithmetic (lavapipe, and any CPU implementation) delivers; a driver computing doubles
// at single precision would be conformant yet fail them, and the failure message then says by how
// much.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numbers>

namespace kiln_test::compute {

struct FloatFormat {
  int mantissaBits;  // explicit fraction bits
  int minExponent;   // exponent of the smallest normal number
  bool half;         // the spec's half-precision column applies
};
inline constexpr FloatFormat kFloat16{10, -14, true};
inline constexpr FloatFormat kFloat32{23, -126, false};
inline constexpr FloatFormat kFloat64{52, -1022, false};

using Real = long double;  // host reference precision: 64-bit mantissa on x86-64

// The gap between representable numbers in the binade of |x|.
inline Real Ulp(const FloatFormat& f, Real x) {
  x = std::fabs(x);
  int e = x == 0 ? f.minExponent : std::max(static_cast<int>(std::ilogb(x)), f.minExponent);
  return std::ldexp(Real(1), e - f.mantissaBits);
}

inline Real SmallestNormal(const FloatFormat& f) { return std::ldexp(Real(1), f.minExponent); }

// A real value with a bound on the error a conformant implementation may have accumulated.
class Bound {
 public:
  Bound() : Bound(kFloat32, 0) {}
  Bound(const FloatFormat& format, Real value, Real error = 0) : f_(format), v_(value), e_(error) {}

  Real value() const { return v_; }
  Real error() const { return e_; }
  const FloatFormat& format() const { return f_; }

  // The result of one operation: value `v`, error propagated from the operands `propagated`, plus
  // `ulps` ULP (or `absolute`) of rounding.
  Bound Result(Real v, Real propagated, Real ulps, Real absolute = 0) const {
    Real magnitude = std::fabs(v) + propagated;
    Real e = propagated + ulps * Ulp(f_, magnitude) + absolute;
    if (std::fabs(v) - e < SmallestNormal(f_)) e += SmallestNormal(f_);  // denormal results may flush
    return Bound(f_, v, e);
  }

  // Correctly rounded operations.
  friend Bound operator+(const Bound& a, const Bound& b) { return a.Result(a.v_ + b.v_, a.e_ + b.e_, 1); }
  friend Bound operator-(const Bound& a, const Bound& b) { return a.Result(a.v_ - b.v_, a.e_ + b.e_, 1); }
  friend Bound operator*(const Bound& a, const Bound& b) {
    Real propagated = std::fabs(a.v_) * b.e_ + std::fabs(b.v_) * a.e_ + a.e_ * b.e_;
    return a.Result(a.v_ * b.v_, propagated, 1);
  }
  Bound operator-() const { return Bound(f_, -v_, e_); }  // OpFNegate is exact

  // OpFDiv: 2.5 ULP (for a divisor within [2^-126, 2^126]; half: [2^-14, 2^14]).
  friend Bound operator/(const Bound& a, const Bound& b) {
    Real bb = std::fabs(b.v_);
    Real propagated = bb > b.e_ ? (a.e_ * bb + std::fabs(a.v_) * b.e_) / (bb * (bb - b.e_)) : INFINITY;
    return a.Result(a.v_ / b.v_, propagated, 2.5L);
  }

  Bound Constant(Real v) const { return Bound(f_, v); }

 private:
  FloatFormat f_;
  Real v_, e_;
};

inline Bound Exact(const FloatFormat& f, Real v) { return Bound(f, v); }

// floor() of a possibly-perturbed value: the result may be any floor within the error interval.
inline Bound Floor(const Bound& x) {
  Real v = std::floor(x.value());
  Real lo = std::floor(x.value() - x.error()), hi = std::floor(x.value() + x.error());
  return Bound(x.format(), v, std::max(v - lo, hi - v));
}
inline Bound Trunc(const Bound& x) {
  Real v = std::trunc(x.value());
  Real lo = std::trunc(x.value() - x.error()), hi = std::trunc(x.value() + x.error());
  return Bound(x.format(), v, std::max(std::fabs(v - lo), std::fabs(hi - v)));
}

// fma: inherited from OpFMul followed by OpFAdd (so a fused or an unfused result passes).
inline Bound Fma(const Bound& a, const Bound& b, const Bound& c) { return a * b + c; }

// inversesqrt: 2 ULP.
inline Bound InverseSqrt(const Bound& x) {
  Real v = 1 / std::sqrt(x.value());
  Real lo = x.value() - x.error();
  Real propagated = lo > 0 ? 1 / std::sqrt(lo) - v : INFINITY;
  return x.Result(v, propagated, 2);
}
// sqrt: inherited from 1.0 / inversesqrt(x).
inline Bound Sqrt(const Bound& x) { return x.Constant(1) / InverseSqrt(x); }

// exp, exp2: 3 + 2|x| ULP (half: 1 + 2|x|).
inline Bound ExpBase(const Bound& x, Real base) {
  Real v = std::pow(base, x.value());
  Real propagated = std::pow(base, x.value() + x.error()) - v;
  Real ulps = (x.format().half ? 1 : 3) + 2 * (std::fabs(x.value()) + x.error());
  return x.Result(v, propagated, ulps);
}
inline Bound Exp(const Bound& x) { return ExpBase(x, std::numbers::e_v<Real>); }
inline Bound Exp2(const Bound& x) { return ExpBase(x, 2); }

// log, log2: 3 ULP outside [0.5, 2]; absolute 2^-21 inside (half: 2^-7).
inline Bound LogBase(const Bound& x, Real lnBase) {
  Real v = std::log(x.value()) / lnBase;
  Real lo = x.value() - x.error();
  Real propagated = lo > 0 ? v - std::log(lo) / lnBase : INFINITY;
  bool inside = x.value() + x.error() >= 0.5L && lo <= 2.0L;
  bool outside = lo < 0.5L || x.value() + x.error() > 2.0L;
  Real absolute = inside ? std::ldexp(Real(1), x.format().half ? -7 : -21) : 0;
  return x.Result(v, propagated, outside ? 3 : 0, absolute);
}
inline Bound Log(const Bound& x) { return LogBase(x, 1); }
inline Bound Log2(const Bound& x) { return LogBase(x, std::numbers::ln2_v<Real>); }

// pow: inherited from exp2(y * log2(x)).
inline Bound Pow(const Bound& x, const Bound& y) { return Exp2(y * Log2(x)); }

// sin, cos: absolute 2^-11 inside [-pi, pi] (half: 2^-7); the tests stay inside.
inline Bound SinCos(const Bound& x, bool sine) {
  Real v = sine ? std::sin(x.value()) : std::cos(x.value());
  return x.Result(v, x.error(), 0, std::ldexp(Real(1), x.format().half ? -7 : -11));
}
inline Bound Sin(const Bound& x) { return SinCos(x, true); }
inline Bound Cos(const Bound& x) { return SinCos(x, false); }
inline Bound Tan(const Bound& x) { return Sin(x) / Cos(x); }  // inherited from sin() / cos()

// atan, atan2: 4096 ULP (half: 5 ULP).
inline Bound Atan2(const Bound& y, const Bound& x) {
  Real v = std::atan2(y.value(), x.value());
  Real r2 = x.value() * x.value() + y.value() * y.value();
  Real shrink = 2 * (std::fabs(x.value()) * x.error() + std::fabs(y.value()) * y.error());
  Real propagated =
      r2 > shrink ? ((std::fabs(x.value()) + x.error()) * y.error() + (std::fabs(y.value()) + y.error()) * x.error()) /
                        (r2 - shrink)
                  : INFINITY;
  return x.Result(v, propagated, x.format().half ? 5 : 4096);
}
inline Bound Atan(const Bound& x) {
  Real propagated = x.error();  // |d atan / dx| <= 1
  return x.Result(std::atan(x.value()), propagated, x.format().half ? 5 : 4096);
}
inline Bound Asin(const Bound& x) { return Atan2(x, Sqrt(x.Constant(1) - x * x)); }
inline Bound Acos(const Bound& x) { return Atan2(Sqrt(x.Constant(1) - x * x), x); }

// Hyperbolic functions: inherited from their exp/log formulas.
inline Bound Sinh(const Bound& x) { return (Exp(x) - Exp(-x)) * x.Constant(0.5); }
inline Bound Cosh(const Bound& x) { return (Exp(x) + Exp(-x)) * x.Constant(0.5); }
inline Bound Tanh(const Bound& x) { return Sinh(x) / Cosh(x); }
inline Bound Asinh(const Bound& x) { return Log(x + Sqrt(x * x + x.Constant(1))); }
inline Bound Acosh(const Bound& x) { return Log(x + Sqrt(x * x - x.Constant(1))); }
inline Bound Atanh(const Bound& x) { return Log((x.Constant(1) + x) / (x.Constant(1) - x)) * x.Constant(0.5); }

// radians, degrees: x times a correctly rounded constant.
inline Bound Radians(const Bound& x) { return x * Bound(x.format(), std::numbers::pi_v<Real> / 180, 0); }
inline Bound Degrees(const Bound& x) { return x * Bound(x.format(), 180 / std::numbers::pi_v<Real>, 0); }

// mix: inherited from x * (1 - a) + y * a.
inline Bound Mix(const Bound& x, const Bound& y, const Bound& a) { return x * (x.Constant(1) - a) + y * a; }

// smoothstep: t * t * (3 - 2 * t), t = clamp((x - edge0) / (edge1 - edge0), 0, 1).
inline Bound SmoothStep(const Bound& edge0, const Bound& edge1, const Bound& x) {
  Bound t = (x - edge0) / (edge1 - edge0);
  Real lo = t.value() - t.error(), hi = t.value() + t.error();
  Real clamped = std::clamp(t.value(), Real(0), Real(1));
  Real spread = std::max(std::fabs(clamped - std::clamp(lo, Real(0), Real(1))),
                         std::fabs(std::clamp(hi, Real(0), Real(1)) - clamped));
  Bound c(x.format(), clamped, spread);
  return c * c * (x.Constant(3) - x.Constant(2) * c);
}

// Sum of products, for dot() (inherited from the sum of x[i] * y[i]) and matrix products.
template <size_t N>
Bound Dot(const Bound (&x)[N], const Bound (&y)[N]) {
  Bound sum = x[0] * y[0];
  for (size_t i = 1; i < N; ++i) sum = sum + x[i] * y[i];
  return sum;
}

// ---------------------------------------------------------------------------------------------
// Half precision on the host.

inline float HalfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  int exponent = (h >> 10) & 0x1F;
  uint32_t mantissa = h & 0x3FF;
  uint32_t bits;
  if (exponent == 0x1F) {
    bits = sign | 0x7F800000u | (mantissa << 13);
  } else if (exponent == 0) {
    float magnitude = std::ldexp(static_cast<float>(mantissa), -24);  // denormal or zero: exact
    std::memcpy(&bits, &magnitude, 4);
    bits |= sign;
  } else {
    bits = sign | uint32_t(exponent - 15 + 127) << 23 | (mantissa << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// Round to nearest, ties to even; overflow to infinity.
inline uint16_t FloatToHalf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  float magnitude = std::fabs(value);
  if (std::isnan(value)) return sign | 0x7E00;
  if (magnitude >= 65520.0f) return sign | 0x7C00;  // rounds to infinity
  if (magnitude < std::ldexp(1.0f, -14)) {
    // Denormal: multiples of 2^-24; nearbyint rounds ties to even.
    auto m = static_cast<uint16_t>(std::nearbyint(std::ldexp(magnitude, 24)));
    return sign | m;  // m == 0x400 carries into the smallest normal correctly
  }
  int e = std::ilogb(magnitude);
  auto m = static_cast<uint32_t>(std::nearbyint(std::ldexp(magnitude, 10 - e)));  // 1024..2048
  if (m == 2048) {
    m = 1024;
    ++e;
  }
  return sign | static_cast<uint16_t>(((e + 15) << 10) | (m - 1024));
}

inline float RoundToHalf(float value) { return HalfToFloat(FloatToHalf(value)); }

}  // namespace kiln_test::compute
