// libFuzzer target for the SPIR-V front end: any bytes, as vkCreateShaderModule would see them,
// go through spirv::Binary, spirv::Module and the lowering to the register IR. A crash, a sanitizer report or a hang is a bug; a
// refusal is the expected answer to nearly every input. Built with clang (KILN_BUILD_FUZZERS) and
// run for a bounded time by scripts/test-all.sh (stage fuzz).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "spirv/binary.h"
#include "spirv/ir.h"
#include "spirv/module.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // vkCreateShaderModule takes whole words only.
    std::vector<uint32_t> words(size / 4);
    if (!words.empty())
        std::memcpy(words.data(), data, words.size() * 4);
    kiln::spirv::Binary binary;
    std::string error;
    if (!kiln::spirv::Binary::parse(words, &binary, &error))
        return 0;
    kiln::spirv::Module module;
    if (!kiln::spirv::Module::build(binary, &module, &error))
        return 0;
    // What vkCreateComputePipelines does next: lower every compute entry point.
    for (const kiln::spirv::EntryPoint& entry : module.entry_points()) {
        kiln::spirv::Program program;
        kiln::spirv::lower(module, entry.execution_model, entry.name, {}, &program, &error);
    }
    return 0;
}
