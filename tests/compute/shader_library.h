// The suite's SPIR-V modules, compiled from tests/compute/shaders/*.comp at build time and embedded
// in the test binary (tests/compute/CMakeLists.txt lists each module and the compiler and flags that
// built it).
//
// Module names: "<shader>" is the file compiled by glslc -O; "<shader>.O0" the same file by
// glslc -O0 (Function-storage variables, loads and stores and unoptimized control flow kept);
// "<shader>.glslang" the same file by glslangValidator -V (glslang's own, unoptimized, code shapes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace kiln_test::compute {

struct EmbeddedShader {
  const char* name;
  const uint32_t* words;
  size_t wordCount;
};

// Defined in the generated compute_shaders.cpp.
std::span<const EmbeddedShader> EmbeddedShaders();

// The module called `name`, or an empty span when the build did not produce it (glslangValidator
// absent, say).
inline std::span<const uint32_t> FindShader(std::string_view name) {
  for (const EmbeddedShader& shader : EmbeddedShaders())
    if (name == shader.name) return {shader.words, shader.wordCount};
  return {};
}

}  // namespace kiln_test::compute
