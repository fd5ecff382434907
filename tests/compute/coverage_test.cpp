// What the suite's SPIR-V actually contains: the modules are scanned for opcodes, GLSL.std.450
// instructions, storage classes, built-ins and capabilities, so that the claim "every instruction
// family is covered" is checked rather than assumed (an optimizer that folds an instruction away
// fails here, not silently). Host-only: no driver runs.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "compute_harness.h"

namespace kiln_test::compute {
namespace {

struct ModuleFacts {
  uint32_t version = 0;
  std::set<uint32_t> opcodes, glslStd450, storageClasses, builtIns, capabilities;
};

ModuleFacts Scan(std::span<const uint32_t> words) {
  ModuleFacts facts;
  if (words.size() < 5 || words[0] != 0x07230203u) return facts;
  facts.version = words[1];
  std::set<uint32_t> glslSets;
  for (size_t at = 5; at < words.size();) {
    uint32_t count = words[at] >> 16, opcode = words[at] & 0xFFFFu;
    if (count == 0 || at + count > words.size()) break;
    const uint32_t* w = &words[at];
    facts.opcodes.insert(opcode);
    switch (opcode) {
      case 11:  // OpExtInstImport
        if (std::string(reinterpret_cast<const char*>(&w[2])) == "GLSL.std.450") glslSets.insert(w[1]);
        break;
      case 12:  // OpExtInst
        if (glslSets.count(w[3])) facts.glslStd450.insert(w[4]);
        break;
      case 17:  // OpCapability
        facts.capabilities.insert(w[1]);
        break;
      case 59:  // OpVariable
        facts.storageClasses.insert(w[3]);
        break;
      case 71:  // OpDecorate ... BuiltIn
        if (count >= 4 && w[2] == 11) facts.builtIns.insert(w[3]);
        break;
      case 72:  // OpMemberDecorate ... BuiltIn
        if (count >= 5 && w[3] == 11) facts.builtIns.insert(w[4]);
        break;
      default:
        break;
    }
    at += count;
  }
  return facts;
}

std::map<std::string, ModuleFacts> AllModules() {
  std::map<std::string, ModuleFacts> modules;
  for (const EmbeddedShader& s : EmbeddedShaders()) modules[s.name] = Scan({s.words, s.wordCount});
  return modules;
}

// Reports each named item no module contains.
template <typename Member>
void ExpectCovered(const std::map<std::string, ModuleFacts>& modules, Member member,
                   const std::vector<std::pair<uint32_t, const char*>>& wanted, const char* kind) {
  std::string missing;
  for (const auto& [value, name] : wanted) {
    bool found = false;
    for (const auto& [module, facts] : modules) found |= (facts.*member).count(value) > 0;
    if (!found) missing += std::string(" ") + name;
  }
  EXPECT_TRUE(missing.empty()) << "no module of the suite contains these " << kind << ":" << missing;
}

TEST(Coverage, ModulesAreSpirvForVulkan11) {
  auto modules = AllModules();
  EXPECT_GE(modules.size(), 40u);
  for (const auto& [name, facts] : modules) {
    EXPECT_NE(facts.version, 0u) << name << " is not a SPIR-V module";
    EXPECT_LE(facts.version, 0x00010300u) << name << ": Vulkan 1.1 takes SPIR-V up to 1.3";
  }
}

TEST(Coverage, CoreInstructionFamiliesAppear) {
  ExpectCovered(AllModules(), &ModuleFacts::opcodes,
                {// integer arithmetic
                 {126, "OpSNegate"},
                 {128, "OpIAdd"},
                 {130, "OpISub"},
                 {132, "OpIMul"},
                 {134, "OpUDiv"},
                 {135, "OpSDiv"},
                 {137, "OpUMod"},
                 {138, "OpSRem"},
                 {139, "OpSMod"},
                 {149, "OpIAddCarry"},
                 {150, "OpISubBorrow"},
                 {151, "OpUMulExtended"},
                 {152, "OpSMulExtended"},
                 // float arithmetic
                 {127, "OpFNegate"},
                 {129, "OpFAdd"},
                 {131, "OpFSub"},
                 {133, "OpFMul"},
                 {136, "OpFDiv"},
                 {140, "OpFRem"},
                 {141, "OpFMod"},
                 // vector and matrix
                 {142, "OpVectorTimesScalar"},
                 {143, "OpMatrixTimesScalar"},
                 {144, "OpVectorTimesMatrix"},
                 {145, "OpMatrixTimesVector"},
                 {146, "OpMatrixTimesMatrix"},
                 {147, "OpOuterProduct"},
                 {148, "OpDot"},
                 {84, "OpTranspose"},
                 // bits
                 {194, "OpShiftRightLogical"},
                 {195, "OpShiftRightArithmetic"},
                 {196, "OpShiftLeftLogical"},
                 {197, "OpBitwiseOr"},
                 {198, "OpBitwiseXor"},
                 {199, "OpBitwiseAnd"},
                 {200, "OpNot"},
                 {201, "OpBitFieldInsert"},
                 {202, "OpBitFieldSExtract"},
                 {203, "OpBitFieldUExtract"},
                 {204, "OpBitReverse"},
                 {205, "OpBitCount"},
                 // relational and logical
                 {154, "OpAny"},
                 {155, "OpAll"},
                 {164, "OpLogicalEqual"},
                 {165, "OpLogicalNotEqual"},
                 {166, "OpLogicalOr"},
                 {167, "OpLogicalAnd"},
                 {168, "OpLogicalNot"},
                 {169, "OpSelect"},
                 {170, "OpIEqual"},
                 {171, "OpINotEqual"},
                 {181, "OpFUnordEqual"},
                 {182, "OpFOrdNotEqual"},
                 {185, "OpFUnordLessThan"},
                 {187, "OpFUnordGreaterThan"},
                 {189, "OpFUnordLessThanEqual"},
                 {191, "OpFUnordGreaterThanEqual"},
                 {172, "OpUGreaterThan"},
                 {173, "OpSGreaterThan"},
                 {174, "OpUGreaterThanEqual"},
                 {175, "OpSGreaterThanEqual"},
                 {176, "OpULessThan"},
                 {177, "OpSLessThan"},
                 {178, "OpULessThanEqual"},
                 {179, "OpSLessThanEqual"},
                 {180, "OpFOrdEqual"},
                 {183, "OpFUnordNotEqual"},
                 {184, "OpFOrdLessThan"},
                 {186, "OpFOrdGreaterThan"},
                 {188, "OpFOrdLessThanEqual"},
                 {190, "OpFOrdGreaterThanEqual"},
                 // conversions
                 {109, "OpConvertFToU"},
                 {110, "OpConvertFToS"},
                 {111, "OpConvertSToF"},
                 {112, "OpConvertUToF"},
                 {113, "OpUConvert"},
                 {114, "OpSConvert"},
                 {115, "OpFConvert"},
                 {124, "OpBitcast"},
                 // composites and memory
                 {77, "OpVectorExtractDynamic"},
                 {78, "OpVectorInsertDynamic"},
                 {79, "OpVectorShuffle"},
                 {80, "OpCompositeConstruct"},
                 {81, "OpCompositeExtract"},
                 {82, "OpCompositeInsert"},
                 {59, "OpVariable"},
                 {61, "OpLoad"},
                 {62, "OpStore"},
                 {65, "OpAccessChain"},
                 {68, "OpArrayLength"},
                 // atomics and barriers
                 {224, "OpControlBarrier"},
                 {225, "OpMemoryBarrier"},
                 {227, "OpAtomicLoad"},
                 {228, "OpAtomicStore"},
                 {229, "OpAtomicExchange"},
                 {230, "OpAtomicCompareExchange"},
                 {234, "OpAtomicIAdd"},
                 {236, "OpAtomicSMin"},
                 {237, "OpAtomicUMin"},
                 {238, "OpAtomicSMax"},
                 {239, "OpAtomicUMax"},
                 {240, "OpAtomicAnd"},
                 {241, "OpAtomicOr"},
                 {242, "OpAtomicXor"},
                 {232, "OpAtomicIIncrement"},
                 {233, "OpAtomicIDecrement"},
                 {235, "OpAtomicISub"},
                 // control flow and functions
                 {245, "OpPhi"},
                 {246, "OpLoopMerge"},
                 {247, "OpSelectionMerge"},
                 {249, "OpBranch"},
                 {250, "OpBranchConditional"},
                 {251, "OpSwitch"},
                 {253, "OpReturn"},
                 {254, "OpReturnValue"},
                 {57, "OpFunctionCall"},
                 {55, "OpFunctionParameter"},
                 // specialization
                 {48, "OpSpecConstantTrue"},
                 {50, "OpSpecConstant"},
                 {51, "OpSpecConstantComposite"},
                 {52, "OpSpecConstantOp"},
                 // images
                 {60, "OpImageTexelPointer"},
                 {86, "OpSampledImage"},
                 {88, "OpImageSampleExplicitLod"},
                 {95, "OpImageFetch"},
                 {96, "OpImageGather"},
                 {98, "OpImageRead"},
                 {99, "OpImageWrite"},
                 {103, "OpImageQuerySizeLod"},
                 {104, "OpImageQuerySize"},
                 {106, "OpImageQueryLevels"}},
                "core instructions");
}

// Every GLSL.std.450 instruction a compute shader can use (glslang's own plus, through
// GL_EXT_spirv_intrinsics, Frexp, ModfStruct, NMin, NMax and NClamp). Not listed: IMix (no longer
// in GLSL.std.450), InterpolateAtCentroid/Sample/Offset (fragment shaders only).
TEST(Coverage, GlslStd450InstructionsAppear) {
  ExpectCovered(AllModules(), &ModuleFacts::glslStd450,
                {{1, "Round"},
                 {2, "RoundEven"},
                 {3, "Trunc"},
                 {4, "FAbs"},
                 {5, "SAbs"},
                 {6, "FSign"},
                 {7, "SSign"},
                 {8, "Floor"},
                 {9, "Ceil"},
                 {10, "Fract"},
                 {11, "Radians"},
                 {12, "Degrees"},
                 {13, "Sin"},
                 {14, "Cos"},
                 {15, "Tan"},
                 {16, "Asin"},
                 {17, "Acos"},
                 {18, "Atan"},
                 {19, "Sinh"},
                 {20, "Cosh"},
                 {21, "Tanh"},
                 {22, "Asinh"},
                 {23, "Acosh"},
                 {24, "Atanh"},
                 {25, "Atan2"},
                 {26, "Pow"},
                 {27, "Exp"},
                 {28, "Log"},
                 {29, "Exp2"},
                 {30, "Log2"},
                 {31, "Sqrt"},
                 {32, "InverseSqrt"},
                 {33, "Determinant"},
                 {34, "MatrixInverse"},
                 {35, "Modf"},
                 {36, "ModfStruct"},
                 {37, "FMin"},
                 {38, "UMin"},
                 {39, "SMin"},
                 {40, "FMax"},
                 {41, "UMax"},
                 {42, "SMax"},
                 {43, "FClamp"},
                 {44, "UClamp"},
                 {45, "SClamp"},
                 {46, "FMix"},
                 {48, "Step"},
                 {49, "SmoothStep"},
                 {50, "Fma"},
                 {51, "Frexp"},
                 {52, "FrexpStruct"},
                 {53, "Ldexp"},
                 {54, "PackSnorm4x8"},
                 {55, "PackUnorm4x8"},
                 {56, "PackSnorm2x16"},
                 {57, "PackUnorm2x16"},
                 {58, "PackHalf2x16"},
                 {59, "PackDouble2x32"},
                 {60, "UnpackSnorm2x16"},
                 {61, "UnpackUnorm2x16"},
                 {62, "UnpackHalf2x16"},
                 {63, "UnpackSnorm4x8"},
                 {64, "UnpackUnorm4x8"},
                 {65, "UnpackDouble2x32"},
                 {66, "Length"},
                 {67, "Distance"},
                 {68, "Cross"},
                 {69, "Normalize"},
                 {70, "FaceForward"},
                 {71, "Reflect"},
                 {72, "Refract"},
                 {73, "FindILsb"},
                 {74, "FindSMsb"},
                 {75, "FindUMsb"},
                 {79, "NMin"},
                 {80, "NMax"},
                 {81, "NClamp"}},
                "GLSL.std.450 instructions");
}

TEST(Coverage, StorageClassesBuiltInsAndCapabilitiesAppear) {
  auto modules = AllModules();
  ExpectCovered(modules, &ModuleFacts::storageClasses,
                {{0, "UniformConstant"},
                 {1, "Input"},
                 {2, "Uniform"},
                 {4, "Workgroup"},
                 {6, "Private"},
                 {7, "Function"},
                 {9, "PushConstant"},
                 {12, "StorageBuffer"}},
                "storage classes");
  ExpectCovered(modules, &ModuleFacts::builtIns,
                {{24, "NumWorkgroups"},
                 {25, "WorkgroupSize"},
                 {26, "WorkgroupId"},
                 {27, "LocalInvocationId"},
                 {28, "GlobalInvocationId"},
                 {29, "LocalInvocationIndex"}},
                "built-ins");
  ExpectCovered(modules, &ModuleFacts::capabilities,
                {{9, "Float16"},
                 {10, "Float64"},
                 {11, "Int64"},
                 {12, "Int64Atomics"},
                 {22, "Int16"},
                 {39, "Int8"},
                 {44, "Image1D"},
                 {46, "SampledBuffer"},
                 {47, "ImageBuffer"},
                 {50, "ImageQuery"},
                 {4433, "StorageBuffer16BitAccess"},
                 {4434, "UniformAndStorageBuffer16BitAccess"},
                 {4435, "StoragePushConstant16"},
                 {4448, "StorageBuffer8BitAccess"},
                 {4449, "UniformAndStorageBuffer8BitAccess"},
                 {4450, "StoragePushConstant8"}},
                "capabilities");
}

TEST(Coverage, OptimizationLevelsGiveTheShapesTheTestsRelyOn) {
  auto modules = AllModules();
  // Unoptimized modules keep their locals as Function-storage variables (glslang still uses OpPhi
  // for && and ||, so OpPhi itself is not excluded there).
  for (const auto& [name, facts] : modules) {
    if (name.ends_with(".O0") || name.ends_with(".glslang")) {
      EXPECT_EQ(facts.storageClasses.count(7), 1u) << name << " should keep Function-storage variables";
    }
  }
  ASSERT_TRUE(modules.count("control_flow") && modules.count("control_flow.O0"));
  EXPECT_EQ(modules["control_flow"].opcodes.count(245), 1u) << "the optimized control flow has OpPhi";
  EXPECT_EQ(modules["control_flow.O0"].opcodes.count(245), 0u) << "the unoptimized control flow has no OpPhi";
  EXPECT_EQ(modules["control_flow.O0"].opcodes.count(57), 1u) << "-O0 keeps the function calls";
}

}  // namespace
}  // namespace kiln_test::compute
