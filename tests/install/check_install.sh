#!/usr/bin/env bash
# The installed layout (DESIGN.md, "The public contract"): installs the build tree into a scratch
# prefix P and uses it as an outside project would. Registered by tests/install/CMakeLists.txt
# (CTest label `install`), which passes the arguments below.
#
# Checks
#   - P/share/vulkan/icd.d/kiln_icd.json: valid, library_path absolute and naming a file in P/<libdir>;
#     vulkaninfo --summary with VK_DRIVER_FILES=<it> shows Kiln
#   - P/include/kiln/win32.h: required once include/kiln/win32.h exists in the source tree
#     (until then: a note, no failure)
#   - P/<libdir>/pkgconfig/kiln-win32.pc: `pkg-config --cflags/--libs/--modversion kiln-win32`
#     work with PKG_CONFIG_PATH=P/<libdir>/pkgconfig; Libs name libkiln_win32 once it is built
#   - P/<libdir>/cmake/Kiln/KilnConfig.cmake + KilnConfigVersion.cmake: a consumer project does
#     find_package(Kiln <version> EXACT REQUIRED CONFIG), links Kiln::win32 from C11 and C++17,
#     gets P/include on its compile line, builds and runs (and links libkiln_win32 once it is built)
#   - no installed text file mentions the build or source tree
#   - DESTDIR=D cmake --install --prefix /opt/kiln-install-test puts everything under D, with
#     paths inside the files naming the prefix, not D
set -euo pipefail

