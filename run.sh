#!/usr/bin/env bash
# HeadScope set-up and entry point.
#   ./run.sh          install missing Debian packages and LibTorch (.venv/), build (Release) into build/, run the app
#   ./run.sh test     the same set-up, then the whole test suite through ctest
#   ./run.sh bench    the same set-up, then the benchmarks (printed, not asserted)
#   ./run.sh fuzz [SECONDS [TARGET...]]
#                     builds the libFuzzer targets of fuzz/ (clang, ASan + UBSan, no LibTorch) into
#                     build-fuzz/, writes their seed corpus and runs each target for SECONDS (default 30);
#                     fails when a target finds something
# Idempotent: packages are installed only when missing, and the build is incremental.
set -euo pipefail
cd "$(dirname "$0")"

mode=${1:-run}
case "$mode" in run | test | bench | fuzz) ;; *)
    echo "usage: ./run.sh [test|bench|fuzz [SECONDS [TARGET...]]]" >&2
    exit 2
    ;;
esac

# LibTorch comes from PyPI's torch wheel (it is a complete LibTorch, built with CUDA) into .venv/.
torch_version=2.15.0

packages=(
    build-essential cmake ninja-build ccache pkg-config python3-venv
    libopencv-dev libjpeg-dev nlohmann-json3-dev libpcre2-dev libutf8proc-dev libbenchmark-dev
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

# LibTorch: HEADSCOPE_TORCH_DIR (a folder with share/cmake/Torch, e.g. an unpacked official LibTorch zip),
# else torch $torch_version from PyPI in .venv/. Sets torch_cmake.
setup_libtorch() {
    if [ -n "${HEADSCOPE_TORCH_DIR:-}" ]; then
        torch_cmake="$HEADSCOPE_TORCH_DIR/share/cmake"
        return
    fi
    [ -x .venv/bin/python ] || python3 -m venv .venv
    local have
    have=$(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("torch"))' 2>/dev/null || true)
    if [ "${have%%+*}" != "$torch_version" ]; then
        echo "Installing LibTorch $torch_version (PyPI's torch wheel) into .venv/"
        .venv/bin/pip install --disable-pip-version-check --quiet "torch==$torch_version"
    fi
    # Found without importing torch (which takes seconds and warns about NumPy).
    torch_cmake=$(.venv/bin/python -c 'import importlib.util, os
print(os.path.join(importlib.util.find_spec("torch").submodule_search_locations[0], "share", "cmake"))')
}

# The CUDA compiler and headers CMake needs to configure against a CUDA LibTorch. With the torch wheel:
# NVIDIA's PyPI wheels of exactly the CUDA that wheel was built with, laid out as a toolkit in
# .venv/cuda-toolkit, so that every machine, with or without a CUDA toolkit, gets the same build (a machine
# toolkit of another CUDA version brings libraries the wheel's LibTorch does not link against). With
# HEADSCOPE_TORCH_DIR: the machine's toolkit (nvcc on PATH or in /usr/local/cuda), which should match that
# LibTorch's CUDA. Sets cuda_root (empty: a CPU LibTorch, none needed).
setup_cuda_toolkit() {
    cuda_root=""
    [ -e "$torch_cmake/../../lib/libtorch_cuda.so" ] || return 0
    if [ -n "${HEADSCOPE_TORCH_DIR:-}" ]; then
        local nvcc
        nvcc=$(command -v nvcc || true)
        [ -z "$nvcc" ] && [ -x /usr/local/cuda/bin/nvcc ] && nvcc=/usr/local/cuda/bin/nvcc
        [ -n "$nvcc" ] || { echo "this LibTorch is built with CUDA, but no CUDA toolkit (nvcc) was found" >&2; exit 1; }
        cuda_root=$(dirname "$(dirname "$(readlink -f "$nvcc")")")
        return
    fi
    local pin
    pin=$(.venv/bin/python -c 'import importlib.metadata as m, re
for r in m.requires("torch") or []:
    found = re.match(r"cuda-toolkit\[[^]]*\]==([0-9.]+)", r.replace(" ", ""))
    if found: print(found.group(1)); break')
    [ -n "$pin" ] || { echo "cannot tell which CUDA the torch wheel was built with (no cuda-toolkit pin)" >&2; exit 1; }
    local site
    site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    if [ ! -x "$site/nvidia/cu${pin%%.*}/bin/nvcc" ]; then
        echo "Installing NVIDIA's CUDA $pin compiler wheels into .venv/ (the CUDA the torch wheel was built with)"
        .venv/bin/pip install --disable-pip-version-check --quiet "cuda-toolkit[nvcc,cudart]==$pin"
    fi
    # CMake looks for lib<name>.so in <root>/lib; the wheels ship only the versioned names.
    local wheel="$site/nvidia/cu${pin%%.*}" view=.venv/cuda-toolkit
    rm -rf "$view" && mkdir -p "$view/lib"
    for d in bin include nvvm; do ln -s "$wheel/$d" "$view/$d"; done
    for f in "$wheel"/lib/*; do
        local name
        name=$(basename "$f")
        ln -sf "$f" "$view/lib/$name"
        case "$name" in *.so.*) [ -e "$view/lib/${name%%.so.*}.so" ] || ln -s "$f" "$view/lib/${name%%.so.*}.so" ;; esac
    done
    cuda_root=$(readlink -f "$view")
}

build() {
    setup_libtorch
    setup_cuda_toolkit
    # A build folder configured against another LibTorch or toolkit (older checkouts used Debian's LibTorch)
    # starts afresh; ccache keeps that cheap.
    local stamp="torch=$torch_cmake cuda=$cuda_root"
    if [ -f build/CMakeCache.txt ] && [ "$(cat build/headscope-platform.txt 2>/dev/null)" != "$stamp" ]; then
        echo "build/ was configured against another LibTorch or CUDA toolkit: configuring afresh"
        rm -rf build
    fi
    if [ ! -f build/CMakeCache.txt ]; then
        local cuda_args=()
        [ -n "$cuda_root" ] && cuda_args=(-DCUDAToolkit_ROOT="$cuda_root" -DCUDA_TOOLKIT_ROOT_DIR="$cuda_root"
                                          -DCMAKE_CUDA_COMPILER="$cuda_root/bin/nvcc")
        cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DTorch_DIR="$torch_cmake/Torch" \
            -DCMAKE_PREFIX_PATH="$torch_cmake" "${cuda_args[@]}"
        echo "$stamp" >build/headscope-platform.txt
    fi
    cmake --build build --parallel "$(nproc)"
}

# The sanitized build: the same LibTorch and toolkit as build/ (setup_libtorch and setup_cuda_toolkit ran),
# optimised with line tables so that reports name the line.
build_sanitized() {
    local stamp="torch=$torch_cmake cuda=$cuda_root"
    if [ -f build-asan/CMakeCache.txt ] && [ "$(cat build-asan/headscope-platform.txt 2>/dev/null)" != "$stamp" ]; then
        rm -rf build-asan
    fi
    if [ ! -f build-asan/CMakeCache.txt ]; then
        local cuda_args=()
        [ -n "$cuda_root" ] && cuda_args=(-DCUDAToolkit_ROOT="$cuda_root" -DCUDA_TOOLKIT_ROOT_DIR="$cuda_root"
                                          -DCMAKE_CUDA_COMPILER="$cuda_root/bin/nvcc")
        cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DHEADSCOPE_SANITIZE=ON \
            -DTorch_DIR="$torch_cmake/Torch" -DCMAKE_PREFIX_PATH="$torch_cmake" "${cuda_args[@]}"
        echo "$stamp" >build-asan/headscope-platform.txt
    fi
    cmake --build build-asan --parallel "$(nproc)"
}

# ---- fuzzing -----------------------------------------------------------------------------------------------
# The fuzz build compiles only the torch-free base library (HEADSCOPE_FUZZ=ON), so it needs neither LibTorch
# nor Qt. Seeds are written afresh on every run into build-fuzz/corpus/<target> (from the shared fixtures when
# present, and generated ones), where libFuzzer also keeps what it finds interesting; a finding is saved in
# build-fuzz/findings/<target>/ and its log in build-fuzz/logs/<target>.log.
fuzz_packages=(build-essential cmake ninja-build ccache pkg-config clang-14 libclang-rt-14-dev
               libopencv-dev libjpeg-dev nlohmann-json3-dev libpcre2-dev libutf8proc-dev)

build_fuzz() {
    if [ ! -f build-fuzz/CMakeCache.txt ]; then
        cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DHEADSCOPE_FUZZ=ON \
            -DCMAKE_CXX_COMPILER=clang++-14
    fi
    cmake --build build-fuzz --parallel "$(nproc)"
}

run_fuzz() {
    local seconds=${1:-30}
    shift || true
    [[ "$seconds" =~ ^[0-9]+$ ]] && [ "$seconds" -gt 0 ] || { echo "fuzz: SECONDS must be a positive integer" >&2; exit 2; }
    local targets=("$@")
    if [ ${#targets[@]} -eq 0 ]; then
        for t in build-fuzz/bin/fuzz_*; do targets+=("${t#build-fuzz/bin/fuzz_}"); done
    fi
    local root fixtures=${HEADSCOPE_FIXTURES:-../shared/fixtures}
    root=$(pwd)/build-fuzz
    if [ -d "$fixtures" ]; then
        "$root/bin/make_seeds" "$root/corpus" "$fixtures"
    else
        echo "fuzz: no fixtures at $fixtures; generated seeds only"
        "$root/bin/make_seeds" "$root/corpus"
    fi
    # The targets that read files write them into a folder of their own under TMPDIR; a crashed run leaves
    # its folder here, not in /tmp.
    rm -rf "$root/tmp" && mkdir -p "$root/tmp" "$root/logs"
    local failed=() t
    for t in "${targets[@]}"; do
        local bin="$root/bin/fuzz_$t" log="$root/logs/$t.log"
        [ -x "$bin" ] || { echo "fuzz: no target '$t' (build-fuzz/bin/fuzz_$t)" >&2; exit 2; }
        mkdir -p "$root/corpus/$t" "$root/findings/$t"
        local rc=0
        # rss_limit_mb bounds memory (2 GB: a finding above it); timeout bounds one input (10 s).
        TMPDIR="$root/tmp" "$bin" "$root/corpus/$t" -max_total_time="$seconds" -rss_limit_mb=2048 \
            -timeout=10 -print_final_stats=1 -artifact_prefix="$root/findings/$t/" >"$log" 2>&1 || rc=$?
        local runs cov
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        [ -n "$runs" ] || runs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
        cov=$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' || true)
        if [ "$rc" -eq 0 ]; then
            printf 'fuzz %-20s %10s runs in %4s s  %s  no findings\n' "$t" "${runs:-?}" "$seconds" "${cov:-}"
        else
            printf 'fuzz %-20s FINDING (exit %s) after %s runs; see %s\n' "$t" "$rc" "${runs:-?}" "$log"
            grep -E 'ERROR: |SUMMARY: |runtime error|fuzz: |Test unit written to|terminate called|what\(\)' "$log" | head -8 | sed 's/^/    /'
            failed+=("$t")
        fi
    done
    if [ ${#failed[@]} -gt 0 ]; then
        echo "fuzz: findings in ${failed[*]} (inputs in build-fuzz/findings/)" >&2
        exit 1
    fi
}

if [ "$mode" = fuzz ]; then
    packages=("${fuzz_packages[@]}")
    install_missing_packages
    build_fuzz
    run_fuzz "${@:2}"
    exit 0
fi

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
