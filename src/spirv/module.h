// A SPIR-V module's meaning, built from a checked Binary: its types, constants (specialization
// constants included), decorations, global variables, functions with their blocks, entry points
// and execution modes. What lowering (to Kiln's register IR) reads. Building it checks what the
// grammar cannot: that IDs name the right kind of thing, that types are well formed, that
// functions are made of terminated blocks, and that the layout decorations buffers need are there.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "binary.h"

namespace kiln::spirv {

enum class TypeKind : uint8_t {
    Void, Bool, Int, Float, Vector, Matrix, Array, RuntimeArray, Struct, Pointer, Function,
    Image, Sampler, SampledImage,
};

struct Type {
    TypeKind kind = TypeKind::Void;
    uint32_t width = 0;       // Int, Float: bits
    bool is_signed = false;   // Int
    uint32_t element = 0;     // Vector: component; Matrix: column; Array/RuntimeArray: element;
                              // Pointer: pointee; Function: return type; SampledImage: image
    uint32_t count = 0;       // Vector: components; Matrix: columns; Array: length (the constant's default)
    uint32_t length_id = 0;   // Array: the length constant (a specialization constant may change it)
    uint32_t storage_class = 0;       // Pointer
    std::vector<uint32_t> members;    // Struct: member types; Function: parameter types
    // Image: Dim, Depth, Arrayed, MS, Sampled, Image Format
    uint32_t dim = 0, depth = 0, arrayed = 0, multisampled = 0, sampled = 0, format = 0;
};

// The decorations Kiln reads; -1 / false when absent.
struct Decorations {
    int64_t binding = -1, set = -1, location = -1, builtin = -1, offset = -1, array_stride = -1,
            matrix_stride = -1, spec_id = -1, component = -1, index = -1;
    bool block = false, buffer_block = false, row_major = false, col_major = false, non_writable = false,
         non_readable = false, relaxed_precision = false, no_contraction = false;
    // Stage interface variables: how a fragment input is interpolated.
    bool flat = false, no_perspective = false, centroid = false;
};

struct Constant {
    uint32_t type = 0;
    bool specialization = false;  // OpSpecConstant* (a default, replaced by VkSpecializationInfo)
    bool null = false;            // OpConstantNull
    std::vector<uint32_t> words;  // scalars: the value's words (Bool: 0 or 1)
    std::vector<uint32_t> constituents;  // composites
    uint32_t spec_opcode = 0;     // OpSpecConstantOp: the operation; `constituents` its operands
};

struct Variable {
    uint32_t type = 0;  // a pointer type
    uint32_t storage_class = 0;
    uint32_t initializer = 0;
};

struct Block {
    uint32_t label = 0;
    uint32_t first = 0;  // index of its first instruction after OpLabel, in Binary::instructions()
    uint32_t last = 0;   // index of its terminator
};

struct Function {
    uint32_t id = 0, type = 0, result_type = 0;
    std::vector<uint32_t> parameters;  // OpFunctionParameter result IDs
    std::vector<Block> blocks;         // in module order; the first is the entry block
};

struct EntryPoint {
    uint32_t execution_model = 0;
    uint32_t function = 0;
    std::string name;
    std::vector<uint32_t> interface;
    uint32_t local_size[3] = {1, 1, 1};
    uint32_t local_size_id[3] = {0, 0, 0};  // LocalSizeId: constants (maybe specialized)
    // Fragment shaders' execution modes.
    bool origin_upper_left = false, early_fragment_tests = false, depth_replacing = false;
};

class Module {
public:
    // Builds the model of `binary` (which Module keeps a reference to: it must outlive the Module).
    static bool build(const Binary& binary, Module* out, std::string* error);

    const Binary& binary() const { return *binary_; }
    const Type* type(uint32_t id) const { return find(types_, id); }
    const Constant* constant(uint32_t id) const { return find(constants_, id); }
    const Variable* variable(uint32_t id) const { return find(variables_, id); }
    const Function* function(uint32_t id) const { return find(functions_, id); }
    const Decorations& decorations(uint32_t id) const;
    const Decorations& member_decorations(uint32_t struct_id, uint32_t member) const;
    const std::vector<EntryPoint>& entry_points() const { return entry_points_; }
    const EntryPoint* entry_point(uint32_t model, const std::string& name) const;
    // The result type of any ID that has one (0 otherwise).
    uint32_t type_of(uint32_t id) const { return id < result_types_.size() ? result_types_[id] : 0; }
    uint32_t glsl_std_450() const { return glsl_std_450_; }  // the OpExtInstImport ID, or 0

    // Bytes of a type laid out with its Offset/ArrayStride/MatrixStride decorations (buffers); 0
    // for runtime arrays and types without a size.
    uint64_t size_of(uint32_t type) const;

private:
    template <typename T>
    static const T* find(const std::unordered_map<uint32_t, T>& map, uint32_t id) {
        auto it = map.find(id);
        return it == map.end() ? nullptr : &it->second;
    }

    const Binary* binary_ = nullptr;
    std::unordered_map<uint32_t, Type> types_;
    std::unordered_map<uint32_t, Constant> constants_;
    std::unordered_map<uint32_t, Variable> variables_;
    std::unordered_map<uint32_t, Function> functions_;
    std::unordered_map<uint32_t, Decorations> decorations_;
    std::unordered_map<uint64_t, Decorations> member_decorations_;  // (struct << 32) | member
    std::vector<EntryPoint> entry_points_;
    std::vector<uint32_t> result_types_;
    uint32_t glsl_std_450_ = 0;
};

}  // namespace kiln::spirv
