#!/usr/bin/python3
"""End-to-end tests of the `admit` command-line tool.

    check_cli.py --list                      print the case names (CMake registers one test each)
    check_cli.py ADMIT_BINARY SOURCE_DIR CASE run one case; exit 0 on success

The binary runs with the source tree as its working directory, so file names in messages are
repo-relative (tests/cli/data/...). Only the standard library is used (Debian's /usr/bin/python3).
"""
import json
import os
import pty
import random
import re
import subprocess
import sys
import tempfile
import threading

DATA = "tests/cli/data"
BENCHMARK = "rules/examples/benchmark-county.yaml"
GOOD = f"{DATA}/good.yaml"
BROKEN = f"{DATA}/broken.yaml"
APPLICANTS = f"{DATA}/applicants.jsonl"

# Every resident ID number in the fixtures: none may ever appear where the CLI must mask.
FULL_IDS = [
    "110105201910150010", "110105202003010027", "370702201909200043", "37070220200101005X",
    "110105201911200067", "110105202005150074", "110105201801010035",
]

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from cli_cases import Cases, Failure  # noqa: E402

CASES = Cases()
case = CASES.case


class Result:
    def __init__(self, args, code, out, err):
        self.args, self.code, self.out, self.err = args, code, out, err

    def describe(self):
        return (f"command: admit {' '.join(self.args)}\nexit: {self.code}\n"
                f"--- stdout ---\n{self.out}\n--- stderr ---\n{self.err}")


def run(*args, stdin=None, env=None):
    full_env = dict(os.environ)
    full_env.pop("NO_COLOR", None)
    if env:
        full_env.update(env)
    p = subprocess.run([CASES.admit, *args], input=stdin, capture_output=True, env=full_env, timeout=120)
    return Result(list(args), p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8"))


def run_with_tty(*args, tty_stream, env=None):
    """Runs with stdout or stderr (tty_stream) on a pseudo-terminal; returns (code, tty_text, other_text)."""
    full_env = dict(os.environ)
    full_env.pop("NO_COLOR", None)
    full_env["TERM"] = "xterm"
    if env:
        full_env.update(env)
    master, slave = pty.openpty()
    chunks = []

    def drain():
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain)
    reader.start()
    kwargs = {"stdout": slave, "stderr": subprocess.PIPE} if tty_stream == "stdout" else \
             {"stdout": subprocess.PIPE, "stderr": slave}
    p = subprocess.Popen([CASES.admit, *args], env=full_env, **kwargs)
    other = (p.stdout if tty_stream == "stderr" else p.stderr).read()
    code = p.wait(timeout=120)
    os.close(slave)
    reader.join(timeout=30)
    os.close(master)
    return code, b"".join(chunks).decode("utf-8", "replace"), other.decode("utf-8", "replace")


def expect(condition, message, result=None):
    if not condition:
        raise Failure(message + ("\n" + result.describe() if result is not None else ""))


def expect_code(result, code):
    expect(result.code == code, f"expected exit status {code}, got {result.code}", result)


def expect_no_full_ids(text, where, result):
    for full in FULL_IDS:
        expect(full not in text, f"full resident ID {full} in {where}", result)


def jsonl(text):
    return [json.loads(line) for line in text.splitlines()]


def masked(full_id):
    return full_id[:4] + "*" * (len(full_id) - 8) + full_id[-4:]


# ------------------------------------------------------------------------------------------------
# general


@case
def version():
    r = run("--version")
    expect_code(r, 0)
    expect(re.fullmatch(r"admit \d+\.\d+\.\d+\n", r.out) is not None, "version line", r)


@case
def help_command():
    r = run("help")
    expect_code(r, 0)
    for sub in ("check", "test", "eval", "explain"):
        expect(sub in r.out, f"`{sub}` in help", r)
    r = run("help", "eval")
    expect_code(r, 0)
    expect("--applicants" in r.out, "eval help shows --applicants", r)
    r = run("eval", "--help")
    expect_code(r, 0)
    expect("--applicants" in r.out, "eval --help", r)


