// The interop program of interop_program.c, the same text compiled as C++17 (see that file).
#include "interop_program.c"
