// The IR's handlers (ops.h). Each loops over components and lanes of one operation on one scalar
// type; lowering picks the instantiation. Values whose result SPIR-V leaves undefined (division by
// zero, shifts past the width, float-to-integer overflow) get a defined answer here, never a trap.
#include "ops.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#if defined(__AVX2__)
#include <immintrin.h>
#endif

// This file is compiled once per instruction-set level, in namespace kiln::spirv::KILN_OPS_ISA
// (ops_avx2.cpp includes it with KILN_OPS_ISA=avx2 and AVX2 + FMA code generation).
#ifndef KILN_OPS_ISA
#define KILN_OPS_ISA baseline
#define KILN_OPS_ISA_NAME "baseline"
#endif

namespace kiln::spirv::KILN_OPS_ISA {

namespace {

// ---- 16-bit floats: stored as their bits, computed in float ----

struct Half {
    uint16_t bits;
};

float half_to_float(uint16_t h) {
    const uint32_t sign = uint32_t(h & 0x8000) << 16;
    uint32_t exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
    uint32_t f;
    if (exponent == 0) {
        if (mantissa == 0) {
            f = sign;
        } else {  // subnormal: normalize
            exponent = 127 - 15 + 1;
            while (!(mantissa & 0x400)) {
                mantissa <<= 1;
                --exponent;
            }
            f = sign | (exponent << 23) | ((mantissa & 0x3ff) << 13);
        }
    } else if (exponent == 31) {
        f = sign | 0x7f800000 | (mantissa << 13);
    } else {
        f = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
    }
    return std::bit_cast<float>(f);
}

uint16_t float_to_half(float value) {
    const uint32_t f = std::bit_cast<uint32_t>(value);
    const uint16_t sign = uint16_t((f >> 16) & 0x8000);
    const int32_t exponent = int32_t((f >> 23) & 0xff) - 127 + 15;
    uint32_t mantissa = f & 0x7fffff;
    if (((f >> 23) & 0xff) == 0xff)  // inf, nan
        return uint16_t(sign | 0x7c00 | (mantissa ? 0x200 : 0));
    if (exponent >= 31)
        return uint16_t(sign | 0x7c00);
    if (exponent <= 0) {
        if (exponent < -10)
            return sign;
        mantissa |= 0x800000;
        const uint32_t shift = uint32_t(14 - exponent);
        uint32_t h = mantissa >> shift;
        const uint32_t rest = mantissa & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rest > half || (rest == half && (h & 1)))
            ++h;
        return uint16_t(sign | h);
    }
    uint32_t h = (uint32_t(exponent) << 10) | (mantissa >> 13);
    const uint32_t rest = mantissa & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (h & 1)))
        ++h;  // may carry into the exponent, which is right (rounds up to the next binade or inf)
    return uint16_t(sign | h);
}

// ---- registers by type ----

// Lane l of a value held in registers from `r` (see ir.h: a 64-bit value's high word is one
// register -- kLanes words -- after its low word).
template <typename T>
struct Reg {
    static constexpr uint32_t words = sizeof(T) == 8 ? 2 : 1;
    static T lane(const uint32_t* r, uint32_t l) {
        if constexpr (sizeof(T) == 8) {
            const uint64_t v = uint64_t(r[l]) | uint64_t(r[l + kLanes]) << 32;
            return std::bit_cast<T>(v);
        } else if constexpr (std::is_same_v<T, float>) {
            return std::bit_cast<float>(r[l]);
        } else {
            return T(r[l]);  // narrow integers: the low bits
        }
    }
    static void set_lane(uint32_t* r, uint32_t l, T v) {
        if constexpr (sizeof(T) == 8) {
            const uint64_t u = std::bit_cast<uint64_t>(v);
            r[l] = uint32_t(u);
            r[l + kLanes] = uint32_t(u >> 32);
        } else if constexpr (std::is_same_v<T, float>) {
            r[l] = std::bit_cast<uint32_t>(v);
        } else if constexpr (std::is_signed_v<T>) {
            r[l] = uint32_t(int32_t(v));  // sign-extended
        } else {
            r[l] = uint32_t(v);
        }
    }
    static T get(const Batch& b, uint32_t r, uint32_t l) { return lane(b.reg(r), l); }
    static void set(Batch& b, uint32_t r, uint32_t l, T v) { set_lane(b.reg(r), l, v); }
};

template <>
struct Reg<Half> {
    static constexpr uint32_t words = 1;
    static float lane(const uint32_t* r, uint32_t l) { return half_to_float(uint16_t(r[l])); }
    static void set_lane(uint32_t* r, uint32_t l, float v) { r[l] = float_to_half(v); }
    static float get(const Batch& b, uint32_t r, uint32_t l) { return lane(b.reg(r), l); }
    static void set(Batch& b, uint32_t r, uint32_t l, float v) { set_lane(b.reg(r), l, v); }
};

// The type arithmetic runs in: Half computes in float.
template <typename T>
using Calc = std::conditional_t<std::is_same_v<T, Half>, float, T>;

template <typename T>
constexpr bool is_float = std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, Half>;

inline bool active(LaneMask mask, uint32_t l) { return (mask >> l) & 1; }

// Loops over the lanes of one component: the registers are __restrict parameters (a result is never
// its own operand in SSA), so that the compiler vectorizes them without overlap checks.
template <typename T, typename F>
inline void lanes_unary(uint32_t* __restrict d, const uint32_t* __restrict x, F f) {
    for (uint32_t l = 0; l < kLanes; ++l)
        Reg<T>::set_lane(d, l, f(Reg<T>::lane(x, l)));
}
template <typename T, typename F>
inline void lanes_binary(uint32_t* __restrict d, const uint32_t* __restrict x, const uint32_t* __restrict y, F f) {
    for (uint32_t l = 0; l < kLanes; ++l)
        Reg<T>::set_lane(d, l, f(Reg<T>::lane(x, l), Reg<T>::lane(y, l)));
}
template <typename T, typename F>
inline void lanes_ternary(uint32_t* __restrict d, const uint32_t* __restrict x, const uint32_t* __restrict y,
                          const uint32_t* __restrict z, F f) {
    for (uint32_t l = 0; l < kLanes; ++l)
        Reg<T>::set_lane(d, l, f(Reg<T>::lane(x, l), Reg<T>::lane(y, l), Reg<T>::lane(z, l)));
}
template <typename T, typename F>
inline void lanes_compare(uint32_t* __restrict d, const uint32_t* __restrict x, const uint32_t* __restrict y, F f) {
    for (uint32_t l = 0; l < kLanes; ++l)
        d[l] = f(Reg<T>::lane(x, l), Reg<T>::lane(y, l)) ? 1 : 0;
}

// sum[l] += x[l] * y[l]: the running sums of dot products, lane by lane (multiplied, then added).
template <typename T>
inline void lanes_add_products(Calc<T>* __restrict sum, const uint32_t* __restrict x, const uint32_t* __restrict y) {
    for (uint32_t l = 0; l < kLanes; ++l)
        sum[l] += Calc<T>(Reg<T>::lane(x, l)) * Calc<T>(Reg<T>::lane(y, l));
}
template <typename T>
inline void lanes_store(uint32_t* __restrict d, const Calc<T>* __restrict v) {
    for (uint32_t l = 0; l < kLanes; ++l)
        Reg<T>::set_lane(d, l, v[l]);
}

template <typename T, typename F>
void map_unary(const Ins& ins, Batch& b, LaneMask, F f) {
    constexpr uint32_t W = Reg<T>::words;
    for (uint32_t c = 0; c < ins.n; ++c)
        lanes_unary<T>(b.reg(ins.dst + c * W), b.reg(ins.a + c * W), f);
}

template <typename T, typename F>
void map_binary(const Ins& ins, Batch& b, LaneMask, F f) {
    constexpr uint32_t W = Reg<T>::words;
    for (uint32_t c = 0; c < ins.n; ++c)
        lanes_binary<T>(b.reg(ins.dst + c * W), b.reg(ins.a + c * W), b.reg(ins.b + c * W), f);
}

template <typename T, typename F>
void map_ternary(const Ins& ins, Batch& b, LaneMask, F f) {
    constexpr uint32_t W = Reg<T>::words;
    for (uint32_t c = 0; c < ins.n; ++c)
        lanes_ternary<T>(b.reg(ins.dst + c * W), b.reg(ins.a + c * W), b.reg(ins.b + c * W), b.reg(ins.c + c * W), f);
}

// Comparisons: bool results, one word each.
template <typename T, typename F>
void map_compare(const Ins& ins, Batch& b, LaneMask, F f) {
    constexpr uint32_t W = Reg<T>::words;
    for (uint32_t c = 0; c < ins.n; ++c)
        lanes_compare<T>(b.reg(ins.dst + c), b.reg(ins.a + c * W), b.reg(ins.b + c * W), f);
}

template <typename T>
using U = std::make_unsigned_t<T>;

// Integer arithmetic wraps (done unsigned); division by zero gives 0 and INT_MIN / -1 wraps,
// where SPIR-V leaves the result undefined and the host would trap.
template <typename T>
T wrap_add(T a, T b) { return T(U<T>(a) + U<T>(b)); }
template <typename T>
T wrap_sub(T a, T b) { return T(U<T>(a) - U<T>(b)); }
template <typename T>
T wrap_mul(T a, T b) {
    using Wide = std::conditional_t<(sizeof(T) < 4), uint32_t, U<T>>;
    return T(Wide(U<T>(a)) * Wide(U<T>(b)));
}
template <typename T>
T safe_div(T a, T b) {
    if (b == 0)
        return 0;
    if constexpr (std::is_signed_v<T>)
        if (b == T(-1))
            return wrap_sub(T(0), a);
    return T(a / b);
}
template <typename T>
T safe_rem(T a, T b) {  // sign of the dividend (OpSRem, OpUMod)
    if (b == 0)
        return 0;
    if constexpr (std::is_signed_v<T>)
        if (b == T(-1))
            return 0;
    return T(a % b);
}
template <typename T>
T safe_mod(T a, T b) {  // sign of the divisor (OpSMod)
    const T r = safe_rem(a, b);
    if constexpr (std::is_signed_v<T>)
        if (r != 0 && ((r < 0) != (b < 0)))
            return wrap_add(r, b);
    return r;
}

