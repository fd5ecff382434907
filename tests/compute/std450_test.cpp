// The GLSL.std.450 float instructions on 32, 64 and 16-bit floats. Each function gets inputs from
// its own domain (sin and cos inside [-pi, pi] where the spec bounds their error, log of positive
// numbers, and so on) and is held to the spec's precision for it (float_tolerance.h): exact for
// floor/ceil/trunc/roundEven/abs/sign/min/max/clamp/step/modf/frexp/ldexp, either neighbour for
// round at a tie (the direction is the implementation's) and for correctly rounded fract, ULP or
// absolute bounds for the transcendental functions, and formula-inherited bounds for the rest.
#include <array>
#include <cmath>
#include <functional>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

#include "compute_harness.h"
#include "float_tolerance.h"

namespace kiln_test::compute {
namespace {

constexpr double kPi = std::numbers::pi;

template <typename T>
using Args = std::array<T, 4>;

// One slot of the shader: how to make its inputs, and the bound its result must fall within given
// the element's inputs (all slots, since modf and frexp write a second slot from the first's input).
template <typename T>
struct Slot {
  const char* name;
  std::function<Args<T>(Rng&)> make;
  std::function<Bound(const Args<T>* element)> expect;
};

template <typename T>
std::string Show(const Args<T>& a) {
  std::ostringstream s;
  s.precision(20);
  s << "(" << a[0] << ", " << a[1] << ", " << a[2] << ", " << a[3] << ")";
  return s.str();
}

// Runs `module` over `elements` elements of `slots`, checks each slot with its bound.
template <typename T, typename Stored = T>
void RunSlots(const std::string& module, const std::vector<Slot<T>>& slots, uint32_t elements, FeatureSet features,
              uint64_t seed) {
  const size_t n = slots.size();
  Rng rng(seed);
  std::vector<Args<Stored>> inputs(elements * n);
  std::vector<Args<T>> values(elements * n);
  for (uint32_t e = 0; e < elements; ++e)
    for (size_t k = 0; k < n; ++k) {
      Args<T> v = slots[k].make ? slots[k].make(rng) : Args<T>{};
      values[e * n + k] = v;
      for (int c = 0; c < 4; ++c) inputs[e * n + k][c] = static_cast<Stored>(v[c]);
    }
  Job job =
      ElementwiseJob(module, Bytes(inputs), {elements * n * sizeof(Stored)}, elements, features, Compare::Checker);
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    auto got = r.Buffer<Stored>(1);
    for (uint32_t e = 0; e < elements; ++e)
      for (size_t k = 0; k < n; ++k) {
        const Args<T>* element = &values[e * n];
        Bound expected = slots[k].expect(element);
        m.Near(slots[k].name, e, got[e * n + k], expected.value(), expected.error(), Show(element[k]));
      }
  });
}

// Argument makers.
template <typename T>
std::function<Args<T>(Rng&)> Uniform(double lo, double hi, T (*round)(T) = nullptr) {
  return [=](Rng& rng) {
    Args<T> a;
    for (T& v : a) {
      v = static_cast<T>(rng.Uniform(lo, hi));
      if (round) v = round(v);
    }
    return a;
  };
}

// Log-uniform positive values in [lo, hi].
template <typename T>
std::function<Args<T>(Rng&)> LogUniform(double lo, double hi, T (*round)(T) = nullptr) {
  return [=](Rng& rng) {
    Args<T> a;
    for (T& v : a) {
      v = static_cast<T>(std::exp(rng.Uniform(std::log(lo), std::log(hi))));
      if (round) v = round(v);
    }
    return a;
  };
}

// Integers, halves (ties for round) and arbitrary values in [-lo, lo].
template <typename T>
std::function<Args<T>(Rng&)> RoundingCases(double range) {
  return [=](Rng& rng) {
    Args<T> a;
    for (T& v : a) {
      switch (rng.Next32() % 4) {
        case 0:
          v = static_cast<T>(rng.Range(-1000, 1000));
          break;
        case 1:
          v = static_cast<T>(rng.Range(-1000, 1000)) + T(0.5);
          break;
        default:
          v = static_cast<T>(rng.Uniform(-range, range));
          break;
      }
    }
    return a;
  };
}