@case
def usage_errors():
    for args in [(), ("eval", GOOD), ("frobnicate",), ("check",), ("check", GOOD, "--format", "xml"),
                 ("eval", GOOD, "--applicants", APPLICANTS, "-j", "0"), ("check", "--no-such-flag", GOOD),
                 ("help", "nope")]:
        r = run(*args)
        expect_code(r, 1)
        expect(r.err.strip() != "", "a message on stderr", r)


# ------------------------------------------------------------------------------------------------
# check


@case
def check_good():
    r = run("check", GOOD, BENCHMARK)
    expect_code(r, 0)
    expect(r.out.splitlines()[-1] == "checked 2 files: no problems", "summary line", r)
    expect("\x1b[" not in r.out, "no colour when not a terminal", r)


@case
def check_broken():
    r = run("check", GOOD, BROKEN)
    expect_code(r, 2)
    expect(re.search(r"^tests/cli/data/broken\.yaml:15:\d+: error: .*hukou_zon", r.out, re.M) is not None,
           "file:line:col: error: message", r)
    expect(re.search(r"^checked 2 files: \d+ errors?$", r.out, re.M) is not None, "summary", r)


@case
def check_missing_file():
    r = run("check", f"{DATA}/no-such-file.yaml")
    expect_code(r, 1)
    expect("no-such-file.yaml" in r.out, "the diagnostic names the file", r)


@case
def check_json():
    r = run("check", "--format", "json", GOOD, BROKEN)
    expect_code(r, 2)
    expect(r.out.count("\n") == 1, "one JSON document on one line", r)
    doc = json.loads(r.out)
    expect(doc["version"] == 1, "version 1", r)
    errors = [d for d in doc["diagnostics"] if d["severity"] == "error"]
    expect(len(errors) >= 1, "an error", r)
    d = errors[0]
    for key in ("code", "severity", "message", "file", "line", "column", "end_line", "end_column", "notes"):
        expect(key in d, f"diagnostic has `{key}`", r)
    expect(d["file"] == BROKEN and d["line"] == 15 and d["column"] > 0, "position of the error", r)
    r = run("check", "--format=json", GOOD)
    expect_code(r, 0)
    expect(json.loads(r.out)["diagnostics"] == [] or
           all(d["severity"] != "error" for d in json.loads(r.out)["diagnostics"]), "no errors", r)


@case
def check_sarif():
    r = run("check", "--format", "sarif", GOOD, BROKEN)
    expect_code(r, 2)
    doc = json.loads(r.out)
    expect(doc["version"] == "2.1.0" and "$schema" in doc, "SARIF header", r)
    expect(len(doc["runs"]) == 1, "one run for all files", r)
    run0 = doc["runs"][0]
    expect(run0["tool"]["driver"]["name"] == "admit", "tool name", r)
    expect(len(run0["tool"]["driver"]["rules"]) >= 1, "rules", r)
    results = run0["results"]
    expect(any(x["level"] == "error" for x in results), "an error result", r)
    res = [x for x in results if x["level"] == "error"][0]
    expect("ruleId" in res and res["message"]["text"], "ruleId and message", r)
    loc = res["locations"][0]["physicalLocation"]
    expect(loc["artifactLocation"]["uri"].endswith("broken.yaml"), "uri", r)
    expect(loc["region"]["startLine"] == 15, "region", r)


