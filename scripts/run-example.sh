#!/usr/bin/env bash
# Installs what admit needs (Debian 12), builds it (Release) and evaluates the bundled example:
#
#     bash scripts/run-example.sh
#
# runs `admit eval rules/examples/benchmark-county.yaml --applicants rules/examples/benchmark-county.applicants.jsonl`.
# Missing Debian packages are installed first (as root, or through sudo). The build directory is
# build/ (ADMIT_BUILD_DIR overrides it), configured exactly as scripts/test.sh configures it, so
# running the tests afterwards reuses this build.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
build_dir=${ADMIT_BUILD_DIR:-$root/build}
jobs=${ADMIT_JOBS:-2}
python=/usr/bin/python3

# The same list as scripts/test.sh: after this script, the tests need no further installs.
packages=(g++ cmake ninja-build pkgconf libyaml-cpp-dev libfmt-dev libboost-dev catch2 libcli11-dev
  pybind11-dev python3-dev python3-pybind11 python3-pytest python3-numpy python3-pandas
  python3-distributed libbenchmark-dev)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  echo "== installing ${missing[*]}" >&2
  sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

configure=(-G Ninja -DPython_EXECUTABLE="$python" -DADMIT_BUILD_TESTS=ON -DADMIT_BUILD_CLI=ON
  -DCMAKE_BUILD_TYPE=Release)
[[ -f bindings/python/CMakeLists.txt ]] && configure+=(-DADMIT_BUILD_PYTHON=ON)

echo "== building admit (Release) in $build_dir" >&2
cmake -S . -B "$build_dir" "${configure[@]}" >&2
cmake --build "$build_dir" -j "$jobs" --target admit_cli >&2

policy=rules/examples/benchmark-county.yaml
applicants=rules/examples/benchmark-county.applicants.jsonl
echo "== admit eval $policy --applicants $applicants" >&2
rc=0
"$build_dir/src/cli/admit" eval "$policy" --applicants "$applicants" || rc=$?
# Exit status 2 means some records were rejected (each reported on stderr with its line). The sample
# includes two bad records on purpose, to show what that looks like.
if ((rc == 2)); then
  echo "== done: the rejected records above are deliberate examples of invalid input" >&2
  exit 0
fi
exit "$rc"
