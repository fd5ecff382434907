// spirv::Binary: the SPIR-V front end's structural checks against the grammar. Valid modules (made
// by glslc at build time) parse; every way a module can be malformed is refused with a reason; and
// random truncations and mutations of valid modules are refused or parsed, never crash (the suite
// runs under ASan+UBSan too).
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "spirv/binary.h"

using kiln::spirv::Binary;

namespace {

std::vector<uint32_t> load(const char* name) {
    std::ifstream f(std::string(KILN_TEST_SHADER_DIR) + "/" + name, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(f)), {});
    std::vector<uint32_t> words(bytes.size() / 4);
    std::memcpy(words.data(), bytes.data(), words.size() * 4);
    return words;
}

// Refused, with a reason that contains `why`.
::testing::AssertionResult Refused(const std::vector<uint32_t>& words, const std::string& why) {
    Binary binary;
    std::string error;
    if (Binary::parse(words, &binary, &error))
        return ::testing::AssertionFailure() << "accepted";
    if (error.find(why) == std::string::npos)
        return ::testing::AssertionFailure() << "refused for another reason: " << error;
    return ::testing::AssertionSuccess();
}

constexpr uint32_t op(uint16_t opcode, uint16_t count) { return uint32_t(count) << 16 | opcode; }

// The smallest module: header, OpCapability Shader, OpMemoryModel Logical GLSL450.
std::vector<uint32_t> minimal() { return {0x07230203, 0x00010000, 0, 2, 0, op(17, 2), 1, op(14, 3), 0, 1}; }

}  // namespace

TEST(SpirvBinary, ParsesModulesGlslcMade) {
    for (const char* name : {"scale.spv", "control.spv"}) {
        SCOPED_TRACE(name);
        const std::vector<uint32_t> words = load(name);
        ASSERT_GT(words.size(), 5u);
        Binary binary;
        std::string error;
        ASSERT_TRUE(Binary::parse(words, &binary, &error)) << error;
        EXPECT_GT(binary.instructions().size(), 10u);
        EXPECT_EQ(binary.bound(), words[3]);
        // Every word belongs to exactly one instruction, in order.
        size_t next = 5;
        for (const auto& i : binary.instructions()) {
            EXPECT_EQ(i.offset, next);
            next += i.word_count;
        }
        EXPECT_EQ(next, words.size());
    }
}

TEST(SpirvBinary, ParsesTheSmallestModuleAndItsImpliedCapabilities) {
    Binary binary;
    std::string error;
    ASSERT_TRUE(Binary::parse(minimal(), &binary, &error)) << error;
    EXPECT_EQ(binary.instructions().size(), 2u);
    // Shader implies Matrix (the grammar says Shader depends on it).
    const auto& caps = binary.capabilities();
    EXPECT_NE(std::find(caps.begin(), caps.end(), 0u), caps.end());
    EXPECT_NE(std::find(caps.begin(), caps.end(), 1u), caps.end());
}

TEST(SpirvBinary, RefusesABadHeader) {
    EXPECT_TRUE(Refused({}, "at least 5 words"));
    EXPECT_TRUE(Refused({0x07230203, 0x00010000, 0, 2}, "at least 5 words"));
    std::vector<uint32_t> m = minimal();
    m[0] = 0x03022307;  // the magic number byte-swapped
    EXPECT_TRUE(Refused(m, "magic number"));
    m = minimal();
    m[1] = 0x00010700;  // SPIR-V 1.7 is newer than the grammar
    EXPECT_TRUE(Refused(m, "version"));
    m[1] = 0x00020000;
    EXPECT_TRUE(Refused(m, "version"));
    m[1] = 0x00010001;  // low byte must be 0
    EXPECT_TRUE(Refused(m, "version"));
    m = minimal();
    m[3] = 0;
    EXPECT_TRUE(Refused(m, "ID bound"));
    m[3] = 0xffffffff;  // would size tables by it
    EXPECT_TRUE(Refused(m, "ID bound"));
    m = minimal();
    m[4] = 1;
    EXPECT_TRUE(Refused(m, "reserved"));
}

TEST(SpirvBinary, RefusesMalformedInstructions) {
    std::vector<uint32_t> m = minimal();
    m.push_back(op(17, 0));
    EXPECT_TRUE(Refused(m, "0 words"));
    m = minimal();
    m.push_back(op(17, 3));  // says 3 words, has 1
    EXPECT_TRUE(Refused(m, "runs past the end"));
    m = minimal();
    m.push_back(op(0xfff0, 1));
    EXPECT_TRUE(Refused(m, "unknown opcode"));
    m = minimal();
    m.insert(m.end(), {op(17, 3), 1, 1});  // OpCapability with a word too many
    EXPECT_TRUE(Refused(m, "more words than its operands"));
    m = minimal();
    m.push_back(op(17, 1));  // OpCapability without its operand
    EXPECT_TRUE(Refused(m, "missing operand"));
    m = minimal();
    m.insert(m.end(), {op(17, 2), 999999});  // no such capability
    EXPECT_TRUE(Refused(m, "unknown Capability"));
    m = minimal();
    m.insert(m.end(), {op(21, 4), 5, 32, 0});  // OpTypeInt %5 with bound 2
    EXPECT_TRUE(Refused(m, "outside the bound"));
    m = minimal();
    m[3] = 3;
    m.insert(m.end(), {op(21, 4), 1, 32, 0, op(21, 4), 1, 32, 1});  // %1 defined twice
    EXPECT_TRUE(Refused(m, "a second time"));
    m = minimal();
    m.insert(m.end(), {op(10, 3), 0x4b4e554a, 0x4b4b4b4b});  // OpExtension "JUNKKKKK" without a nul
    EXPECT_TRUE(Refused(m, "terminating nul"));
}

