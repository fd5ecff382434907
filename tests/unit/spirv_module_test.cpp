// spirv::Module: the meaning of a checked binary -- entry points, execution modes, types,
// decorations, constants, variables, functions -- on modules glslc makes, and the semantic errors
// the grammar cannot see. Mutants of valid modules that pass the binary check are built or
// refused, never crash.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <spirv/unified1/spirv.hpp11>
#include <string>
#include <vector>

#include "spirv/binary.h"
#include "spirv/module.h"

using namespace kiln::spirv;

namespace {

std::vector<uint32_t> load(const char* name) {
    std::ifstream f(std::string(KILN_TEST_SHADER_DIR) + "/" + name, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(f)), {});
    std::vector<uint32_t> words(bytes.size() / 4);
    std::memcpy(words.data(), bytes.data(), words.size() * 4);
    return words;
}

constexpr uint32_t op(spv::Op opcode, uint16_t count) { return uint32_t(count) << 16 | uint32_t(opcode); }

// Builds `words`; false with the reason in *error.
bool build(const std::vector<uint32_t>& words, Binary* binary, Module* module, std::string* error) {
    return Binary::parse(words, binary, error) && Module::build(*binary, module, error);
}

}  // namespace

TEST(SpirvModule, DescribesAComputeShader) {
    Binary binary;
    Module module;
    std::string error;
    ASSERT_TRUE(build(load("scale.spv"), &binary, &module, &error)) << error;
    const EntryPoint* main = module.entry_point(uint32_t(spv::ExecutionModel::GLCompute), "main");
    ASSERT_NE(main, nullptr);
    EXPECT_EQ(main->local_size[0], 64u);
    EXPECT_EQ(main->local_size[1], 1u);
    EXPECT_EQ(main->local_size[2], 1u);
    const Function* f = module.function(main->function);
    ASSERT_NE(f, nullptr);
    ASSERT_FALSE(f->blocks.empty());
    // The storage buffer at set 0, binding 0, and the push-constant block of one float.
    int buffers = 0, push_constants = 0;
    for (uint32_t id = 1; id < binary.bound(); ++id) {
        const Variable* v = module.variable(id);
        if (!v)
            continue;
        const Type* pointer = module.type(v->type);
        ASSERT_NE(pointer, nullptr);
        if (v->storage_class == uint32_t(spv::StorageClass::StorageBuffer) ||
            v->storage_class == uint32_t(spv::StorageClass::Uniform)) {
            ++buffers;
            EXPECT_EQ(module.decorations(id).set, 0);
            EXPECT_EQ(module.decorations(id).binding, 0);
        }
        if (v->storage_class == uint32_t(spv::StorageClass::PushConstant)) {
            ++push_constants;
            EXPECT_EQ(module.size_of(pointer->element), 4u);
        }
    }
    EXPECT_EQ(buffers, 1);
    EXPECT_EQ(push_constants, 1);
}

TEST(SpirvModule, ReadsSpecializationConstantsLoopsAndWorkgroupMemory) {
    Binary binary;
    Module module;
    std::string error;
    ASSERT_TRUE(build(load("control.spv"), &binary, &module, &error)) << error;
    const EntryPoint* main = module.entry_point(uint32_t(spv::ExecutionModel::GLCompute), "main");
    ASSERT_NE(main, nullptr);
    EXPECT_EQ(main->local_size[0], 8u);
    EXPECT_EQ(main->local_size[1], 2u);
    bool found_spec = false, found_shared = false;
    for (uint32_t id = 1; id < binary.bound(); ++id) {
        if (const Constant* c = module.constant(id); c && c->specialization && module.decorations(id).spec_id == 0) {
            found_spec = true;
            ASSERT_EQ(c->words.size(), 1u);
            EXPECT_EQ(c->words[0], 4u);  // the default of kSteps
        }
        if (const Variable* v = module.variable(id); v && v->storage_class == uint32_t(spv::StorageClass::Workgroup)) {
            found_shared = true;
            const Type* array = module.type(module.type(v->type)->element);
            ASSERT_NE(array, nullptr);
            EXPECT_EQ(array->kind, TypeKind::Array);
            EXPECT_EQ(array->count, 16u);
        }
    }
    EXPECT_TRUE(found_spec);
    EXPECT_TRUE(found_shared);
    // More than one function (step_of is not inlined at -O when it has a switch? either way the
    // entry point has several blocks: the loop).
    EXPECT_GT(module.function(main->function)->blocks.size(), 2u);
}

TEST(SpirvModule, RefusesSemanticErrors) {
    const uint32_t header[] = {0x07230203, 0x00010000, 0, 20, 0};
    const std::vector<uint32_t> prologue = {op(spv::Op::OpCapability, 2), 1, op(spv::Op::OpMemoryModel, 3), 0, 1};
    auto module_of = [&](std::vector<uint32_t> body) {
        std::vector<uint32_t> words(std::begin(header), std::end(header));
        words.insert(words.end(), prologue.begin(), prologue.end());
        words.insert(words.end(), body.begin(), body.end());
        return words;
    };
    struct Case {
        const char* why;
        std::vector<uint32_t> body;
    };
    const Case cases[] = {
        {"no entry point", {}},
        {"a vector is 2 to 4", {op(spv::Op::OpTypeFloat, 3), 1, 32, op(spv::Op::OpTypeVector, 4), 2, 1, 5}},
        {"integer width", {op(spv::Op::OpTypeInt, 4), 1, 12, 0}},
        {"is not a type", {op(spv::Op::OpTypePointer, 4), 2, 7, 9}},
        {"is not a type", {op(spv::Op::OpConstant, 4), 3, 4, 7}},
        {"a 32-bit constant is 1 word", {op(spv::Op::OpTypeInt, 4), 1, 32, 0, op(spv::Op::OpConstant, 5), 1, 2, 7, 7}},
        {"array length is not an integer constant",
         {op(spv::Op::OpTypeInt, 4), 1, 32, 0, op(spv::Op::OpTypeArray, 4), 2, 1, 1}},
        {"a label outside a function", {op(spv::Op::OpLabel, 2), 3}},
        {"the module ends inside a function",
         {op(spv::Op::OpTypeVoid, 2), 1, op(spv::Op::OpTypeFunction, 3), 2, 1, op(spv::Op::OpFunction, 5), 1, 3, 0, 2}},
        {"function declarations",
         {op(spv::Op::OpTypeVoid, 2), 1, op(spv::Op::OpTypeFunction, 3), 2, 1, op(spv::Op::OpFunction, 5), 1, 3, 0, 2,
          op(spv::Op::OpFunctionEnd, 1)}},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.why);
        Binary binary;
        Module module;
        std::string error;
        EXPECT_FALSE(build(module_of(c.body), &binary, &module, &error));
        EXPECT_NE(error.find(c.why), std::string::npos) << error;
    }
}

TEST(SpirvModule, MutantsThatPassTheBinaryCheckNeverCrashTheModel) {
    std::mt19937 rng(7);
    for (const char* name : {"scale.spv", "control.spv"}) {
        const std::vector<uint32_t> words = load(name);
        int built = 0, refused = 0;
        for (int i = 0; i < 20000; ++i) {
            std::vector<uint32_t> m = words;
            m[5 + rng() % (m.size() - 5)] ^= 1u << (rng() % 32);
            Binary binary;
            Module module;
            std::string error;
            if (!Binary::parse(m, &binary, &error))
                continue;
            (Module::build(binary, &module, &error) ? built : refused)++;
        }
        EXPECT_GT(built + refused, 0);
    }
}
