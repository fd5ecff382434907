// Which build of the handlers and the block scheduler (ops.h) runs: chosen once per process from
// the CPU.
#include <cstdlib>
#include <cstring>

#include "ops.h"

namespace kiln::spirv {

const Ops& ops() {
    static const Ops& chosen = []() -> const Ops& {
#if defined(KILN_HAVE_AVX2_OPS)
        // KILN_ISA=baseline: the baseline handlers on any CPU (the tests run both builds).
        const char* isa = std::getenv("KILN_ISA");
        const bool baseline_asked = isa && std::strcmp(isa, "baseline") == 0;
        if (!baseline_asked && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
            return avx2::table();
#endif
        return baseline::table();
    }();
    return chosen;
}

}  // namespace kiln::spirv