@case
def check_color():
    r = run("check", BROKEN, "--color=always")
    expect("\x1b[" in r.out, "--color=always colours", r)
    r = run("check", BROKEN, "--color", "never")
    expect("\x1b[" not in r.out, "--color=never does not", r)
    code, tty, _ = run_with_tty("check", BROKEN, tty_stream="stdout")
    expect(code == 2 and "\x1b[" in tty, f"auto colours on a terminal (exit {code}):\n{tty}")
    code, tty, _ = run_with_tty("check", BROKEN, tty_stream="stdout", env={"NO_COLOR": "1"})
    expect(code == 2 and "\x1b[" not in tty, f"NO_COLOR turns auto colour off:\n{tty}")
    code, tty, _ = run_with_tty("check", BROKEN, "--color=always", tty_stream="stdout", env={"NO_COLOR": "1"})
    expect("\x1b[" in tty, f"--color=always wins over NO_COLOR:\n{tty}")


# ------------------------------------------------------------------------------------------------
# test


@case
def test_passing():
    r = run("test", GOOD)
    expect_code(r, 0)
    expect(r.out.splitlines()[-1] == "5 passed, 0 failed", "summary line", r)
    expect("PASS" not in r.out, "no PASS lines without -v", r)
    r = run("test", "-v", GOOD)
    expect_code(r, 0)
    expect(len(re.findall(r"^PASS tests/cli/data/good\.yaml:\d+ ", r.out, re.M)) == 5, "PASS lines with -v", r)


@case
def test_failing():
    r = run("test", f"{DATA}/failing")  # a directory: found recursively, the .test.yaml is not a policy
    expect_code(r, 2)
    lines = r.out.splitlines()
    expect(lines[-1] == "1 passed, 1 failed", "summary line", r)
    expect(re.search(r"^FAIL tests/cli/data/failing/failing\.test\.yaml:\d+ outside is wrongly expected",
                     r.out, re.M) is not None, "FAIL file:line name", r)
    expect(re.search(r'group: expected "hukou_only", got "others"', r.out) is not None, "group mismatch", r)
    expect(re.search(r"points: expected 30, got 10", r.out) is not None, "points mismatch", r)


@case
def test_filter_and_empty():
    r = run("test", "--run", "^in zone", GOOD, "-v")
    expect_code(r, 0)
    expect(r.out.splitlines()[-1] == "2 passed, 0 failed", "--run filters by name", r)
    r = run("test", "--run", "no test has this name", GOOD)
    expect_code(r, 0)
    expect(r.out.splitlines()[-1] == "0 passed, 0 failed", "summary", r)
    r = run("test", "--run", "no test has this name", "--fail-on-empty", GOOD)
    expect_code(r, 1)
    r = run("test", "--run", "(", GOOD)
    expect_code(r, 1)


@case
def test_broken_policy():
    r = run("test", BROKEN, GOOD)
    expect_code(r, 2)
    expect("broken.yaml:15:" in r.out, "the diagnostics", r)
    expect(r.out.splitlines()[-1] == "5 passed, 1 failed", "a policy that does not compile fails", r)
    r = run("test", f"{DATA}/no-such-dir")
    expect_code(r, 1)


# ------------------------------------------------------------------------------------------------
# eval

EXPECTED_LINES = [1, 2, 4, 5, 6, 7, 8, 9, 10, 11]