template <typename T>
constexpr uint32_t bits_of = std::is_same_v<T, bool> ? 1 : sizeof(T) * 8;

// ---- arithmetic handlers ----

template <typename T, uint32_t Op>
void arith(const Ins& ins, Batch& b, LaneMask mask) {
    using C = Calc<T>;
    if constexpr (Op == 126)  // SNegate
        map_unary<T>(ins, b, mask, [](T a) { return wrap_sub(T(0), a); });
    else if constexpr (Op == 127)  // FNegate
        map_unary<T>(ins, b, mask, [](C a) { return C(-a); });
    else if constexpr (Op == 200)  // Not
        map_unary<T>(ins, b, mask, [](T a) { return T(~a); });
    else if constexpr (Op == 205)  // BitCount
        map_unary<T>(ins, b, mask, [](T a) { return T(std::popcount(U<T>(a))); });
    else if constexpr (Op == 204)  // BitReverse
        map_unary<T>(ins, b, mask, [](T a) {
            U<T> v = U<T>(a), r = 0;
            for (uint32_t i = 0; i < bits_of<T>; ++i)
                r = U<T>((r << 1) | ((v >> i) & 1));
            return T(r);
        });
    else if constexpr (Op == 128)
        map_binary<T>(ins, b, mask, [](T x, T y) { return wrap_add(x, y); });
    else if constexpr (Op == 130)
        map_binary<T>(ins, b, mask, [](T x, T y) { return wrap_sub(x, y); });
    else if constexpr (Op == 132)
        map_binary<T>(ins, b, mask, [](T x, T y) { return wrap_mul(x, y); });
    else if constexpr (Op == 134 || Op == 135)
        map_binary<T>(ins, b, mask, [](T x, T y) { return safe_div(x, y); });
    else if constexpr (Op == 137 || Op == 138)
        map_binary<T>(ins, b, mask, [](T x, T y) { return safe_rem(x, y); });
    else if constexpr (Op == 139)
        map_binary<T>(ins, b, mask, [](T x, T y) { return safe_mod(x, y); });
    else if constexpr (Op == 197)
        map_binary<T>(ins, b, mask, [](T x, T y) { return T(x | y); });
    else if constexpr (Op == 198)
        map_binary<T>(ins, b, mask, [](T x, T y) { return T(x ^ y); });
    else if constexpr (Op == 199)
        map_binary<T>(ins, b, mask, [](T x, T y) { return T(x & y); });
    else if constexpr (Op == 129)
        map_binary<T>(ins, b, mask, [](C x, C y) { return C(x + y); });
    else if constexpr (Op == 131)
        map_binary<T>(ins, b, mask, [](C x, C y) { return C(x - y); });
    else if constexpr (Op == 133)
        map_binary<T>(ins, b, mask, [](C x, C y) { return C(x * y); });
    else if constexpr (Op == 136)
        map_binary<T>(ins, b, mask, [](C x, C y) { return C(x / y); });
    else if constexpr (Op == 140)  // FRem: sign of the dividend
        map_binary<T>(ins, b, mask, [](C x, C y) { return C(std::fmod(x, y)); });
    else if constexpr (Op == 141)  // FMod: sign of the divisor
        map_binary<T>(ins, b, mask, [](C x, C y) { return C(x - y * std::floor(x / y)); });
    else
        static_assert(Op == 0, "not an arithmetic opcode");
}

// OpBitFieldInsert (201): base a, insert b, offset c, count: a register in ins.imm. OpBitFieldSExtract
// (202) and OpBitFieldUExtract (203): base a, offset b, count c. Offset and count are scalars (one
// word each, any integer width); out-of-range fields are undefined in SPIR-V and clamped here.
template <typename T, uint32_t Op>
void bitfield(const Ins& ins, Batch& b, LaneMask mask) {
    constexpr uint32_t W = Reg<T>::words, bits = sizeof(T) * 8;
    for (uint32_t c = 0; c < ins.n; ++c)
        for (uint32_t l = 0; l < kLanes; ++l) {
            const U<T> base = U<T>(Reg<T>::get(b, ins.a + c * W, l));
            const uint32_t offset = std::min<uint32_t>(b.reg(Op == 201 ? ins.c : ins.b)[l], bits);
            const uint32_t count = std::min<uint32_t>(b.reg(Op == 201 ? ins.imm : ins.c)[l], bits - offset);
            const U<T> field = count == bits ? U<T>(~U<T>(0)) : U<T>((U<T>(1) << count) - 1);
            U<T> r;
            if constexpr (Op == 201) {
                const U<T> insert = U<T>(Reg<T>::get(b, ins.b + c * W, l));
                r = U<T>((base & ~U<T>(field << offset)) | U<T>((insert & field) << offset));
            } else {
                r = count == 0 ? U<T>(0) : U<T>((base >> offset) & field);
                if (Op == 202 && count && count < bits && ((r >> (count - 1)) & 1))
                    r = U<T>(r | ~field);  // sign-extend the field
            }
            Reg<T>::set(b, ins.dst + c * W, l, T(r));
        }
}

// OpIAddCarry (149), OpISubBorrow (150), OpUMulExtended (151), OpSMulExtended (152): a struct of
// two members of the operands' type -- the result, then the carry / borrow / high half.
template <typename T, uint32_t Op>
void extended(const Ins& ins, Batch& b, LaneMask mask) {
    constexpr uint32_t W = Reg<T>::words;
    using UT = U<T>;
    for (uint32_t c = 0; c < ins.n; ++c)
        for (uint32_t l = 0; l < kLanes; ++l) {
            const UT x = UT(Reg<T>::get(b, ins.a + c * W, l)), y = UT(Reg<T>::get(b, ins.b + c * W, l));
            UT lo, hi;
            if constexpr (Op == 149) {
                lo = UT(x + y);
                hi = lo < x ? 1 : 0;
            } else if constexpr (Op == 150) {
                lo = UT(x - y);
                hi = x < y ? 1 : 0;
            } else {
                using Wide = std::conditional_t<sizeof(T) == 8, unsigned __int128, uint64_t>;
                using SWide = std::conditional_t<sizeof(T) == 8, __int128, int64_t>;
                Wide product;
                if constexpr (Op == 152)
                    product = Wide(SWide(std::make_signed_t<T>(x)) * SWide(std::make_signed_t<T>(y)));
                else
                    product = Wide(x) * Wide(y);
                lo = UT(product);
                hi = UT(product >> (sizeof(T) * 8));
            }
            Reg<T>::set(b, ins.dst + c * W, l, T(lo));
            Reg<T>::set(b, ins.dst + (ins.n + c) * W, l, T(hi));
        }
}

// Shifts: the amount may be another width than the base (ins.imm: its words); amounts past the
// width shift by the amount modulo the width.
template <typename T, uint32_t Op>
void shift(const Ins& ins, Batch& b, LaneMask mask) {
    constexpr uint32_t W = Reg<T>::words;
    for (uint32_t c = 0; c < ins.n; ++c)
        for (uint32_t l = 0; l < kLanes; ++l) {
            const T x = Reg<T>::get(b, ins.a + c * W, l);
            const uint32_t amount = b.reg(ins.b + c * ins.imm)[l] % bits_of<T>;
            T r;
            if constexpr (Op == 196)
                r = T(U<T>(x) << amount);
            else if constexpr (Op == 194)
                r = T(U<T>(x) >> amount);
            else
                r = T(std::make_signed_t<T>(x) >> amount);
            Reg<T>::set(b, ins.dst + c * W, l, r);
        }
}

template <typename T, uint32_t Op>
void compare(const Ins& ins, Batch& b, LaneMask mask) {
    using C = Calc<T>;
    using S = std::make_signed_t<std::conditional_t<is_float<T>, int, T>>;
    using UT = std::make_unsigned_t<std::conditional_t<is_float<T>, int, T>>;
    if constexpr (Op == 170 || Op == 164)
        map_compare<T>(ins, b, mask, [](T x, T y) { return x == y; });
    else if constexpr (Op == 171 || Op == 165)
        map_compare<T>(ins, b, mask, [](T x, T y) { return x != y; });
    else if constexpr (Op == 166)
        map_compare<T>(ins, b, mask, [](T x, T y) { return x || y; });
    else if constexpr (Op == 167)
        map_compare<T>(ins, b, mask, [](T x, T y) { return x && y; });
    else if constexpr (Op == 172)
        map_compare<T>(ins, b, mask, [](T x, T y) { return UT(x) > UT(y); });
    else if constexpr (Op == 173)
        map_compare<T>(ins, b, mask, [](T x, T y) { return S(x) > S(y); });
    else if constexpr (Op == 174)
        map_compare<T>(ins, b, mask, [](T x, T y) { return UT(x) >= UT(y); });
    else if constexpr (Op == 175)
        map_compare<T>(ins, b, mask, [](T x, T y) { return S(x) >= S(y); });
    else if constexpr (Op == 176)
        map_compare<T>(ins, b, mask, [](T x, T y) { return UT(x) < UT(y); });
    else if constexpr (Op == 177)
        map_compare<T>(ins, b, mask, [](T x, T y) { return S(x) < S(y); });
    else if constexpr (Op == 178)
        map_compare<T>(ins, b, mask, [](T x, T y) { return UT(x) <= UT(y); });
    else if constexpr (Op == 179)
        map_compare<T>(ins, b, mask, [](T x, T y) { return S(x) <= S(y); });
    else if constexpr (Op >= 180 && Op <= 191) {
        // FOrd*: false when either is NaN; FUnord*: true when either is NaN.
        constexpr bool ordered = (Op % 2) == 0;
        // Without branches (bitwise & and |), so that the loop vectorizes.
        map_compare<T>(ins, b, mask, [](C x, C y) {
            const bool unordered = (x != x) | (y != y);
            bool holds;
            switch (Op & ~1u) {
            case 180: holds = x == y; break;
            case 182: holds = x != y; break;
            case 184: holds = x < y; break;
            case 186: holds = x > y; break;
            case 188: holds = x <= y; break;
            default: holds = x >= y; break;
            }
            return ordered ? (!unordered & holds) : (unordered | holds);
        });
    } else
        static_assert(Op == 0, "not a comparison");
}

