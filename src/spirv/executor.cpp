// The wide executor: runs a workgroup's invocations in batches of kLanes over the register IR
// (ir.h). Each lane has its own block; the lowest-numbered block any lane waits at runs next, for
// the lanes waiting there, so divergent lanes meet again where their paths join. A workgroup
// barrier ends a block (lower.cpp): a batch stops there until every batch of the workgroup has
// arrived, then all go on.
#include <algorithm>
#include <bit>
#include <cstring>

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
            const bool global = builtin == kBuiltInGlobalInvocationId;
            for (uint32_t l = 0; l < kLanes; ++l) {
                const uint32_t index = b.first_index + l;
                const uint32_t local[3] = {index % sx, (index / sx) % sy, index / (sx * sy)};
                for (int i = 0; i < 3; ++i)
                    v[i][l] = (global ? b.group[i] * p.local_size[i] : 0) + local[i];
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
    for (const auto& [builtin, offset] : p.builtin_memory) {
        const auto it = std::find_if(p.builtins.begin(), p.builtins.end(), [&](const auto& e) { return e.first == builtin; });
        if (it == p.builtins.end())
            continue;
        for (uint32_t l = 0; l < kLanes; ++l)
            for (uint32_t w = 0; w < components_of(builtin); ++w)
                std::memcpy(b.invocation_memory + size_t(l) * p.invocation_bytes + offset + 4 * w, &b.reg(it->second + w)[l], 4);
    }
}

void start_batch(Batch& b, const DispatchContext& d, const uint32_t group[3], uint32_t first, uint32_t count,
                 std::byte* invocation_memory, std::byte* workgroup_memory) {
    const Program& p = *d.program;
    // What stays the same from one batch to the next in the same registers and memory -- zeroed
    // registers, constants (variable pointers among them) -- is set once, not per batch: batches of
    // 16 invocations are the executor's hot path.
    if (b.program != &p || b.dispatch != &d || b.invocation_memory != invocation_memory ||
        b.workgroup_memory != workgroup_memory) {
        b.program = &p;
        b.dispatch = &d;
        b.invocation_memory = invocation_memory;
        b.workgroup_memory = workgroup_memory;
        b.regs.assign(size_t(p.register_count) * kLanes, 0);
        std::memset(invocation_memory, 0, size_t(p.invocation_bytes) * kLanes);
        for (size_t i = 0; i + 1 < p.constants.size(); i += 2)
            std::fill_n(b.reg(p.constants[i]), kLanes, p.constants[i + 1]);
    }
    b.first_index = first;
    b.lane_count = count;
    b.alive = count >= kLanes ? kAllLanes : ((1u << count) - 1);
    for (int i = 0; i < 3; ++i)
        b.group[i] = d.base_group[i] + group[i];
    b.uniform = true;  // every lane starts at the entry block
    b.uniform_block = 0;
    b.uniform_previous = UINT32_MAX;
    // Private variables with initializers are stored by the entry block; the rest of invocation
    // memory (Function and Private variables) starts undefined, as SPIR-V says.
    write_builtins(b);
}

// Evaluates a block's phis for the lanes in `mask`: each lane takes the value of the block it came from.
void run_phis(const IrBlock& block, Batch& b, LaneMask mask) {
    const Program& p = *b.program;
    for (uint32_t i = 0; i < block.phi_count; ++i) {
        const Phi& phi = p.phis[block.first_phi + i];
        if (b.uniform) {
            // Every lane came from the same block: one incoming value, all lanes at once.
            for (uint32_t k = 0; k < phi.incoming_count; ++k) {
                const Incoming& in = p.incoming[phi.first_incoming + k];
                if (in.block != b.uniform_previous)
                    continue;
                for (uint32_t w = 0; w < phi.words; ++w)
                    std::copy_n(b.reg(in.reg + w), kLanes, b.reg(phi.dst + w));
                break;
            }
            continue;
        }
        for (uint32_t l = 0; l < kLanes; ++l) {
            if (!(mask >> l & 1))
                continue;
            for (uint32_t k = 0; k < phi.incoming_count; ++k) {
                const Incoming& in = p.incoming[phi.first_incoming + k];
                if (in.block != b.previous[l])
                    continue;
                for (uint32_t w = 0; w < phi.words; ++w)
                    b.reg(phi.dst + w)[l] = b.reg(in.reg + w)[l];
                break;
            }
        }
    }
}