template <typename T>
Args<T> Sorted3(Args<T> a) {
  if (a[1] > a[2]) std::swap(a[1], a[2]);
  return a;
}

Bound ExactResult(const FloatFormat& f, long double v) { return Bound(f, v, 0); }

// round(): the nearest whole number; at exactly .5 the direction is the implementation's.
Bound RoundAnyTie(const FloatFormat& f, long double x) {
  long double frac = x - std::floor(x);
  if (frac == 0.5L) return Bound(f, std::floor(x) + 0.5L, 0.5L);
  return Bound(f, std::round(x), 0);
}

Bound RoundEven(const FloatFormat& f, long double x) { return Bound(f, std::nearbyint(x), 0); }

// The slots shared by the float and double shaders: rounding, min/max/clamp, mix, step, fma.
template <typename T>
std::vector<Slot<T>> CommonSlots(const FloatFormat& f) {
  using E = const Args<T>*;
  auto x = [](E e, int k) { return static_cast<long double>(e[k][0]); };
  return {
      {"round", RoundingCases<T>(2000), [=](E e) { return RoundAnyTie(f, x(e, 0)); }},
      {"roundEven", RoundingCases<T>(2000), [=](E e) { return RoundEven(f, x(e, 1)); }},
      {"trunc", RoundingCases<T>(2000), [=](E e) { return ExactResult(f, std::trunc(x(e, 2))); }},
      {"floor", RoundingCases<T>(2000), [=](E e) { return ExactResult(f, std::floor(x(e, 3))); }},
      {"ceil", RoundingCases<T>(2000), [=](E e) { return ExactResult(f, std::ceil(x(e, 4))); }},
      {"fract (correctly rounded)", Uniform<T>(-1000, 1000),
       [=](E e) {
         long double v = x(e, 5) - std::floor(x(e, 5));
         return Bound(f, v).Result(v, 0, 1);
       }},
      {"abs", Uniform<T>(-1000, 1000), [=](E e) { return ExactResult(f, std::fabs(x(e, 6))); }},
      {"sign", RoundingCases<T>(3), [=](E e) { return ExactResult(f, (x(e, 7) > 0) - (x(e, 7) < 0)); }},
      {"min", Uniform<T>(-100, 100), [=](E e) { return ExactResult(f, std::min<long double>(e[8][0], e[8][1])); }},
      {"max", Uniform<T>(-100, 100), [=](E e) { return ExactResult(f, std::max<long double>(e[9][0], e[9][1])); }},
      {"clamp", [](Rng& rng) { return Sorted3(Uniform<T>(-100, 100)(rng)); },
       [=](E e) { return ExactResult(f, std::clamp<long double>(e[10][0], e[10][1], e[10][2])); }},
      {"mix (inherited from x*(1-a)+y*a)",
       [](Rng& rng) {
         Args<T> a = Uniform<T>(-100, 100)(rng);
         a[2] = static_cast<T>(rng.Uniform(0, 1));
         return a;
       },
       [=](E e) { return Mix(Exact(f, e[11][0]), Exact(f, e[11][1]), Exact(f, e[11][2])); }},
      {"step", RoundingCases<T>(3), [=](E e) { return ExactResult(f, e[12][1] < e[12][0] ? 0 : 1); }},
  };
}

// ---------------------------------------------------------------------------------------------
// float32: every slot of std450_float.comp (kFunctions = 49).