template <typename T, uint32_t Op>
void classify(const Ins& ins, Batch& b, LaneMask mask) {  // IsNan, IsInf
    constexpr uint32_t W = Reg<T>::words;
    for (uint32_t c = 0; c < ins.n; ++c)
        for (uint32_t l = 0; l < kLanes; ++l) {
            const auto x = Reg<T>::get(b, ins.a + c * W, l);
            b.reg(ins.dst + c)[l] = (Op == 156 ? std::isnan(x) : std::isinf(x)) ? 1 : 0;
        }
}

void any_all(const Ins& ins, Batch& b, LaneMask mask) {  // imm: 1 = All
    for (uint32_t l = 0; l < kLanes; ++l) {
        bool any = false, all = true;
        for (uint32_t c = 0; c < ins.n; ++c) {
            const bool v = b.reg(ins.a + c)[l] != 0;
            any |= v;
            all &= v;
        }
        b.reg(ins.dst)[l] = (ins.imm ? all : any) ? 1 : 0;
    }
}

void logical_not(const Ins& ins, Batch& b, LaneMask mask) {
    for (uint32_t c = 0; c < ins.n; ++c)
        for (uint32_t l = 0; l < kLanes; ++l)
            b.reg(ins.dst + c)[l] = b.reg(ins.a + c)[l] ? 0 : 1;
}

// The instantiation of a handler template for a scalar type, or NULL when the template does not
// apply to it: `make` is a lambda template, []<typename T>() { return &arith<T, Op>; }, called with
// the C++ type registers hold that scalar as.
template <typename Make>
Handler for_int(Scalar type, Make make) {
    switch (type) {
    case Scalar::I8: return make.template operator()<int8_t>();
    case Scalar::U8: return make.template operator()<uint8_t>();
    case Scalar::I16: return make.template operator()<int16_t>();
    case Scalar::U16: return make.template operator()<uint16_t>();
    case Scalar::I32: return make.template operator()<int32_t>();
    case Scalar::U32: return make.template operator()<uint32_t>();
    case Scalar::I64: return make.template operator()<int64_t>();
    case Scalar::U64: return make.template operator()<uint64_t>();
    default: return nullptr;
    }
}
template <typename Make>
Handler for_float(Scalar type, Make make) {
    switch (type) {
    case Scalar::F16: return make.template operator()<Half>();
    case Scalar::F32: return make.template operator()<float>();
    case Scalar::F64: return make.template operator()<double>();
    default: return nullptr;
    }
}

template <uint32_t Op>
Handler int_arith(Scalar t) { return for_int(t, []<typename T>() { return &arith<T, Op>; }); }
template <uint32_t Op>
Handler float_arith(Scalar t) { return for_float(t, []<typename T>() { return &arith<T, Op>; }); }
template <uint32_t Op>
Handler int_bitfield(Scalar t) { return for_int(t, []<typename T>() { return &bitfield<T, Op>; }); }
template <uint32_t Op>
Handler int_shift(Scalar t) { return for_int(t, []<typename T>() { return &shift<T, Op>; }); }
template <uint32_t Op>
Handler int_compare(Scalar t) {
    return t == Scalar::Bool ? &compare<uint32_t, Op> : for_int(t, []<typename T>() { return &compare<T, Op>; });
}
template <uint32_t Op>
Handler float_compare(Scalar t) { return for_float(t, []<typename T>() { return &compare<T, Op>; }); }
template <uint32_t Op>
Handler float_classify(Scalar t) { return for_float(t, []<typename T>() { return &classify<T, Op>; }); }
// The carry/borrow/extended multiplies take 32- and 64-bit integers (8/16-bit would need wider rules).
template <uint32_t Op>
Handler int_extended(Scalar t) {
    return t == Scalar::I32 || t == Scalar::U32   ? &extended<uint32_t, Op>
           : t == Scalar::I64 || t == Scalar::U64 ? &extended<uint64_t, Op>
                                                  : nullptr;
}


// ---- conversions ----

template <typename To, typename From>
void convert(const Ins& ins, Batch& b, LaneMask mask) {
    constexpr uint32_t WT = Reg<To>::words, WF = Reg<From>::words;
    using CT = Calc<To>;
    using CF = Calc<From>;
    for (uint32_t c = 0; c < ins.n; ++c)
        for (uint32_t l = 0; l < kLanes; ++l) {
            const CF v = Reg<From>::get(b, ins.a + c * WF, l);
            CT r;
            if constexpr (is_float<From> && !is_float<To>) {
                // Out of range or NaN: undefined in SPIR-V; saturated here (never host UB).
                if (std::isnan(v))
                    r = 0;
                else if (v <= CF(std::numeric_limits<CT>::lowest()))
                    r = std::numeric_limits<CT>::lowest();
                else if (v >= CF(std::numeric_limits<CT>::max()))
                    r = std::numeric_limits<CT>::max();
                else
                    r = CT(v);
            } else {
                r = CT(v);
            }
            Reg<To>::set(b, ins.dst + c * WT, l, r);
        }
}

template <typename To>
Handler convert_from(Scalar from) {
    switch (from) {
    case Scalar::I8: return &convert<To, int8_t>;
    case Scalar::U8: return &convert<To, uint8_t>;
    case Scalar::I16: return &convert<To, int16_t>;
    case Scalar::U16: return &convert<To, uint16_t>;
    case Scalar::I32: return &convert<To, int32_t>;
    case Scalar::U32: return &convert<To, uint32_t>;
    case Scalar::I64: return &convert<To, int64_t>;
    case Scalar::U64: return &convert<To, uint64_t>;
    case Scalar::F16: return &convert<To, Half>;
    case Scalar::F32: return &convert<To, float>;
    case Scalar::F64: return &convert<To, double>;
    default: return nullptr;
    }
}

// ---- GLSL.std.450 ----

template <typename T, uint32_t N>
void glsl(const Ins& ins, Batch& b, LaneMask mask) {
    using C = Calc<T>;
    if constexpr (is_float<T>) {
        switch (N) {
        case 1: return map_unary<T>(ins, b, mask, [](C x) { return C(std::round(x)); });
        case 2: return map_unary<T>(ins, b, mask, [](C x) { return C(std::nearbyint(x)); });
        case 3: return map_unary<T>(ins, b, mask, [](C x) { return C(std::trunc(x)); });
        case 4: return map_unary<T>(ins, b, mask, [](C x) { return C(std::fabs(x)); });
        case 6: return map_unary<T>(ins, b, mask, [](C x) { return C(x > 0 ? 1 : x < 0 ? -1 : 0); });
        case 8: return map_unary<T>(ins, b, mask, [](C x) { return C(std::floor(x)); });
        case 9: return map_unary<T>(ins, b, mask, [](C x) { return C(std::ceil(x)); });
        case 10: return map_unary<T>(ins, b, mask, [](C x) { return C(x - std::floor(x)); });
        case 11: return map_unary<T>(ins, b, mask, [](C x) { return C(x * C(M_PI / 180)); });
        case 12: return map_unary<T>(ins, b, mask, [](C x) { return C(x * C(180 / M_PI)); });
        case 13: return map_unary<T>(ins, b, mask, [](C x) { return C(std::sin(x)); });
        case 14: return map_unary<T>(ins, b, mask, [](C x) { return C(std::cos(x)); });
        case 15: return map_unary<T>(ins, b, mask, [](C x) { return C(std::tan(x)); });
        case 16: return map_unary<T>(ins, b, mask, [](C x) { return C(std::asin(x)); });
        case 17: return map_unary<T>(ins, b, mask, [](C x) { return C(std::acos(x)); });
        case 18: return map_unary<T>(ins, b, mask, [](C x) { return C(std::atan(x)); });
        case 19: return map_unary<T>(ins, b, mask, [](C x) { return C(std::sinh(x)); });
        case 20: return map_unary<T>(ins, b, mask, [](C x) { return C(std::cosh(x)); });
        case 21: return map_unary<T>(ins, b, mask, [](C x) { return C(std::tanh(x)); });
        case 22: return map_unary<T>(ins, b, mask, [](C x) { return C(std::asinh(x)); });
        case 23: return map_unary<T>(ins, b, mask, [](C x) { return C(std::acosh(x)); });
        case 24: return map_unary<T>(ins, b, mask, [](C x) { return C(std::atanh(x)); });
        case 25: return map_binary<T>(ins, b, mask, [](C y, C x) { return C(std::atan2(y, x)); });
        case 26: return map_binary<T>(ins, b, mask, [](C x, C y) { return C(std::pow(x, y)); });
        case 27: return map_unary<T>(ins, b, mask, [](C x) { return C(std::exp(x)); });
        case 28: return map_unary<T>(ins, b, mask, [](C x) { return C(std::log(x)); });
        case 29: return map_unary<T>(ins, b, mask, [](C x) { return C(std::exp2(x)); });
        case 30: return map_unary<T>(ins, b, mask, [](C x) { return C(std::log2(x)); });
        case 31: return map_unary<T>(ins, b, mask, [](C x) { return C(std::sqrt(x)); });
        case 32: return map_unary<T>(ins, b, mask, [](C x) { return C(1 / std::sqrt(x)); });
        case 37: return map_binary<T>(ins, b, mask, [](C x, C y) { return C(y < x ? y : x); });  // FMin
        case 40: return map_binary<T>(ins, b, mask, [](C x, C y) { return C(x < y ? y : x); });  // FMax
        case 43: return map_ternary<T>(ins, b, mask, [](C x, C lo, C hi) { return C(std::fmin(std::fmax(x, lo), hi)); });
        case 46: return map_ternary<T>(ins, b, mask, [](C x, C y, C a) { return C(x * (1 - a) + y * a); });
        case 48: return map_binary<T>(ins, b, mask, [](C edge, C x) { return C(x < edge ? 0 : 1); });
        case 49: return map_ternary<T>(ins, b, mask, [](C e0, C e1, C x) {
            C t = (x - e0) / (e1 - e0);
            t = t < 0 ? 0 : t > 1 ? 1 : t;
            return C(t * t * (3 - 2 * t));
        });
        case 50: return map_ternary<T>(ins, b, mask, [](C a, C x, C y) { return C(std::fma(a, x, y)); });
        case 79: return map_binary<T>(ins, b, mask, [](C x, C y) { return C(std::fmin(x, y)); });  // NMin
        case 80: return map_binary<T>(ins, b, mask, [](C x, C y) { return C(std::fmax(x, y)); });  // NMax
        case 81: return map_ternary<T>(ins, b, mask, [](C x, C lo, C hi) { return C(std::fmin(std::fmax(x, lo), hi)); });
        default: return;
        }
    } else {
        using S = std::make_signed_t<T>;
        using UT = std::make_unsigned_t<T>;
        switch (N) {
        case 5: return map_unary<T>(ins, b, mask, [](T x) { return S(x) < 0 ? wrap_sub(T(0), x) : x; });
        case 7: return map_unary<T>(ins, b, mask, [](T x) { return T(S(x) > 0 ? 1 : S(x) < 0 ? -1 : 0); });
        case 38: return map_binary<T>(ins, b, mask, [](T x, T y) { return UT(y) < UT(x) ? y : x; });
        case 39: return map_binary<T>(ins, b, mask, [](T x, T y) { return S(y) < S(x) ? y : x; });
        case 41: return map_binary<T>(ins, b, mask, [](T x, T y) { return UT(x) < UT(y) ? y : x; });
        case 42: return map_binary<T>(ins, b, mask, [](T x, T y) { return S(x) < S(y) ? y : x; });
        case 44: return map_ternary<T>(ins, b, mask, [](T x, T lo, T hi) {
            const UT v = UT(x) < UT(lo) ? UT(lo) : UT(x);
            return T(UT(hi) < v ? UT(hi) : v);
        });
        case 45: return map_ternary<T>(ins, b, mask, [](T x, T lo, T hi) {
            const S v = S(x) < S(lo) ? S(lo) : S(x);
            return T(S(hi) < v ? S(hi) : v);
        });
        case 73: return map_unary<T>(ins, b, mask, [](T x) { return T(x ? std::countr_zero(UT(x)) : -1); });
        case 74: return map_unary<T>(ins, b, mask, [](T x) {  // FindSMsb
            const UT v = S(x) < 0 ? UT(~UT(x)) : UT(x);
            return T(v ? int(sizeof(T) * 8 - 1 - std::countl_zero(v)) : -1);
        });
        case 75: return map_unary<T>(ins, b, mask, [](T x) {
            return T(x ? int(sizeof(T) * 8 - 1 - std::countl_zero(UT(x))) : -1);
        });
        default: return;
        }
    }
}

