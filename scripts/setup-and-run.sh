#!/usr/bin/env bash
# From a fresh Debian 12 machine to Kiln running: installs the packages (scripts/deps.sh), builds
# the release preset into build/, shows the Vulkan loader finding Kiln, and runs the demos on it
# (vkcube and vkcubepp, the cross-process buffer sharing example).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/deps.sh
cmake --preset release
cmake --build --preset release

manifest=$PWD/build/icd/kiln_icd.json
echo
echo "== VK_DRIVER_FILES=$manifest vulkaninfo --summary"
summary=$(VK_DRIVER_FILES=$manifest vulkaninfo --summary 2>&1) || {
  echo "$summary"
  echo "setup-and-run: vulkaninfo failed on Kiln" >&2
  exit 1
}
echo "$summary"
if ! grep -Eq 'deviceName += Kiln' <<<"$summary"; then
  echo "setup-and-run: vulkaninfo ran but shows no Kiln device" >&2
  exit 1
fi

# ---- demos -----------------------------------------------------------------------------------------
# Each runs as VK_DRIVER_FILES=$manifest <program> ...

# vkcube and vkcubepp (Vulkan-Tools), 300 frames each, on the X server of $DISPLAY or, without one,
# on a private Xvfb started here (as the wsi tests do: a free display from :140, a 0700 runtime dir).
xvfb_pid=
cleanup_xvfb() { if [[ -n $xvfb_pid ]]; then kill "$xvfb_pid" 2>/dev/null || true; wait "$xvfb_pid" 2>/dev/null || true; fi; }
trap cleanup_xvfb EXIT
if [[ -z ${DISPLAY:-} ]]; then
  export XDG_RUNTIME_DIR=$(mktemp -d /tmp/kiln-demo-xdg-XXXXXX)
  for n in $(seq 140 200); do
    [[ -e /tmp/.X$n-lock || -e /tmp/.X11-unix/X$n ]] && continue
    Xvfb ":$n" -screen 0 1024x768x24 -nolisten tcp > /dev/null 2>&1 &
    xvfb_pid=$!
    for _ in $(seq 50); do [[ -e /tmp/.X11-unix/X$n ]] && break; sleep 0.1; done
    if [[ -e /tmp/.X11-unix/X$n ]]; then export DISPLAY=":$n"; break; fi
    cleanup_xvfb; xvfb_pid=
  done
fi
for cube in vkcube vkcubepp; do
  echo
  echo "== VK_DRIVER_FILES=$manifest $cube --c 300 (DISPLAY=${DISPLAY:-none})"
  start=$(date +%s%N)
  if ! VK_DRIVER_FILES=$manifest "$cube" --c 300; then
    echo "setup-and-run: $cube failed on Kiln" >&2
    exit 1
  fi
  echo "$cube: 300 frames in $(( ($(date +%s%N) - start) / 1000000 )) ms"
done

# Two processes share a Vulkan buffer through an NT handle DuplicateHandle'd from one into the other
# (examples/share_buffer.c).
echo
echo "== VK_DRIVER_FILES=$manifest build/examples/kiln_example_share_buffer"
if ! VK_DRIVER_FILES=$manifest build/examples/kiln_example_share_buffer; then
  echo "setup-and-run: the share_buffer example failed on Kiln" >&2
  exit 1
fi
# ---------------------------------------------------------------------------------------------------

echo
echo "Kiln is built. Point any Vulkan program at it with:"
echo "  VK_DRIVER_FILES=$manifest <program>"
