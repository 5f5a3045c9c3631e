#!/usr/bin/env bash
# Builds the benchmarks and prints every performance figure of issue #5 (docs/performance.md):
#
#     bash scripts/bench.sh
#
# 1. Release build with -DADMIT_BUILD_BENCHMARKS=ON in build-bench/ (Ninja).
# 2. admit_bench (Google Benchmark, medians of repetitions): ns per decision of the compiled
#    benchmark county (interpreter, and native code from admit::emit_cpp) and of the hand-written
#    function on the same pre-bound population, their ratio, batch decisions/s on 1 and 2 threads, compile time and heap bytes of every policy.
# 3. Instructions per decision under callgrind (noise-free; skipped without valgrind).
# 4. End to end on a 1-million-record file made by `admit synth`: `admit eval` (-j 1 and -j 2) and
#    the hand-written simdjson pipeline, applicants/s, their ratio, peak resident memory; the two
#    outputs are compared byte for byte. Then the same records bound into one in-memory
#    ApplicantBatch: its heap bytes and the peak RSS (admit_batch_memory).
# 5. The semantic analysis time of every rule file in rules/ and examples/county.
# Everything is also written to build-bench/bench-results.txt.
#
# Environment: ADMIT_BENCH_BUILD_DIR (build-bench), ADMIT_BENCH_COUNT (records end to end, 1000000),
# ADMIT_BENCH_RUNS (end-to-end runs, median taken; 3), ADMIT_BENCH_REPETITIONS (Google Benchmark
# repetitions; 5), ADMIT_BENCH_POPULATION (in-memory population; 100000), ADMIT_BENCH_CALLGRIND=0
# (skip step 3), ADMIT_JOBS (build jobs; 2), ADMIT_BENCH_FILTER (a --benchmark_filter regex).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
build=${ADMIT_BENCH_BUILD_DIR:-$root/build-bench}
count=${ADMIT_BENCH_COUNT:-1000000}
runs=${ADMIT_BENCH_RUNS:-3}
reps=${ADMIT_BENCH_REPETITIONS:-5}
jobs=${ADMIT_JOBS:-2}
policy=rules/examples/benchmark-county.yaml
profile=benchmarks/profiles/benchmark-county.yaml
seed=2026

mkdir -p "$build"
results=$build/bench-results.txt
exec > >(tee "$results") 2>&1

echo "== machine"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores," \
  "$(grep -m1 'cpu MHz' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') MHz"
echo "kernel: $(uname -sr); compiler: $(c++ --version | head -n 1)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (with local changes)')"

echo "== build ($build)"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DADMIT_BUILD_BENCHMARKS=ON -DADMIT_BUILD_TESTS=OFF \
  -DADMIT_BUILD_PYTHON=OFF -DADMIT_INSTALL=OFF >/dev/null
cmake --build "$build" -j "$jobs" --target admit_cli admit_bench admit_simdjson_pipeline admit_batch_memory | tail -n 1
rm -f "$build"/callgrind.*.out
admit=$build/src/cli/admit
bench=$build/benchmarks/admit_bench
pipeline=$build/benchmarks/admit_simdjson_pipeline

echo "== in-process benchmarks (admit_bench, $reps repetitions, medians)"
"$bench" --benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true \
  --benchmark_filter="${ADMIT_BENCH_FILTER:-.}"

if [[ ${ADMIT_BENCH_CALLGRIND:-1} != 0 ]] && command -v valgrind >/dev/null; then
  echo "== instructions per decision (callgrind, 10000 applicants x 3 passes)"
  declare -A ir
  for who in compiled native handwritten; do
    out=$build/callgrind.$who.out
    ADMIT_BENCH_POPULATION=10000 ADMIT_BENCH_CALLGRIND=$who ADMIT_BENCH_PASSES=3 \
      valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect='*callgrind_*' "$bench" \
      >"$build/callgrind.$who.log" 2>&1 || continue
    total=$(grep -E '^(summary|totals):' "$out" | head -n 1 | awk '{print $2}')
    ir[$who]=$(awk -v t="$total" 'BEGIN { printf "%.1f", t / 30000 }')
    echo "instructions per decision, $who: ${ir[$who]}"
  done
  awk -v a="${ir[compiled]}" -v b="${ir[handwritten]}" -v n="${ir[native]:-0}" \
    'BEGIN { printf "instruction ratio compiled / hand-written: %.2f", a / b
             if (n > 0) printf "; native / hand-written: %.2f", n / b
             printf "\n" }'
  echo "(annotate: callgrind_annotate $build/callgrind.compiled.out)"
