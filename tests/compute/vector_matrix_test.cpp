// Vector and matrix instructions (vectors.comp, matrices.comp, matrices64.comp). Component moves
// (swizzles, dynamic extract/insert, transpose, column access) are exact; arithmetic is held to
// bounds inherited from its formula (dot from the sum of products, length from sqrt(dot), normalize
// from x * inversesqrt(dot), reflect, refract, cross, mix). Determinant and inverse have no
// precision in the spec's table ("undefined precision"); the suite holds them to four times the
// bound of the cofactor formula, which any reasonable evaluation order meets for the
// well-conditioned matrices used here.
#include <array>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "compute_harness.h"
#include "float_tolerance.h"

namespace kiln_test::compute {
namespace {

using Vec = std::array<Bound, 4>;

Bound Sum(const std::vector<Bound>& terms) {
  Bound sum = terms[0];
  for (size_t i = 1; i < terms.size(); ++i) sum = sum + terms[i];
  return sum;
}

Bound DotN(const Bound* x, const Bound* y, int n) {
  std::vector<Bound> terms;
  for (int i = 0; i < n; ++i) terms.push_back(x[i] * y[i]);
  return Sum(terms);
}

// "[column][row]" (an ostringstream: GCC 12 warns falsely on "[" + std::to_string(...) here).
std::string CellName(int column, int row) {
  std::ostringstream s;
  s << "[" << column << "][" << row << "]";
  return s.str();
}

Bound Widen(const Bound& b, long double factor) { return Bound(b.format(), b.value(), b.error() * factor); }

// ---------------------------------------------------------------------------------------------
// Vectors.

struct VectorInput {
  float a[4];
  float b[4];
  float c[4];
  int32_t n[4];
};
static_assert(sizeof(VectorInput) == 64);

bool NearInteger(long double x) { return std::fabs(x - std::nearbyint(x)) < 1e-3L; }

std::vector<VectorInput> VectorInputs(size_t count) {
  std::vector<VectorInput> inputs;
  Rng rng(40);
  while (inputs.size() < count) {
    VectorInput in{};
    bool ok = true;
    for (int c = 0; c < 4; ++c) {
      in.a[c] = rng.UniformFloat(-10, 10);
      in.b[c] = rng.UniformFloat(-10, 10);
      in.c[c] = rng.UniformFloat(-1, 1);
      ok &= !NearInteger(in.a[c] * 100.0L) && !NearInteger(in.b[c] * 100.0L);
    }
    if (rng.Next32() % 4 == 0) in.a[1] = in.a[0];  // equal(a, a.yxwz) both ways
    in.c[0] = rng.UniformFloat(0.5, 1.5);          // refraction eta
    in.n[0] = static_cast<int32_t>(rng.Range(0, 3));
    auto len3 = [](const float* v) { return std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]); };
    ok &= len3(in.a) > 0.5f && len3(in.b) > 0.5f;
    // faceforward's choice must not hang on rounding: |dot(Nref, I)| well away from zero.
    long double d = in.c[1] * in.b[0] + in.c[2] * in.b[1] + in.c[3] * in.b[2];
    ok &= std::fabs(d) > 0.05L;
    // refract's branch (k < 0 or not) must not either.
    long double la = len3(in.a), lb = len3(in.b);
    long double cosine = (in.a[0] * in.b[0] + in.a[1] * in.b[1] + in.a[2] * in.b[2]) / (la * lb);
    long double k = 1 - in.c[0] * in.c[0] * (1 - cosine * cosine);
    ok &= std::fabs(k) > 0.01L;
    if (ok) inputs.push_back(in);
  }
  return inputs;
}