// GLSL.std.450 on whole vectors: Length (66), Distance (67), Cross (68), Normalize (69),
// FaceForward (70), Reflect (71), Refract (72). ins.n: the vector's components. Components outside,
// lanes inside, so that each step is one vector instruction over the lanes; every lane's sums run in
// component order, as the per-lane definitions say.
template <typename T, uint32_t N>
void glsl_vector(const Ins& ins, Batch& b, LaneMask) {
    using C = Calc<T>;
    constexpr uint32_t W = Reg<T>::words;
    const uint32_t n = ins.n;
    auto a = [&](uint32_t c) { return static_cast<const uint32_t*>(b.reg(ins.a + c * W)); };
    auto bb = [&](uint32_t c) { return static_cast<const uint32_t*>(b.reg(ins.b + c * W)); };
    auto out = [&](uint32_t c) { return b.reg(ins.dst + c * W); };
    alignas(64) C sum[kLanes] = {};
    if constexpr (N == 66 || N == 69) {
        for (uint32_t c = 0; c < n; ++c)
            lanes_add_products<T>(sum, a(c), a(c));
        for (uint32_t l = 0; l < kLanes; ++l)
            sum[l] = std::sqrt(sum[l]);
        if constexpr (N == 66)
            lanes_store<T>(out(0), sum);
        else
            for (uint32_t c = 0; c < n; ++c) {
                const uint32_t* x = a(c);
                uint32_t* d = out(c);
                for (uint32_t l = 0; l < kLanes; ++l)
                    Reg<T>::set_lane(d, l, C(Reg<T>::lane(x, l)) / sum[l]);
            }
    } else if constexpr (N == 67) {
        for (uint32_t c = 0; c < n; ++c) {
            const uint32_t *x = a(c), *y = bb(c);
            for (uint32_t l = 0; l < kLanes; ++l) {
                const C d = C(Reg<T>::lane(x, l)) - C(Reg<T>::lane(y, l));
                sum[l] += d * d;
            }
        }
        for (uint32_t l = 0; l < kLanes; ++l)
            sum[l] = std::sqrt(sum[l]);
        lanes_store<T>(out(0), sum);
    } else if constexpr (N == 68) {
        // x = a1 b2 - b1 a2, y = a2 b0 - b2 a0, z = a0 b1 - b0 a1
        for (uint32_t c = 0; c < 3; ++c) {
            const uint32_t i = (c + 1) % 3, j = (c + 2) % 3;
            const uint32_t *ai = a(i), *aj = a(j), *bi = bb(i), *bj = bb(j);
            uint32_t* d = out(c);
            for (uint32_t l = 0; l < kLanes; ++l)
                Reg<T>::set_lane(d, l, C(Reg<T>::lane(ai, l)) * C(Reg<T>::lane(bj, l)) -
                                           C(Reg<T>::lane(bi, l)) * C(Reg<T>::lane(aj, l)));
        }
    } else if constexpr (N == 70) {  // FaceForward(N, I, Nref): I . Nref < 0 ? N : -N
        for (uint32_t c = 0; c < n; ++c)
            lanes_add_products<T>(sum, b.reg(ins.c + c * W), bb(c));
        for (uint32_t c = 0; c < n; ++c) {
            const uint32_t* x = a(c);
            uint32_t* d = out(c);
            for (uint32_t l = 0; l < kLanes; ++l) {
                const C v = C(Reg<T>::lane(x, l));
                Reg<T>::set_lane(d, l, sum[l] < 0 ? v : C(-v));
            }
        }
    } else if constexpr (N == 71) {  // Reflect(I, N): I - 2 (N . I) N
        for (uint32_t c = 0; c < n; ++c)
            lanes_add_products<T>(sum, bb(c), a(c));
        for (uint32_t c = 0; c < n; ++c) {
            const uint32_t *x = a(c), *y = bb(c);
            uint32_t* d = out(c);
            for (uint32_t l = 0; l < kLanes; ++l)
                Reg<T>::set_lane(d, l, C(Reg<T>::lane(x, l)) - 2 * sum[l] * C(Reg<T>::lane(y, l)));
        }
    } else if constexpr (N == 72) {  // Refract(I, N, eta): eta is a scalar
        for (uint32_t c = 0; c < n; ++c)
            lanes_add_products<T>(sum, bb(c), a(c));
        const uint32_t* eta_reg = b.reg(ins.c);
        for (uint32_t c = 0; c < n; ++c) {
            const uint32_t *x = a(c), *y = bb(c);
            uint32_t* d = out(c);
            for (uint32_t l = 0; l < kLanes; ++l) {
                const C eta = C(Reg<T>::lane(eta_reg, l)), dot = sum[l];
                const C k = C(1) - eta * eta * (C(1) - dot * dot);
                Reg<T>::set_lane(d, l, k < 0 ? C(0) : C(eta * C(Reg<T>::lane(x, l)) - (eta * dot + std::sqrt(k)) *
                                                                                       C(Reg<T>::lane(y, l))));
            }
        }
    }
}

// Modf (35): dst = fraction, and the whole part into registers ins.c (lowering stores them through
// the pointer operand). FrexpStruct (52): dst = {fraction, exponent (32-bit int)}. Ldexp (53):
// a * 2^b with b 32-bit integers. ins.n: components.
template <typename T, uint32_t N>
void glsl_split(const Ins& ins, Batch& b, LaneMask mask) {
    using C = Calc<T>;
    constexpr uint32_t W = Reg<T>::words;
    for (uint32_t c = 0; c < ins.n; ++c)
        for (uint32_t l = 0; l < kLanes; ++l) {
            const C x = C(Reg<T>::get(b, ins.a + c * W, l));
            if constexpr (N == 35) {
                C whole;
                const C fraction = std::modf(x, &whole);
                Reg<T>::set(b, ins.dst + c * W, l, fraction);
                Reg<T>::set(b, ins.c + c * W, l, whole);
            } else if constexpr (N == 51) {
                int exponent = 0;
                const C fraction = std::isfinite(x) ? std::frexp(x, &exponent) : x;
                Reg<T>::set(b, ins.dst + c * W, l, fraction);
                b.reg(ins.c + c)[l] = uint32_t(exponent);
            } else if constexpr (N == 52) {
                int exponent = 0;
                const C fraction = std::isfinite(x) ? std::frexp(x, &exponent) : x;
                Reg<T>::set(b, ins.dst + c * W, l, fraction);
                b.reg(ins.dst + ins.n * W + c)[l] = uint32_t(exponent);
            } else {
                const int exponent = int(std::clamp<int32_t>(int32_t(b.reg(ins.b + c)[l]), -1100, 1100));
                Reg<T>::set(b, ins.dst + c * W, l, C(std::ldexp(x, exponent)));
            }
        }
}

