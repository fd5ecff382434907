// The block scheduler again, compiled for AVX2 + FMA like ops_avx2.cpp (CMake adds -mavx2 -mfma to
// this file only): branch masks and phi copies eight lanes per instruction. ops_select.cpp picks it.
#define KILN_OPS_ISA avx2
#include "scheduler.cpp"