// The block lane l goes to after `block`, or UINT32_MAX when it returns or is killed.
uint32_t next_block(const Program& p, const IrBlock& block, const Batch& b, uint32_t l) {
    switch (block.term) {
    case TermKind::Branch:
        return block.target;
    case TermKind::Conditional:
        return b.reg(block.cond)[l] ? block.target : block.target2;
    case TermKind::Switch: {
        const uint32_t selector = b.reg(block.cond)[l];
        for (uint32_t c = 0; c < block.case_count; ++c)
            if (p.cases[block.first_case + c].value == selector)
                return p.cases[block.first_case + c].block;
        return block.target;
    }
    case TermKind::Return:
    case TermKind::Kill:
        break;
    }
    return UINT32_MAX;
}

void run_terminator(const IrBlock& block, uint32_t index, Batch& b, LaneMask mask) {
    const Program& p = *b.program;
    if (b.uniform) {
        // All live lanes are here. They stay together if they all go the same way.
        const int first = std::countr_zero(mask);
        const uint32_t next = next_block(p, block, b, uint32_t(first));
        bool together = true;
        if (block.term == TermKind::Conditional) {
            const uint32_t* cond = b.reg(block.cond);
            LaneMask taken = 0;
            for (uint32_t l = 0; l < kLanes; ++l)
                taken |= LaneMask(cond[l] != 0) << l;
            together = (taken & mask) == 0 || (taken & mask) == mask;
        } else if (block.term == TermKind::Switch) {
            for (uint32_t l = uint32_t(first) + 1; l < kLanes; ++l)
                if ((mask >> l & 1) && next_block(p, block, b, l) != next) {
                    together = false;
                    break;
                }
        }
        if (together) {
            if (next == UINT32_MAX) {
                b.alive = 0;
            } else {
                b.uniform_block = next;
                b.uniform_previous = index;
            }
            return;
        }
        // They part: from here on every lane keeps its own block.
        std::fill(std::begin(b.block), std::end(b.block), b.uniform_block);
        std::fill(std::begin(b.previous), std::end(b.previous), b.uniform_previous);
        b.uniform = false;
    }
    for (uint32_t l = 0; l < kLanes; ++l) {
        if (!(mask >> l & 1))
            continue;
        const uint32_t next = next_block(p, block, b, l);
        if (next == UINT32_MAX) {
            b.alive &= ~(1u << l);
            continue;
        }
        b.previous[l] = index;
        b.block[l] = next;
    }
    // Together again when every live lane waits at the same block, come from the same block.
    if (!b.alive)
        return;
    const int first = std::countr_zero(b.alive);
    for (uint32_t l = uint32_t(first) + 1; l < kLanes; ++l)
        if ((b.alive >> l & 1) && (b.block[l] != b.block[first] || b.previous[l] != b.previous[first]))
            return;
    b.uniform = true;
    b.uniform_block = b.block[first];
    b.uniform_previous = b.previous[first];
}

// Runs a batch until every lane is done (true) or all its lanes wait at a barrier (false).
bool run_batch(Batch& b, bool resume_past_barrier) {
    const Program& p = *b.program;
    while (b.alive) {
        uint32_t current = UINT32_MAX;
        LaneMask mask = 0;
        if (b.uniform) {
            current = b.uniform_block;
            mask = b.alive;
        } else {
            for (uint32_t l = 0; l < kLanes; ++l)
                if (b.alive >> l & 1)
                    current = std::min(current, b.block[l]);
            for (uint32_t l = 0; l < kLanes; ++l)
                if ((b.alive >> l & 1) && b.block[l] == current)
                    mask |= 1u << l;
        }
        const IrBlock& block = p.blocks[current];
        if (block.barrier_before && !resume_past_barrier)
            return false;
        resume_past_barrier = false;
        run_phis(block, b, mask);
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
