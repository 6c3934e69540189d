#!/usr/bin/env bash
# HeadScope set-up and entry point.
#   ./run.sh          install missing Debian packages, build (Release) into build/, run the main program
#   ./run.sh test     the same set-up, then the whole test suite through ctest
#   ./run.sh bench    the same set-up, then the benchmarks (printed, not asserted)
# Idempotent: packages are installed only when missing, and the build is incremental.
set -euo pipefail
cd "$(dirname "$0")"

mode=${1:-run}
case "$mode" in run | test | bench) ;; *)
    echo "usage: ./run.sh [test|bench]" >&2
    exit 2
    ;;
esac

packages=(
    build-essential cmake ninja-build ccache pkg-config
    libtorch-dev libopenblas0-openmp
    libopencv-dev nlohmann-json3-dev libpcre2-dev libutf8proc-dev libbenchmark-dev
    qt6-base-dev qt6-svg-dev qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools libqcustomplot-dev libgl1-mesa-dev
    xvfb xauth
)

install_missing_packages() {
    local missing=()
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return
    echo "Installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
}

build() {
    if [ ! -f build/CMakeCache.txt ]; then
        cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
    fi
    cmake --build build --parallel "$(nproc)"
}

install_missing_packages
build

case "$mode" in
run)
    # The window opens on the bundled demo model with a held-out scene it gets wrong and its question, ready
    # to press Generate. Without a display it runs a scripted session under Xvfb and saves a screenshot.
    args=(--model resources/models/shapes-demo --image resources/samples/circles-and-triangles.png --prompt "How many circles and triangles are there together?")
    if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
        build/bin/headscope "${args[@]}"
    else
        echo "No display: running a scripted session under Xvfb; the window is saved to build/headscope-window.png"
        xvfb-run -a -s "-screen 0 1600x1000x24" build/bin/headscope "${args[@]}" --screenshot build/headscope-window.png
    fi
    ;;
test)
    ctest --test-dir build --output-on-failure --timeout 1500
    ;;
bench)
    for b in build/bin/bench_*; do [ -x "$b" ] && "$b"; done
    ;;
esac