// The packing instructions (54 to 64, not the double ones): 32-bit words <-> 2 or 4 normalized or
// half-float components. ins.imm: the instruction number.
void glsl_pack(const Ins& ins, Batch& b, LaneMask mask) {
    auto unorm = [](float v, float scale) { return uint32_t(std::lround(std::clamp(v, 0.0f, 1.0f) * scale)); };
    auto snorm = [](float v, float scale) { return uint32_t(int32_t(std::lround(std::clamp(v, -1.0f, 1.0f) * scale))); };
    for (uint32_t l = 0; l < kLanes; ++l) {
        auto in = [&](uint32_t c) { return std::bit_cast<float>(b.reg(ins.a + c)[l]); };
        auto out = [&](uint32_t c, float v) { b.reg(ins.dst + c)[l] = std::bit_cast<uint32_t>(v); };
        const uint32_t word = b.reg(ins.a)[l];
        switch (ins.imm) {
        case 54:
        case 55: {
            uint32_t r = 0;
            for (uint32_t c = 0; c < 4; ++c)
                r |= ((ins.imm == 54 ? snorm(in(c), 127) : unorm(in(c), 255)) & 0xff) << (8 * c);
            b.reg(ins.dst)[l] = r;
            break;
        }
        case 56:
        case 57: {
            uint32_t r = 0;
            for (uint32_t c = 0; c < 2; ++c)
                r |= ((ins.imm == 56 ? snorm(in(c), 32767) : unorm(in(c), 65535)) & 0xffff) << (16 * c);
            b.reg(ins.dst)[l] = r;
            break;
        }
        case 58:
            b.reg(ins.dst)[l] = uint32_t(float_to_half(in(0))) | uint32_t(float_to_half(in(1))) << 16;
            break;
        case 60:
        case 61:
            for (uint32_t c = 0; c < 2; ++c) {
                const uint32_t bits = (word >> (16 * c)) & 0xffff;
                out(c, ins.imm == 60 ? std::clamp(float(int16_t(bits)) / 32767.0f, -1.0f, 1.0f) : float(bits) / 65535.0f);
            }
            break;
        case 62:
            out(0, half_to_float(uint16_t(word)));
            out(1, half_to_float(uint16_t(word >> 16)));
            break;
        case 63:
        case 64:
            for (uint32_t c = 0; c < 4; ++c) {
                const uint32_t bits = (word >> (8 * c)) & 0xff;
                out(c, ins.imm == 63 ? std::clamp(float(int8_t(bits)) / 127.0f, -1.0f, 1.0f) : float(bits) / 255.0f);
            }
            break;
        default:
            break;
        }
    }
}

// Determinant (33) and MatrixInverse (34) of a square matrix of ins.n columns, by Gauss-Jordan
// elimination with partial pivoting in double precision (a singular matrix's inverse is undefined
// in GLSL; it comes out as infinities and NaNs here, never a trap).
template <typename T, uint32_t N>
void glsl_matrix(const Ins& ins, Batch& b, LaneMask mask) {
    constexpr uint32_t W = Reg<T>::words;
    const uint32_t n = ins.n;
    if (n < 2 || n > 4)
        return;
    for (uint32_t l = 0; l < kLanes; ++l) {
        double m[4][8] = {};
        for (uint32_t c = 0; c < n; ++c)
            for (uint32_t r = 0; r < n; ++r) {
                m[r][c] = double(Reg<T>::get(b, ins.a + (c * n + r) * W, l));
                m[r][n + c] = r == c ? 1.0 : 0.0;
            }
        double det = 1;
        for (uint32_t col = 0; col < n; ++col) {
            uint32_t pivot = col;
            for (uint32_t r = col + 1; r < n; ++r)
                if (std::fabs(m[r][col]) > std::fabs(m[pivot][col]))
                    pivot = r;
            if (pivot != col) {
                for (uint32_t k = 0; k < 2 * n; ++k)
                    std::swap(m[pivot][k], m[col][k]);
                det = -det;
            }
            const double p = m[col][col];
            det *= p;
            for (uint32_t k = 0; k < 2 * n; ++k)
                m[col][k] /= p;
            for (uint32_t r = 0; r < n; ++r) {
                if (r == col)
                    continue;
                const double f = m[r][col];
                for (uint32_t k = 0; k < 2 * n; ++k)
                    m[r][k] -= f * m[col][k];
            }
        }
        if constexpr (N == 33) {
            Reg<T>::set(b, ins.dst, l, Calc<T>(det));
        } else {
            for (uint32_t c = 0; c < n; ++c)
                for (uint32_t r = 0; r < n; ++r)
                    Reg<T>::set(b, ins.dst + (c * n + r) * W, l, Calc<T>(m[r][n + c]));
        }
    }
}

template <uint32_t N>
Handler glsl_matrix_of(Scalar t) { return for_float(t, []<typename T>() { return &glsl_matrix<T, N>; }); }
template <uint32_t N>
Handler glsl_split_of(Scalar t) { return for_float(t, []<typename T>() { return &glsl_split<T, N>; }); }
template <uint32_t N>
Handler glsl_float(Scalar t) { return for_float(t, []<typename T>() { return &glsl<T, N>; }); }
template <uint32_t N>
Handler glsl_int(Scalar t) { return for_int(t, []<typename T>() { return &glsl<T, N>; }); }
template <uint32_t N>
Handler glsl_vec(Scalar t) { return for_float(t, []<typename T>() { return &glsl_vector<T, N>; }); }

// ---- dot products and matrices ----

template <typename T>
void dot(const Ins& ins, Batch& b, LaneMask) {
    constexpr uint32_t W = Reg<T>::words;
    alignas(64) Calc<T> sum[kLanes] = {};
    for (uint32_t c = 0; c < ins.n; ++c)
        lanes_add_products<T>(sum, b.reg(ins.a + c * W), b.reg(ins.b + c * W));
    lanes_store<T>(b.reg(ins.dst), sum);
}

// Matrices are columns of `rows` components. ins.n: rows of the result; ins.imm: its columns;
// ins.aux: the inner dimension. Like dot: components outside, lanes inside, sums in order.
template <typename T, uint32_t Op>
void matrix(const Ins& ins, Batch& b, LaneMask) {
    using C = Calc<T>;
    constexpr uint32_t W = Reg<T>::words;
    const uint32_t rows = ins.n, columns = ins.imm, inner = ins.aux;
    auto A = [&](uint32_t i) { return static_cast<const uint32_t*>(b.reg(ins.a + i * W)); };
    auto B = [&](uint32_t i) { return static_cast<const uint32_t*>(b.reg(ins.b + i * W)); };
    auto out = [&](uint32_t i) { return b.reg(ins.dst + i * W); };
    auto times = [](C x, C y) { return x * y; };
    alignas(64) C sum[kLanes];
    auto sum_of_products = [&](uint32_t count, auto a_index, auto b_index, uint32_t result) {
        std::fill(sum, sum + kLanes, C(0));
        for (uint32_t k = 0; k < count; ++k)
            lanes_add_products<T>(sum, A(a_index(k)), B(b_index(k)));
        lanes_store<T>(out(result), sum);
    };
    if constexpr (Op == 142) {  // VectorTimesScalar, MatrixTimesScalar: n*imm components
        for (uint32_t i = 0; i < rows * columns; ++i)
            lanes_binary<T>(out(i), A(i), B(0), times);
    } else if constexpr (Op == 145) {  // MatrixTimesVector: (rows x inner) * inner
        for (uint32_t r = 0; r < rows; ++r)
            sum_of_products(inner, [&](uint32_t k) { return k * rows + r; }, [](uint32_t k) { return k; }, r);
    } else if constexpr (Op == 144) {  // VectorTimesMatrix: inner * (inner x columns)
        for (uint32_t col = 0; col < columns; ++col)
            sum_of_products(inner, [](uint32_t k) { return k; }, [&](uint32_t k) { return col * inner + k; }, col);
    } else if constexpr (Op == 146) {  // MatrixTimesMatrix: (rows x inner) * (inner x columns)
        for (uint32_t col = 0; col < columns; ++col)
            for (uint32_t r = 0; r < rows; ++r)
                sum_of_products(inner, [&](uint32_t k) { return k * rows + r; },
                                [&](uint32_t k) { return col * inner + k; }, col * rows + r);
    } else if constexpr (Op == 84) {  // Transpose: result rows x columns from columns x rows
        for (uint32_t col = 0; col < columns; ++col)
            for (uint32_t r = 0; r < rows; ++r)
                lanes_unary<T>(out(col * rows + r), A(r * columns + col), [](C x) { return x; });
    } else if constexpr (Op == 147) {  // OuterProduct: rows-vector x columns-vector
        for (uint32_t col = 0; col < columns; ++col)
            for (uint32_t r = 0; r < rows; ++r)
                lanes_binary<T>(out(col * rows + r), A(r), B(col), times);
    }
}

// ---- atomics ----

template <typename T, uint32_t Op>
void atomic(const Ins& ins, Batch& b, LaneMask mask);

}  // namespace