fi

echo "== end to end: $count applicants, JSON Lines in and out"
data=$build/bench-data
mkdir -p "$data"
input=$data/benchmark-county-$count.jsonl
start=$(date +%s.%N)
"$admit" synth --policy "$policy" --profile "$profile" --count "$count" --seed "$seed" --out "$input"
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" -v n="$count" -v b="$(stat -c %s "$input")" \
  'BEGIN { printf "admit synth: %.2f s (%.0f records/s, 2 threads), %.0f MB, %.0f bytes/record\n", e - s, n / (e - s), b / 1e6, b / n }'

# Runs a command $runs times under /usr/bin/time; prints "median-seconds max-rss-kB".
measure() {
  local times=() rss=0 i line
  for ((i = 0; i < runs; i++)); do
    line=$( { /usr/bin/time -f '%e %M' "$@" 2>&1 >/dev/null | tail -n 1; } || true)
    times+=("${line% *}")
    ((${line#* } > rss)) && rss=${line#* }
  done
  echo "$(printf '%s\n' "${times[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }') $rss"
}

report() {  # label seconds rss
  awk -v l="$1" -v s="$2" -v r="$3" -v n="$count" \
    'BEGIN { printf "%-38s %7.3f s %12.0f applicants/s   peak RSS %6.1f MB\n", l, s, n / s, r / 1024 }'
}

read -r t1 m1 < <(measure "$admit" eval "$policy" -a "$input" -o "$data/out-admit-j1.jsonl" -j 1 --progress never)
report "admit eval -j 1" "$t1" "$m1"
read -r t2 m2 < <(measure "$admit" eval "$policy" -a "$input" -o "$data/out-admit-j2.jsonl" -j 2 --progress never)
report "admit eval -j 2" "$t2" "$m2"
read -r ts ms < <(measure "$pipeline" "$input" "$data/out-simdjson.jsonl")
report "hand-written simdjson pipeline (1 thread)" "$ts" "$ms"
echo "simdjson kernel: $("$pipeline" "$input" /dev/null 2>&1 >/dev/null | awk '{print $NF}')"
awk -v a="$t1" -v b="$ts" 'BEGIN { printf "ratio admit eval -j 1 / simdjson pipeline: %.2f   (target <= 1.5)\n", a / b }'
if cmp -s "$data/out-admit-j1.jsonl" "$data/out-simdjson.jsonl" && cmp -s "$data/out-admit-j1.jsonl" "$data/out-admit-j2.jsonl"; then
  echo "outputs: admit eval -j 1, -j 2 and the simdjson pipeline are byte-identical"
else
  echo "ERROR: the outputs differ (compare $data/out-admit-j1.jsonl and $data/out-simdjson.jsonl)"
  exit 1
fi
rm -f "$data"/out-*.jsonl
echo "== the same $count applicants held in memory (ApplicantBatch)"
"$build/benchmarks/admit_batch_memory" "$policy" "$input"

# The semantic analysis of every rule file (issue #6: under a second each), median of $runs runs.
echo "== semantic analysis (admit check --analyze), seconds per file, median of $runs runs"
if "$admit" check --analyze "$policy" >/dev/null 2>&1 || [[ $? -eq 2 ]]; then
  while IFS= read -r file; do
    times=()
    for ((i = 0; i < runs; i++)); do
      t=$("$admit" check --analyze --timing "$file" 2>&1 >/dev/null | sed -n 's/.*analysed in \([0-9.]*\) s.*/\1/p' | head -n 1)
      times+=("${t:-0}")
    done
    printf '%-55s %7.3f s\n' "$file" "$(printf '%s\n' "${times[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')"
  done < <(find rules examples/county -name '*.yaml' ! -name '*.test.yaml' | sort)
else
  echo "(admit was built without the analysis: install libz3-dev)"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "(results in $results; the generated file stays in $data, never committed)"
