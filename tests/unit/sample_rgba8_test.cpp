// sample_rgba8_2d (src/spirv/sample_rgba8.cpp), the sampler for 2D 8-bit RGBA textures, against the
// generic per-lane handler it stands in for: the same bits for every filter, mipmap mode, address
// mode, LOD source, swizzle and format it takes, over random and special coordinates; and the
// cases it must leave to the generic handler, untouched.
#include "spirv/sample_rgba8.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "format/texel_codec.h"
#include "spirv/image.h"
#include "spirv/ops_image.h"

namespace {

using namespace kiln::spirv;
namespace t = image_table;

constexpr uint32_t kHandle = 1u | (1u << kSamplerHandleShift);
// Registers: 0 handle, 1-2 coordinates, 3 LOD, 4-5 and 6-7 gradients, 8-11 and 12-15 results.
constexpr uint32_t kCoord = 1, kLod = 3, kGradX = 4, kGradY = 6, kFast = 8, kGeneric = 12, kRegisters = 16;
constexpr uint32_t kSentinel = 0xdeadbeef;

enum class LodSource { None, Lod, Grad };

struct Texture {
    std::vector<std::byte> texels;
    ImageDescriptor descriptor;
};

// A mip chain of random texels, each row padded to show that rows are addressed by their pitch.
Texture make_texture(VkFormat format, uint32_t width, uint32_t height, uint32_t levels, uint32_t seed) {
    Texture tex;
    ImageDescriptor& d = tex.descriptor;
    d.codec = kiln::format::texel_codec(format);
    d.texel_size = 4;
    d.level_count = levels;
    d.layer_count = 1;
    uint64_t offset = 0;
    for (uint32_t level = 0; level < levels; ++level) {
        ImageLevel& lv = d.levels[level];
        lv.width = std::max(1u, width >> level);
        lv.height = std::max(1u, height >> level);
        lv.depth = 1;
        lv.offset = offset;
        lv.row_pitch = lv.width * 4 + 8;
        lv.depth_pitch = lv.array_pitch = lv.row_pitch * lv.height;
        offset += lv.array_pitch;
    }
    tex.texels.resize(offset);
    std::mt19937 rng(seed);
    for (std::byte& b : tex.texels)
        b = std::byte(uint8_t(rng()));
    d.base = tex.texels.data();
    return tex;
}

struct SampleCall {
    Program program;
    DispatchContext dispatch;
    Batch batch;
    Ins ins;

