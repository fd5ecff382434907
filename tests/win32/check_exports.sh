#!/usr/bin/env bash
# libkiln_win32.so's dynamic interface (registered by tests/win32/CMakeLists.txt, label win32):
#   - `nm -D --defined-only` lists exactly the public symbols of the version script (kiln_win32.map),
#     versioned with its first node, plus the driver's private kiln::win32 internals, versioned with
#     the second node (KILN_WIN32_PRIVATE); nothing else of the library leaks out
#   - its SONAME is the expected one (libkiln_win32.so.0)
set -euo pipefail

if [[ $# -ne 5 ]]; then
  echo "usage: $0 NM READELF LIBRARY VERSION_SCRIPT SONAME" >&2
  exit 2
fi
nm=$1 readelf=$2 library=$3 map=$4 want_soname=$5
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

[[ -f $library ]] || { echo "FAIL: no library at $library" >&2; exit 1; }
[[ -f $map ]] || { echo "FAIL: no version script at $map" >&2; exit 1; }

# The script's public version node and its names: the lines between its `global:` and `};`.
node=$(sed -n 's/^[[:space:]]*\([A-Za-z_][A-Za-z0-9_]*\)[[:space:]]*{.*/\1/p' "$map" | head -n1)
private_node=$(sed -n 's/^[[:space:]]*\([A-Za-z_][A-Za-z0-9_]*\)[[:space:]]*{.*/\1/p' "$map" | sed -n 2p)
want=$(sed -n "/^$node[[:space:]]*{/,/^};/p" "$map" | sed -e 's/#.*//' -e '/global:/d' -e '/{/d' -e '/}/d' \
         | tr -d ' \t;' | sed '/^$/d' | LC_ALL=C sort)
[[ -n $node ]] || fail "no version node in $map"
[[ -n $want ]] || fail "no global symbols in $map"

# Defined dynamic symbols. nm shows versions (name@@NODE); the node itself appears as an absolute
# symbol (type A), which is the version definition, not an export.
listing=$("$nm" -D --defined-only "$library")
got=$(awk -v node="$node" -v private="$private_node" \
        'NF >= 3 && !($2 == "A" && ($3 == node || $3 == private)) { print $3 }' <<<"$listing" | LC_ALL=C sort)
# The private node: C++ symbols of namespace kiln::win32 only.
private_syms=$(grep "@@$private_node\$" <<<"$got" | sed 's/@.*//' || true)
[[ -n $private_node && -n $private_syms ]] || fail "no private node, or nothing exported under it"
while read -r sym; do
  [[ -z $sym ]] && continue
  demangled=$(c++filt "$sym")
  [[ $demangled == kiln::win32::* || $demangled == "typeinfo for kiln::win32::"* ||
     $demangled == "typeinfo name for kiln::win32::"* ]] ||
    fail "private symbol $sym ($demangled) is not in kiln::win32"
done <<<"$private_syms"
got=$(grep -v "@@$private_node\$" <<<"$got" || true)
got_names=$(sed 's/@.*//' <<<"$got" | LC_ALL=C sort)

if [[ $got_names != "$want" ]]; then
  fail "exported symbols differ from $map"
  echo "--- expected (version script) / +++ exported (nm -D --defined-only)" >&2
  diff <(echo "$want") <(echo "$got_names") >&2 || true
fi
while read -r sym; do
  [[ -z $sym ]] && continue
  if [[ $sym != *"@@$node" && $sym != *"@$node" ]]; then
    fail "symbol $sym is not versioned $node"
  fi
done <<<"$got"

soname=$("$readelf" -d "$library" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
if [[ $soname != "$want_soname" ]]; then
  fail "SONAME is '${soname}', expected '${want_soname}'"
fi

if ((failures)); then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "ok: $(wc -l <<<"$want") symbols exported, all versioned $node; SONAME $soname"
