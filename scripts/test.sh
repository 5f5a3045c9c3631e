#!/usr/bin/env bash
# Builds admit and runs every test, then runs the C++ tests again under ASan + UBSan.
#
#     bash scripts/test.sh
#
# 1. Release build (Ninja, -j2) in build/: C++ unit tests, CLI tests, the install/consumer test
#    and the Python tests (when bindings/python exists), all through ctest.
# 2. ASan + UBSan build (Debug, -O1) in build-asan/, without the Python module: ctest again.
# Ends with one line "summary: N passed, N failed". Missing Debian packages are installed first
# (as root, or through sudo).
#
# Environment: ADMIT_BUILD_DIR, ADMIT_ASAN_BUILD_DIR (build directories), ADMIT_JOBS (default 2),
# ADMIT_SKIP_ASAN=1 (only the release pass).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)

build_dir=${ADMIT_BUILD_DIR:-$root/build}
asan_dir=${ADMIT_ASAN_BUILD_DIR:-$root/build-asan}
jobs=${ADMIT_JOBS:-2}
python=/usr/bin/python3

# Everything the build and the tests need, from Debian 12 (bookworm).
packages=(g++ cmake ninja-build pkgconf libyaml-cpp-dev libfmt-dev libboost-dev catch2 libcli11-dev
  pybind11-dev python3-dev python3-pybind11 python3-pytest python3-numpy python3-pandas
  python3-distributed libbenchmark-dev libz3-dev)

install_missing_packages() {
  local missing=() p
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  echo "== installing ${missing[*]}"
  local sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Runs ctest, keeps its log, and adds its counts to the totals.
passed=0
failed=0
run_ctest() {
  local dir=$1 log=$2
  shift 2
  local rc=0
  ctest --test-dir "$dir" --output-on-failure --no-tests=error -j "$jobs" "$@" 2>&1 | tee "$log" || rc=$?
  local line total bad
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1 || true)
  if [[ -n $line ]]; then
    bad=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
    total=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
    passed=$((passed + total - bad))
    failed=$((failed + bad))
  elif ((rc != 0)); then
    failed=$((failed + 1))
  fi
  return "$rc"
}

elapsed() { echo "$((SECONDS - $1))s"; }

install_missing_packages

common=(-G Ninja -DPython_EXECUTABLE="$python" -DADMIT_BUILD_TESTS=ON -DADMIT_BUILD_CLI=ON)
release_extra=()
[[ -f bindings/python/CMakeLists.txt ]] && release_extra+=(-DADMIT_BUILD_PYTHON=ON)

status=0

echo "== release build ($build_dir)"
t=$SECONDS
cmake -S . -B "$build_dir" "${common[@]}" -DCMAKE_BUILD_TYPE=Release "${release_extra[@]}"
cmake --build "$build_dir" -j "$jobs"
echo "== release build took $(elapsed "$t")"
t=$SECONDS
run_ctest "$build_dir" "$build_dir/ctest.log" || status=1
echo "== release tests took $(elapsed "$t")"

if [[ ${ADMIT_SKIP_ASAN:-0} != 1 ]]; then
  echo "== ASan + UBSan build ($asan_dir)"
  t=$SECONDS
  cmake -S . -B "$asan_dir" "${common[@]}" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" \
    -DADMIT_SANITIZE=ON -DADMIT_BUILD_PYTHON=OFF -DADMIT_BUILD_BENCHMARKS=OFF
  cmake --build "$asan_dir" -j "$jobs"
  echo "== ASan + UBSan build took $(elapsed "$t")"
  t=$SECONDS
  # Left out here: the install/consumer test (packaging, covered by the release pass), the
  # allocation test, which replaces the global allocator and so cannot run under ASan's, and the
  # analysis of every rule file (minutes of solver work under ASan; the crafted analysis tests
  # still run, and the release pass runs the sweep).
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_ctest "$asan_dir" "$asan_dir/ctest.log" -LE install -E '^(allocation|allocation\.native|analysis\.cli\.rules_are_sound)$' || status=1
  echo "== ASan + UBSan tests took $(elapsed "$t")"
fi

echo "== total $(elapsed 0)"
echo "summary: $passed passed, $failed failed"
exit "$status"