std::vector<Slot<float>> Float32Slots() {
  const FloatFormat& f = kFloat32;
  using E = const Args<float>*;
  auto X = [&f](E e, int k, int c = 0) { return Exact(f, e[k][c]); };
  std::vector<Slot<float>> slots = CommonSlots<float>(f);
  auto add = [&](const char* name, std::function<Args<float>(Rng&)> make, std::function<Bound(E)> expect) {
    slots.push_back({name, std::move(make), std::move(expect)});
  };
  add(
      "smoothstep (inherited)",
      [](Rng& rng) {
        Args<float> a = Uniform<float>(-10, 10)(rng);
        if (a[0] > a[1]) std::swap(a[0], a[1]);
        if (a[1] - a[0] < 0.5f) a[1] = a[0] + 1;
        a[2] = static_cast<float>(rng.Uniform(a[0] - 1, a[1] + 1));
        return a;
      },
      [=](E e) { return SmoothStep(X(e, 13, 0), X(e, 13, 1), X(e, 13, 2)); });
  add("fma (inherited from OpFMul then OpFAdd)", Uniform<float>(-100, 100),
      [=](E e) { return Fma(X(e, 14, 0), X(e, 14, 1), X(e, 14, 2)); });
  add("modf fraction", Uniform<float>(-1000, 1000),
      [=](E e) { return ExactResult(f, e[15][0] - std::trunc(static_cast<long double>(e[15][0]))); });
  add("modf whole", nullptr, [=](E e) { return ExactResult(f, std::trunc(static_cast<long double>(e[15][0]))); });
  add("frexp mantissa", LogUniform<float>(1e-20, 1e20), [=](E e) {
    int exponent;
    return ExactResult(f, std::frexp(static_cast<long double>(e[17][0]), &exponent));
  });
  add("frexp exponent", nullptr, [=](E e) {
    int exponent;
    std::frexp(static_cast<long double>(e[17][0]), &exponent);
    return ExactResult(f, exponent);
  });
  add(
      "ldexp",
      [](Rng& rng) {
        Args<float> a = Uniform<float>(-100, 100)(rng);
        a[1] = static_cast<float>(rng.Range(-20, 20));
        return a;
      },
      [=](E e) { return ExactResult(f, std::ldexp(static_cast<long double>(e[19][0]), static_cast<int>(e[19][1]))); });
  add("radians", Uniform<float>(-720, 720), [=](E e) { return Radians(X(e, 20)); });
  add("degrees", Uniform<float>(-7, 7), [=](E e) { return Degrees(X(e, 21)); });
  add("sin (2^-11 absolute in [-pi, pi])", Uniform<float>(-kPi, kPi), [=](E e) { return Sin(X(e, 22)); });
  add("cos (2^-11 absolute in [-pi, pi])", Uniform<float>(-kPi, kPi), [=](E e) { return Cos(X(e, 23)); });
  add("tan (inherited from sin/cos)", Uniform<float>(-1.3, 1.3), [=](E e) { return Tan(X(e, 24)); });
  add("asin (inherited from atan2)", Uniform<float>(-1, 1), [=](E e) { return Asin(X(e, 25)); });
  add("acos (inherited from atan2)", Uniform<float>(-1, 1), [=](E e) { return Acos(X(e, 26)); });
  add("atan (4096 ULP)", Uniform<float>(-20, 20), [=](E e) { return Atan(X(e, 27)); });
  add(
      "atan2 (4096 ULP)",
      [](Rng& rng) {
        Args<float> a = Uniform<float>(-10, 10)(rng);
        if (std::fabs(a[0]) + std::fabs(a[1]) < 0.1f) a[1] = 1;
        return a;
      },
      [=](E e) { return Atan2(X(e, 28, 0), X(e, 28, 1)); });
  add("sinh (inherited from exp)", Uniform<float>(-5, 5), [=](E e) { return Sinh(X(e, 29)); });
  add("cosh (inherited from exp)", Uniform<float>(-5, 5), [=](E e) { return Cosh(X(e, 30)); });
  add("tanh (inherited from sinh/cosh)", Uniform<float>(-5, 5), [=](E e) { return Tanh(X(e, 31)); });
  add("asinh (inherited from log)", Uniform<float>(-20, 20), [=](E e) { return Asinh(X(e, 32)); });
  add("acosh (inherited from log)", Uniform<float>(1.01, 20), [=](E e) { return Acosh(X(e, 33)); });
  add("atanh (inherited from log)", Uniform<float>(-0.9, 0.9), [=](E e) { return Atanh(X(e, 34)); });
  add(
      "pow (inherited from exp2(y*log2(x)))",
      [](Rng& rng) {
        Args<float> a = LogUniform<float>(0.05, 20)(rng);
        a[1] = static_cast<float>(rng.Uniform(-4, 4));
        return a;
      },
      [=](E e) { return Pow(X(e, 35, 0), X(e, 35, 1)); });
  add("exp (3+2|x| ULP)", Uniform<float>(-20, 20), [=](E e) { return Exp(X(e, 36)); });
  add("log (3 ULP / 2^-21 in [0.5, 2])", LogUniform<float>(1e-3, 1e3), [=](E e) { return Log(X(e, 37)); });
  add("exp2 (3+2|x| ULP)", Uniform<float>(-30, 30), [=](E e) { return Exp2(X(e, 38)); });
  add("log2 (3 ULP / 2^-21 in [0.5, 2])", LogUniform<float>(1e-3, 1e3), [=](E e) { return Log2(X(e, 39)); });
  add("sqrt (inherited from 1/inversesqrt)", LogUniform<float>(1e-4, 1e6), [=](E e) { return Sqrt(X(e, 40)); });
  add("inversesqrt (2 ULP)", LogUniform<float>(1e-4, 1e6), [=](E e) { return InverseSqrt(X(e, 41)); });
  add("Frexp (pointer form) mantissa", LogUniform<float>(1e-20, 1e20), [=](E e) {
    int exponent;
    return ExactResult(f, std::frexp(static_cast<long double>(e[42][0]), &exponent));
  });
  add("Frexp (pointer form) exponent", nullptr, [=](E e) {
    int exponent;
    std::frexp(static_cast<long double>(e[42][0]), &exponent);
    return ExactResult(f, exponent);
  });
  add("ModfStruct fraction", Uniform<float>(-1000, 1000),
      [=](E e) { return ExactResult(f, e[44][0] - std::trunc(static_cast<long double>(e[44][0]))); });
  add("ModfStruct whole", nullptr, [=](E e) { return ExactResult(f, std::trunc(static_cast<long double>(e[44][0]))); });
  add("NMin", Uniform<float>(-100, 100), [=](E e) { return ExactResult(f, std::min(e[46][0], e[46][1])); });
  add("NMax", Uniform<float>(-100, 100), [=](E e) { return ExactResult(f, std::max(e[47][0], e[47][1])); });
  add(
      "NClamp", [](Rng& rng) { return Sorted3(Uniform<float>(-100, 100)(rng)); },
      [=](E e) { return ExactResult(f, std::clamp(e[48][0], e[48][1], e[48][2])); });
  return slots;
}

