// The shader engine's vertex and fragment stages: the interface lowering puts in Program::stage
// (src/spirv/lower_interface.cpp) and StageRunner running batches whose inputs the test writes,
// checked against the same computation on the host.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <spirv/unified1/spirv.hpp11>
#include <string>
#include <vector>

#include "spirv/binary.h"
#include "spirv/ir.h"
#include "spirv/module.h"

namespace {

using kiln::spirv::InterfaceSlot;
using kiln::spirv::kLanes;

std::vector<uint32_t> read_spv(const std::string& name) {
    std::ifstream file(std::string(KILN_TEST_STAGE_SHADER_DIR) + "/" + name, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    std::vector<uint32_t> words(bytes.size() / 4);
    std::memcpy(words.data(), bytes.data(), words.size() * 4);
    return words;
}

// Lowers `name`'s entry point "main" for `model`: true, or false with the reason in *error.
bool lower_stage(const std::string& name, spv::ExecutionModel model, kiln::spirv::Program* program, std::string* error) {
    const std::vector<uint32_t> words = read_spv(name);
    kiln::spirv::Binary binary;
    kiln::spirv::Module module;
    if (!kiln::spirv::Binary::parse(words, &binary, error) || !kiln::spirv::Module::build(binary, &module, error))
        return false;
    return kiln::spirv::lower(module, uint32_t(model), "main", {}, program, error);
}

const InterfaceSlot* find(const std::vector<InterfaceSlot>& slots, uint32_t location) {
    for (const InterfaceSlot& s : slots)
        if (s.location == location)
            return &s;
    return nullptr;
}

// Word `w` of a slot in lane `lane`: in its registers, or in the lane's invocation memory.
uint32_t* word_of(kiln::spirv::StageRunner& runner, const InterfaceSlot& slot, uint32_t lane, uint32_t w) {
    if (slot.reg != UINT32_MAX)
        return runner.reg(slot.reg + w) + lane;
    return reinterpret_cast<uint32_t*>(runner.lane_memory(lane) + slot.offset + 4 * w);
}

template <typename T>
void put(kiln::spirv::StageRunner& runner, const InterfaceSlot& slot, uint32_t lane, std::initializer_list<T> values) {
    ASSERT_LE(values.size(), slot.words);
    for (size_t w = 0; w < values.size(); ++w)
        std::memcpy(word_of(runner, slot, lane, uint32_t(w)), values.begin() + w, 4);
}

template <typename T>
T get(kiln::spirv::StageRunner& runner, const InterfaceSlot& slot, uint32_t lane, uint32_t word) {
    T v;
    std::memcpy(&v, word_of(runner, slot, lane, word), 4);
    return v;
}

TEST(SpirvStage, VertexInterfaceHasOneSlotPerLocationAndTheBuiltIns) {
    kiln::spirv::Program p;
    std::string error;
    ASSERT_TRUE(lower_stage("stage.vert.spv", spv::ExecutionModel::Vertex, &p, &error)) << error;
    EXPECT_EQ(p.execution_model, uint32_t(spv::ExecutionModel::Vertex));
    // Inputs: vec4, vec2, ivec2 and a mat2's two columns.
    ASSERT_EQ(p.stage.inputs.size(), 5u);
    const uint32_t expected_words[5] = {4, 2, 2, 2, 2};
    for (uint32_t location = 0; location < 5; ++location) {
        const InterfaceSlot* s = find(p.stage.inputs, location);
        ASSERT_NE(s, nullptr) << location;
        EXPECT_EQ(s->words, expected_words[location]) << location;
        EXPECT_EQ(s->kind, location == 2 ? kiln::spirv::kSintSlot : kiln::spirv::kFloatSlot) << location;
    }
    EXPECT_EQ(find(p.stage.inputs, 4)->offset, find(p.stage.inputs, 3)->offset + 8);  // the matrix's columns
    EXPECT_NE(find(p.stage.builtin_inputs, uint32_t(spv::BuiltIn::VertexIndex)), nullptr);
    EXPECT_NE(find(p.stage.builtin_inputs, uint32_t(spv::BuiltIn::InstanceIndex)), nullptr);
    // Outputs: the interpolation decorations travel with them.
    ASSERT_EQ(p.stage.outputs.size(), 4u);
    EXPECT_TRUE(find(p.stage.outputs, 1)->flat);
    EXPECT_EQ(find(p.stage.outputs, 1)->kind, kiln::spirv::kSintSlot);
    EXPECT_TRUE(find(p.stage.outputs, 2)->no_perspective);
    EXPECT_FALSE(find(p.stage.outputs, 0)->flat || find(p.stage.outputs, 0)->no_perspective);
    const InterfaceSlot* position = find(p.stage.builtin_outputs, uint32_t(spv::BuiltIn::Position));
    ASSERT_NE(position, nullptr);
    EXPECT_EQ(position->words, 4u);
}

// Every lane of a full and of a partial batch computes what the host computes from its inputs.
TEST(SpirvStage, VertexBatchComputesEveryLaneLikeTheHost) {
    kiln::spirv::Program p;
    std::string error;
    ASSERT_TRUE(lower_stage("stage.vert.spv", spv::ExecutionModel::Vertex, &p, &error)) << error;
    struct Params {
        float mvp[16];  // column-major
        float scale;
    } params{};
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> real(-4.0f, 4.0f);
    for (float& v : params.mvp)
        v = real(rng);
    params.scale = 0.5f;
    kiln::spirv::DispatchContext dispatch;
    dispatch.program = &p;
    dispatch.buffers.resize(p.push_constant_slot + 1);
    dispatch.buffers[p.push_constant_slot] = {reinterpret_cast<std::byte*>(&params), sizeof params};
    kiln::spirv::StageRunner runner(dispatch);
    const InterfaceSlot &position = *find(p.stage.inputs, 0), &uv = *find(p.stage.inputs, 1),
                        &ids = *find(p.stage.inputs, 2), &m0 = *find(p.stage.inputs, 3), &m1 = *find(p.stage.inputs, 4);
    const InterfaceSlot& vertex_index = *find(p.stage.builtin_inputs, uint32_t(spv::BuiltIn::VertexIndex));
    const InterfaceSlot& instance_index = *find(p.stage.builtin_inputs, uint32_t(spv::BuiltIn::InstanceIndex));
    const InterfaceSlot& out_position = *find(p.stage.builtin_outputs, uint32_t(spv::BuiltIn::Position));

    for (uint32_t count : {kLanes, 7u}) {
        struct In {
            float pos[4], uv[2], m[4];
            int32_t ids[2];
        };
        std::vector<In> in(count);
        for (uint32_t l = 0; l < count; ++l) {
            In& v = in[l];
            for (float& x : v.pos)
                x = real(rng);
            for (float& x : v.uv)
                x = real(rng);
            for (float& x : v.m)
                x = real(rng);
            v.ids[0] = int32_t(l);
            v.ids[1] = int32_t(count - l);
            put<float>(runner, position, l, {v.pos[0], v.pos[1], v.pos[2], v.pos[3]});
            put<float>(runner, uv, l, {v.uv[0], v.uv[1]});
            put<int32_t>(runner, ids, l, {v.ids[0], v.ids[1]});
            put<float>(runner, m0, l, {v.m[0], v.m[1]});
            put<float>(runner, m1, l, {v.m[2], v.m[3]});
            put<uint32_t>(runner, vertex_index, l, {100 + l});
            put<uint32_t>(runner, instance_index, l, {3});
        }
        EXPECT_EQ(runner.run(count), count == kLanes ? kiln::spirv::kAllLanes : (1u << count) - 1);
        for (uint32_t l = 0; l < count; ++l) {
            const In& v = in[l];
            for (uint32_t row = 0; row < 4; ++row) {
                // The shader's sum, in its order (no contraction in Kiln: -ffp-contract=off).
                float expected = 0;
                for (uint32_t col = 0; col < 4; ++col) {
                    const float term = params.mvp[col * 4 + row] * v.pos[col];
                    expected = col == 0 ? term : expected + term;
                }
                EXPECT_NEAR(get<float>(runner, out_position, l, row), expected, 1e-4f * (1 + std::fabs(expected)))
                    << "lane " << l << " row " << row;
            }
            EXPECT_EQ(get<float>(runner, *find(p.stage.outputs, 0), l, 0), v.uv[0] * 0.5f);
            EXPECT_EQ(get<float>(runner, *find(p.stage.outputs, 0), l, 1), v.uv[1] * 0.5f);
            EXPECT_EQ(get<int32_t>(runner, *find(p.stage.outputs, 1), l, 0),
                      v.ids[0] + v.ids[1] * 100 + int32_t(100 + l) * 10000 + 3 * 1000000);
            EXPECT_EQ(get<float>(runner, *find(p.stage.outputs, 2), l, 0), v.pos[0]);
            // mat2 * vec2: column 0 * uv.x + column 1 * uv.y.
            EXPECT_NEAR(get<float>(runner, *find(p.stage.outputs, 3), l, 0), v.m[0] * v.uv[0] + v.m[2] * v.uv[1], 1e-4f);
            EXPECT_NEAR(get<float>(runner, *find(p.stage.outputs, 3), l, 1), v.m[1] * v.uv[0] + v.m[3] * v.uv[1], 1e-4f);
        }
    }
}

TEST(SpirvStage, FragmentInterfaceNamesItsBuiltInsAndDiscard) {
    kiln::spirv::Program p;
    std::string error;
    ASSERT_TRUE(lower_stage("stage.frag.spv", spv::ExecutionModel::Fragment, &p, &error)) << error;
    EXPECT_TRUE(p.stage.discards);
    EXPECT_TRUE(p.stage.depth_replacing);
    EXPECT_TRUE(p.stage.derivatives);
    EXPECT_TRUE(p.stage.origin_upper_left);
    EXPECT_TRUE(find(p.stage.inputs, 1)->flat);
    EXPECT_NE(find(p.stage.builtin_inputs, uint32_t(spv::BuiltIn::FragCoord)), nullptr);
    EXPECT_NE(find(p.stage.builtin_inputs, uint32_t(spv::BuiltIn::FrontFacing)), nullptr);
    EXPECT_NE(find(p.stage.builtin_outputs, uint32_t(spv::BuiltIn::FragDepth)), nullptr);
    EXPECT_EQ(find(p.stage.outputs, 0)->words, 4u);
    EXPECT_EQ(find(p.stage.outputs, 1)->kind, kiln::spirv::kUintSlot);
}

// Quads of lanes: derivatives are differences inside each 2x2 quad (coarse for dFdx/dFdy/fwidth,
// the lane's own row for dFdxFine), discarded lanes are reported, the rest write their outputs.
TEST(SpirvStage, FragmentQuadsGiveDerivativesAndDiscards) {
    kiln::spirv::Program p;
    std::string error;
    ASSERT_TRUE(lower_stage("stage.frag.spv", spv::ExecutionModel::Fragment, &p, &error)) << error;
    kiln::spirv::DispatchContext dispatch;
    dispatch.program = &p;
    dispatch.buffers.resize(p.push_constant_slot + 1);
    kiln::spirv::StageRunner runner(dispatch);
    const InterfaceSlot &uv = *find(p.stage.inputs, 0), &id = *find(p.stage.inputs, 1);
    const InterfaceSlot& frag_coord = *find(p.stage.builtin_inputs, uint32_t(spv::BuiltIn::FragCoord));
    const InterfaceSlot& front_facing = *find(p.stage.builtin_inputs, uint32_t(spv::BuiltIn::FrontFacing));
    // Lane l: quad l/4 at (2q, 0), pixel (l&1, l>>1&1) inside; uv a non-linear function of the pixel
    // so that fine and coarse differ.
    auto u = [](uint32_t x, uint32_t y) { return float(x * x) + 0.25f * float(y); };
    auto v = [](uint32_t x, uint32_t y) { return float(3 * x) + float(y * y * 5); };
    // Whole quads 2 and 5 discard (derivatives in a quad that lost some of its invocations to
    // OpKill are undefined: SPIR-V's OpKill ends them, it does not demote them to helpers).
    auto discards = [](uint32_t lane) { return lane / 4 == 2 || lane / 4 == 5; };
    for (uint32_t l = 0; l < kLanes; ++l) {
        const uint32_t x = 2 * (l / 4) + (l & 1), y = (l >> 1) & 1;
        put<float>(runner, uv, l, {u(x, y), v(x, y)});
        put<int32_t>(runner, id, l, {discards(l) ? -1 : 1});
        put<float>(runner, frag_coord, l, {float(x) + 0.5f, float(y) + 0.5f, 0.25f, 1.0f});
        put<uint32_t>(runner, front_facing, l, {l % 2});
    }
    const kiln::spirv::LaneMask survived = runner.run(kLanes);
    for (uint32_t l = 0; l < kLanes; ++l) {
        const bool discarded = discards(l);
        EXPECT_EQ((survived >> l & 1) != 0, !discarded) << "lane " << l;
        if (discarded)
            continue;
        const uint32_t x0 = 2 * (l / 4), x = x0 + (l & 1), y = (l >> 1) & 1;
        const InterfaceSlot& color = *find(p.stage.outputs, 0);
        EXPECT_EQ(get<float>(runner, color, l, 0), u(x0 + 1, 0) - u(x0, 0)) << "coarse dFdx, lane " << l;
        EXPECT_EQ(get<float>(runner, color, l, 1), v(x0, 1) - v(x0, 0)) << "coarse dFdy, lane " << l;
        EXPECT_EQ(get<float>(runner, color, l, 2), v(x0 + 1, y) - v(x0, y)) << "fine dFdx, lane " << l;
        EXPECT_EQ(get<float>(runner, color, l, 3),
                  std::fabs(u(x0 + 1, 0) - u(x0, 0)) + std::fabs(u(x0, 1) - u(x0, 0)))
            << "fwidth, lane " << l;
        const InterfaceSlot& extra = *find(p.stage.outputs, 1);
        EXPECT_EQ(get<uint32_t>(runner, extra, l, 0), x + (l % 2 ? 1000u : 0u));
        EXPECT_EQ(get<uint32_t>(runner, extra, l, 1), y + (l % 2 ? 1000u : 0u));
        EXPECT_EQ(get<float>(runner, *find(p.stage.builtin_outputs, uint32_t(spv::BuiltIn::FragDepth)), l, 0), 0.125f);
    }
}

// A stage's entry point is found by its execution model: the vertex module has no fragment entry,
// and a compute pipeline cannot be made of a vertex shader.
TEST(SpirvStage, EntryPointsAreLookedUpByStage) {
    kiln::spirv::Program p;
    std::string error;
    EXPECT_FALSE(lower_stage("stage.vert.spv", spv::ExecutionModel::Fragment, &p, &error));
    EXPECT_NE(error.find("no entry point"), std::string::npos) << error;
    EXPECT_FALSE(lower_stage("stage.vert.spv", spv::ExecutionModel::GLCompute, &p, &error));
}

}  // namespace
