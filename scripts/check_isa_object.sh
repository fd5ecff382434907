#!/bin/sh
# check_isa_object.sh OBJECT...: fails when the object compiled for AVX2 (ops_avx2.cpp) defines a
# weak symbol. An inline or template function from a header that the AVX2 object emits out of line
# is a COMDAT copy the linker may choose over the baseline one, and then every caller in the driver
# would run AVX2 code on CPUs without it. Everything ops_avx2.cpp defines must be its own namespace's
# (kiln::spirv::avx2) or inlined.
status=0
for object in "$@"; do
  case $object in
    *ops_avx2*) ;;
    *) continue ;;
  esac
  weak=$(nm -C "$object" | grep -E ' [WVu] ')
  if [ -n "$weak" ]; then
    echo "$object defines weak (shared) symbols compiled for AVX2:" >&2
    echo "$weak" >&2
    status=1
  else
    echo "$object: no weak symbols"
  fi
done
exit $status