Handler arithmetic_handler(uint32_t op, Scalar type) {
    const bool floating = type == Scalar::F16 || type == Scalar::F32 || type == Scalar::F64;
    switch (op) {
    case 126: return int_arith<126>(type);
    case 127: return float_arith<127>(type);
    case 200: return int_arith<200>(type);
    case 205: return int_arith<205>(type);
    case 204: return int_arith<204>(type);
    case 128: return int_arith<128>(type);
    case 130: return int_arith<130>(type);
    case 132: return int_arith<132>(type);
    case 134: return int_arith<134>(type);
    case 135: return int_arith<135>(type);
    case 137: return int_arith<137>(type);
    case 138: return int_arith<138>(type);
    case 139: return int_arith<139>(type);
    case 197: return int_arith<197>(type);
    case 198: return int_arith<198>(type);
    case 199: return int_arith<199>(type);
    case 149: return int_extended<149>(type);
    case 150: return int_extended<150>(type);
    case 151: return int_extended<151>(type);
    case 152: return int_extended<152>(type);
    case 201: return int_bitfield<201>(type);
    case 202: return int_bitfield<202>(type);
    case 203: return int_bitfield<203>(type);
    case 194: return int_shift<194>(type);
    case 195: return int_shift<195>(type);
    case 196: return int_shift<196>(type);
    case 129: return float_arith<129>(type);
    case 131: return float_arith<131>(type);
    case 133: return float_arith<133>(type);
    case 136: return float_arith<136>(type);
    case 140: return float_arith<140>(type);
    case 141: return float_arith<141>(type);
    case 156: return float_classify<156>(type);
    case 157: return float_classify<157>(type);
    case 154:
    case 155: return type == Scalar::Bool ? &any_all : nullptr;
    case 168: return type == Scalar::Bool ? &logical_not : nullptr;
    case 164: return type == Scalar::Bool ? &compare<uint32_t, 164> : nullptr;
    case 165: return type == Scalar::Bool ? &compare<uint32_t, 165> : nullptr;
    case 166: return type == Scalar::Bool ? &compare<uint32_t, 166> : nullptr;
    case 167: return type == Scalar::Bool ? &compare<uint32_t, 167> : nullptr;
    case 170: return !floating ? int_compare<170>(type) : nullptr;
    case 171: return !floating ? int_compare<171>(type) : nullptr;
    case 172: return int_compare<172>(type);
    case 173: return int_compare<173>(type);
    case 174: return int_compare<174>(type);
    case 175: return int_compare<175>(type);
    case 176: return int_compare<176>(type);
    case 177: return int_compare<177>(type);
    case 178: return int_compare<178>(type);
    case 179: return int_compare<179>(type);
#define KILN_FCMP(N) \
    case N: return float_compare<N>(type);
    KILN_FCMP(180) KILN_FCMP(181) KILN_FCMP(182) KILN_FCMP(183) KILN_FCMP(184) KILN_FCMP(185)
    KILN_FCMP(186) KILN_FCMP(187) KILN_FCMP(188) KILN_FCMP(189) KILN_FCMP(190) KILN_FCMP(191)
#undef KILN_FCMP
    default: return nullptr;
    }
}

Handler conversion_handler(uint32_t, Scalar to, Scalar from) {
    switch (to) {
    case Scalar::I8: return convert_from<int8_t>(from);
    case Scalar::U8: return convert_from<uint8_t>(from);
    case Scalar::I16: return convert_from<int16_t>(from);
    case Scalar::U16: return convert_from<uint16_t>(from);
    case Scalar::I32: return convert_from<int32_t>(from);
    case Scalar::U32: return convert_from<uint32_t>(from);
    case Scalar::I64: return convert_from<int64_t>(from);
    case Scalar::U64: return convert_from<uint64_t>(from);
    case Scalar::F16: return convert_from<Half>(from);
    case Scalar::F32: return convert_from<float>(from);
    case Scalar::F64: return convert_from<double>(from);
    default: return nullptr;
    }
}

Handler glsl_handler(uint32_t number, Scalar type) {
    if (number >= 54 && number <= 64 && number != 59)
        return &glsl_pack;
    switch (number) {
    case 35: return glsl_split_of<35>(type);
    case 51: return glsl_split_of<51>(type);
    case 52: return glsl_split_of<52>(type);
    case 53: return glsl_split_of<53>(type);
#define KILN_GF(N) \
    case N: return glsl_float<N>(type);
#define KILN_GI(N) \
    case N: return glsl_int<N>(type);
#define KILN_GV(N) \
    case N: return glsl_vec<N>(type);
    KILN_GF(1) KILN_GF(2) KILN_GF(3) KILN_GF(4) KILN_GF(6) KILN_GF(8) KILN_GF(9) KILN_GF(10) KILN_GF(11)
    KILN_GF(12) KILN_GF(13) KILN_GF(14) KILN_GF(15) KILN_GF(16) KILN_GF(17) KILN_GF(18) KILN_GF(19)
    KILN_GF(20) KILN_GF(21) KILN_GF(22) KILN_GF(23) KILN_GF(24) KILN_GF(25) KILN_GF(26) KILN_GF(27)
    KILN_GF(28) KILN_GF(29) KILN_GF(30) KILN_GF(31) KILN_GF(32) KILN_GF(37) KILN_GF(40) KILN_GF(43)
    KILN_GF(46) KILN_GF(48) KILN_GF(49) KILN_GF(50) KILN_GF(79) KILN_GF(80) KILN_GF(81)
    KILN_GI(5) KILN_GI(7) KILN_GI(38) KILN_GI(39) KILN_GI(41) KILN_GI(42) KILN_GI(44) KILN_GI(45)
    KILN_GI(73) KILN_GI(74) KILN_GI(75)
    KILN_GV(66) KILN_GV(67) KILN_GV(68) KILN_GV(69) KILN_GV(70) KILN_GV(71) KILN_GV(72)
    case 33: return glsl_matrix_of<33>(type);
    case 34: return glsl_matrix_of<34>(type);
#undef KILN_GF
#undef KILN_GI
#undef KILN_GV
    default: return nullptr;
    }
}

Handler dot_handler(Scalar type) {
    return for_float(type, []<typename T>() { return &dot<T>; });
}

Handler matrix_handler(uint32_t op, Scalar type) {
    switch (op) {
#define KILN_MAT(N) \
    case N: return for_float(type, []<typename T>() { return &matrix<T, N>; });
    KILN_MAT(142) KILN_MAT(144) KILN_MAT(145) KILN_MAT(146) KILN_MAT(84) KILN_MAT(147)
#undef KILN_MAT
    default: return nullptr;
    }
}

// ---- moves ----

void copy_words(const Ins& ins, Batch& b, LaneMask mask) {
    for (uint32_t w = 0; w < ins.n; ++w) {
        uint32_t* dst = b.reg(ins.dst + w);
        const uint32_t* src = b.reg(ins.a + w);
        for (uint32_t l = 0; l < kLanes; ++l)
            dst[l] = src[l];
    }
}

// A store to a variable kept in registers (lowering's register-backed variables): the lanes of the
// mask only, as a store to memory would.
void store_register(const Ins& ins, Batch& b, LaneMask mask) {
    for (uint32_t w = 0; w < ins.n; ++w) {
        if (mask == kAllLanes)
            copy_lanes(b.reg(ins.dst + w), b.reg(ins.a + w));
        else
            blend_lanes(b.reg(ins.dst + w), b.reg(ins.a + w), mask);
    }
}

// OpSelect: a is the condition (one bool, or one per component when imm != 0: ins.aux words per
// component); b and c the objects.
void select_words(const Ins& ins, Batch& b, LaneMask mask) {
    for (uint32_t w = 0; w < ins.n; ++w) {
        const uint32_t* cond = b.reg(ins.a + (ins.imm ? w / ins.aux : 0));
        const uint32_t* x = b.reg(ins.b + w);
        const uint32_t* y = b.reg(ins.c + w);
        uint32_t* dst = b.reg(ins.dst + w);
        for (uint32_t l = 0; l < kLanes; ++l)
            dst[l] = cond[l] ? x[l] : y[l];
    }
}

// OpVectorExtractDynamic: dst (ins.n words) = component index(b) of a (ins.imm components).
void extract_dynamic(const Ins& ins, Batch& b, LaneMask mask) {
    for (uint32_t l = 0; l < kLanes; ++l) {
        const uint32_t index = b.reg(ins.b)[l];
        for (uint32_t w = 0; w < ins.n; ++w)
            b.reg(ins.dst + w)[l] = index < ins.imm ? b.reg(ins.a + index * ins.n + w)[l] : 0;
    }
}

// OpVectorInsertDynamic: dst = a with component index(c) replaced by b.
void insert_dynamic(const Ins& ins, Batch& b, LaneMask mask) {
    for (uint32_t l = 0; l < kLanes; ++l) {
        const uint32_t index = b.reg(ins.c)[l];
        for (uint32_t comp = 0; comp < ins.imm; ++comp)
            for (uint32_t w = 0; w < ins.n; ++w)
                b.reg(ins.dst + comp * ins.n + w)[l] =
                    comp == index ? b.reg(ins.b + w)[l] : b.reg(ins.a + comp * ins.n + w)[l];
    }
}

void memory_barrier(const Ins&, Batch&, LaneMask) { std::atomic_thread_fence(std::memory_order_seq_cst); }

void array_length(const Ins& ins, Batch& b, LaneMask mask) {
    const Range range = ins.imm < b.dispatch->buffers.size() ? b.dispatch->buffers[ins.imm] : Range{};
    const uint32_t length = range.size > ins.b && ins.c ? uint32_t(std::min<uint64_t>((range.size - ins.b) / ins.c, UINT32_MAX)) : 0;
    for (uint32_t l = 0; l < kLanes; ++l)
        b.reg(ins.dst)[l] = length;
}

// ---- memory ----

namespace {

// The memory an instruction's pointers reach, resolved for one batch: lane l's pointer register
// holds an offset into base + l * lane_stride, and accesses must stay in [lo, hi).
struct Root {
    std::byte* base = nullptr;
    size_t lane_stride = 0;
    uint64_t lo = 0, hi = 0;

