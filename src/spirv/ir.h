// Kiln's register IR: what a SPIR-V entry point is lowered to at pipeline creation (lower.cpp) and
// what the wide executor (executor.cpp) runs over a batch of kLanes invocations at once.
//
// Registers: every SSA value gets a run of 32-bit registers, each holding one word per lane
// (64-bit scalars take two: low word first; vectors, matrices, arrays and structs are their scalars
// in order). A pointer is one word: a byte offset into the memory of the variable it comes from,
// which lowering knows statically (Kiln has no VariablePointers), so loads and stores find the
// memory's base and bounds once per batch, not per lane. An instruction is a handler chosen at
// lowering -- operation and scalar type resolved -- with its register operands, so running one
// costs an indirect call per batch, not per invocation. Control flow is per block: each lane waits
// at its own next block, and the executor runs the lowest-numbered block any lane waits at, with
// the lanes that wait there (blocks are numbered in SPIR-V order, which puts every block before the
// blocks it dominates, so lanes meet again at merge blocks).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace kiln::spirv {

inline constexpr uint32_t kLanes = 32;
using LaneMask = uint32_t;
inline constexpr LaneMask kAllLanes = (kLanes == 32) ? ~0u : ((1u << kLanes) - 1);

struct Batch;
struct ImageDescriptor;  // image.h

// Copies one register's words, and the lanes of `lanes` only: written with SSE2 where there is
// SSE2, because the compiler made a call to memmove of the first and a scalar loop of shifts of the
// second.
inline void copy_lanes(uint32_t* __restrict dst, const uint32_t* __restrict src) {
#if defined(__SSE2__)
    for (uint32_t l = 0; l < kLanes; l += 4)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + l), _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + l)));
#else
    for (uint32_t l = 0; l < kLanes; ++l)
        dst[l] = src[l];
#endif
}
inline void blend_lanes(uint32_t* __restrict dst, const uint32_t* __restrict src, LaneMask lanes) {
#if defined(__SSE2__)
    // Four lanes' selection from a table of the sixteen 4-bit masks.
    alignas(16) static constexpr uint32_t kSelect[16][4] = {
        {0, 0, 0, 0}, {~0u, 0, 0, 0}, {0, ~0u, 0, 0}, {~0u, ~0u, 0, 0},
        {0, 0, ~0u, 0}, {~0u, 0, ~0u, 0}, {0, ~0u, ~0u, 0}, {~0u, ~0u, ~0u, 0},
        {0, 0, 0, ~0u}, {~0u, 0, 0, ~0u}, {0, ~0u, 0, ~0u}, {~0u, ~0u, 0, ~0u},
        {0, 0, ~0u, ~0u}, {~0u, 0, ~0u, ~0u}, {0, ~0u, ~0u, ~0u}, {~0u, ~0u, ~0u, ~0u}};
    for (uint32_t l = 0; l < kLanes; l += 4) {
        const __m128i select = _mm_load_si128(reinterpret_cast<const __m128i*>(kSelect[(lanes >> l) & 15]));
        __m128i* out = reinterpret_cast<__m128i*>(dst + l);
        const __m128i in = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + l));
        _mm_storeu_si128(out, _mm_or_si128(_mm_and_si128(select, in), _mm_andnot_si128(select, _mm_loadu_si128(out))));
    }
#else
    for (uint32_t l = 0; l < kLanes; ++l)
        dst[l] = (lanes >> l & 1) ? src[l] : dst[l];
#endif
}
struct Ins;
using Handler = void (*)(const Ins& ins, Batch& batch, LaneMask mask);

// One IR instruction. Operands are register indices (or immediates) whose meaning the handler knows.
struct Ins {
    Handler run = nullptr;
    uint32_t dst = 0;
    uint32_t a = 0, b = 0, c = 0;
    uint32_t n = 1;      // components (or words) the operation covers
    uint32_t imm = 0;    // an immediate: a width, a slot, an extended-instruction number...
    uint32_t aux = 0;    // index into Program::moves / Program::tables for variable-length data
    uint32_t aux_count = 0;
};

// How a load or store moves one leaf scalar between memory and registers.
struct Move {
    uint32_t offset;  // bytes from the pointer
    uint32_t reg;     // register (relative to the value's first register)
    uint8_t bytes;    // 1, 2, 4 or 8
    uint8_t sign_extend;  // 8/16-bit signed integers widen with their sign

    // The register value of the leaf's `bytes` bytes read from memory (zero-extended in `bits`).
    uint64_t widen(uint64_t bits) const {
        if (!sign_extend || bytes >= 4)
            return bits;
        const uint32_t shift = 64 - 8 * bytes;
        return uint64_t(int64_t(bits << shift) >> shift);
    }
};

enum class TermKind : uint8_t { Branch, Conditional, Switch, Return, Kill };

struct Phi {
    uint32_t dst = 0;
    uint32_t words = 0;
    uint32_t first_incoming = 0, incoming_count = 0;  // into Program::incoming
};

