#!/usr/bin/python3
"""`admit eval` writes decision records with a fast writer (DecisionJsonWriter in src/cli/output.cpp)
except with --trace, which goes through the general JsonWriter. Both must agree byte for byte: every
record without --trace equals the same record with --trace minus its "trace" member, with and
without --breakdown, on generated records with awkward ids (escapes, control characters, Unicode,
invalid UTF-8) and policies with tie-break sort keys.

    check_eval_writer.py ADMIT_BINARY SOURCE_DIR
"""
import json
import os
import random
import subprocess
import sys
import tempfile

ODD_IDS = ["", "a\"b", "back\\slash", "tab\there", "\u0001ctl", "学号-7", "\u00e9\u00e8", "x" * 300,
           "370702202001010011", "€", "line\nbreak", "\U0001F600",
           # Around the writer's word-sized copies (8-16 and 17-32 bytes), with and without escapes.
           "d" * 7, "e" * 8, "b" * 16, "c" * 17, "a" * 32, "a" * 33, "q" * 17 + "\"" + "z" * 5, "a" * 31 + "\\",
           "\u00e9" * 9, "\u00e9" * 4, "x" * 15 + "\u0007", "\u007f" * 20]


def run(admit, *args):
    p = subprocess.run([admit, *args], capture_output=True, timeout=300)
    if p.returncode not in (0, 2):
        sys.exit(f"admit {' '.join(args)} exited {p.returncode}\n{p.stderr.decode('utf-8', 'replace')}")
    return p.stdout


def without_trace(line):
    cut = line.find(b',"trace":[')
    if cut < 0 or not line.endswith(b"]}"):
        sys.exit(f"no trace member in {line[:200]!r}")
    return line[:cut] + b"}"


def check(admit, policy, records, context=None):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "records.jsonl")
        with open(path, "wb") as f:
            f.write(records)
        base = [policy, "-a", path, "-j", "1", "--progress", "never"]
        if context:
            base += ["--context", context]
        for extra in ([], ["--breakdown"]):
            fast = run(admit, "eval", *base, *extra).split(b"\n")
            traced = run(admit, "eval", *base, *extra, "--trace").split(b"\n")
            if len(fast) != len(traced):
                sys.exit(f"{policy} {extra}: {len(fast)} records without --trace, {len(traced)} with")
            decisions = 0
            for a, b in zip(fast, traced):
                if b'"error":' in b or not b:
                    if a != b:
                        sys.exit(f"{policy} {extra}: error records differ:\n{a!r}\n{b!r}")
                    continue
                decisions += 1
                if a != without_trace(b):
                    sys.exit(f"{policy} {extra}: records differ:\n{a!r}\n{without_trace(b)!r}")
                # The canonical compact form, as a JSON library writes it.
                if json.dumps(json.loads(a), ensure_ascii=False, separators=(",", ":")).encode() != a:
                    sys.exit(f"{policy} {extra}: not canonical JSON: {a!r}")
            if decisions < 100:
                sys.exit(f"{policy} {extra}: only {decisions} decisions")


def synthesize(admit, policy, count, seed):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "s.jsonl")
        subprocess.run([admit, "synth", "--policy", policy, "--count", str(count), "--seed", str(seed), "--out", out],
                       check=True, capture_output=True, timeout=300)
        with open(out, "rb") as f:
            return f.read().decode("utf-8").splitlines()


def with_odd_ids(lines, rng):
    out = []
    for line in lines:
        record = json.loads(line)
        if rng.random() < 0.3:
            record["id"] = rng.choice(ODD_IDS)
        text = json.dumps(record, ensure_ascii=rng.random() < 0.5)
        if rng.random() < 0.02:
            text = text.replace('"id": "', '"id": "\\udc00', 1)  # an unpaired surrogate: an error record
        out.append(text.encode("utf-8"))
    raw = b"\n".join(out) + b"\n"
    # A few ids with invalid UTF-8: error records, which both writers word the same.
    return raw.replace(b'"id": "370', b'"id": "\xff370', 3)


def main():
    admit, root = sys.argv[1], sys.argv[2]
    os.chdir(root)
    rng = random.Random(5)
    bench = "rules/examples/benchmark-county.yaml"
    check(admit, bench, with_odd_ids(synthesize(admit, bench, 3000, 3), rng))
    # A policy with tie-break keys (sort_key) and an evaluation context.
    kuiwen = "rules/shandong/weifang/kuiwen-2022.yaml"
    context = json.dumps({"school": {"id": "kw-primary-01", "zone": "370705-001", "district_code": "370705",
                                     "public": True},
                          "admission": {"year": 2022, "age_cutoff": "2022-08-31", "application_deadline": "2022-05-31",
                                        "collection_date": "2022-06-15", "residence_reference_date": "2022-08-31",
                                        "lease_reference_date": "2022-08-31", "insurance_reference_date": "2022-08-31"}})
    check(admit, kuiwen, with_odd_ids(synthesize(admit, kuiwen, 1000, 4), rng), context)
    print("ok")


if __name__ == "__main__":
    main()
