// The block scheduler: runs one batch's lanes through the blocks of the register IR (ir.h). Each
// lane waits at its own next block; the lowest-numbered block any lane waits at runs next, for the
// lanes waiting there, so divergent lanes meet again where their paths join (blocks are numbered
// so that a block comes before the blocks it dominates). Taking an edge writes the target's phis.
//
// Like the handlers (ops.cpp), this file is compiled once per instruction-set level, in namespace
// kiln::spirv::KILN_OPS_ISA (scheduler_avx2.cpp includes it for AVX2 + FMA): branch masks and the
// phi copies of edges are as much of a loop's time as its arithmetic. It uses nothing from a
// header that the compiler could emit out of line (scripts/check_isa_object.sh).
#include <bit>
#if defined(__AVX2__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "ir.h"
#include "ops.h"

#ifndef KILN_OPS_ISA
#define KILN_OPS_ISA baseline
#endif

namespace kiln::spirv::KILN_OPS_ISA {

namespace {

// The lanes whose word is not zero (a bool register as a mask). A loop of shifts was most of the
// time of a branchy shader.
LaneMask nonzero_lanes(const uint32_t* words) {
#if defined(__AVX2__)
    // Eight lanes per compare and movemask.
    LaneMask zero = 0;
    for (uint32_t l = 0; l < kLanes; l += 8) {
        const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(words + l));
        const __m256i is_zero = _mm256_cmpeq_epi32(w, _mm256_setzero_si256());
        zero |= LaneMask(uint32_t(_mm256_movemask_ps(_mm256_castsi256_ps(is_zero)))) << l;
    }
    return ~zero & kAllLanes;
#elif defined(__SSE2__)
    // 16 lanes per movemask: each lane's "is zero" word narrowed to a byte (signed saturation keeps
    // 0 and -1 as they are).
    static_assert(kLanes % 16 == 0);
    LaneMask zero = 0;
    const __m128i nothing = _mm_setzero_si128();
    auto is_zero = [&](uint32_t l) {
        return _mm_cmpeq_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(words + l)), nothing);
    };
    for (uint32_t l = 0; l < kLanes; l += 16) {
        const __m128i low = _mm_packs_epi32(is_zero(l), is_zero(l + 4));
        const __m128i high = _mm_packs_epi32(is_zero(l + 8), is_zero(l + 12));
        zero |= LaneMask(uint32_t(_mm_movemask_epi8(_mm_packs_epi16(low, high)))) << l;
    }
    return ~zero & kAllLanes;
#else
    LaneMask mask = 0;
    for (uint32_t l = 0; l < kLanes; ++l)
        mask |= LaneMask(words[l] != 0) << l;
    return mask;
#endif
}

// The phi copies of a planned edge (plan_edges in lower.cpp), for the lanes of `lanes`.
void copy_edge(Batch& b, const Program::EdgeCopy* copy, uint32_t count, LaneMask lanes) {
#if defined(__AVX2__)
    // The lane mask becomes four 8-lane selections once per edge, not once per register.
    static_assert(kLanes == 32);
    const __m256i bits = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    __m256i select[4];
    for (uint32_t g = 0; g < 4; ++g)
        select[g] = _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(int(lanes >> (8 * g))), bits), bits);
    for (uint32_t i = 0; i < count; ++i) {
        __m256i* dst = reinterpret_cast<__m256i*>(b.reg(copy[i].dst));
        const __m256i* src = reinterpret_cast<const __m256i*>(b.reg(copy[i].src));
        for (uint32_t g = 0; g < 4; ++g)
            _mm256_storeu_si256(dst + g, _mm256_blendv_epi8(_mm256_loadu_si256(dst + g), _mm256_loadu_si256(src + g), select[g]));
    }
#else
    if (lanes == kAllLanes)
        for (uint32_t i = 0; i < count; ++i)
            copy_lanes(b.reg(copy[i].dst), b.reg(copy[i].src));
    else
        for (uint32_t i = 0; i < count; ++i)
            blend_lanes(b.reg(copy[i].dst), b.reg(copy[i].src), lanes);
#endif
}

// Lanes `lanes` go from block `from` to block `to`: they take the values of `to`'s phis for that edge
// now (all values read before any is written: a phi may take another phi's old value), and wait there.
// An edge whose copies lowering planned (plan_edges in lower.cpp): edge e of block `from`.
inline void take_planned_edge(Batch& b, const IrBlock& from, uint32_t e, uint32_t to, LaneMask lanes) {
    if (from.edge_count[e])
        copy_edge(b, b.program->edge_copies.data() + from.edge_first[e], from.edge_count[e], lanes);
    b.waiting[to] |= lanes;
    b.pending[to / 64] |= uint64_t(1) << (to % 64);
}

