// The wide executor: runs a workgroup's invocations in batches of kLanes over the register IR
// (ir.h). Each lane has its own block; the lowest-numbered block any lane waits at runs next, for
// the lanes waiting there, so divergent lanes meet again where their paths join. A workgroup
// barrier ends a block (lower.cpp): a batch stops there until every batch of the workgroup has
// arrived, then all go on.
#include <algorithm>
#include <bit>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "ir.h"
#include "ops.h"

namespace kiln::spirv {

namespace {

// Built-ins are a uvec3 or a uint.
uint32_t components_of(uint32_t builtin) {
    switch (builtin) {
    case kBuiltInNumWorkgroups:
    case kBuiltInWorkgroupSize:
    case kBuiltInWorkgroupId:
    case kBuiltInLocalInvocationId:
    case kBuiltInGlobalInvocationId: return 3;
    default: return 1;
    }
}

// Computes the built-in inputs into their registers (lowering made loads of them copies), and
// into invocation memory those a shader also indexes dynamically.
void write_builtins(Batch& b) {
    const Program& p = *b.program;
    const DispatchContext& d = *b.dispatch;
    const uint32_t sx = p.local_size[0], sy = p.local_size[1];
    for (const auto& [builtin, reg] : p.builtins) {
        uint32_t* v[3] = {b.reg(reg), nullptr, nullptr};
        if (components_of(builtin) == 3) {
            v[1] = b.reg(reg + 1);
            v[2] = b.reg(reg + 2);
        }
        switch (builtin) {
        case kBuiltInNumWorkgroups:
        case kBuiltInWorkgroupSize:
        case kBuiltInWorkgroupId: {
            const uint32_t* value = builtin == kBuiltInNumWorkgroups ? d.group_count
                                    : builtin == kBuiltInWorkgroupSize ? p.local_size
                                                                       : b.group;
            for (int i = 0; i < 3; ++i)
                std::fill_n(v[i], kLanes, value[i]);
            break;
        }
        case kBuiltInLocalInvocationId:
        case kBuiltInGlobalInvocationId: {
            // Lane by lane from the first lane's position: no division per lane.
            const bool global = builtin == kBuiltInGlobalInvocationId;
            uint32_t local[3] = {b.first_index % sx, (b.first_index / sx) % sy, b.first_index / (sx * sy)};
            for (uint32_t l = 0; l < kLanes; ++l) {
                for (int i = 0; i < 3; ++i)
                    v[i][l] = (global ? b.group[i] * p.local_size[i] : 0) + local[i];
                if (++local[0] == sx) {
                    local[0] = 0;
                    if (++local[1] == sy) {
                        local[1] = 0;
                        ++local[2];
                    }
                }
            }
            break;
        }
        case kBuiltInLocalInvocationIndex:
            for (uint32_t l = 0; l < kLanes; ++l)
                v[0][l] = b.first_index + l;
            break;
        case kBuiltInSubgroupSize:
            std::fill_n(v[0], kLanes, kLanes);
            break;
        case kBuiltInSubgroupId:
            std::fill_n(v[0], kLanes, b.first_index / kLanes);
            break;
        case kBuiltInSubgroupLocalInvocationId:
            for (uint32_t l = 0; l < kLanes; ++l)
                v[0][l] = (b.first_index + l) % kLanes;
            break;
        case kBuiltInNumSubgroups: {
            const uint32_t total = p.local_size[0] * p.local_size[1] * p.local_size[2];
            std::fill_n(v[0], kLanes, (total + kLanes - 1) / kLanes);
            break;
        }
        default:
            std::fill_n(v[0], kLanes, 0u);
            break;
        }
    }
    for (const auto& entry : p.builtin_memory) {
        const uint32_t builtin = entry.first, offset = entry.second;  // (a lambda cannot capture a structured binding in C++20)
        const auto it = std::find_if(p.builtins.begin(), p.builtins.end(), [&](const auto& e) { return e.first == builtin; });
        if (it == p.builtins.end())
            continue;
        for (uint32_t l = 0; l < kLanes; ++l)
            for (uint32_t w = 0; w < components_of(builtin); ++w)
                std::memcpy(b.invocation_memory + size_t(l) * p.invocation_bytes + offset + 4 * w, &b.reg(it->second + w)[l], 4);
    }
}

// Reads the program's push-constant loads (Preload) into their registers, as a load would: out of
// bounds reads 0, narrow signed integers widen with their sign.
void preload(Batch& b) {
    const Program& p = *b.program;
    for (const Preload& load : p.preloads) {
        const Range range = load.slot < b.dispatch->buffers.size() ? b.dispatch->buffers[load.slot] : Range{};
        for (uint32_t i = 0; i < load.move_count; ++i) {
            const Move& m = p.moves[load.first_move + i];
            const uint64_t at = uint64_t(load.offset) + m.offset;
            uint64_t value = 0;
            if (range.base && at + m.bytes <= range.size)
                std::memcpy(&value, range.base + at, m.bytes);  // little-endian: the low bytes
            value = m.widen(value);
            std::fill_n(b.reg(load.dst + m.reg), kLanes, uint32_t(value));
            if (m.bytes == 8)
                std::fill_n(b.reg(load.dst + m.reg + 1), kLanes, uint32_t(value >> 32));
        }
    }
}

void start_batch(Batch& b, const DispatchContext& d, const uint32_t group[3], uint32_t first, uint32_t count,
                 std::byte* invocation_memory, std::byte* workgroup_memory) {
    const Program& p = *d.program;
    // What stays the same from one batch to the next in the same registers and memory -- zeroed
    // registers, constants (variable pointers among them) -- is set once, not per batch: batches of
    // 32 invocations are the executor's hot path.
    if (b.program != &p || b.dispatch != &d || b.invocation_memory != invocation_memory ||
        b.workgroup_memory != workgroup_memory) {
        b.program = &p;
        b.dispatch = &d;
        b.invocation_memory = invocation_memory;
        b.workgroup_memory = workgroup_memory;
        b.regs.assign(size_t(p.register_count) * kLanes, 0);
        b.waiting.assign(std::max<size_t>(p.blocks.size(), 1), 0);
        b.pending.assign((b.waiting.size() + 63) / 64, 0);
        size_t phi_words = 0;  // the most phi words one block has
        for (const IrBlock& block : p.blocks) {
            size_t words = 0;
            for (uint32_t i = 0; i < block.phi_count; ++i)
                words += p.phis[block.first_phi + i].words;
            phi_words = std::max(phi_words, words);
        }
        b.phi_scratch.assign(phi_words * kLanes, 0);
        std::memset(invocation_memory, 0, size_t(p.invocation_bytes) * kLanes);
        for (size_t i = 0; i + 1 < p.constants.size(); i += 2)
            std::fill_n(b.reg(p.constants[i]), kLanes, p.constants[i + 1]);
        preload(b);
    }
    b.first_index = first;
    b.lane_count = count;
    b.alive = count >= kLanes ? kAllLanes : ((1u << count) - 1);
    for (int i = 0; i < 3; ++i)
        b.group[i] = d.base_group[i] + group[i];
    // Every lane starts at the entry block (the entry block has no phis).
    std::fill(b.waiting.begin(), b.waiting.end(), LaneMask{0});
    std::fill(b.pending.begin(), b.pending.end(), uint64_t{0});
    b.waiting[0] = b.alive;
    b.pending[0] = 1;
    // Private variables with initializers are stored by the entry block; the rest of invocation
    // memory (Function and Private variables) starts undefined, as SPIR-V says.
    write_builtins(b);
}

// The lanes whose word is not zero (a bool register as a mask): four lanes per SSE2 compare; a loop
// of shifts was most of the time of a branchy shader.
LaneMask nonzero_lanes(const uint32_t* words) {
#if defined(__SSE2__)
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

// Lanes `lanes` go from block `from` to block `to`: they take the values of `to`'s phis for that edge
// now (all values read before any is written: a phi may take another phi's old value), and wait there.
// An edge whose copies lowering planned (plan_edges in lower.cpp): edge e of block `from`.
void take_planned_edge(Batch& b, const IrBlock& from, uint32_t e, uint32_t to, LaneMask lanes) {
    const Program& p = *b.program;
    const Program::EdgeCopy* copy = p.edge_copies.data() + from.edge_first[e];
    if (lanes == kAllLanes)
        for (uint32_t i = 0; i < from.edge_count[e]; ++i)
            copy_lanes(b.reg(copy[i].dst), b.reg(copy[i].src));
    else
        for (uint32_t i = 0; i < from.edge_count[e]; ++i)
            blend_lanes(b.reg(copy[i].dst), b.reg(copy[i].src), lanes);
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
    case TermKind::Return:
    case TermKind::Kill:
        b.alive &= ~mask;
        return;
    }
}

// The lowest-numbered block some lane waits at.
uint32_t lowest_waiting(const Batch& b) {
    for (uint32_t i = 0; i < b.pending.size(); ++i)
        if (b.pending[i])
            return 64 * i + uint32_t(std::countr_zero(b.pending[i]));
    return UINT32_MAX;
}

// Runs a batch until every lane is done (true) or all its lanes wait at a barrier (false).
bool run_batch(Batch& b, bool resume_past_barrier) {
    const Program& p = *b.program;
    while (b.alive) {
        const uint32_t current = lowest_waiting(b);
        if (current == UINT32_MAX)
            break;  // cannot happen: a live lane always waits somewhere
        const IrBlock& block = p.blocks[current];
        if (block.barrier_before && !resume_past_barrier)
            return false;
        resume_past_barrier = false;
        const LaneMask mask = b.waiting[current] & b.alive;
        b.waiting[current] = 0;
        b.pending[current / 64] &= ~(uint64_t(1) << (current % 64));
        if (!mask)
            continue;
        for (uint32_t i = 0; i < block.count; ++i) {
            const Ins& ins = p.code[block.first + i];
            ins.run(ins, b, mask);
        }
        run_terminator(block, current, b, mask);
    }
    return true;
}

}  // namespace

void run_workgroup(const DispatchContext& dispatch, const uint32_t group[3], Scratch& scratch) {
    const Program& p = *dispatch.program;
    const uint32_t total = p.local_size[0] * p.local_size[1] * p.local_size[2];
    const uint32_t batch_count = (total + kLanes - 1) / kLanes;
    scratch.workgroup_memory.assign(p.workgroup_bytes, std::byte{0});
    std::byte* workgroup = scratch.workgroup_memory.data();
    const size_t batch_memory = size_t(p.invocation_bytes) * kLanes;
    if (!p.uses_barriers) {
        // One batch at a time, in the same registers and memory.
        scratch.batches.resize(1);
        scratch.invocation_memory.resize(std::max<size_t>(batch_memory, 1));
        for (uint32_t i = 0; i < batch_count; ++i) {
            Batch& b = scratch.batches[0];
            start_batch(b, dispatch, group, i * kLanes, std::min(kLanes, total - i * kLanes),
                        scratch.invocation_memory.data(), workgroup);
            run_batch(b, false);
        }
        return;
    }
    // Barriers: every batch keeps its state; each runs to the next barrier in turn.
    scratch.batches.resize(batch_count);
    scratch.invocation_memory.resize(std::max<size_t>(batch_memory * batch_count, 1));
    std::vector<uint8_t> done(batch_count, 0);
    for (uint32_t i = 0; i < batch_count; ++i)
        start_batch(scratch.batches[i], dispatch, group, i * kLanes, std::min(kLanes, total - i * kLanes),
                    scratch.invocation_memory.data() + batch_memory * i, workgroup);
    bool resume = false;
    for (uint32_t remaining = batch_count; remaining;) {
        for (uint32_t i = 0; i < batch_count; ++i) {
            if (done[i])
                continue;
            if (run_batch(scratch.batches[i], resume)) {
                done[i] = 1;
                --remaining;
            }
        }
        resume = true;  // every batch still running waits at a barrier: all pass it together
    }
}

}  // namespace kiln::spirv