TEST(Std450Float32, EveryFunctionWithinSpecPrecision) {
  std::vector<Slot<float>> slots = Float32Slots();
  ASSERT_EQ(slots.size(), 49u) << "std450_float.comp has 49 slots";
  RunSlots<float>("std450_float", slots, 256, {}, 20);
}

// ---------------------------------------------------------------------------------------------
// float64: std450_float64.comp (kFunctions = 20). Held to the table with double ULPs (see
// float_tolerance.h on why that is stricter than the spec's letter for doubles).

TEST(Std450Float64, EveryFunctionWithinDoublePrecision) {
  const FloatFormat& f = kFloat64;
  using E = const Args<double>*;
  auto X = [&f](E e, int k, int c = 0) { return Exact(f, e[k][c]); };
  std::vector<Slot<double>> slots = CommonSlots<double>(f);
  slots.push_back({"fma", Uniform<double>(-100, 100), [=](E e) { return Fma(X(e, 13, 0), X(e, 13, 1), X(e, 13, 2)); }});
  slots.push_back({"modf fraction", Uniform<double>(-1000, 1000),
                   [=](E e) { return ExactResult(f, e[14][0] - std::trunc(static_cast<long double>(e[14][0]))); }});
  slots.push_back(
      {"modf whole", nullptr, [=](E e) { return ExactResult(f, std::trunc(static_cast<long double>(e[14][0]))); }});
  slots.push_back({"frexp mantissa + 4 * exponent", LogUniform<double>(1e-200, 1e200), [=](E e) {
                     int exponent;
                     long double mantissa = std::frexp(static_cast<long double>(e[16][0]), &exponent);
                     return Exact(f, mantissa) + Exact(f, 4.0L * exponent);
                   }});
  slots.push_back({"ldexp",
                   [](Rng& rng) {
                     Args<double> a = Uniform<double>(-100, 100)(rng);
                     a[1] = static_cast<double>(rng.Range(-200, 200));
                     return a;
                   },
                   [=](E e) {
                     return ExactResult(f, std::ldexp(static_cast<long double>(e[17][0]), static_cast<int>(e[17][1])));
                   }});
  slots.push_back({"sqrt", LogUniform<double>(1e-100, 1e100), [=](E e) { return Sqrt(X(e, 18)); }});
  slots.push_back({"inversesqrt", LogUniform<double>(1e-100, 1e100), [=](E e) { return InverseSqrt(X(e, 19)); }});
  ASSERT_EQ(slots.size(), 20u);
  RunSlots<double>("std450_float64", slots, 256, Features({Feature::Float64}), 21);
}

