#!/usr/bin/env bash
# The Debian 12 packages that Kiln needs to build, test and benchmark: the one list, used by
# scripts/setup-and-run.sh (the README's first command) and by CI (.ci/run).
#
#   scripts/deps.sh          apt-get update, then install them (as root, or through sudo)
#   scripts/deps.sh --list   print their names, one a line
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config python3
  # Vulkan: headers + loader, vk.xml (libvulkan-dev), vulkaninfo/vkcube, lavapipe (the reference
  # in tests and benchmarks), the validation layer
  libvulkan-dev vulkan-tools mesa-vulkan-drivers vulkan-validationlayers
  # SPIR-V grammar for the generators, GLSL compilers for test shaders
  spirv-headers glslang-tools glslc
  # the SPIR-V front end's fuzzer (libFuzzer comes with clang's runtime)
  clang libclang-rt-14-dev
  # tests, benchmarks
  libgtest-dev libbenchmark-dev libglm-dev
  # the raster tests' failure images (PNG)
  libpng-dev
  # WSI (xcb, xlib) and a headless X server; xvfb-run needs xauth, only recommended by xvfb
  xvfb xauth libx11-dev libxcb1-dev libx11-xcb-dev libxcb-shm0-dev
)

if [[ ${1:-} == --list ]]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

apt_get=(apt-get)
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "deps.sh: run as root (or install sudo)" >&2; exit 1; }
  apt_get=(sudo apt-get)
fi
export DEBIAN_FRONTEND=noninteractive
"${apt_get[@]}" -o Acquire::Retries=3 update
"${apt_get[@]}" -o Acquire::Retries=3 install -y --no-install-recommends "${packages[@]}"
