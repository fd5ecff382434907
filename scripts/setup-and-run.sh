#!/usr/bin/env bash
# From a fresh Debian 12 machine to Kiln running: installs the packages (scripts/deps.sh), builds
# the release preset into build/, and shows the Vulkan loader finding Kiln.
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
# Later issues add them here (vkcube on Kiln under Xvfb, more win32 interop samples), each as
#   VK_DRIVER_FILES=$manifest <program> ...

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