@case
def eval_jsonl():
    r = run("eval", GOOD, "--applicants", APPLICANTS)
    expect_code(r, 2)
    records = jsonl(r.out)
    expect([x["line"] for x in records] == EXPECTED_LINES, "one record per non-blank line, in order", r)
    by_line = {x["line"]: x for x in records}
    ok = by_line[1]
    expect(ok == {"line": 1, "id": "110105201910150010", "eligible": True, "group": "hukou_property", "rank": 1,
                  "points": 30, "missing": []}, "the first record", r)
    expect(by_line[2]["group"] == "hukou_only" and by_line[2]["rank"] == 2 and by_line[2]["points"] == 40 and
           by_line[2]["missing"] == ["household_register"], "second record", r)
    expect(by_line[8]["group"] == "migrant" and by_line[8]["points"] == 7 and by_line[8]["missing"] == [],
           "submitted certificates count", r)
    expect(by_line[9]["eligible"] is False and by_line[9]["group"] == "ineligible_age", "ineligible", r)
    # points is a JSON number written from the exact decimal text
    expect(re.search(r'"points":40[,}]', r.out) is not None, "points unquoted", r)
    errors = {4: "3707**********0043", 5: "3707**********005X", 6: "1101**********0067",
              7: "1101**********0074", 10: "1101**********0010", 11: None}
    for line, mid in errors.items():
        x = by_line[line]
        expect(set(x) == {"line", "id", "error"} and x["id"] == mid and x["error"],
               f"line {line}: an error record with the masked id", r)
    expect("downtown" in by_line[5]["error"], "unknown enum value named", r)
    expect("hukou_zone" in by_line[7]["error"], "missing fact named", r)
    expect_no_full_ids(r.err, "stderr", r)
    for line, mid in errors.items():
        expect_no_full_ids(json.dumps(by_line[line], ensure_ascii=False), f"error record {line}", r)
        expect(re.search(rf"^tests/cli/data/applicants\.jsonl:{line}: error: ", r.err, re.M) is not None,
               f"stderr FILE:{line}: error:", r)


@case
def eval_stdin_and_out_file():
    with open(APPLICANTS, "rb") as f:
        data = f.read()
    r = run("eval", GOOD, "--applicants", "-", stdin=data)
    expect_code(r, 2)
    expect([x["line"] for x in jsonl(r.out)] == EXPECTED_LINES, "stdin", r)
    expect("<stdin>:4: error:" in r.err, "stdin is named <stdin>", r)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.jsonl")
        r2 = run("eval", GOOD, "--applicants", APPLICANTS, "--out", out)
        expect_code(r2, 2)
        expect(r2.out == "", "nothing on stdout with --out", r2)
        with open(out, encoding="utf-8") as f:
            expect(f.read() == r.out, "--out has the same records", r2)
    ok = b'{"id":"110105201910150010","birth_date":"2019-10-15","hukou_zone":"in_zone"}'  # no final newline
    r = run("eval", GOOD, "-a", "-", stdin=ok)
    expect_code(r, 0)
    expect(len(jsonl(r.out)) == 1 and r.err == "", "all good: exit 0, quiet", r)
    r = run("eval", GOOD, "-a", f"{DATA}/missing.jsonl")
    expect_code(r, 1)
    r = run("eval", BROKEN, "-a", APPLICANTS)
    expect_code(r, 1)


@case
def eval_breakdown_and_trace():
    r = run("eval", GOOD, "--applicants", APPLICANTS, "--breakdown", "--trace", "-j", "1")
    expect_code(r, 2)
    first = jsonl(r.out)[1]
    expect(first["breakdown"] == {"hukou": 30, "social": 15}, "breakdown after item caps", r)
    expect(isinstance(first["trace"], list) and first["trace"], "a trace", r)
    expect(any(t["kind"] == "group" and t["result"] for t in first["trace"]), "the matching group", r)
    expect_no_full_ids(json.dumps([t for x in jsonl(r.out) for t in x.get("trace", [])], ensure_ascii=False),
                       "traces", r)


@case
def eval_csv():
    r = run("eval", GOOD, "--applicants", APPLICANTS, "--format", "csv")
    expect_code(r, 2)
    lines = r.out.splitlines()
    expect(lines[0] == "id,eligible,group,rank,points,missing,error", "header", r)
    expect(len(lines) == 1 + len(EXPECTED_LINES), "one row per record", r)
    expect(lines[1] == "110105201910150010,true,hukou_property,1,30,,", "first row", r)
    expect(lines[2] == "110105202003010027,true,hukou_only,2,40,household_register,", "second row", r)
    expect(lines[3].startswith("3707**********0043,,,,,,") and len(lines[3]) > len("3707**********0043,,,,,,"),
           "error row: masked id, error column", r)
    expect(lines[-1].startswith(",,,,,,"), "error row without an id", r)
    r = run("eval", GOOD, "--applicants", APPLICANTS, "--format", "csv", "--breakdown")
    lines = r.out.splitlines()
    expect(lines[0] == "id,eligible,group,rank,points,missing,hukou,social,error", "breakdown columns", r)
    expect(lines[2] == "110105202003010027,true,hukou_only,2,40,household_register,30,15,", "breakdown row", r)
    r = run("eval", GOOD, "--applicants", APPLICANTS, "--format", "csv", "--trace")
    expect_code(r, 1)