TEST(SpirvBinary, RefusesWhatKilnDoesNotImplement) {
    std::vector<uint32_t> m = minimal();
    m.insert(m.end(), {op(17, 2), 6});  // Kernel
    EXPECT_TRUE(Refused(m, "capability Kernel is not supported"));
    m = minimal();
    m.insert(m.end(), {op(10, 3), 0x5f565053, 0x0000004a});  // OpExtension "SPV_J"
    EXPECT_TRUE(Refused(m, "extension SPV_J is not supported"));
    m = minimal();
    m[3] = 3;
    m.insert(m.end(), {op(11, 4), 2, 0x6e65704f, 0x00004c43});  // OpExtInstImport %2 "OpenCL"
    EXPECT_TRUE(Refused(m, "instruction set OpenCL is not supported"));
    // An instruction newer than the module's version: OpCopyLogical is SPIR-V 1.4.
    m = minimal();
    m[3] = 4;
    m.insert(m.end(), {op(400, 4), 1, 2, 3});
    EXPECT_TRUE(Refused(m, "needs SPIR-V 1.4"));
}

// The grammar lists some enumerants with a version and extensions: StorageBuffer8BitAccess is core
// in SPIR-V 1.5 and enabled by SPV_KHR_8bit_storage before (glslc's Vulkan 1.1 modules are 1.3 and
// declare the extension). It stands in an older module only with the extension declared, whether
// OpExtension comes before or (in a module that ignores the layout rules) after it.
TEST(SpirvBinary, AnExtensionEnablesWhatALaterVersionMadeCore) {
    const std::vector<uint32_t> capability = {op(17, 2), 4448};  // OpCapability StorageBuffer8BitAccess
    // OpExtension "SPV_KHR_8bit_storage"
    const std::vector<uint32_t> extension = {op(10, 7), 0x5f565053, 0x5f52484b, 0x74696238, 0x6f74735f,
                                             0x65676172, 0x00000000};
    std::vector<uint32_t> m = minimal();
    m[1] = 0x00010300;
    m.insert(m.end(), capability.begin(), capability.end());
    EXPECT_TRUE(Refused(m, "StorageBuffer8BitAccess needs SPIR-V 1.5 or extension SPV_KHR_8bit_storage"));
    for (bool extension_first : {true, false}) {
        m = minimal();
        m[1] = 0x00010300;
        const auto& a = extension_first ? extension : capability;
        const auto& b = extension_first ? capability : extension;
        m.insert(m.end(), a.begin(), a.end());
        m.insert(m.end(), b.begin(), b.end());
        Binary binary;
        std::string error;
        EXPECT_TRUE(Binary::parse(m, &binary, &error)) << error;
    }
    m = minimal();
    m[1] = 0x00010500;  // core: no extension needed
    m.insert(m.end(), capability.begin(), capability.end());
    Binary binary;
    std::string error;
    EXPECT_TRUE(Binary::parse(m, &binary, &error)) << error;
}

TEST(SpirvBinary, RefusesAnInstructionWhoseCapabilityIsNotDeclared) {
    // OpTypeFloat 64 is fine by the grammar alone, but OpCapability Float64 is what 64-bit float
    // *instructions* need; the grammar ties e.g. OpTypeMatrix to Matrix, declared by Shader. Take
    // an instruction tied to a capability the module lacks: OpImageQuerySize needs Kernel or ImageQuery.
    std::vector<uint32_t> m = {0x07230203, 0x00010000, 0, 4, 0, op(17, 2), 1, op(14, 3), 0, 1,
                               op(104, 4), 1, 2, 3};
    EXPECT_TRUE(Refused(m, "needs capability"));
}

TEST(SpirvBinary, MutationsAndTruncationsNeverCrash) {
    std::mt19937 rng(20261121);
    for (const char* name : {"scale.spv", "control.spv"}) {
        const std::vector<uint32_t> words = load(name);
        int accepted = 0, refused = 0;
        for (int i = 0; i < 20000; ++i) {
            std::vector<uint32_t> m = words;
            const int flips = 1 + int(rng() % 4);
            for (int f = 0; f < flips; ++f)
                m[rng() % m.size()] ^= 1u << (rng() % 32);
            if (rng() % 4 == 0)
                m.resize(rng() % m.size());
            Binary binary;
            std::string error;
            (Binary::parse(m, &binary, &error) ? accepted : refused)++;
            if (!error.empty()) {
                EXPECT_EQ(error.find('\n'), std::string::npos);  // one line
            }
        }
        EXPECT_GT(refused, 0);
        RecordProperty(std::string(name) + "_accepted", accepted);
    }
}