if [[ $# -ne 13 ]]; then
  echo "usage: $0 CMAKE PKG_CONFIG SOURCE_DIR BUILD_DIR WORK_DIR LIBDIR INCLUDEDIR DATADIR VERSION" \
       "HAVE_WIN32_LIBRARY(0|1) SANITIZE CC CXX" >&2
  exit 2
fi
cmake=$1 pkg_config=$2 source_dir=$3 build_dir=$4 work=$5 libdir=$6 includedir=$7 datadir=$8
version=$9 have_library=${10} sanitize=${11} cc=${12} cxx=${13}

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }
note() { echo "NOTE: $*"; }
# A path below the prefix: GNUInstallDirs values may be absolute (then they are used as they are).
under() { if [[ $2 == /* ]]; then echo "$2"; else echo "$1/$2"; fi; }

rm -rf "$work"
mkdir -p "$work"
# The prefix lives outside the build tree, so that a path into the build tree is caught below.
prefix=$(mktemp -d "${TMPDIR:-/tmp}/kiln-install.XXXXXX")
if [[ -z ${KILN_KEEP_INSTALL:-} ]]; then
  trap 'rm -rf "$prefix"' EXIT
else
  echo "keeping the installed prefix $prefix (KILN_KEEP_INSTALL is set)"
fi

echo "== cmake --install $build_dir --prefix $prefix"
"$cmake" --install "$build_dir" --prefix "$prefix" >"$work/install.log" 2>&1 || {
  cat "$work/install.log" >&2
  echo "FAIL: cmake --install failed" >&2
  exit 1
}

lib=$(under "$prefix" "$libdir")
inc=$(under "$prefix" "$includedir")
manifest=$(under "$prefix" "$datadir")/vulkan/icd.d/kiln_icd.json
pc_dir=$lib/pkgconfig
config_dir=$lib/cmake/Kiln

# --- the four paths ------------------------------------------------------------------------------
for path in "$manifest" "$pc_dir/kiln-win32.pc" "$config_dir/KilnConfig.cmake" \
            "$config_dir/KilnConfigVersion.cmake"; do
  if [[ -f $path ]]; then ok "installed ${path#"$prefix"/}"; else fail "missing ${path#"$prefix"/}"; fi
done
expect_header=OFF
if [[ -f $source_dir/include/kiln/win32.h ]]; then
  expect_header=ON
  if [[ -f $inc/kiln/win32.h ]]; then ok "installed ${inc#"$prefix"/}/kiln/win32.h"
  else fail "include/kiln/win32.h is in the source tree but not installed as ${inc#"$prefix"/}/kiln/win32.h"; fi
else
  note "include/kiln/win32.h does not exist yet (a later issue adds it): its installed copy is not checked"
fi
# The broker (libexecdir, where the installed library looks for it) and kiln-handles (bindir).
for tool in kiln-broker kiln-handles; do
  found=$(find "$prefix" -name "$tool" -type f -perm -u+x | head -n1)
  if [[ -n $found ]]; then ok "installed ${found#"$prefix"/}"; else fail "$tool is not installed"; fi
done
expect_library=OFF
if [[ $have_library == 1 ]]; then
  expect_library=ON
  if [[ -f $lib/libkiln_win32.so ]]; then ok "installed ${lib#"$prefix"/}/libkiln_win32.so"
  else fail "target kiln_win32 exists but ${lib#"$prefix"/}/libkiln_win32.so is not installed"; fi
else
  note "libkiln_win32.so is not built yet (a later issue adds it): Kiln::win32 carries the headers only"
fi
# The installed driver finds the installed libkiln_win32.so.0 (its RUNPATH is $ORIGIN), not the
# build tree's: the application and the driver must share one handle table.
driver=$lib/libvulkan_kiln.so
if [[ -f $driver && $have_library == 1 ]]; then
  resolved=$(ldd "$driver" | sed -n 's/.*libkiln_win32\.so\.0 => \([^ ]*\).*/\1/p')
  if [[ $resolved == "$lib/libkiln_win32.so.0" ]]; then ok "the installed driver loads ${lib#"$prefix"/}/libkiln_win32.so.0"
  else fail "the installed driver resolves libkiln_win32.so.0 to '${resolved}', not $lib/libkiln_win32.so.0"; fi
fi

# --- the manifest ----------------------------------------------------------------------------------
if [[ -f $manifest ]]; then
  if ! fields=$(python3 - "$manifest" <<'PY'
import json, sys
with open(sys.argv[1]) as f:
    m = json.load(f)
print(m["file_format_version"])
print(m["ICD"]["api_version"])
print(m["ICD"]["library_path"])
PY
  ); then
    fail "the installed manifest is not valid JSON with file_format_version, ICD.api_version, ICD.library_path"
  else
    { read -r file_format; read -r api_version; read -r library_path; } <<<"$fields"
    [[ $file_format == 1.0.0 ]] || fail "manifest file_format_version is '$file_format', not 1.0.0"
    [[ $api_version =~ ^1\.[0-9]+\.[0-9]+$ ]] || fail "manifest api_version '$api_version' is not 1.x.y"
    if [[ $library_path != /* ]]; then
      fail "manifest library_path '$library_path' is not absolute"
    elif [[ ! -f $library_path ]]; then
      fail "manifest library_path '$library_path' does not exist"
    elif [[ $(realpath "$(dirname "$library_path")") != "$(realpath "$lib")" ]]; then
      fail "manifest library_path '$library_path' is not in $lib"
    else
      ok "manifest library_path $library_path (api_version $api_version)"
    fi
  fi
fi

# --- the installed driver, through the loader --------------------------------------------------------
if [[ -f $manifest ]]; then
  if ! command -v vulkaninfo >/dev/null; then
    note "vulkaninfo not found (package vulkan-tools): the installed driver is not loaded"
  elif [[ $sanitize == *thread* ]]; then
    note "TSan build: vulkaninfo is not run on the installed driver"
  else
    preload=()
    if [[ $sanitize == *address* ]]; then
      # vulkaninfo is not instrumented: the ASan runtime must come first (leaks are not Kiln's here).
      runtimes=$("$cc" -print-file-name=libasan.so)
      if [[ $sanitize == *undefined* ]]; then
        runtimes+=:$("$cc" -print-file-name=libubsan.so)
      fi
      preload=(env "LD_PRELOAD=$runtimes" ASAN_OPTIONS=detect_leaks=0)
    fi
    mkdir -p "$work/vulkaninfo"
    if (cd "$work/vulkaninfo" && VK_DRIVER_FILES=$manifest NODEVICE_SELECT=1 "${preload[@]}" vulkaninfo --summary \
          >"$work/vulkaninfo.log" 2>&1) && grep -Eq 'deviceName += Kiln' "$work/vulkaninfo.log"; then
      ok "vulkaninfo --summary finds Kiln through the installed manifest"
    else
      cat "$work/vulkaninfo.log" >&2
      fail "vulkaninfo --summary with VK_DRIVER_FILES=<installed manifest> shows no Kiln device"
    fi
  fi
fi

# --- nothing points back into the trees ------------------------------------------------------------
if leaks=$(grep -rIl -e "$build_dir" -e "$source_dir" "$prefix"); then
  fail "installed files mention the build or source tree: $leaks"
else
  ok "no installed text file mentions the build or source tree"
fi

# --- pkg-config -------------------------------------------------------------------------------------
if ! command -v "$pkg_config" >/dev/null; then
  fail "pkg-config not found"
else
  export PKG_CONFIG_PATH=$pc_dir
  if cflags=$("$pkg_config" --cflags kiln-win32) && libs=$("$pkg_config" --libs kiln-win32) &&
     modversion=$("$pkg_config" --modversion kiln-win32); then
    [[ " $cflags " == *" -I$inc "* ]] || fail "pkg-config --cflags kiln-win32 gave '$cflags', not -I$inc"
    [[ $modversion == "$version" ]] || fail "pkg-config --modversion kiln-win32 gave '$modversion', not $version"
    if [[ $expect_library == ON ]]; then
      [[ " $libs " == *" -lkiln_win32 "* && " $libs " == *" -L$lib "* ]] ||
        fail "pkg-config --libs kiln-win32 gave '$libs', not -L$lib -lkiln_win32"
    fi
    ok "pkg-config kiln-win32 $modversion: cflags '$cflags', libs '$libs'"
    if [[ $expect_header == ON ]]; then
      printf '#include <kiln/win32.h>\n#include <vulkan/vulkan.h>\n#include <vulkan/vulkan_win32.h>\nint main(void) { HANDLE h = INVALID_HANDLE_VALUE; (void)h; return 0; }\n' >"$work/pc.c"
      # shellcheck disable=SC2086 # cflags and libs are word lists
      if "$cc" -std=c11 $cflags -o "$work/pc" "$work/pc.c" $libs >"$work/pc.log" 2>&1; then
        ok "a C11 file with <kiln/win32.h> compiles and links with pkg-config's flags"
      else
        cat "$work/pc.log" >&2
        fail "a C11 file with <kiln/win32.h> does not compile and link with pkg-config's flags"
      fi
    fi
  else
    fail "pkg-config kiln-win32 failed (PKG_CONFIG_PATH=$pc_dir)"
  fi
  unset PKG_CONFIG_PATH
fi

# --- find_package(Kiln CONFIG) ----------------------------------------------------------------------
consumer_build=$work/consumer
sanitize_flags=()
if [[ -n $sanitize ]]; then
  # An instrumented libkiln_win32.so needs an instrumented program.
  sanitize_flags=("-DCMAKE_C_FLAGS=-fsanitize=$sanitize" "-DCMAKE_CXX_FLAGS=-fsanitize=$sanitize"
                  "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=$sanitize")
fi
if "$cmake" -S "$source_dir/tests/install/consumer" -B "$consumer_build" -DCMAKE_BUILD_TYPE=Release \
     "-DCMAKE_PREFIX_PATH=$prefix" "-DCMAKE_C_COMPILER=$cc" "-DCMAKE_CXX_COMPILER=$cxx" \
     "-DKILN_EXPECT_HEADER=$expect_header" "-DKILN_EXPECT_LIBRARY=$expect_library" \
     "-DKILN_EXPECT_VERSION=$version" "${sanitize_flags[@]}" >"$work/consumer-configure.log" 2>&1 &&
   "$cmake" --build "$consumer_build" >"$work/consumer-build.log" 2>&1; then
  grep -h 'Kiln .* in ' "$work/consumer-configure.log" || true
  includes=$(cat "$consumer_build/kiln_include_dirs.txt")
  [[ ";$includes;" == *";$inc;"* ]] || fail "Kiln::win32 puts '$includes' on the compile line, not $inc"
  for program in consumer_c consumer_cxx; do
    if "$consumer_build/$program"; then ok "$program built and ran"; else fail "$program failed"; fi
    if [[ $expect_library == ON ]] && ! readelf -d "$consumer_build/$program" | grep -q 'NEEDED.*libkiln_win32'; then
      fail "$program does not link libkiln_win32.so through Kiln::win32"
    fi
  done
  ok "find_package(Kiln $version EXACT REQUIRED CONFIG) + Kiln::win32"
else
  cat "$work/consumer-configure.log" "$work/consumer-build.log" 2>/dev/null >&2 || true
  fail "the consumer project (find_package(Kiln CONFIG), Kiln::win32) did not configure or build"
fi

# --- DESTDIR -----------------------------------------------------------------------------------------
staged_prefix=/opt/kiln-install-test
destdir=$work/destdir
if [[ -e $staged_prefix ]]; then
  fail "$staged_prefix exists before the DESTDIR check: remove it"
else
  if DESTDIR=$destdir "$cmake" --install "$build_dir" --prefix "$staged_prefix" >"$work/destdir.log" 2>&1; then
    staged=$destdir$staged_prefix
    staged_lib=$(under "$staged" "$libdir")
    if [[ -e $staged_prefix ]]; then
      fail "DESTDIR install wrote into $staged_prefix itself"
    elif [[ ! -f $(under "$staged" "$datadir")/vulkan/icd.d/kiln_icd.json || ! -f $staged_lib/pkgconfig/kiln-win32.pc ||
            ! -f $staged_lib/cmake/Kiln/KilnConfig.cmake ]]; then
      fail "DESTDIR install did not put the manifest, kiln-win32.pc and KilnConfig.cmake under $destdir"
    elif grep -rIl -e "$destdir" "$destdir" >/dev/null; then
      fail "DESTDIR install wrote DESTDIR into files: $(grep -rIl -e "$destdir" "$destdir" | tr '\n' ' ')"
    elif ! grep -q "\"$(under "$staged_prefix" "$libdir")/" "$(under "$staged" "$datadir")/vulkan/icd.d/kiln_icd.json" ||
         ! grep -qx "prefix=$staged_prefix" "$staged_lib/pkgconfig/kiln-win32.pc"; then
      fail "DESTDIR install: the manifest or kiln-win32.pc do not name $staged_prefix"
    else
      ok "DESTDIR=$destdir install of prefix $staged_prefix"
    fi
  else
    cat "$work/destdir.log" >&2
    fail "DESTDIR install failed"
  fi
fi

if [[ $failures -ne 0 ]]; then
  echo "install layout: $failures check(s) failed (logs in $work)" >&2
  exit 1
fi
echo "install layout: all checks passed"