    // Where `bytes` bytes at `offset` are for lane l, or NULL when they are out of bounds.
    std::byte* at(uint32_t l, uint64_t offset, uint32_t bytes) const {
        if (offset < lo || offset + bytes > hi)
            return nullptr;
        return base + l * lane_stride + offset;
    }
};

// ins.imm: MemoryKind; ins.b: slot (Buffer, BufferArray: the first) or the variable's offset;
// ins.c: its size (BufferArray: the descriptor count); BufferArray: ins.n the index register, read
// in the first lane of `mask` (the index is dynamically uniform).
Root root_of(const Ins& ins, const Batch& b, LaneMask mask) {
    switch (MemoryKind(ins.imm)) {
    case MemoryKind::Invocation:
        return {b.invocation_memory, b.program->invocation_bytes, ins.b, uint64_t(ins.b) + ins.c};
    case MemoryKind::Workgroup:
        return {b.workgroup_memory, 0, ins.b, uint64_t(ins.b) + ins.c};
    case MemoryKind::Buffer:
        if (ins.b < b.dispatch->buffers.size() && b.dispatch->buffers[ins.b].base)
            return {b.dispatch->buffers[ins.b].base, 0, 0, b.dispatch->buffers[ins.b].size};
        return {};
    case MemoryKind::BufferArray: {
        const uint32_t element = mask ? b.reg(ins.n)[std::countr_zero(mask)] : UINT32_MAX;
        const uint64_t slot = uint64_t(ins.b) + element;
        if (element < ins.c && slot < b.dispatch->buffers.size() && b.dispatch->buffers[slot].base)
            return {b.dispatch->buffers[slot].base, 0, 0, b.dispatch->buffers[slot].size};
        return {};  // out of the array: every access out of bounds
    }
    }
    return {};
}

// Reads and writes of one leaf: fixed-size copies (a runtime-sized memcpy is a library call).
uint64_t read_leaf(const std::byte* p, uint8_t bytes) {
    switch (bytes) {
    case 1: { uint8_t v; std::memcpy(&v, p, 1); return v; }
    case 2: { uint16_t v; std::memcpy(&v, p, 2); return v; }
    case 4: { uint32_t v; std::memcpy(&v, p, 4); return v; }
    default: { uint64_t v; std::memcpy(&v, p, 8); return v; }
    }
}

void write_leaf(std::byte* p, uint8_t bytes, uint64_t value) {
    switch (bytes) {
    case 1: { const uint8_t v = uint8_t(value); std::memcpy(p, &v, 1); break; }
    case 2: { const uint16_t v = uint16_t(value); std::memcpy(p, &v, 2); break; }
    case 4: { const uint32_t v = uint32_t(value); std::memcpy(p, &v, 4); break; }
    default: std::memcpy(p, &value, 8); break;
    }
}

// A word that may sit at any address (a hostile module's strides need not be multiples of 4).
typedef uint32_t unaligned_word __attribute__((aligned(1), may_alias));

// Loads one word per lane of `mask` without branches: every lane reads some address inside the
// range (its own when in bounds, the range's first word otherwise), then out-of-bounds lanes get 0
// and lanes outside the mask keep their value. Loops the compiler turns into gathers and blends.
void gather_words(uint32_t* __restrict value, const uint32_t* __restrict pointer, LaneMask mask, const Root& root,
                  uint32_t offset) {
#if defined(__AVX2__)
    // GCC does not make gathers of this loop: written out, 8 lanes per step, when every address
    // fits a signed 32-bit index (memory below 2 GiB from the base: always, in practice).
    if (root.hi + uint64_t(kLanes) * root.lane_stride < (uint64_t(1) << 31)) {
        const __m256i bias = _mm256_set1_epi32(INT32_MIN);  // unsigned compares as signed ones
        const __m256i add = _mm256_set1_epi32(int32_t(offset));
        const __m256i lo = _mm256_set1_epi32(int32_t(root.lo));
        const __m256i lo_biased = _mm256_xor_si256(lo, bias);
        const __m256i last_biased = _mm256_xor_si256(_mm256_set1_epi32(int32_t(root.hi - 4)), bias);
        const __m256i bits = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
        const __m256i stride = _mm256_set1_epi32(int32_t(root.lane_stride));
        const __m256i steps = _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28);
        const int* base = reinterpret_cast<const int*>(root.base);
        for (uint32_t l = 0; l < kLanes; l += 8) {
            const __m256i p = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(pointer + l));
            const __m256i o = _mm256_add_epi32(p, add);
            const __m256i ob = _mm256_xor_si256(o, bias);
            const __m256i wrapped = _mm256_cmpgt_epi32(_mm256_xor_si256(p, bias), ob);
            const __m256i outside = _mm256_or_si256(
                wrapped, _mm256_or_si256(_mm256_cmpgt_epi32(lo_biased, ob), _mm256_cmpgt_epi32(ob, last_biased)));
            __m256i loaded;
            const bool all_inside = _mm256_testz_si256(outside, outside);
            const __m256i first = _mm256_set1_epi32(int32_t(pointer[l]));
            if (all_inside && root.lane_stride == 0 &&
                _mm256_movemask_epi8(_mm256_cmpeq_epi32(p, _mm256_add_epi32(first, steps))) == -1) {
                // Eight consecutive words (x[i], i the invocation): one load.
                loaded = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(root.base + (pointer[l] + offset)));
            } else if (all_inside && root.lane_stride == 0 && _mm256_movemask_epi8(_mm256_cmpeq_epi32(p, first)) == -1) {
                // Eight times one word (a row's element for a row of lanes): one read.
                loaded = _mm256_set1_epi32(*reinterpret_cast<const unaligned_word*>(root.base + (pointer[l] + offset)));
            } else {
                const __m256i lane = _mm256_add_epi32(_mm256_set1_epi32(int32_t(l)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
                const __m256i at = _mm256_add_epi32(_mm256_blendv_epi8(o, lo, outside), _mm256_mullo_epi32(lane, stride));
                loaded = _mm256_andnot_si256(outside, _mm256_i32gather_epi32(base, at, 1));
            }
            const __m256i lanes = _mm256_set1_epi32(int32_t(mask >> l));
            const __m256i active = _mm256_cmpeq_epi32(_mm256_and_si256(lanes, bits), bits);
            __m256i* out = reinterpret_cast<__m256i*>(value + l);
            _mm256_storeu_si256(out, _mm256_blendv_epi8(_mm256_loadu_si256(out), loaded, active));
        }
        return;
    }
#endif
    // Without AVX2: eight lanes at a time too, copying runs of consecutive words and reading a word
    // all eight share once; the rest lane by lane.
    const std::byte* base = root.base;
    for (uint32_t g = 0; g < kLanes; g += 8) {
        uint32_t loaded[8];
        bool consecutive = root.lane_stride == 0, same = root.lane_stride == 0;
        for (uint32_t l = 1; l < 8; ++l) {
            consecutive &= pointer[g + l] == pointer[g] + 4 * l;
            same &= pointer[g + l] == pointer[g];
        }
        const uint64_t first = uint64_t(pointer[g]) + offset;
        if (consecutive && first >= root.lo && first + 32 <= root.hi) {
            std::memcpy(loaded, base + first, 32);
        } else if (same && first >= root.lo && first + 4 <= root.hi) {
            std::fill_n(loaded, 8, *reinterpret_cast<const unaligned_word*>(base + first));
        } else {
            for (uint32_t l = 0; l < 8; ++l) {
                const uint64_t o = uint64_t(pointer[g + l]) + offset;
                const bool inside = o >= root.lo && o + 4 <= root.hi;
                loaded[l] = inside ? *reinterpret_cast<const unaligned_word*>(base + o + (g + l) * root.lane_stride) : 0;
            }
        }
        for (uint32_t l = 0; l < 8; ++l)
            value[g + l] = (mask >> (g + l) & 1) ? loaded[l] : value[g + l];
    }
}

// The commonest access: one 32-bit word per lane.
template <bool IsLoad>
void move_word(const Ins& ins, Batch& b, LaneMask mask, const Root& root, uint32_t offset) {
    const uint32_t* pointer = b.reg(ins.a);
    uint32_t* value = b.reg(ins.dst);
    if constexpr (!IsLoad) {
        // Every lane storing consecutive words of one memory (x[i] = ..., i the invocation): one copy.
        // (Loads look for their patterns eight lanes at a time, in gather_words.)
        bool consecutive = mask == kAllLanes && root.lane_stride == 0;
        for (uint32_t l = 1; l < kLanes && consecutive; ++l)
            consecutive = pointer[l] == pointer[0] + 4 * l;
        if (consecutive) {
            if (std::byte* p = root.at(0, uint64_t(pointer[0]) + offset, 4 * kLanes)) {
                for (uint32_t l = 0; l < kLanes; ++l)  // not one memcpy: see copy_lanes
                    std::memcpy(p + 4 * l, &value[l], 4);
                return;
            }
        }
    }
    if constexpr (IsLoad) {
        if (root.base && root.hi >= root.lo + 4)
            return gather_words(value, pointer, mask, root, offset);
    }
    for (uint32_t l = 0; l < kLanes; ++l) {
        if (!active(mask, l))
            continue;
        std::byte* p = root.at(l, uint64_t(pointer[l]) + offset, 4);
        if constexpr (IsLoad) {
            uint32_t v = 0;  // out of bounds: 0
            if (p)
                std::memcpy(&v, p, 4);
            value[l] = v;
        } else if (p) {  // out of bounds: the write is dropped
            std::memcpy(p, &value[l], 4);
        }
    }
}

// Loads (IsLoad) or stores the moves of `ins` for the lanes of `mask`.
template <bool IsLoad>
void move_memory(const Ins& ins, Batch& b, LaneMask mask) {
    const Move* moves = b.program->moves.data() + ins.aux;
    const Root root = root_of(ins, b, mask);
    if (ins.aux_count == 1 && moves[0].bytes == 4)
        return move_word<IsLoad>(ins, b, mask, root, moves[0].offset);
    const uint32_t* pointer = b.reg(ins.a);
    for (uint32_t l = 0; l < kLanes; ++l) {
        if (!active(mask, l))
            continue;
        for (uint32_t i = 0; i < ins.aux_count; ++i) {
            const Move& m = moves[i];
            std::byte* p = root.at(l, uint64_t(pointer[l]) + m.offset, m.bytes);
            if constexpr (IsLoad) {
                uint64_t value = p ? read_leaf(p, m.bytes) : 0;  // out of bounds: 0
                value = m.widen(value);
                b.reg(ins.dst + m.reg)[l] = uint32_t(value);
                if (m.bytes == 8)
                    b.reg(ins.dst + m.reg + 1)[l] = uint32_t(value >> 32);
            } else if (p) {  // out of bounds: the write is dropped
                uint64_t value = b.reg(ins.dst + m.reg)[l];
                if (m.bytes == 8)
                    value |= uint64_t(b.reg(ins.dst + m.reg + 1)[l]) << 32;
                write_leaf(p, m.bytes, value);
            }
        }
    }
}

}  // namespace