def benchmark_records(n, seed=7):
    rng = random.Random(seed)
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    lines = []
    for i in range(n):
        birth = f"20{rng.choice(['19', '20'])}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        body = f"110105{birth.replace('-', '')}{i % 1000:03d}"
        rid = body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]
        rec = {
            "id": rid, "birth_date": birth,
            "hukou_zone": rng.choice(["in_zone", "city", "province", "outside"]),
            "hukou_years": rng.randint(0, 15),
            "property_type": rng.choice(["full_title", "purchase_contract", "small_title", "none"]),
            "rental_registered": rng.random() < 0.5, "rental_years": rng.randint(0, 8),
            "si_months": rng.randint(0, 80), "business_license": rng.random() < 0.2,
            "residence_permit": rng.random() < 0.5,
            "preferential": rng.choice(["none"] * 8 + ["military", "talent"]),
            "verified": rng.sample(["household_register", "property_certificate", "residence_permit",
                                    "social_insurance_record"], rng.randint(0, 4)),
        }
        kind = rng.random()
        if kind < 0.02:
            rec["birth_date"] = "2020-02-30"
        elif kind < 0.04:
            rec["hukou_zone"] = "moon"
        elif kind < 0.05:
            del rec["si_months"]
        line = json.dumps(rec, ensure_ascii=False)
        if kind > 0.995:
            line = line[:-5]  # truncated JSON
        lines.append(line)
        if rng.random() < 0.01:
            lines.append("")
    return "\n".join(lines) + "\n"


@case
def eval_parallel_identical():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "many.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            f.write(benchmark_records(5000))
        base = run("eval", BENCHMARK, "-a", path, "-j", "1", "--breakdown")
        expect(base.code in (0, 2), "ran", base)
        records = jsonl(base.out)
        expect(len(records) == 5000, "one output per record", base)
        expect([x["line"] for x in records] == sorted(x["line"] for x in records), "input order", base)
        expect_no_full_ids(base.err, "stderr", base)
        for args in (["-j", "2"], ["-j", "2", "--chunk-lines", "7"], ["-j", "3", "--chunk-lines", "1"],
                     ["-j", "8", "--chunk-lines", "100"], []):
            r = run("eval", BENCHMARK, "-a", path, "--breakdown", *args)
            expect(r.code == base.code, f"same exit status with {args}", r)
            expect(r.out == base.out, f"identical output with {args}", r)
            expect(r.err == base.err, f"identical stderr with {args}", r)
        csv1 = run("eval", BENCHMARK, "-a", path, "--format", "csv", "-j", "1")
        csv2 = run("eval", BENCHMARK, "-a", path, "--format", "csv", "-j", "2", "--chunk-lines", "33")
        expect(csv1.out == csv2.out and csv1.out.count("\n") == 5001, "csv -j 2 == -j 1", csv2)


@case
def eval_progress():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "many.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            f.write(benchmark_records(30000, seed=11).replace('"2020-02-30"', '"2020-02-28"')
                    .replace('"moon"', '"city"'))
        code, tty, out = run_with_tty("eval", BENCHMARK, "-a", path, "-j", "2", "--chunk-lines", "500",
                                      "--progress", "always", tty_stream="stderr")
        expect(out.count("\n") == 30000, f"all records written (exit {code})")
        expect("records/s" in tty and "%" in tty, f"a progress bar on a terminal:\n{tty[-500:]}")
        r = run("eval", BENCHMARK, "-a", path, "-j", "2")
        expect("records/s" not in r.err, "no progress bar when stderr is not a terminal", r)