// ---------------------------------------------------------------------------------------------
// float16: std450_float16.comp (kFunctions = 14), with the spec's half-precision column.

float Half(float v) { return RoundToHalf(v); }

TEST(Std450Float16, FunctionsWithinHalfPrecision) {
  const FloatFormat& f = kFloat16;
  using E = const Args<float>*;
  auto X = [&f](E e, int k, int c = 0) { return Exact(f, e[k][c]); };
  std::vector<Slot<float>> slots = {
      {"floor", Uniform<float>(-100, 100, Half), [=](E e) { return ExactResult(f, std::floor(e[0][0])); }},
      {"fract (correctly rounded)", Uniform<float>(-100, 100, Half),
       [=](E e) {
         long double v = e[1][0] - std::floor(static_cast<long double>(e[1][0]));
         return Bound(f, v).Result(v, 0, 1);
       }},
      {"min", Uniform<float>(-100, 100, Half), [=](E e) { return ExactResult(f, std::min(e[2][0], e[2][1])); }},
      {"clamp", [](Rng& rng) { return Sorted3(Uniform<float>(-100, 100, Half)(rng)); },
       [=](E e) { return ExactResult(f, std::clamp(e[3][0], e[3][1], e[3][2])); }},
      {"mix",
       [](Rng& rng) {
         Args<float> a = Uniform<float>(-100, 100, Half)(rng);
         a[2] = Half(static_cast<float>(rng.Uniform(0, 1)));
         return a;
       },
       [=](E e) { return Mix(X(e, 4, 0), X(e, 4, 1), X(e, 4, 2)); }},
      {"sqrt", LogUniform<float>(0.01, 1000, Half), [=](E e) { return Sqrt(X(e, 5)); }},
      {"inversesqrt", LogUniform<float>(0.01, 1000, Half), [=](E e) { return InverseSqrt(X(e, 6)); }},
      {"exp2 (1+2|x| ULP)", Uniform<float>(-10, 10, Half), [=](E e) { return Exp2(X(e, 7)); }},
      {"log2 (3 ULP / 2^-7 in [0.5, 2])", LogUniform<float>(0.01, 100, Half), [=](E e) { return Log2(X(e, 8)); }},
      {"sin (2^-7 absolute)", Uniform<float>(-3.1, 3.1, Half), [=](E e) { return Sin(X(e, 9)); }},
      {"cos (2^-7 absolute)", Uniform<float>(-3.1, 3.1, Half), [=](E e) { return Cos(X(e, 10)); }},
      {"atan (5 ULP)", Uniform<float>(-20, 20, Half), [=](E e) { return Atan(X(e, 11)); }},
      {"exp (1+2|x| ULP)", Uniform<float>(-5, 5, Half), [=](E e) { return Exp(X(e, 12)); }},
      {"pow (inherited)",
       [](Rng& rng) {
         Args<float> a = LogUniform<float>(0.1, 10, Half)(rng);
         a[1] = Half(static_cast<float>(rng.Uniform(-2, 2)));
         return a;
       },
       [=](E e) { return Pow(X(e, 13, 0), X(e, 13, 1)); }},
  };
  RunSlots<float>("std450_float16", slots, 256, Features({Feature::Float16}), 22);
}

}  // namespace
}  // namespace kiln_test::compute