void load(const Ins& ins, Batch& b, LaneMask mask) { move_memory<true>(ins, b, mask); }

// A load through a pointer every lane has (a buffer or workgroup variable reached by constant
// indices): each leaf is read once and given to the lanes of the mask.
void load_uniform(const Ins& ins, Batch& b, LaneMask mask) {
    const Move* moves = b.program->moves.data() + ins.aux;
    const Root root = root_of(ins, b, mask);
    const uint32_t pointer = b.reg(ins.a)[0];
    for (uint32_t i = 0; i < ins.aux_count; ++i) {
        const Move& m = moves[i];
        const std::byte* p = root.at(0, uint64_t(pointer) + m.offset, m.bytes);
        uint64_t value = p ? read_leaf(p, m.bytes) : 0;  // out of bounds: 0
        value = m.widen(value);
        uint32_t broadcast[kLanes];
        std::fill_n(broadcast, kLanes, uint32_t(value));
        blend_lanes(b.reg(ins.dst + m.reg), broadcast, mask);
        if (m.bytes == 8) {
            std::fill_n(broadcast, kLanes, uint32_t(value >> 32));
            blend_lanes(b.reg(ins.dst + m.reg + 1), broadcast, mask);
        }
    }
}

void store(const Ins& ins, Batch& b, LaneMask mask) { move_memory<false>(ins, b, mask); }

// dst = a + (b:c as a 64-bit constant) + sum over steps of index * stride, or kNowhere when that
// leaves 32 bits (negative indices included). Steps (Program::tables, from ins.aux, ins.aux_count
// of them): {index register, stride, index words (1: signed 32-bit, 2: 64-bit)}. Pure: every lane.
namespace {

// The commonest chain: one 32-bit index (x[i]), in 32-bit arithmetic that vectorizes: an offset
// that would leave 32 bits is kNowhere. A negative index (huge as unsigned) lands there too, or --
// stride 1 from a small base -- above 2^31, past every range Kiln binds: out of bounds either way.
void index_lanes(uint32_t* __restrict dst, const uint32_t* __restrict base, const uint32_t* __restrict index,
                 uint64_t constant, uint32_t stride) {
    if (constant > kNowhere) {
        std::fill_n(dst, kLanes, kNowhere);
        return;
    }
    const uint32_t c = uint32_t(constant);
    const uint32_t limit = stride ? kNowhere / stride : kNowhere;  // the largest index * stride that fits
    for (uint32_t l = 0; l < kLanes; ++l) {
        const uint32_t i = index[l];
        const uint32_t product = i * stride;
        const uint32_t with_base = base[l] + product;
        const uint32_t offset = with_base + c;
        const bool fits = i <= limit && with_base >= product && offset >= with_base;  // no carry out
        dst[l] = fits ? offset : kNowhere;
    }
}

}  // namespace

void access_chain(const Ins& ins, Batch& b, LaneMask) {
    const Program& p = *b.program;
    if (ins.aux_count == 0) {  // constant indices only (a struct member, a fixed element)
        const uint64_t constant = uint64_t(ins.b) | uint64_t(ins.c) << 32;
        const uint32_t* base = b.reg(ins.a);
        uint32_t* dst = b.reg(ins.dst);
        const uint32_t c = constant > kNowhere ? kNowhere : uint32_t(constant);
        for (uint32_t l = 0; l < kLanes; ++l) {
            const uint32_t offset = base[l] + c;
            dst[l] = offset >= c ? offset : kNowhere;  // no carry out
        }
        return;
    }
    if (ins.aux_count == 1 && p.tables[ins.aux + 2] == 1)
        return index_lanes(b.reg(ins.dst), b.reg(ins.a), b.reg(p.tables[ins.aux]), uint64_t(ins.b) | uint64_t(ins.c) << 32,
                           p.tables[ins.aux + 1]);
    const uint64_t constant = uint64_t(ins.b) | uint64_t(ins.c) << 32;
    uint64_t offset[kLanes];
    const uint32_t* base = b.reg(ins.a);
    for (uint32_t l = 0; l < kLanes; ++l)
        offset[l] = base[l] + constant;
    for (uint32_t s = 0; s < ins.aux_count; ++s) {
        const uint32_t* step = &p.tables[ins.aux + 3 * s];
        const uint32_t* index = b.reg(step[0]);
        const uint64_t stride = step[1];
        if (step[2] == 2) {
            const uint32_t* high = b.reg(step[0] + 1);
            for (uint32_t l = 0; l < kLanes; ++l)
                offset[l] += (uint64_t(index[l]) | uint64_t(high[l]) << 32) * stride;
        } else {
            // index * stride with the index sign-extended, in 32x32->64-bit multiplies (which
            // vectorize; a 64-bit multiply does not without AVX-512).
            for (uint32_t l = 0; l < kLanes; ++l)
                offset[l] += uint64_t(index[l]) * stride - (int32_t(index[l]) < 0 ? stride << 32 : 0);
        }
    }
    uint32_t* dst = b.reg(ins.dst);
    for (uint32_t l = 0; l < kLanes; ++l)
        dst[l] = offset[l] > kNowhere ? kNowhere : uint32_t(offset[l]);
}

// ---- atomics on memory: ins.a pointer, ins.imm/b/c the range as for loads; value operands in
// Program::tables[ins.aux..]: {value register, comparator register}. Results in ins.dst.

namespace {

template <typename T, uint32_t Op>
void atomic(const Ins& ins, Batch& b, LaneMask mask) {
    const Program& p = *b.program;
    const uint32_t value_reg = p.tables[ins.aux], comparator_reg = p.tables[ins.aux + 1];
    const Root root = root_of(ins, b, mask);
    for (uint32_t l = 0; l < kLanes; ++l) {
        if (!active(mask, l))
            continue;
        std::byte* p = root.at(l, b.reg(ins.a)[l], sizeof(T));
        T old = 0;
        if (p && reinterpret_cast<uintptr_t>(p) % sizeof(T) == 0) {
            T* target = reinterpret_cast<T*>(p);
            const T v = Op == 232 || Op == 233 ? T(1) : Reg<T>::get(b, value_reg, l);
            switch (Op) {
            case 227: old = __atomic_load_n(target, __ATOMIC_SEQ_CST); break;                    // Load
            case 228: __atomic_store_n(target, v, __ATOMIC_SEQ_CST); break;                      // Store
            case 229: old = __atomic_exchange_n(target, v, __ATOMIC_SEQ_CST); break;             // Exchange
            case 230: {                                                                          // CompareExchange
                T expected = Reg<T>::get(b, comparator_reg, l);
                __atomic_compare_exchange_n(target, &expected, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
                old = expected;
                break;
            }
            case 232: old = __atomic_fetch_add(target, v, __ATOMIC_SEQ_CST); break;  // IIncrement
            case 233: old = __atomic_fetch_sub(target, v, __ATOMIC_SEQ_CST); break;  // IDecrement
            case 234: old = __atomic_fetch_add(target, v, __ATOMIC_SEQ_CST); break;  // IAdd
            case 235: old = __atomic_fetch_sub(target, v, __ATOMIC_SEQ_CST); break;  // ISub
            case 240: old = __atomic_fetch_and(target, v, __ATOMIC_SEQ_CST); break;  // And
            case 241: old = __atomic_fetch_or(target, v, __ATOMIC_SEQ_CST); break;   // Or
            case 242: old = __atomic_fetch_xor(target, v, __ATOMIC_SEQ_CST); break;  // Xor
            default: {  // 236 SMin, 237 UMin, 238 SMax, 239 UMax
                using S = std::make_signed_t<T>;
                T current = __atomic_load_n(target, __ATOMIC_SEQ_CST);
                for (;;) {
                    T next = current;
                    if (Op == 236) next = S(v) < S(current) ? v : current;
                    if (Op == 237) next = v < current ? v : current;
                    if (Op == 238) next = S(v) > S(current) ? v : current;
                    if (Op == 239) next = v > current ? v : current;
                    if (__atomic_compare_exchange_n(target, &current, next, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
                        break;
                }
                old = current;
                break;
            }
            }
        }
        if (Op != 228)
            Reg<T>::set(b, ins.dst, l, old);
    }
}

template <uint32_t Op>
Handler atomic_of(Scalar type) {
    switch (type) {
    case Scalar::I32:
    case Scalar::U32: return &atomic<uint32_t, Op>;
    case Scalar::I64:
    case Scalar::U64: return &atomic<uint64_t, Op>;
    default: return nullptr;
    }
}

}  // namespace

Handler atomic_handler(uint32_t op, Scalar type) {
    if (!is_memory_atomic(op))
        return nullptr;
    switch (op) {
#define KILN_AT(N) \
    case N: return atomic_of<N>(type);
    KILN_AT(227) KILN_AT(228) KILN_AT(229) KILN_AT(230) KILN_AT(232) KILN_AT(233) KILN_AT(234) KILN_AT(235)
    KILN_AT(236) KILN_AT(237) KILN_AT(238) KILN_AT(239) KILN_AT(240) KILN_AT(241) KILN_AT(242)
#undef KILN_AT
    default: return nullptr;
    }
}

const Ops& table() {
    static const Ops kTable{
        KILN_OPS_ISA_NAME,
        &arithmetic_handler,
        &conversion_handler,
        &glsl_handler,
        &atomic_handler,
        &dot_handler,
        &matrix_handler,
        &copy_words,
        &select_words,
        &load,
        &load_uniform,
        &store,
        &store_register,
        &access_chain,
        &extract_dynamic,
        &insert_dynamic,
        &memory_barrier,
        &array_length,
        &run_batch,
    };
    return kTable;
}

}  // namespace kiln::spirv::KILN_OPS_ISA
