// The handlers of the register IR (ir.h): one per operation and scalar type, chosen at lowering.
//
// Pure operations (arithmetic, conversions, composites, access chains) compute every lane, the
// mask's or not, so that their loops are straight and vectorize. That is safe in SSA: a lane
// outside the mask that still needs the destination's old value has not redefined any operand
// since it computed that value (an operand's definition dominates this instruction, so redefining
// it and reaching a use again would run this instruction first), so the lane gets the same value
// again; a lane that never ran here gets a value it never reads. Handlers never trap on any input
// (division by zero, out-of-range conversions and shifts are defined here). Memory operations
// (loads, stores, atomics) and phis touch only the lanes of the mask: memory changes.
#pragma once

#include <cstdint>

#include "ir.h"

namespace kiln::spirv {

// BuiltIn values Kiln fills (spv::BuiltIn).
inline constexpr uint32_t kBuiltInNumWorkgroups = 24;
inline constexpr uint32_t kBuiltInWorkgroupSize = 25;
inline constexpr uint32_t kBuiltInWorkgroupId = 26;
inline constexpr uint32_t kBuiltInLocalInvocationId = 27;
inline constexpr uint32_t kBuiltInGlobalInvocationId = 28;
inline constexpr uint32_t kBuiltInLocalInvocationIndex = 29;
inline constexpr uint32_t kBuiltInSubgroupSize = 36;
inline constexpr uint32_t kBuiltInNumSubgroups = 38;
inline constexpr uint32_t kBuiltInSubgroupId = 40;
inline constexpr uint32_t kBuiltInSubgroupLocalInvocationId = 41;

// Scalar types as registers hold them: 8/16-bit integers widened to a word (sign- or
// zero-extended), 16-bit floats as their bits, 64-bit values in two registers.
enum class Scalar : uint8_t { Bool, I8, U8, I16, U16, I32, U32, I64, U64, F16, F32, F64 };
inline uint32_t words_of(Scalar s) { return s == Scalar::I64 || s == Scalar::U64 || s == Scalar::F64 ? 2 : 1; }

// The memory atomics Kiln implements: OpAtomicLoad (227) to OpAtomicXor (242) but
// OpAtomicCompareExchangeWeak (231). One list for lowering, image lowering and the handlers.
inline constexpr bool is_memory_atomic(uint32_t opcode) { return opcode >= 227 && opcode <= 242 && opcode != 231; }

// The handlers, compiled once per instruction-set level (ops.cpp, ops_avx2.cpp): lookups give NULL
// when the operation does not exist for that type. `op` is the SPIR-V opcode (or, for extended
// instructions, the GLSL.std.450 number through `glsl`).
struct Ops {
    const char* isa;  // "baseline" (x86-64 / the target's default) or "avx2" (AVX2 + FMA)
    Handler (*arithmetic)(uint32_t op, Scalar type);  // unary and binary arithmetic, bits, comparisons
    Handler (*conversion)(uint32_t op, Scalar to, Scalar from);
    Handler (*glsl)(uint32_t number, Scalar type);
    Handler (*atomic)(uint32_t op, Scalar type);
    Handler (*dot)(Scalar type);
    Handler (*matrix)(uint32_t op, Scalar type);
    // Moves and memory.
    Handler copy_words;       // dst[0..n) = a[0..n)
    Handler select_words;     // dst = b_reg if cond(a) else c; n words, imm: cond is a vector (1) or scalar (0)
    Handler load;
    Handler load_uniform;     // a load whose pointer is the same in every lane (lowering knows)
    Handler store;
    Handler store_register;   // dst[0..n) = a[0..n) in the lanes of the mask (a variable kept in registers)
    Handler access_chain;
    Handler extract_dynamic;
    Handler insert_dynamic;
    Handler memory_barrier;
    Handler array_length;     // imm: slot; b: the array's offset; c: its stride
    // The block scheduler (scheduler.cpp) built for the same instruction set: runs a batch until
    // every lane is done (true) or all its lanes wait at a workgroup barrier (false; with
    // `resume_past_barrier` the next run goes past it).
    bool (*run_batch)(Batch& batch, bool resume_past_barrier);
};

namespace baseline {
const Ops& table();
bool run_batch(Batch& batch, bool resume_past_barrier);
}
namespace avx2 {  // only in builds for x86-64 (KILN_HAVE_AVX2_OPS)
const Ops& table();
bool run_batch(Batch& batch, bool resume_past_barrier);
}

// The handlers for this CPU: AVX2 + FMA where the CPU has them (both compute the same bits: the
// AVX2 build does not contract a * b + c), else the baseline. KILN_ISA=baseline picks the baseline.
const Ops& ops();

}  // namespace kiln::spirv
