"""Policy.evaluate_many vs the CLI's `admit eval` on the same generated population.

    PYTHONPATH=<build>/python /usr/bin/python3 benchmarks/python_batch.py [--n 200000] [--jobs N]
        [--cli <build>/src/cli/admit] [--repeat 3]

Both sides run end to end on the same applicants: the CLI reads the JSONL file, evaluates with -j
jobs and writes its JSONL results to a file (process start included); Python converts the
DataFrame column-wise, evaluates with as many threads and builds the result DataFrame. Generating
the population and writing the JSONL file are not timed. The best of --repeat runs is reported.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "examples", "python"))

import admit  # noqa: E402
from admit._frame import evaluate_frame  # noqa: E402
from population import BENCHMARK_POLICY, benchmark_population, write_jsonl  # noqa: E402


def find_cli(given):
    for candidate in (given, os.environ.get("ADMIT_CLI"), os.path.join(REPO, "build", "src", "cli", "admit"),
                      shutil.which("admit")):
        if candidate and os.path.exists(candidate):
            return candidate
    sys.exit("admit CLI not found: pass --cli or set ADMIT_CLI")


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--cli")
    ap.add_argument("--policy", default=BENCHMARK_POLICY)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    cli = find_cli(args.cli)

    policy = admit.compile(args.policy)
    df = benchmark_population(args.n, seed=1, invalid=0.005)
    with tempfile.TemporaryDirectory() as tmp:
        jsonl = os.path.join(tmp, "applicants.jsonl")
        out = os.path.join(tmp, "results.jsonl")
        write_jsonl(df, jsonl)
        cmd = [cli, "eval", args.policy, "-a", jsonl, "-j", str(args.jobs), "-o", out, "--progress", "never"]

        def run_cli():
            subprocess.run(cmd, check=False, stderr=subprocess.DEVNULL)

        run_cli()  # warm the page cache
        cli_s = best(run_cli, args.repeat)
        with open(out, encoding="utf-8") as f:
            cli_rows = sum(1 for _ in f)

    timings = []

    def run_python():
        frame, raw = evaluate_frame(policy, df, args.jobs)
        timings.append(raw["timings"])
        assert len(frame) == len(df)

    run_python()
    py_s = best(run_python, args.repeat)
    convert, loop, build = min(timings, key=sum)

    print(f"policy {policy.id}, {args.n} applicants, {args.jobs} threads/jobs, {os.cpu_count()} hardware threads")
    print(f"admit eval -j {args.jobs} (JSONL file -> JSONL file): {cli_s:.3f} s, {args.n / cli_s:,.0f} applicants/s "
          f"({cli_rows} result lines)")
    print(f"Policy.evaluate_many (DataFrame -> DataFrame):  {py_s:.3f} s, {args.n / py_s:,.0f} applicants/s")
    print(f"  inside _core: convert {convert:.3f} s (GIL held), evaluate {loop:.3f} s (GIL released), "
          f"build results {build:.3f} s")
    print(f"ratio evaluate_many / CLI time: {py_s / cli_s:.2f}x  (throughput ratio CLI/Python {cli_s / py_s:.2f})")


if __name__ == "__main__":
    main()
