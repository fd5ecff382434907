#!/bin/sh
# check_isa_object.sh OBJECT...: fails when an object compiled for AVX2 (*_avx2.cpp) defines a
# weak symbol. An inline or template function from a header that the AVX2 object emits out of line
# is a COMDAT copy the linker may choose over the baseline one, and then every caller in the driver
# would run AVX2 code on CPUs without it. Everything an AVX2 object defines must be its own namespace's
# (kiln::spirv::avx2) or inlined.
status=0
checked=0
for object in "$@"; do
  case $object in
    *_avx2*) ;;
    *) continue ;;
  esac
  checked=$((checked + 1))
  symbols=$(nm -C "$object") || { echo "$object: nm failed" >&2; exit 1; }
  # W: weak code. (Weak or unique data -- V, u: a constant table of an inline function, the
  # personality pointer -- holds the same bytes in both builds and is no hazard.)
  weak=$(printf '%s\n' "$symbols" | grep -E ' [Ww] ')
  if [ -n "$weak" ]; then
    echo "$object defines weak (shared) symbols compiled for AVX2:" >&2
    echo "$weak" >&2
    status=1
  else
    echo "$object: no weak symbols"
  fi
done
# No AVX2 object among the arguments is a broken call (a list passed as one word), not a pass.
if [ "$checked" -eq 0 ]; then
  echo "check_isa_object.sh: no *_avx2 object among the arguments" >&2
  exit 1
fi
exit $status
