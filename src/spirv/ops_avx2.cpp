// The handlers again, compiled for AVX2 + FMA (CMake adds -mavx2 -mfma -ffp-contract=off to this
// file only): 8 lanes per vector instead of 4, native fma, gathers. ops_select.cpp uses them when
// the CPU has both. -ffp-contract=off keeps every result bit-identical to the baseline build.
#define KILN_OPS_ISA avx2
#define KILN_OPS_ISA_NAME "avx2"
#include "ops.cpp"
