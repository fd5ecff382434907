#!/usr/bin/env bash
# vulkaninfo on Kiln through the stock loader: exits 0 and describes exactly one device, Kiln's.
# usage: vulkaninfo_check.sh <manifest> full|summary|json
set -euo pipefail
manifest=$1
mode=$2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 0700 "$work"
export XDG_RUNTIME_DIR=$work          # a private runtime folder, as WSI probing wants one
export VK_DRIVER_FILES=$manifest      # only Kiln
export NODEVICE_SELECT=1
unset DISPLAY WAYLAND_DISPLAY
cd "$work"                            # vulkaninfo --json writes its file into the current folder

fail() { echo "FAIL: $*" >&2; exit 1; }

case $mode in
full)
    vulkaninfo >out.txt 2>err.txt || { cat err.txt >&2; fail "vulkaninfo exited $?"; }
    grep -q 'deviceName *= Kiln' out.txt || fail "no Kiln deviceName"
    grep -q 'deviceType *= PHYSICAL_DEVICE_TYPE_CPU' out.txt || fail "deviceType is not CPU"
    grep -q 'deviceLUIDValid *= true' out.txt || fail "deviceLUIDValid is not true"
    ;;
summary)
    vulkaninfo --summary >out.txt 2>err.txt || { cat err.txt >&2; fail "vulkaninfo --summary exited $?"; }
    grep -q 'deviceName *= Kiln' out.txt || fail "no Kiln deviceName"
    grep -q '^GPU0:' out.txt || fail "no GPU0"
    ! grep -q '^GPU1:' out.txt || fail "more than one device: only Kiln must be visible"
    grep -q 'apiVersion *= 1\.1\.' out.txt || fail "apiVersion is not 1.1"
    ;;
json)
    vulkaninfo --json >out.txt 2>err.txt || { cat err.txt >&2; fail "vulkaninfo --json exited $?"; }
    files=(*.json)
    [ -f "${files[0]}" ] || fail "vulkaninfo --json wrote no file"
    python3 - "${files[0]}" <<'PY' || fail "the JSON profile does not describe Kiln"
import json, sys
doc = json.load(open(sys.argv[1]))
caps = doc["capabilities"]["device"]
props = caps["properties"]["VkPhysicalDeviceProperties"]
assert props["deviceName"].startswith("Kiln"), props["deviceName"]
assert props["deviceType"] == "VK_PHYSICAL_DEVICE_TYPE_CPU", props["deviceType"]
PY
    ;;
*)
    fail "unknown mode $mode"
    ;;
esac
echo "vulkaninfo $mode: Kiln OK"
