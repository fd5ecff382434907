// The subgroup handlers (ops_subgroup.h): votes, ballots, broadcasts, shuffles and the arithmetic
// reductions and scans, over the active lanes of a batch in lane order.
#include "ops_subgroup.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace kiln::spirv {

namespace {

enum Opcode : uint32_t {
    kElect = 333, kAll = 334, kAny = 335, kAllEqual = 336, kBroadcast = 337, kBroadcastFirst = 338,
    kBallot = 339, kInverseBallot = 340, kBallotBitExtract = 341, kBallotBitCount = 342,
    kBallotFindLSB = 343, kBallotFindMSB = 344, kShuffle = 345, kShuffleXor = 346, kShuffleUp = 347,
    kShuffleDown = 348, kIAdd = 349, kFAdd = 350, kIMul = 351, kFMul = 352, kSMin = 353, kUMin = 354,
    kFMin = 355, kSMax = 356, kUMax = 357, kFMax = 358, kBitwiseAnd = 359, kBitwiseOr = 360,
    kBitwiseXor = 361, kLogicalAnd = 362, kLogicalOr = 363, kLogicalXor = 364,
};

enum GroupOperation : uint32_t { kReduce = 0, kInclusiveScan = 1, kExclusiveScan = 2 };

Scalar scalar_of(const Ins& ins) { return Scalar(ins.imm >> 8); }
uint32_t group_operation_of(const Ins& ins) { return ins.imm & 0xff; }

// Writes `value` (one word per lane) into the lanes of `mask` of register `reg`.
void write_masked(Batch& b, uint32_t reg, const uint32_t* value, LaneMask mask) { blend_lanes(b.reg(reg), value, mask); }

// A value of 1 or 2 words in lane l of the registers from `reg`.
uint64_t lane_value(const Batch& b, uint32_t reg, uint32_t words, uint32_t l) {
    return words == 2 ? uint64_t(b.reg(reg)[l]) | uint64_t(b.reg(reg + 1)[l]) << 32 : b.reg(reg)[l];
}

LaneMask lanes_where(const Batch& b, uint32_t reg, LaneMask mask) {
    LaneMask set = 0;
    for (uint32_t l = 0; l < kLanes; ++l)
        set |= LaneMask(b.reg(reg)[l] != 0) << l;
    return set & mask;
}

void broadcast_bool(Batch& b, uint32_t dst, bool value, LaneMask mask) {
    uint32_t v[kLanes];
    std::fill_n(v, kLanes, value ? 1u : 0u);
    write_masked(b, dst, v, mask);
}

void elect(const Ins& ins, Batch& b, LaneMask mask) {
    uint32_t v[kLanes] = {};
    if (mask)
        v[std::countr_zero(mask)] = 1;
    write_masked(b, ins.dst, v, mask);
}

void vote(const Ins& ins, Batch& b, LaneMask mask, uint32_t op) {
    const LaneMask yes = lanes_where(b, ins.a, mask);
    broadcast_bool(b, ins.dst, op == kAll ? yes == mask : yes != 0, mask);
}

void all_equal(const Ins& ins, Batch& b, LaneMask mask) {
    bool equal = true;
    if (mask) {
        const uint32_t first = uint32_t(std::countr_zero(mask));
        for (uint32_t w = 0; w < ins.n && equal; ++w)
            for (uint32_t l = 0; l < kLanes; ++l)
                if ((mask >> l & 1) && b.reg(ins.a + w)[l] != b.reg(ins.a + w)[first]) {
                    equal = false;
                    break;
                }
    }
    broadcast_bool(b, ins.dst, equal, mask);
}

// Every lane of the mask takes lane `source(l)`'s value (ins.n words).
template <typename Source>
void move_from(const Ins& ins, Batch& b, LaneMask mask, Source source) {
    for (uint32_t w = 0; w < ins.n; ++w) {
        uint32_t v[kLanes];
        const uint32_t* from = b.reg(ins.a + w);
        for (uint32_t l = 0; l < kLanes; ++l)
            v[l] = from[source(l) % kLanes];  // an id past the subgroup is undefined: some lane's value
        write_masked(b, ins.dst + w, v, mask);
    }
}

void broadcast(const Ins& ins, Batch& b, LaneMask mask, uint32_t op) {
    if (!mask)
        return;
    // Broadcast's id is dynamically uniform: every active lane has the same; take the first's.
    const uint32_t id = op == kBroadcastFirst ? uint32_t(std::countr_zero(mask)) : b.reg(ins.b)[std::countr_zero(mask)];
    move_from(ins, b, mask, [id](uint32_t) { return id; });
}

void shuffle(const Ins& ins, Batch& b, LaneMask mask, uint32_t op) {
    const uint32_t* operand = b.reg(ins.b);
    move_from(ins, b, mask, [&](uint32_t l) {
        switch (op) {
        case kShuffle: return operand[l];
        case kShuffleXor: return l ^ operand[l];
        case kShuffleUp: return l - operand[l];
        default: return l + operand[l];  // ShuffleDown
        }
    });
}

void ballot(const Ins& ins, Batch& b, LaneMask mask) {
    const LaneMask yes = lanes_where(b, ins.a, mask);
    static_assert(kLanes <= 32, "a ballot's first word holds the subgroup");
    uint32_t v[kLanes];
    std::fill_n(v, kLanes, uint32_t(yes));
    write_masked(b, ins.dst, v, mask);
    std::fill_n(v, kLanes, 0u);
    for (uint32_t w = 1; w < 4; ++w)
        write_masked(b, ins.dst + w, v, mask);
}

// Bit `bit` of the uvec4 ballot in lane l (bits past the subgroup read as they are).
bool ballot_bit(const Batch& b, uint32_t reg, uint32_t l, uint32_t bit) {
    return bit < 128 && (b.reg(reg + bit / 32)[l] >> (bit % 32) & 1);
}

void inverse_ballot(const Ins& ins, Batch& b, LaneMask mask) {
    uint32_t v[kLanes];
    for (uint32_t l = 0; l < kLanes; ++l)
        v[l] = ballot_bit(b, ins.a, l, l);
    write_masked(b, ins.dst, v, mask);
}

void ballot_bit_extract(const Ins& ins, Batch& b, LaneMask mask) {
    uint32_t v[kLanes];
    for (uint32_t l = 0; l < kLanes; ++l)
        v[l] = ballot_bit(b, ins.a, l, b.reg(ins.b)[l]);
    write_masked(b, ins.dst, v, mask);
}

// The ballot's bits that name invocations of the subgroup (the first word: kLanes bits).
uint32_t subgroup_bits(const Batch& b, uint32_t reg, uint32_t l) {
    return kLanes == 32 ? b.reg(reg)[l] : b.reg(reg)[l] & ((1u << kLanes) - 1);
}

void ballot_bit_count(const Ins& ins, Batch& b, LaneMask mask) {
    uint32_t v[kLanes];
    for (uint32_t l = 0; l < kLanes; ++l) {
        uint32_t bits = subgroup_bits(b, ins.a, l);
        if (group_operation_of(ins) == kInclusiveScan)
            bits &= l == 31 ? ~0u : (2u << l) - 1;
        else if (group_operation_of(ins) == kExclusiveScan)
            bits &= (1u << l) - 1;
        v[l] = uint32_t(std::popcount(bits));
    }
    write_masked(b, ins.dst, v, mask);
}

void ballot_find(const Ins& ins, Batch& b, LaneMask mask, uint32_t op) {
    uint32_t v[kLanes];
    for (uint32_t l = 0; l < kLanes; ++l) {
        const uint32_t bits = subgroup_bits(b, ins.a, l);
        // No bit set: undefined; Kiln answers UINT32_MAX.
        v[l] = !bits ? UINT32_MAX : op == kBallotFindLSB ? uint32_t(std::countr_zero(bits)) : 31u - uint32_t(std::countl_zero(bits));
    }
    write_masked(b, ins.dst, v, mask);
}

// ---- arithmetic: T is the C++ type of one component ----

template <typename T>
T identity(uint32_t op) {
    switch (op) {
    case kIMul:
    case kFMul: return T(1);
    case kSMin:
    case kUMin: return std::numeric_limits<T>::max();
    case kSMax:
    case kUMax: return std::numeric_limits<T>::lowest();
    case kFMin: return std::numeric_limits<T>::infinity();
    case kFMax: return -std::numeric_limits<T>::infinity();
    case kBitwiseAnd:
        if constexpr (std::is_integral_v<T>)
            return T(~T(0));
        return T(0);  // not reached: no float And
    case kLogicalAnd: return T(1);
    default: return T(0);  // IAdd, FAdd, Or, Xor
    }
}

template <typename T>
T combine(uint32_t op, T x, T y) {
    if constexpr (std::is_floating_point_v<T>) {
        switch (op) {
        case kFAdd: return x + y;
        case kFMul: return x * y;
        case kFMin: return std::fmin(x, y);  // a NaN operand gives the other (SPIR-V allows either)
        default: return std::fmax(x, y);
        }
    } else {
        using U = std::make_unsigned_t<T>;
        switch (op) {
        case kIAdd: return T(U(x) + U(y));
        case kIMul: return T(U(x) * U(y));
        case kSMin:
        case kUMin: return std::min(x, y);
        case kSMax:
        case kUMax: return std::max(x, y);
        case kBitwiseAnd:
        case kLogicalAnd: return T(x & y);
        case kBitwiseOr:
        case kLogicalOr: return T(x | y);
        default: return T(x ^ y);  // Xor
        }
    }
}

template <typename T>
T load_component(const Batch& b, uint32_t reg, uint32_t l) {
    if constexpr (sizeof(T) == 8) {
        const uint64_t v = lane_value(b, reg, 2, l);
        return std::bit_cast<T>(v);
    } else {
        return std::bit_cast<T>(b.reg(reg)[l]);
    }
}

template <typename T>
void arithmetic(const Ins& ins, Batch& b, LaneMask mask, uint32_t op) {
    constexpr uint32_t words = sizeof(T) == 8 ? 2 : 1;
    const uint32_t operation = group_operation_of(ins);
    for (uint32_t c = 0; c < ins.n; ++c) {
        const uint32_t reg = ins.a + c * words;
        T results[kLanes];
        T running = identity<T>(op);
        for (uint32_t l = 0; l < kLanes; ++l) {
            if (!(mask >> l & 1))
                continue;
            const T before = running;
            running = combine(op, running, load_component<T>(b, reg, l));
            results[l] = operation == kExclusiveScan ? before : running;
        }
        if (operation == kReduce)
            std::fill_n(results, kLanes, running);
        for (uint32_t w = 0; w < words; ++w) {
            uint32_t v[kLanes] = {};
            for (uint32_t l = 0; l < kLanes; ++l)
                if (mask >> l & 1) {
                    uint64_t bits;
                    if constexpr (sizeof(T) == 8)
                        bits = std::bit_cast<uint64_t>(results[l]);
                    else
                        bits = std::bit_cast<uint32_t>(results[l]);
                    v[l] = uint32_t(bits >> (32 * w));
                }
            write_masked(b, ins.dst + c * words + w, v, mask);
        }
    }
}

template <uint32_t Op>
void subgroup(const Ins& ins, Batch& b, LaneMask mask) {
    if constexpr (Op == kElect)
        elect(ins, b, mask);
    else if constexpr (Op == kAll || Op == kAny)
        vote(ins, b, mask, Op);
    else if constexpr (Op == kAllEqual)
        all_equal(ins, b, mask);
    else if constexpr (Op == kBroadcast || Op == kBroadcastFirst)
        broadcast(ins, b, mask, Op);
    else if constexpr (Op == kBallot)
        ballot(ins, b, mask);
    else if constexpr (Op == kInverseBallot)
        inverse_ballot(ins, b, mask);
    else if constexpr (Op == kBallotBitExtract)
        ballot_bit_extract(ins, b, mask);
    else if constexpr (Op == kBallotBitCount)
        ballot_bit_count(ins, b, mask);
    else if constexpr (Op == kBallotFindLSB || Op == kBallotFindMSB)
        ballot_find(ins, b, mask, Op);
    else if constexpr (Op >= kShuffle && Op <= kShuffleDown)
        shuffle(ins, b, mask, Op);
    else {
        // The opcode says how integers compare (SMin on a uint-typed value is signed), not the type.
        constexpr bool is_signed = Op == kSMin || Op == kSMax;
        const bool wide = words_of(scalar_of(ins)) == 2;
        if constexpr (Op == kFAdd || Op == kFMul || Op == kFMin || Op == kFMax)
            return wide ? arithmetic<double>(ins, b, mask, Op) : arithmetic<float>(ins, b, mask, Op);
        else if constexpr (is_signed)
            return wide ? arithmetic<int64_t>(ins, b, mask, Op) : arithmetic<int32_t>(ins, b, mask, Op);
        else
            return wide ? arithmetic<uint64_t>(ins, b, mask, Op) : arithmetic<uint32_t>(ins, b, mask, Op);
    }
}

}  // namespace

