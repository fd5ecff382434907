// The wide executor: runs a workgroup's invocations in batches of kLanes over the register IR
// (ir.h) -- sets each batch up (registers, built-ins, push constants) and hands it to the block
// scheduler (scheduler.cpp, built for the CPU's instruction set). A workgroup barrier ends a block
// (lower.cpp): a batch stops there until every batch of the workgroup has arrived, then all go on.
#include <algorithm>
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
        default:  // lowering admits only the built-ins above (lower_memory.cpp compute_builtin)
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
    b.killed = 0;
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

}  // namespace

void run_workgroup(const DispatchContext& dispatch, const uint32_t group[3], Scratch& scratch) {
    const Program& p = *dispatch.program;
    const uint32_t total = p.local_size[0] * p.local_size[1] * p.local_size[2];
    const uint32_t batch_count = (total + kLanes - 1) / kLanes;
    auto* const run_batch = ops().run_batch;
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

StageRunner::StageRunner(const DispatchContext& dispatch)
    : dispatch_(dispatch), stride_(dispatch.program->invocation_bytes) {
    memory_.assign(std::max<size_t>(stride_ * kLanes, 1), std::byte{0});
    workgroup_memory_.assign(dispatch.program->workgroup_bytes, std::byte{0});
    // The one-time setup (constants, push constants, zeroed memory) now, before the caller writes
    // the first inputs: start_batch does it when it first sees these memories.
    const uint32_t origin[3] = {0, 0, 0};
    start_batch(batch_, dispatch_, origin, 0, 0, memory_.data(), workgroup_memory_.data());
}

LaneMask StageRunner::run(uint32_t count) {
    const uint32_t origin[3] = {0, 0, 0};
    start_batch(batch_, dispatch_, origin, 0, std::min(count, kLanes), memory_.data(), workgroup_memory_.data());
    ops().run_batch(batch_, false);  // graphics stages have no workgroup barriers
    const LaneMask lanes = count >= kLanes ? kAllLanes : ((1u << count) - 1);
    return lanes & ~batch_.killed;
}

}  // namespace kiln::spirv