struct Incoming {
    uint32_t block;  // the predecessor's block number
    uint32_t reg;
};

struct IrBlock {
    uint32_t first_phi = 0, phi_count = 0;
    uint32_t first = 0, count = 0;  // instructions
    TermKind term = TermKind::Return;
    uint32_t cond = 0;               // Conditional: bool register; Switch: selector register
    uint32_t target = 0, target2 = 0;  // Branch: target; Conditional: true, false; Switch: default
    uint32_t first_case = 0, case_count = 0;  // Switch: into Program::cases
    bool barrier_before = false;     // the block starts with a workgroup barrier (see lower.cpp)
    bool phis_read_phis = false;     // a phi's incoming value is one of this block's phis (a swap)
    // The phi copies of the edges to target (0) and target2 (1), when planned (Program::edge_copies).
    bool edge_planned[2] = {false, false};
    uint32_t edge_first[2] = {0, 0}, edge_count[2] = {0, 0};
};

// A load of push constants through a pointer lowering knows: done once per dispatch when a batch
// is set up (push constants cannot change during a dispatch), into every lane of `dst`.
struct Preload {
    uint32_t dst = 0;
    uint32_t slot = 0;    // DispatchContext::buffers slot (the push constants')
    uint32_t offset = 0;  // the pointer
    uint32_t first_move = 0, move_count = 0;  // into Program::moves
};

// Memory a pointer can point into: what loads and stores check their accesses against.
enum class MemoryKind : uint8_t {
    Invocation,  // Function, Private and Input variables: one block per lane
    Workgroup,   // Workgroup variables: one block per workgroup
    Buffer,      // a descriptor's buffer, or the push constants (a DispatchContext::buffers slot)
    BufferArray, // one of an array of descriptors' buffers, by a dynamically uniform index
};

// An offset no memory reaches: where access chains that leave 32 bits end (every range is
// smaller, so an access through it is out of bounds).
inline constexpr uint32_t kNowhere = UINT32_MAX;

struct SwitchCase {
    uint32_t value;
    uint32_t block;
};

// Where a descriptor-backed variable's memory comes from at dispatch.
struct BindingSlot {
    uint32_t set = 0, binding = 0;
    uint32_t array_element = 0;  // arrays of descriptors: one slot per element
    bool storage = false;        // storage buffer (else uniform buffer)
};

// Vertex and fragment shaders: one input or output location (or built-in) of the stage's interface
// in each lane's invocation memory. The caller writes inputs there before a batch runs and reads
// outputs after (StageRunner): in registers where lowering keeps the variable in registers, else
// in invocation memory.
struct InterfaceSlot {
    uint32_t location = 0;   // the Location (of this piece of a variable); built-ins: the BuiltIn
    uint32_t component = 0;  // the first component it fills (Component decoration)
    uint32_t offset = 0;     // bytes into a lane's invocation memory (when `reg` is UINT32_MAX)
    uint32_t reg = UINT32_MAX;  // or: its first register (words in registers reg, reg + 1, ...)
    uint32_t words = 0;      // 32-bit words (a location holds at most four)
    uint8_t kind = 0;        // kFloatSlot, kSintSlot, kUintSlot (the scalar type, for conversions)
    uint8_t width = 32;      // 16, 32 or 64
    bool flat = false, no_perspective = false;
    uint32_t index = 0;      // fragment outputs: the Index decoration (dual-source blending)
};
inline constexpr uint8_t kFloatSlot = 0, kSintSlot = 1, kUintSlot = 2;

struct StageInterface {
    std::vector<InterfaceSlot> inputs, outputs;                  // by Location, one slot per location
    std::vector<InterfaceSlot> builtin_inputs, builtin_outputs;  // `location` is the BuiltIn
    bool discards = false;              // OpKill / OpTerminateInvocation
    bool early_fragment_tests = false;  // the EarlyFragmentTests execution mode
    bool depth_replacing = false;       // DepthReplacing (writes FragDepth)
    bool origin_upper_left = true;
    bool derivatives = false;           // uses OpDPdx & co. or implicit-LOD sampling
};