void take_edge(Batch& b, uint32_t from, uint32_t to, LaneMask lanes) {
    const Program& p = *b.program;
    const IrBlock& target = p.blocks[to];
    // Each phi's incoming register for this edge (a hostile module may leave one out: then that
    // phi keeps its value).
    auto incoming = [&](const Phi& phi) -> const Incoming* {
        for (uint32_t k = 0; k < phi.incoming_count; ++k)
            if (p.incoming[phi.first_incoming + k].block == from)
                return &p.incoming[phi.first_incoming + k];
        return nullptr;
    };
    auto write = [&](uint32_t* dst, const uint32_t* value) {
        if (lanes == kAllLanes)
            copy_lanes(dst, value);
        else
            blend_lanes(dst, value, lanes);
    };
    if (!target.phis_read_phis) {
        for (uint32_t i = 0; i < target.phi_count; ++i) {
            const Phi& phi = p.phis[target.first_phi + i];
            if (const Incoming* in = incoming(phi))
                for (uint32_t w = 0; w < phi.words; ++w)
                    write(b.reg(phi.dst + w), b.reg(in->reg + w));
        }
    } else {
        // Gather every value, then write: a phi may take another phi's old value.
        uint32_t* gathered = b.phi_scratch.data();
        uint32_t count = 0;
        for (uint32_t i = 0; i < target.phi_count; ++i) {
            const Phi& phi = p.phis[target.first_phi + i];
            if (const Incoming* in = incoming(phi))
                for (uint32_t w = 0; w < phi.words; ++w, ++count)
                    copy_lanes(gathered + count * kLanes, b.reg(in->reg + w));
        }
        count = 0;
        for (uint32_t i = 0; i < target.phi_count; ++i) {
            const Phi& phi = p.phis[target.first_phi + i];
            if (incoming(phi))
                for (uint32_t w = 0; w < phi.words; ++w, ++count)
                    write(b.reg(phi.dst + w), gathered + count * kLanes);
        }
    }
    b.waiting[to] |= lanes;
    b.pending[to / 64] |= uint64_t(1) << (to % 64);
}

// Sends the lanes of `mask` on from `block` (number `index`) by its terminator.
void run_terminator(const IrBlock& block, uint32_t index, Batch& b, LaneMask mask) {
    const Program& p = *b.program;
    switch (block.term) {
    case TermKind::Branch:
        if (block.edge_planned[0])
            take_planned_edge(b, block, 0, block.target, mask);
        else
            take_edge(b, index, block.target, mask);
        return;
    case TermKind::Conditional: {
        const LaneMask taken = nonzero_lanes(b.reg(block.cond));
        const LaneMask sides[2] = {mask & taken, mask & ~taken};
        const uint32_t targets[2] = {block.target, block.target2};
        for (uint32_t e = 0; e < 2; ++e) {
            if (!sides[e])
                continue;
            if (block.edge_planned[e])
                take_planned_edge(b, block, e, targets[e], sides[e]);
            else
                take_edge(b, index, targets[e], sides[e]);
        }
        return;
    }
    case TermKind::Switch: {
        // Lanes grouped by target; a target named by several cases gets its lanes once.
        const uint32_t* selector = b.reg(block.cond);
        LaneMask left = mask;
        while (left) {
            const uint32_t first = uint32_t(std::countr_zero(left));
            uint32_t target = block.target;
            for (uint32_t c = 0; c < block.case_count; ++c)
                if (p.cases[block.first_case + c].value == selector[first]) {
                    target = p.cases[block.first_case + c].block;
                    break;
                }
            LaneMask lanes = 0;
            for (uint32_t l = first; l < kLanes; ++l) {
                if (!(left >> l & 1))
                    continue;
                uint32_t t = block.target;
                for (uint32_t c = 0; c < block.case_count; ++c)
                    if (p.cases[block.first_case + c].value == selector[l]) {
                        t = p.cases[block.first_case + c].block;
                        break;
                    }
                if (t == target)
                    lanes |= 1u << l;
            }
            take_edge(b, index, target, lanes);
            left &= ~lanes;
        }
        return;
    }
    case TermKind::Kill:
        b.killed |= mask;
        b.alive &= ~mask;
        return;
    case TermKind::Return:
        b.alive &= ~mask;
        return;
    }
}


}  // namespace

bool run_batch(Batch& b, bool resume_past_barrier) {
    // The program's arrays and the control state in locals: handlers get the batch by reference, so
    // the compiler would reload anything reached through it after every call.
    const Program& p = *b.program;
    const Ins* const code = p.code.data();
    const IrBlock* const blocks = p.blocks.data();
    LaneMask* const waiting = b.waiting.data();
    uint64_t* const pending = b.pending.data();
    const uint32_t pending_words = uint32_t(b.pending.size());
    while (b.alive) {
        uint32_t current = UINT32_MAX;  // the lowest-numbered block some lane waits at
        for (uint32_t i = 0; i < pending_words; ++i)
            if (pending[i]) {
                current = 64 * i + uint32_t(std::countr_zero(pending[i]));
                break;
            }
        if (current == UINT32_MAX)
            break;  // cannot happen: a live lane always waits somewhere
        const IrBlock& block = blocks[current];
        if (block.barrier_before && !resume_past_barrier)
            return false;
        resume_past_barrier = false;
        const LaneMask mask = waiting[current] & b.alive;
        waiting[current] = 0;
        pending[current / 64] &= ~(uint64_t(1) << (current % 64));
        if (!mask)
            continue;
        for (const Ins *ins = code + block.first, *end = ins + block.count; ins != end; ++ins)
            ins->run(*ins, b, mask);
        run_terminator(block, current, b, mask);
    }
    return true;
}

}  // namespace kiln::spirv::KILN_OPS_ISA