uint32_t subgroup_immediate(uint32_t group_operation, Scalar type) { return group_operation | uint32_t(type) << 8; }

Handler subgroup_handler(uint32_t opcode, uint32_t group_operation, Scalar type) {
    const bool arithmetic_op = opcode >= kIAdd && opcode <= kLogicalXor;
    const bool counted = arithmetic_op || opcode == kBallotBitCount;
    if (counted && group_operation > kExclusiveScan)
        return nullptr;  // ClusteredReduce and the partitioned operations: not implemented
    if (arithmetic_op) {
        // 8/16/64-bit integers and 16-bit floats need shaderSubgroupExtendedTypes, which Kiln does
        // not report (64-bit floats do not).
        const bool is_float = type == Scalar::F32 || type == Scalar::F64;
        const bool is_int = type == Scalar::I32 || type == Scalar::U32;
        const bool logical = opcode >= kLogicalAnd;
        const bool wants_float = opcode == kFAdd || opcode == kFMul || opcode == kFMin || opcode == kFMax;
        if (logical ? type != Scalar::Bool : wants_float ? !is_float : !is_int)
            return nullptr;
    }
    switch (opcode) {
#define KILN_SUBGROUP(N) \
    case N: return &subgroup<N>;
        KILN_SUBGROUP(333) KILN_SUBGROUP(334) KILN_SUBGROUP(335) KILN_SUBGROUP(336) KILN_SUBGROUP(337)
        KILN_SUBGROUP(338) KILN_SUBGROUP(339) KILN_SUBGROUP(340) KILN_SUBGROUP(341) KILN_SUBGROUP(342)
        KILN_SUBGROUP(343) KILN_SUBGROUP(344) KILN_SUBGROUP(345) KILN_SUBGROUP(346) KILN_SUBGROUP(347)
        KILN_SUBGROUP(348) KILN_SUBGROUP(349) KILN_SUBGROUP(350) KILN_SUBGROUP(351) KILN_SUBGROUP(352)
        KILN_SUBGROUP(353) KILN_SUBGROUP(354) KILN_SUBGROUP(355) KILN_SUBGROUP(356) KILN_SUBGROUP(357)
        KILN_SUBGROUP(358) KILN_SUBGROUP(359) KILN_SUBGROUP(360) KILN_SUBGROUP(361) KILN_SUBGROUP(362)
        KILN_SUBGROUP(363) KILN_SUBGROUP(364)
#undef KILN_SUBGROUP
    default: return nullptr;
    }
}

}  // namespace kiln::spirv