# ------------------------------------------------------------------------------------------------
# explain


@case
def explain_group():
    r = run("explain", GOOD, "--applicant", f"{DATA}/applicant.json")
    expect_code(r, 0)
    for text in ("有户无房", "hukou_only", "1101**********0027", "户口簿", "已核验", "合计", "40"):
        expect(text in r.out, f"`{text}` in the explanation", r)
    expect_no_full_ids(r.out, "explain output", r)
    expect_no_full_ids(r.err, "explain stderr", r)


@case
def explain_ineligible_and_missing():
    rec = b'{"id":"110105201801010035","birth_date":"2018-01-01","hukou_zone":"in_zone"}'
    r = run("explain", GOOD, "-a", "-", stdin=rec)
    expect_code(r, 0)
    expect("不符合" in r.out and "年龄不符合入学条件" in r.out and "ineligible_age" in r.out, "the failed check", r)
    expect_no_full_ids(r.out, "explain output", r)
    rec = b'{"id":"370702201909200043","birth_date":"2019-09-20","hukou_zone":"outside","si_months":20}'
    r = run("explain", GOOD, "-a", "-", stdin=rec)
    expect_code(r, 0)
    expect("随迁子女" in r.out and "缺少" in r.out and "lease" in r.out, "missing certificates", r)
    rec = b'{"id":"110105201911200067","birth_date":"2020-02-30","hukou_zone":"in_zone"}'
    r = run("explain", GOOD, "-a", "-", stdin=rec)
    expect_code(r, 2)
    expect_no_full_ids(r.err, "explain stderr", r)
    r = run("explain", BENCHMARK, "-a", f"{DATA}/applicant.json")
    expect_code(r, 2)  # the benchmark county needs facts this record does not have


@case
def test_coverage():
    r = run("test", "--coverage", f"{DATA}/coverage.yaml")
    expect_code(r, 0)  # a report, not a failure
    expect(f"coverage {DATA}/coverage.yaml: checks 1/2, groups 1/2, points items 1/1, caps 0/1, "
           "conditional requirements 0/0, substitutes 0/1" in r.out, "the summary line", r)
    for gap in ["eligibility check `too_old` never fails", "group `other` is never matched",
                "the cap 24 of points item `insurance` is never reached",
                "substitute `contract_only` for `deed` is never used"]:
        expect(f"    not covered: {gap}" in r.out, gap, r)
    r = run("test", "--require-coverage", f"{DATA}/coverage.yaml")
    expect_code(r, 2)
    expect(f"FAIL {DATA}/coverage.yaml: 4 rules are not covered by its tests" in r.out, "fails the run", r)
    expect(r.out.splitlines()[-1] == "2 passed, 1 failed", "counted as one failure", r)
    r = run("test", "--require-coverage", BENCHMARK)
    expect_code(r, 0)


KUIWEN = "rules/shandong/weifang/kuiwen-2022.yaml"
KUIWEN_CONTEXT = json.dumps({
    "school": {"id": "kw-primary-01", "zone": "370705-017", "district_code": "370705"},
    "admission": {"year": 2022, "age_cutoff": "2022-08-31", "residence_reference_date": "2022-08-31",
                  "lease_reference_date": "2022-08-31", "insurance_reference_date": "2022-08-31"}})


@case
def layers_resolved():
    r = run("check", "--resolved", KUIWEN)
    expect_code(r, 0)
    expect("extends:" not in r.out, "the merged policy has no extends", r)
    expect("id: kuiwen-2022" in r.out, "the county's own id", r)
    expect("household_register" in r.out, "the catalogue's certificates are merged in", r)
    with tempfile.TemporaryDirectory() as tmp:
        merged = os.path.join(tmp, "kuiwen-resolved.yaml")
        with open(merged, "w", encoding="utf-8") as f:
            f.write(r.out[:r.out.rindex("checked 1 file")])
        again = run("check", merged)
        expect_code(again, 0)  # the merged document is a policy on its own