TEST(Vectors, ComponentOpsExactArithmeticWithinInheritedBounds) {
  for (const char* module : {"vectors", "vectors.glslang"}) {
    SCOPED_TRACE(module);
    if (FindShader(module).empty()) continue;
    std::vector<VectorInput> inputs = VectorInputs(512);
    auto count = static_cast<uint32_t>(inputs.size());
    Job job = ElementwiseJob(module, Bytes(inputs), {count * 48 * 4, count * 16}, count, {}, Compare::Checker);
    job.buffers[2].compare = Compare::Bitwise;
    RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
      auto got = r.Buffer<float>(1);
      auto words = r.Buffer<uint32_t>(2);
      const FloatFormat& f = kFloat32;
      for (size_t i = 0; i < inputs.size(); ++i) {
        const VectorInput& in = inputs[i];
        const float* g = &got[i * 48];
        Vec a, b;
        for (int c = 0; c < 4; ++c) {
          a[c] = Exact(f, in.a[c]);
          b[c] = Exact(f, in.b[c]);
        }
        int k = in.n[0];
        auto near = [&](const std::string& what, int slot, const Bound& bound) {
          m.Near(what, i, g[slot], bound.value(), bound.error());
        };
        for (int c = 0; c < 4; ++c) {
          std::string comp = " component " + std::to_string(c);
          near("a + b * 2.5" + comp, c, a[c] + b[c] * Exact(f, 2.5));
          near("a.wzyx * b.xxyy" + comp, 4 + c, a[3 - c] * b[c / 2]);
          float w[4] = {in.b[1], in.a[1], in.b[0], in.a[3]};
          w[k] = in.c[0];
          m.Equal("swizzle store, dynamic insert" + comp, i, g[8 + c], w[c]);
        }
        near("a[k] + b[3-k]", 12, a[k] + b[3 - k]);
        Bound dot = DotN(a.data(), b.data(), 4);
        near("dot(a, b)", 13, dot);
        Bound aa = DotN(a.data(), a.data(), 4);
        near("length(a)", 14, Sqrt(aa));
        Vec d;
        for (int c = 0; c < 4; ++c) d[c] = a[c] - b[c];
        near("distance(a, b)", 15, Sqrt(DotN(d.data(), d.data(), 4)));
        Bound inv = InverseSqrt(aa);
        for (int c = 0; c < 4; ++c) near("normalize(a) component " + std::to_string(c), 16 + c, a[c] * inv);
        near("cross.x", 20, a[1] * b[2] - b[1] * a[2]);
        near("cross.y", 21, a[2] * b[0] - b[2] * a[0]);
        near("cross.z", 22, a[0] * b[1] - b[0] * a[1]);
        m.Equal("cross padding", i, g[23], 0.0f);
        Bound twiceDot = Exact(f, 2) * DotN(b.data(), a.data(), 4);
        for (int c = 0; c < 4; ++c) near("reflect component " + std::to_string(c), 24 + c, a[c] - twiceDot * b[c]);
        // refract(normalize(a.xyz), normalize(b.xyz), eta)
        Bound ia = InverseSqrt(DotN(a.data(), a.data(), 3)), ib = InverseSqrt(DotN(b.data(), b.data(), 3));
        Bound I[3], N[3];
        for (int c = 0; c < 3; ++c) {
          I[c] = a[c] * ia;
          N[c] = b[c] * ib;
        }
        Bound eta = Exact(f, in.c[0]);
        Bound ni = DotN(N, I, 3);
        Bound kk = Exact(f, 1) - eta * eta * (Exact(f, 1) - ni * ni);
        for (int c = 0; c < 3; ++c) {
          Bound refracted = kk.value() < 0 ? Exact(f, 0) : eta * I[c] - (eta * ni + Sqrt(kk)) * N[c];
          near("refract component " + std::to_string(c), 28 + c, refracted);
        }
        near("refract .z again (xyzz)", 31, kk.value() < 0 ? Exact(f, 0) : eta * I[2] - (eta * ni + Sqrt(kk)) * N[2]);
        long double ffDot = static_cast<long double>(in.c[1]) * in.b[0] + static_cast<long double>(in.c[2]) * in.b[1] +
                            static_cast<long double>(in.c[3]) * in.b[2];
        for (int c = 0; c < 4; ++c)
          m.Equal("faceforward component " + std::to_string(c), i, g[32 + c],
                  ffDot < 0 ? in.a[c < 3 ? c : 2] : -in.a[c < 3 ? c : 2]);
        Bound t = Exact(f, in.c[0]) * Exact(f, 0.5);
        for (int c = 0; c < 4; ++c) near("mix(a, b, t) component " + std::to_string(c), 36 + c, Mix(a[c], b[c], t));
        for (int c = 0; c < 4; ++c) {
          m.Equal("OpVectorInsertDynamic(b, c.x, k) component " + std::to_string(c), i, g[40 + c],
                  c == k ? in.c[0] : in.b[c]);
          m.Equal("OpCompositeInsert(OpVectorExtractDynamic(a, 3-k), b, 2) component " + std::to_string(c), i,
                  g[44 + c], c == 2 ? in.a[3 - k] : in.b[c]);
        }

        int32_t ia4[4], ib4[4];
        for (int c = 0; c < 4; ++c) {
          ia4[c] = static_cast<int32_t>(std::trunc(in.a[c] * 100.0L));
          ib4[c] = static_cast<int32_t>(std::trunc(in.b[c] * 100.0L));
        }
        auto mask = [](auto pred) {
          uint32_t bits = 0;
          for (int c = 0; c < 4; ++c) bits |= pred(c) ? 1u << c : 0u;
          return bits;
        };
        static const int kYxwz[4] = {1, 0, 3, 2};
        uint32_t compares = mask([&](int c) { return in.a[c] < in.b[c]; }) |
                            mask([&](int c) { return in.a[c] <= in.b[c]; }) << 4 |
                            mask([&](int c) { return in.a[c] > in.b[c]; }) << 8 |
                            mask([&](int c) { return in.a[c] >= in.b[c]; }) << 12 |
                            mask([&](int c) { return in.a[c] == in.a[kYxwz[c]]; }) << 16 |
                            mask([&](int c) { return ia4[c] != ib4[c]; }) << 20;
        uint32_t shifted = 0, mixed = 0;
        for (int c = 0; c < 4; ++c) {
          shifted += static_cast<uint32_t>(ia4[c]) >> (c + 1);
          uint32_t im = static_cast<uint32_t>(ia4[c]) * static_cast<uint32_t>(ib4[c]) -
                        (static_cast<uint32_t>(ia4[c]) << 1) + static_cast<uint32_t>(k);
          mixed ^= im;
        }
        m.Equal("vector comparisons", i, words[i * 4 + 0], compares);
        m.Equal("uvec4 >> uvec4, summed", i, words[i * 4 + 1], shifted);
        m.Equal("ivec4 ia*ib - (ia<<1) + k, xor-folded", i, words[i * 4 + 2], mixed);
        m.Equal("uint(abs(dot(vec2(ia.xy), 1)))", i, words[i * 4 + 3],
                static_cast<uint32_t>(std::abs(ia4[0] + ia4[1])));
      }
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Matrices.

// Column-major matrix of bounds: m[column][row].
template <int C, int R>
using Mat = std::array<std::array<Bound, R>, C>;

template <int C, int R>
Mat<C, R> MatOf(const FloatFormat& f, const std::array<std::array<long double, R>, C>& v) {
  Mat<C, R> m{};
  for (int c = 0; c < C; ++c)
    for (int r = 0; r < R; ++r) m[c][r] = Exact(f, v[c][r]);
  return m;
}

Bound Det2(const Bound& a, const Bound& b, const Bound& c, const Bound& d) { return a * d - c * b; }

// determinant of a 3x3, m[column][row], by cofactors along the first column.
template <typename M>
Bound Det3(const M& m) {
  return m[0][0] * Det2(m[1][1], m[1][2], m[2][1], m[2][2]) - m[1][0] * Det2(m[0][1], m[0][2], m[2][1], m[2][2]) +
         m[2][0] * Det2(m[0][1], m[0][2], m[1][1], m[1][2]);
}

constexpr long double kUndefinedPrecisionFactor = 4;

TEST(Matrices, ProductsTransposeInverseWithinInheritedBounds) {
  constexpr size_t kElements = 256;
  Rng rng(41);
  std::vector<std::array<float, 48>> data(kElements);  // 12 vec4 per element
  for (auto& e : data) {
    for (float& v : e) v = rng.UniformFloat(-4, 4);
    // Keep C (3x3) and D (2x2) well conditioned: dominant diagonals.
    // C = mat3(d9.xyz, (d9.w, d10.xy), (d10.zw, d11.x)): diagonal C[0][0]=d9.x, C[1][1]=d10.x, C[2][2]=d11.x
    e[36] = 8 + e[36] * 0.25f;
    e[40] = -8 + e[40] * 0.25f;
    e[44] = 8 + e[44] * 0.25f;
    // D = mat2(d11.yz, (d11.w, v.x)): diagonal D[0][0]=d11.y, D[1][1]=v.x (d8.x)
    e[45] = 6 + e[45] * 0.25f;
    e[32] = -6 + e[32] * 0.25f;
  }
  Job job = ElementwiseJob("matrices", Bytes(data), {kElements * 128 * 4}, kElements, {}, Compare::Checker);
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    auto got = r.Buffer<float>(1);
    const FloatFormat& f = kFloat32;
    for (size_t i = 0; i < kElements; ++i) {
      const float* d = data[i].data();
      auto vec = [&](int k) { return &d[k * 4]; };
      Mat<4, 4> A, B;
      for (int c = 0; c < 4; ++c)
        for (int row = 0; row < 4; ++row) {
          A[c][row] = Exact(f, vec(c)[row]);
          B[c][row] = Exact(f, vec(4 + c)[row]);
        }
      std::array<Bound, 4> v;
      for (int c = 0; c < 4; ++c) v[c] = Exact(f, vec(8)[c]);
      float cv[9] = {vec(9)[0],  vec(9)[1],  vec(9)[2],  vec(9)[3], vec(10)[0],
                     vec(10)[1], vec(10)[2], vec(10)[3], vec(11)[0]};
      Mat<3, 3> C;
      for (int c = 0; c < 3; ++c)
        for (int row = 0; row < 3; ++row) C[c][row] = Exact(f, cv[c * 3 + row]);
      Mat<2, 2> D;
      D[0][0] = Exact(f, vec(11)[1]);
      D[0][1] = Exact(f, vec(11)[2]);
      D[1][0] = Exact(f, vec(11)[3]);
      D[1][1] = v[0];
      int k = static_cast<int>(std::fabs(vec(8)[3])) & 3;

      const float* g = &got[i * 128];
      auto near = [&](const std::string& what, int slot, const Bound& b) {
        m.Near(what, i, g[slot], b.value(), b.error());
      };
      for (int row = 0; row < 4; ++row) {
        std::vector<Bound> t;
        for (int c = 0; c < 4; ++c) t.push_back(A[c][row] * v[c]);
        near("A * v [" + std::to_string(row) + "]", row, Sum(t));
      }
      for (int c = 0; c < 4; ++c) near("v * A [" + std::to_string(c) + "]", 4 + c, DotN(v.data(), A[c].data(), 4));
      for (int j = 0; j < 4; ++j)
        for (int row = 0; row < 4; ++row) {
          std::vector<Bound> t;
          for (int c = 0; c < 4; ++c) t.push_back(A[c][row] * B[j][c]);
          std::string at = CellName(j, row);
          near("A * B " + at, 8 + j * 4 + row, Sum(t));
          near("A * 0.75 " + at, 24 + j * 4 + row, A[j][row] * Exact(f, 0.75));
          m.Equal("transpose(A) " + at, i, g[40 + j * 4 + row], vec(row)[j]);
          near("matrixCompMult " + at, 56 + j * 4 + row, A[j][row] * B[j][row]);
          near("outerProduct(v, B[1]) " + at, 72 + j * 4 + row, v[row] * B[1][j]);
          near("A + B " + at, 88 + j * 4 + row, A[j][row] + B[j][row]);
        }
      for (int row = 0; row < 4; ++row) m.Equal("-B[k]", i, g[104 + row], -vec(4 + k)[row]);
      m.Equal("A[k][3-k]", i, g[108], vec(k)[3 - k]);
      near("determinant(mat3) (cofactor bound x4)", 109, Widen(Det3(C), kUndefinedPrecisionFactor));
      Bound det = Det2(D[0][0], D[0][1], D[1][0], D[1][1]);
      Bound inverse[4] = {D[1][1] / det, -D[0][1] / det, -D[1][0] / det, D[0][0] / det};
      for (int c = 0; c < 4; ++c)
        near("inverse(mat2) (adjugate / det bound x4)", 110 + c, Widen(inverse[c], kUndefinedPrecisionFactor));
      // N = mat2x3(A[0].xyz, A[1].xyz), M = mat3x2(B[0].xy, B[1].xy, B[2].xy), NM = N * M (3x3).
      int slot = 114;
      for (int j = 0; j < 3; ++j)
        for (int row = 0; row < 3; ++row)
          near("mat2x3 * mat3x2 [" + std::to_string(j) + "][" + std::to_string(row) + "]", slot++,
               A[0][row] * B[j][0] + A[1][row] * B[j][1]);
      for (int row = 0; row < 3; ++row)
        near("mat2x3 * vec2 [" + std::to_string(row) + "]", 123 + row, A[0][row] * v[0] + A[1][row] * v[1]);
      near("(mat3x2 * vec3).x", 126, Sum({B[0][0] * v[0], B[1][0] * v[1], B[2][0] * v[2]}));
      near("determinant(mat2) (x4)", 127, Widen(Det2(A[2][0], A[2][1], A[3][0], A[3][1]), kUndefinedPrecisionFactor));
    }
  });
}