struct Program {
    uint32_t execution_model = 5;  // SPIR-V ExecutionModel: 0 Vertex, 4 Fragment, 5 GLCompute
    StageInterface stage;           // vertex and fragment shaders
    std::vector<Ins> code;
    std::vector<IrBlock> blocks;  // blocks[0] is the entry
    std::vector<Phi> phis;
    std::vector<Incoming> incoming;
    std::vector<SwitchCase> cases;
    std::vector<Move> moves;
    std::vector<uint32_t> tables;  // variable-length operand lists (access-chain steps, ...)
    std::vector<uint32_t> constants;  // (register, value) pairs written into every batch at start
    std::vector<Preload> preloads;
    struct EdgeCopy {
        uint32_t dst, src;  // one register word
    };
    std::vector<EdgeCopy> edge_copies;
    uint32_t register_count = 0;
    uint32_t local_size[3] = {1, 1, 1};
    uint32_t invocation_bytes = 0;  // Function, Private and Input memory of one invocation
    uint32_t workgroup_bytes = 0;   // Workgroup memory of one workgroup
    std::vector<BindingSlot> bindings;  // slot i: Batch::buffers[i]
    // Image, sampler and texel buffer descriptors: slot i is DispatchContext::images[i] (image.h).
    std::vector<BindingSlot> image_bindings;
    uint32_t push_constant_slot = UINT32_MAX;
    bool uses_barriers = false;
    // Built-in inputs, computed into registers at batch start: (builtin, first register) pairs.
    // Loads of them are those registers; a built-in also indexed dynamically is copied into
    // invocation memory too (`builtin_memory`: (builtin, byte offset) pairs).
    std::vector<std::pair<uint32_t, uint32_t>> builtins;
    std::vector<std::pair<uint32_t, uint32_t>> builtin_memory;
};

// A memory range a load or store may touch: accesses outside it read 0 and write nothing
// (Kiln's answer to out-of-bounds shader accesses, like robustBufferAccess).
struct Range {
    std::byte* base = nullptr;
    uint64_t size = 0;
};

// What every invocation of one dispatch shares.
struct DispatchContext {
    const Program* program = nullptr;
    std::vector<Range> buffers;  // by Program::bindings slot, then the push constants
    const ImageDescriptor* images = nullptr;  // by Program::image_bindings slot
    uint32_t image_count = 0;
    uint32_t base_group[3] = {0, 0, 0};
    uint32_t group_count[3] = {1, 1, 1};
};

// One batch of kLanes invocations of a workgroup: registers, per-lane control state, memory.
struct Batch {
    const Program* program = nullptr;
    const DispatchContext* dispatch = nullptr;
    std::vector<uint32_t> regs;  // register_count x kLanes
    std::byte* invocation_memory = nullptr;  // kLanes x invocation_bytes
    std::byte* workgroup_memory = nullptr;   // shared by the workgroup's batches
    // Control: the lanes waiting at each block, and which blocks have any (a bitset, to find the
    // lowest quickly). Phis are written when lanes take an edge, so no lane needs to remember
    // where it came from.
    std::vector<LaneMask> waiting;   // by block
    std::vector<uint64_t> pending;   // bit i: waiting[i] != 0
    std::vector<uint32_t> phi_scratch;  // an edge's phi values between reading and writing them
    LaneMask alive = 0;    // lanes that exist and have not returned or been killed
    LaneMask killed = 0;   // fragment lanes that ran OpKill (discarded)
    uint32_t lane_count = 0;
    uint32_t first_index = 0;  // LocalInvocationIndex of lane 0
    uint32_t group[3] = {0, 0, 0};

    uint32_t* reg(uint32_t r) { return &regs[size_t(r) * kLanes]; }
    const uint32_t* reg(uint32_t r) const { return &regs[size_t(r) * kLanes]; }
};

// Lowers one entry point of a module (module.h) with its specialization constants
// (constant ID -> value words). False with the reason when Kiln cannot run it.
class Module;
struct Specialization {
    std::vector<std::pair<uint32_t, uint64_t>> values;  // (constant ID, value: 1..8 bytes, zero-extended)
};
bool lower(const Module& module, uint32_t execution_model, const std::string& entry_point,
           const Specialization& specialization, Program* out, std::string* error);

// Runs every invocation of one workgroup (`group`) on the calling thread. `scratch` is reused
// across the calls of one dispatch by the same thread (its batches keep per-dispatch state: make a
// new Scratch for every dispatch).
struct Scratch {
    std::vector<Batch> batches;
    std::vector<std::byte> invocation_memory;
    std::vector<std::byte> workgroup_memory;
};
void run_workgroup(const DispatchContext& dispatch, const uint32_t group[3], Scratch& scratch);

// Runs vertex or fragment shader invocations, a batch of up to kLanes at a time, on the calling
// thread: the caller writes each lane's inputs (Program::stage) into lane_memory(l), runs, and
// reads the outputs from the same memory. One StageRunner per thread and draw.
class StageRunner {
public:
    explicit StageRunner(const DispatchContext& dispatch);
    std::byte* lane_memory(uint32_t lane) { return memory_.data() + size_t(lane) * stride_; }
    uint32_t* reg(uint32_t r) { return batch_.reg(r); }  // kLanes words, lane by lane
    // Runs lanes 0..count-1; returns the lanes that ran to the end (not discarded by OpKill).
    LaneMask run(uint32_t count);

private:
    const DispatchContext& dispatch_;
    Batch batch_;
    std::vector<std::byte> memory_;
    std::vector<std::byte> workgroup_memory_;
    size_t stride_ = 0;
};

}  // namespace kiln::spirv
