#!/usr/bin/env bash
# Runs the libFuzzer targets for a while (default 60 s each) with ASan + UBSan, seeded with the
# corpus and the bundled policies. New crashes are written to build-fuzz/crash-*; add the input to
# tests/fuzz/corpus/ once fixed, so the replay tests keep it fixed.
#
#     bash scripts/fuzz.sh [seconds]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds=${1:-60}
build=build-fuzz
flags="-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS="$flags" -DADMIT_FUZZ=ON -DADMIT_BUILD_TESTS=ON -DADMIT_BUILD_CLI=OFF -DADMIT_BUILD_PYTHON=OFF -DADMIT_INSTALL=OFF >/dev/null
cmake --build "$build" --target fuzz_policy fuzz_bind
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
mkdir -p "$seeds/policy" "$seeds/bind"
cp tests/fuzz/corpus/policy/* rules/examples/*.yaml examples/county/*.yaml "$seeds/policy/"
cp tests/fuzz/corpus/bind/* "$seeds/bind/"
split -l 1 rules/examples/benchmark-county.applicants.jsonl "$seeds/bind/record-"
cd "$build"
./tests/fuzz/fuzz_policy -max_total_time="$seconds" -max_len=4096 -timeout=10 "$seeds/policy"
./tests/fuzz/fuzz_bind -max_total_time="$seconds" -max_len=2048 -timeout=10 "$seeds/bind"