TEST(Matrices, DoublePrecisionMatrices) {
  constexpr size_t kElements = 256;
  Rng rng(42);
  std::vector<std::array<double, 24>> data(kElements);  // 6 dvec4 per element
  for (auto& e : data) {
    for (double& v : e) v = rng.Uniform(-4, 4);
    // A = dmat3(d0.xyz, (d0.w, d1.xy), (d1.zw, d2.x)): diagonal d0.x, d1.x, d2.x.
    e[0] += 10;
    e[4] -= 10;
    e[8] += 10;
    // D = dmat2(d5.yz, (d5.w, v.x)), v.x = d4.z: diagonal d5.y, d4.z.
    e[21] += 8;
    e[18] -= 8;
  }
  Job job = ElementwiseJob("matrices64", Bytes(data), {kElements * 24 * 8}, kElements, Features({Feature::Float64}),
                           Compare::Checker);
  RunAndCheck(job, [&](const JobResult& r, Mismatches& m) {
    auto got = r.Buffer<double>(1);
    const FloatFormat& f = kFloat64;
    for (size_t i = 0; i < kElements; ++i) {
      const double* d = data[i].data();
      Mat<3, 3> A, B;
      for (int c = 0; c < 3; ++c)
        for (int row = 0; row < 3; ++row) {
          A[c][row] = Exact(f, d[c * 3 + row]);
          B[c][row] = Exact(f, d[9 + c * 3 + row]);
        }
      Bound v[3] = {Exact(f, d[18]), Exact(f, d[19]), Exact(f, d[20])};
      Bound D00 = Exact(f, d[21]), D01 = Exact(f, d[22]), D10 = Exact(f, d[23]), D11 = v[0];
      const double* g = &got[i * 24];
      auto near = [&](const std::string& what, int slot, const Bound& b) {
        m.Near(what, i, g[slot], b.value(), b.error());
      };
      for (int row = 0; row < 3; ++row) near("A * v", row, Sum({A[0][row] * v[0], A[1][row] * v[1], A[2][row] * v[2]}));
      for (int j = 0; j < 3; ++j)
        for (int row = 0; row < 3; ++row)
          near("A * B", 3 + j * 3 + row, Sum({A[0][row] * B[j][0], A[1][row] * B[j][1], A[2][row] * B[j][2]}));
      m.Equal("transpose(B)[0][1]", i, g[12], d[9 + 1 * 3 + 0]);
      m.Equal("transpose(B)[2][0]", i, g[13], d[9 + 0 * 3 + 2]);
      m.Equal("transpose(B)[1][2]", i, g[14], d[9 + 2 * 3 + 1]);
      near("determinant(dmat3) (x4)", 15, Widen(Det3(A), kUndefinedPrecisionFactor));
      Bound det = Det2(D00, D01, D10, D11);
      Bound inverse[4] = {D11 / det, -D01 / det, -D10 / det, D00 / det};
      for (int c = 0; c < 4; ++c) near("inverse(dmat2) (x4)", 16 + c, Widen(inverse[c], kUndefinedPrecisionFactor));
      for (int c = 0; c < 3; ++c) near("v * A", 20 + c, DotN(v, A[c].data(), 3));
      near("determinant(dmat2) (x4)", 23, Widen(det, kUndefinedPrecisionFactor));
    }
  });
}

}  // namespace
}  // namespace kiln_test::compute