    SampleCall(const ImageDescriptor& image, LodSource lod, uint32_t shape = 1, bool offset = false) {
        program.tables = {kCoord, shape, lod == LodSource::Lod ? kLod : t::kNone, offset ? kLod : t::kNone,
                          lod == LodSource::Grad ? kGradX : t::kNone, lod == LodSource::Grad ? kGradY : t::kNone,
                          t::kNone, t::kNone, t::kNone};
        static_assert(t::kSize == 9, "a table entry per ImageTable field");
        program.register_count = kRegisters;
        dispatch.program = &program;
        dispatch.images = &image;
        dispatch.image_count = 1;
        batch.program = &program;
        batch.dispatch = &dispatch;
        batch.regs.assign(size_t(kRegisters) * kLanes, kSentinel);
        ins.a = 0;
        ins.n = 4;
        ins.aux = 0;
        for (uint32_t l = 0; l < kLanes; ++l)
            batch.reg(0)[l] = kHandle;
    }
    void set(uint32_t reg, uint32_t lane, float value) { batch.reg(reg)[lane] = std::bit_cast<uint32_t>(value); }
};

float random_coordinate(std::mt19937& rng) {
    static const float specials[] = {0.0f,  -0.0f, 1.0f,  0.5f,  -1.0f, 1e30f, -1e30f,
                                     std::numeric_limits<float>::infinity(),
                                     std::numeric_limits<float>::quiet_NaN(), 0.03125f, 1.0f / 3.0f};
    if (rng() % 8 == 0)
        return specials[rng() % std::size(specials)];
    return std::uniform_real_distribution<float>(-2.5f, 3.5f)(rng);
}

float random_gradient(std::mt19937& rng) {
    if (rng() % 16 == 0)
        return 0.0f;
    return std::ldexp(std::uniform_real_distribution<float>(-1.0f, 1.0f)(rng), -int(rng() % 8));
}

// Fills the inputs of every lane: coordinates, an LOD, gradients shared by each quad (as coarse
// derivatives are) or, for a few quads, per lane.
void fill_inputs(SampleCall& s, std::mt19937& rng) {
    for (uint32_t quad = 0; quad < kLanes / 4; ++quad) {
        const bool per_lane = rng() % 4 == 0;
        float grad[4];
        for (float& g : grad)
            g = random_gradient(rng);
        for (uint32_t l = 4 * quad; l < 4 * quad + 4; ++l) {
            s.set(kCoord, l, random_coordinate(rng));
            s.set(kCoord + 1, l, random_coordinate(rng));
            s.set(kLod, l, std::uniform_real_distribution<float>(-1.5f, 3.5f)(rng));
            for (uint32_t k = 0; k < 4; ++k)
                s.set(kGradX + k, l, per_lane ? random_gradient(rng) : grad[k]);
        }
    }
}

// Runs both handlers on the same inputs; returns a failure naming the first lane that differs.
::testing::AssertionResult same_as_generic(SampleCall& s, LaneMask mask) {
    Ins fast = s.ins, generic = s.ins;
    fast.dst = kFast;
    generic.dst = kGeneric;
    if (!sample_rgba8_2d(fast, s.batch, mask))
        return ::testing::AssertionFailure() << "the fast sampler declined";
    image_sample_generic(generic, s.batch, mask);
    for (uint32_t l = 0; l < kLanes; ++l)
        for (uint32_t c = 0; c < 4; ++c) {
            const uint32_t a = s.batch.reg(kFast + c)[l], b = s.batch.reg(kGeneric + c)[l];
            if (a != b)
                return ::testing::AssertionFailure()
                       << "lane " << l << " component " << c << ": fast " << std::bit_cast<float>(a) << " ("
                       << ::testing::PrintToString(a) << "), generic " << std::bit_cast<float>(b) << " ("
                       << ::testing::PrintToString(b) << ") at (" << std::bit_cast<float>(s.batch.reg(kCoord)[l]) << ", "
                       << std::bit_cast<float>(s.batch.reg(kCoord + 1)[l]) << ")";
        }
    return ::testing::AssertionSuccess();
}

struct Case {
    VkFormat format;
    uint32_t width, height;
};

class SampleRgba8 : public ::testing::TestWithParam<Case> {};

TEST_P(SampleRgba8, GivesTheGenericSamplersBitsForEverySamplerState) {
    const Case& c = GetParam();
    Texture tex = make_texture(c.format, c.width, c.height, 3, c.width * 131 + c.height);
    std::mt19937 rng(7);
    const uint8_t modes[] = {0, 1, 2, 4};  // REPEAT, MIRRORED_REPEAT, CLAMP_TO_EDGE, MIRROR_CLAMP_TO_EDGE
    const float lod_ranges[][2] = {{0, 0}, {0, 1000}, {0.5f, 1.5f}, {1, 1}};
    int cases = 0;
    for (uint8_t mag = 0; mag < 2; ++mag)
        for (uint8_t min = 0; min < 2; ++min)
            for (uint8_t mip = 0; mip < 2; ++mip)
                for (const auto& range : lod_ranges)
                    for (LodSource lod : {LodSource::None, LodSource::Lod, LodSource::Grad}) {
                        SamplerState& sm = tex.descriptor.sampler;
                        tex.descriptor.has_sampler = 1;
                        sm = {};
                        sm.mag_filter = mag;
                        sm.min_filter = min;
                        sm.mipmap_mode = mip;
                        sm.address[0] = modes[rng() % 4];
                        sm.address[1] = modes[rng() % 4];
                        sm.min_lod = range[0];
                        sm.max_lod = range[1];
                        sm.lod_bias = rng() % 2 ? 0.0f : 0.7f;
                        SampleCall s(tex.descriptor, lod);
                        fill_inputs(s, rng);
                        const LaneMask mask = rng() % 3 == 0 ? LaneMask(rng()) | 1u : kAllLanes;
                        ASSERT_TRUE(same_as_generic(s, mask))
                            << "mag " << int(mag) << " min " << int(min) << " mip " << int(mip) << " lod ["
                            << range[0] << ", " << range[1] << "] source " << int(lod) << " address "
                            << int(sm.address[0]) << "/" << int(sm.address[1]);
                        for (uint32_t l = 0; l < kLanes; ++l) {
                            if (!((mask >> l) & 1u)) {
                                ASSERT_EQ(s.batch.reg(kFast)[l], kSentinel) << "inactive lane " << l << " written";
                            }
                        }
                        ++cases;
                    }
    EXPECT_EQ(cases, 2 * 2 * 2 * 4 * 3);
}

INSTANTIATE_TEST_SUITE_P(Formats, SampleRgba8,
                         ::testing::Values(Case{VK_FORMAT_R8G8B8A8_UNORM, 16, 8}, Case{VK_FORMAT_B8G8R8A8_UNORM, 12, 10},
                                           Case{VK_FORMAT_R8G8B8A8_SRGB, 5, 32}, Case{VK_FORMAT_B8G8R8A8_SRGB, 7, 3}),
                         [](const auto& info) { return "Format" + std::to_string(int(info.param.format)) + "_" +
                                                       std::to_string(info.param.width) + "x" +
                                                       std::to_string(info.param.height); });

TEST(SampleRgba8Swizzle, AppliesTheViewsComponentMapping) {
    Texture tex = make_texture(VK_FORMAT_R8G8B8A8_UNORM, 8, 8, 1, 3);
    tex.descriptor.has_sampler = 1;
    tex.descriptor.sampler.mag_filter = tex.descriptor.sampler.min_filter = 1;
    const uint8_t swizzle[4] = {2, 5, 0, 4};  // B, ONE, R, ZERO
    std::copy(swizzle, swizzle + 4, tex.descriptor.swizzle);
    SampleCall s(tex.descriptor, LodSource::None);
    std::mt19937 rng(5);
    fill_inputs(s, rng);
    EXPECT_TRUE(same_as_generic(s, kAllLanes));
    EXPECT_EQ(s.batch.reg(kFast + 1)[0], std::bit_cast<uint32_t>(1.0f));
    EXPECT_EQ(s.batch.reg(kFast + 3)[0], 0u);
}

// What it must leave to the generic handler: it returns false and writes nothing.
TEST(SampleRgba8Declines, WhatItDoesNotHandle) {
    Texture tex = make_texture(VK_FORMAT_R8G8B8A8_UNORM, 8, 8, 1, 9);
    tex.descriptor.has_sampler = 1;
    auto declines = [](SampleCall& s) {
        Ins ins = s.ins;
        ins.dst = kFast;
        const bool taken = sample_rgba8_2d(ins, s.batch, kAllLanes);
        for (uint32_t l = 0; l < kLanes; ++l)
            if (s.batch.reg(kFast)[l] != kSentinel)
                return false;
        return !taken;
    };
    {
        SampleCall s(tex.descriptor, LodSource::None, /*shape=*/1 | (1 << 8));  // arrayed
        EXPECT_TRUE(declines(s)) << "2D array";
    }
    {
        SampleCall s(tex.descriptor, LodSource::None, /*shape=*/2);  // 3D
        EXPECT_TRUE(declines(s)) << "3D";
    }
    {
        SampleCall s(tex.descriptor, LodSource::None, 1, /*offset=*/true);
        EXPECT_TRUE(declines(s)) << "offset";
    }
    {
        SampleCall s(tex.descriptor, LodSource::None);
        s.batch.reg(0)[5] = 0;  // one lane without a texture
        EXPECT_TRUE(declines(s)) << "handles differ between lanes";
    }
    {
        tex.descriptor.sampler.address[1] = 3;  // CLAMP_TO_BORDER
        SampleCall s(tex.descriptor, LodSource::None);
        EXPECT_TRUE(declines(s)) << "border";
        tex.descriptor.sampler.address[1] = 0;
    }
    {
        tex.descriptor.sampler.unnormalized = 1;
        SampleCall s(tex.descriptor, LodSource::None);
        EXPECT_TRUE(declines(s)) << "unnormalized coordinates";
        tex.descriptor.sampler.unnormalized = 0;
    }
    {
        Texture other = make_texture(VK_FORMAT_R8G8B8A8_UINT, 8, 8, 1, 9);
        other.descriptor.has_sampler = 1;
        SampleCall s(other.descriptor, LodSource::None);
        EXPECT_TRUE(declines(s)) << "integer format";
    }
    {
        Texture other = make_texture(VK_FORMAT_A8B8G8R8_UNORM_PACK32, 8, 8, 1, 9);
        other.descriptor.has_sampler = 1;
        SampleCall s(other.descriptor, LodSource::None);
        EXPECT_TRUE(declines(s)) << "packed format";
    }
    {
        SampleCall s(tex.descriptor, LodSource::None);
        s.program.tables[t::Dref] = kLod;
        EXPECT_TRUE(declines(s)) << "depth comparison";
    }
    {
        tex.descriptor.has_sampler = 0;
        SampleCall s(tex.descriptor, LodSource::None);
        EXPECT_TRUE(declines(s)) << "no sampler";
    }
}

}  // namespace