@case
def layers_newcomer_edits_a_copy():
    """A newcomer copies a county file, changes a rate and a cut-off: admit says exactly what broke."""
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "rules")
        subprocess.run(["cp", "-r", "rules", root], check=True)
        county = os.path.join(root, "shandong", "weifang", "kuiwen-2022.yaml")
        with open(county, encoding="utf-8") as f:
            text = f.read()
        # One year of lease becomes two: families renting 12-23 months drop out of batch 3.
        edited = text.replace("lease_min_months: 12 ", "lease_min_months: 24 ", 1)
        expect(edited != text, "the copy has the param to edit")
        with open(county, "w", encoding="utf-8") as f:
            f.write(edited)
        r = run("test", county)
        expect_code(r, 2)
        fail = re.search(r"^FAIL \S*kuiwen-2022\.test\.yaml:\d+ .+$", r.out, re.M)
        expect(fail is not None, "a failing test is named with its file and line", r)
        expect(re.search(r'group: expected "\w+", got "\w*"', r.out) is not None, "expected and actual group", r)

        # Moved away from its baseline, the copy says which base it cannot read and why.
        lone = os.path.join(tmp, "kuiwen-2023.yaml")
        with open(lone, "w", encoding="utf-8") as f:
            f.write(edited)
        r = run("check", lone)
        expect_code(r, 2)
        expect(re.search(r"kuiwen-2023\.yaml:\d+:10: error: cannot read the base file `\S*baseline-grade1\.yaml`", r.out)
               is not None, "the unreadable base, at the extends line", r)
        expect("relative to the file that names them" in r.out, "the hint", r)

        # A typo in an edited baseline group.
        typo = edited + "\ngroups:\n  - {id: hukou_propety, label: x}\n"
        with open(county, "w", encoding="utf-8") as f:
            f.write(typo)
        r = run("check", county)
        expect_code(r, 2)
        expect("warning: group `hukou_propety` is not in the base, so it is added as a new one [similar-base-item]"
               in r.out, "the near miss is named", r)
        expect("to edit the base's group, write its id: `hukou_property`" in r.out, "with the id meant", r)
        expect("missing `when:`" in r.out, "and the new group's own problem", r)


@case
def eval_context():
    r = run("eval", KUIWEN, "-a", "rules/schema/applicant-v1.example.jsonl")
    expect_code(r, 1)
    expect("missing context value `school.zone`" in r.err and "--context" in r.err, "names the missing value", r)
    r = run("eval", KUIWEN, "-a", "rules/schema/applicant-v1.example.jsonl", "--context", KUIWEN_CONTEXT)
    records = jsonl(r.out)
    expect(records[0]["group"] == "hukou_property", "the Kuiwen family in its own catchment", r)
    expect(records[0]["sort_key"][0] == 1, "the sort key starts with the rank", r)
    other = json.loads(KUIWEN_CONTEXT)
    other["school"]["zone"] = "370705-999"
    r2 = run("eval", KUIWEN, "-a", "rules/schema/applicant-v1.example.jsonl", "--context", json.dumps(other))
    expect(jsonl(r2.out)[0]["group"] != "hukou_property", "another school's catchment", r2)
    r = run("eval", KUIWEN, "-a", "rules/schema/applicant-v1.example.jsonl", "--context", '{"school":{"zone":1}}')
    expect_code(r, 1)
    expect("--context" in r.err and "school.zone" in r.err, "a bad context names the key", r)
    r = run("explain", KUIWEN, "-a", f"{DATA}/../../../rules/schema/applicant-v1.example.jsonl")
    expect(r.code != 0, "explain without the context fails", r)


if __name__ == "__main__":
    sys.exit(CASES.main(sys.argv, __doc__))
