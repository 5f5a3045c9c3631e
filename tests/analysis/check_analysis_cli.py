#!/usr/bin/python3
"""End-to-end tests of `admit check --analyze` and `admit diff` (docs/analysis.md).

    check_analysis_cli.py --list                        print the case names
    check_analysis_cli.py ADMIT_BINARY SOURCE_DIR CASE  run one case; exit 0 on success

`rules_are_sound` analyses every policy under rules/ and examples/county/ (found when the test runs,
so files added later are included) and fails on an error or warning of the analysis that the
policy's `<name>.analysis-accept` file does not accept (the analysis time is printed, not asserted).
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

DATA = "tests/analysis/data"
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from cli_cases import Cases, Failure  # noqa: E402

CASES = Cases()
case = CASES.case


def run(*args):
    p = subprocess.run([CASES.admit, *args], capture_output=True, timeout=300)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8")


def expect(condition, message, out="", err=""):
    if not condition:
        raise Failure(f"{message}\n--- stdout ---\n{out}\n--- stderr ---\n{err}")


def example_of(diagnostic):
    for note in diagnostic["notes"]:
        if note.startswith("for example: "):
            return note[len("for example: "):]
    return None


def explain(policy, record):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        f.write(record)
        path = f.name
    try:
        return run("explain", policy, "-a", path, "--color", "never")
    finally:
        os.unlink(path)


@case
def gap_text():
    code, out, err = run("check", "--analyze", "--color", "never", f"{DATA}/gap.yaml")
    expect(code == 0, "warnings do not fail", out, err)
    expect(f"{DATA}/gap.yaml:7:1: warning: an eligible applicant matches no group" in out, "gap reported", out, err)
    expect("[analysis-gap]" in out and "= note: for example: {" in out, "example shown", out, err)
    expect(out.rstrip().endswith("checked 1 file: 1 warning"), "summary", out, err)


@case
def gap_example_replays_with_explain():
    code, out, err = run("check", "--analyze", "--format", "json", f"{DATA}/gap.yaml")
    doc = json.loads(out)
    gap = [d for d in doc["diagnostics"] if d["code"] == "analysis-gap"]
    expect(len(gap) == 1, "one gap", out, err)
    record = example_of(gap[0])
    expect(record is not None, "the example is in the notes", out, err)
    code, out, err = explain(f"{DATA}/gap.yaml", record)
    expect(code == 0, "explain accepts the example", out, err)
    expect("一、入学资格 (eligibility): 符合 (eligible)" in out, "eligible", out, err)
    expect("二、分组 (group)" in out and "✓" not in out.split("二、分组")[1].split("三、")[0], "no group matched", out, err)


@case
def dead_group_fails_check():
    code, out, err = run("check", "--analyze", "--color", "never", f"{DATA}/dead.yaml")
    expect(code == 2, "a dead group is an error: exit 2", out, err)
    expect("error: group `local_renter` can never be reached" in out and "earlier group `renter`" in out,
           "dead group named with the shadowing group", out, err)


@case
def overlaps_on_request():
    code, out, err = run("check", "--analyze", f"{DATA}/dead.yaml")
    expect("analysis-overlap" not in out, "no overlaps by default", out, err)
    code, out, err = run("check", "--analyze", "--overlaps", f"{DATA}/dead.yaml")
    expect("groups `local` and `renter` overlap" in out, "overlap listed", out, err)


@case
def points_and_certificates_json():
    code, out, err = run("check", "--analyze", "--format", "json", f"{DATA}/points.yaml", f"{DATA}/certs.yaml")
    expect(code == 0, "warnings only", out, err)
    doc = json.loads(out)
    codes = sorted({d["code"] for d in doc["diagnostics"]})
    for wanted in ["analysis-dead-cap", "analysis-zero-item", "analysis-points-range", "analysis-upload-only",
                   "analysis-unused-certificate", "analysis-dead-substitute"]:
        expect(wanted in codes, f"{wanted} reported", out, err)
    cap = [d for d in doc["diagnostics"] if d["code"] == "analysis-dead-cap"][0]
    expect(cap["file"] == f"{DATA}/points.yaml" and cap["line"] == 18 and cap["severity"] == "warning",
           "dead cap positioned at the item", out, err)


@case
def sarif_output():
    code, out, err = run("check", "--analyze", "--format", "sarif", f"{DATA}/dead.yaml")
    expect(code == 2, "exit 2", out, err)
    doc = json.loads(out)
    run0 = doc["runs"][0]
    ids = [r["id"] for r in run0["tool"]["driver"]["rules"]]
    expect("analysis-dead-group" in ids, "rule listed", out, err)
    result = [r for r in run0["results"] if r["ruleId"] == "analysis-dead-group"][0]
    expect(result["level"] == "error", "level error", out, err)
    region = result["locations"][0]["physicalLocation"]["region"]
    expect(region["startLine"] == 14, "region", out, err)


@case
def accept_file_downgrades_and_reports_stale_lines():
    with tempfile.TemporaryDirectory() as tmp:
        policy = os.path.join(tmp, "gap.yaml")
        with open(f"{DATA}/gap.yaml", encoding="utf-8") as f:
            text = f.read()
        with open(policy, "w", encoding="utf-8") as f:
            f.write(text)
        with open(os.path.join(tmp, "gap.analysis-accept"), "w", encoding="utf-8") as f:
            f.write("# the bureau places these families by hand\nanalysis-gap\nanalysis-dead-group nosuch\n")
        code, out, err = run("check", "--analyze", "--color", "never", policy)
        expect("note: an eligible applicant matches no group" in out and "(accepted in" in out, "accepted", out, err)
        expect("warning: `analysis-dead-group nosuch` is accepted, but the analysis no longer finds it" in out,
               "stale acceptance", out, err)


@case
def examples_dir_writes_replayable_records():
    with tempfile.TemporaryDirectory() as tmp:
        code, out, err = run("check", "--analyze", "--examples", tmp, f"{DATA}/gap.yaml")
        files = sorted(glob.glob(os.path.join(tmp, "*.json")))
        expect(len(files) == 1, "one example written", out, err)
        code, out, err = run("explain", f"{DATA}/gap.yaml", "-a", files[0], "--color", "never")
        expect(code == 0, "replayable", out, err)


@case
def context_example_replays_with_explain():
    # texts.yaml compares facts with the school's context value: the example comes with its context,
    # in the notes and (with --examples) as a file beside it, and `admit explain --context` replays it.
    code, out, err = run("check", "--analyze", "--format", "json", f"{DATA}/texts.yaml")
    doc = json.loads(out)
    expect(not [d for d in doc["diagnostics"] if d["code"] == "analysis-unknown"], "no unknowns", out, err)
    gap = [d for d in doc["diagnostics"] if d["code"] == "analysis-gap"]
    expect(len(gap) == 1, "one gap", out, err)
    record = example_of(gap[0])
    context = [n for n in gap[0]["notes"] if n.startswith("in the evaluation context: ")]
    expect(record is not None and len(context) == 1, "the example and its context are in the notes", out, err)
    with tempfile.TemporaryDirectory() as tmp:
        code, out, err = run("check", "--analyze", "--examples", tmp, f"{DATA}/texts.yaml")
        expect(code == 2, "examples written (the dead groups are errors)", out, err)
        files = sorted(os.listdir(tmp))
        contexts = [f for f in files if f.endswith(".context.json")]
        expect(len(contexts) >= 1, "a context file beside the example", out, str(files))
        ctx = os.path.join(tmp, contexts[0])
        example = ctx[: -len(".context.json")] + ".json"
        code, out, err = run("explain", f"{DATA}/texts.yaml", "-a", example, "--context", ctx, "--color", "never")
        expect(code == 0, "explain accepts the example in its context", out, err)
        expect("符合 (eligible)" in out, "eligible", out, err)


@case
def diff_text_json_sarif():
    old, new = f"{DATA}/year-2023.yaml", f"{DATA}/year-2024.yaml"
    code, out, err = run("diff", "--color", "never", old, new)
    expect(code == 0, "differences are not failures by default", out, err)
    expect("applicants move from `worker` (old) to `other` (new) [diff-group]" in out, "mover", out, err)
    expect("points item `service` changes: for example" in out, "points change", out, err)
    expect(out.rstrip().endswith("diff: 3 group changes, 1 points change"), "summary", out, err)
    code, out, err = run("diff", "--format", "json", old, new)
    doc = json.loads(out)
    movers = [d for d in doc["diagnostics"] if d["code"] == "diff-group"]
    expect(len(movers) == 3, "three movers", out, err)
    for d in movers:
        record = example_of(d)
        c1, o1, e1 = explain(old, record)
        c2, o2, e2 = explain(new, record)
        expect(c1 == 0 and c2 == 0, "the mover replays in both years", o1 + o2, e1 + e2)
    code, out, err = run("diff", "--format", "sarif", "--fail-on-change", old, new)
    expect(code == 2, "--fail-on-change", out, err)
    expect(json.loads(out)["runs"][0]["results"], "sarif results", out, err)
    code, out, err = run("diff", old, old)
    expect(code == 0 and "diff: no applicant changes group or points" in out, "no change", out, err)


@case
def diff_broken_policy():
    code, out, err = run("diff", f"{DATA}/year-2023.yaml", "nosuch.yaml")
    expect(code == 1, "unreadable file: exit 1", out, err)


def policy_files():
    files = glob.glob("rules/**/*.yaml", recursive=True) + glob.glob("examples/county/*.yaml")
    return sorted(f for f in files if not f.endswith(".test.yaml"))


@case
def rules_are_sound():
    problems = []
    for policy in policy_files():
        code, out, err = run("check", "--analyze", "--timing", "--format", "json", policy)
        try:
            doc = json.loads(out)
        except ValueError:
            problems.append(f"{policy}: no JSON output (exit {code})\n{err}")
            continue
        for d in doc["diagnostics"]:
            if (d["code"].startswith("analysis-")) and d["severity"] in ("error", "warning"):
                problems.append(f"{d['file']}:{d['line']}:{d['column']}: {d['severity']}: {d['message']} [{d['code']}]")
        # Speed is measured by scripts/bench.sh (docs/analysis.md), never asserted by a test: CI
        # machines are shared. The time is printed for the log only.
        m = re.search(r"analysed in ([0-9.]+) s", err)
        print(f"{policy}: {m.group(1) if m else '?'} s", file=sys.stderr)
    if problems:
        raise Failure("unexpected analysis findings (fix the policy or accept them in <name>.analysis-accept):\n"
                      + "\n".join(problems))


if __name__ == "__main__":
    sys.exit(CASES.main(sys.argv, __doc__))
