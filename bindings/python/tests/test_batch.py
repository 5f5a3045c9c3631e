"""Policy.evaluate_many: agreement with the CLI, conventions, invalid rows, index preservation."""

import datetime as dt
import json
import subprocess
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

import admit
from population import benchmark_population, to_records, write_jsonl

from conftest import KUIWEN

TYPES = """admit: 1
policy:
  id: types
  year: 2026
facts:
  income:
    type: decimal
    default: 0
  score:
    type: decimal
  age:
    type: int
  born:
    type: date
  flag:
    type: bool
    default: false
  kind:
    type: enum
    values: [a, b]
    default: a
  name:
    type: string
    default: ""
params:
  rate: 2.5
groups:
  - id: rich
    label: 富
    when: income >= 100000.5
  - id: young
    label: 幼
    when: born > 2020-01-01 and flag
  - id: named
    label: 名
    when: name == "x" and kind == b
  - id: other
    label: 其他
    when: true
points:
  items:
    - id: score
      label: 分
      value: score * rate
    - id: age
      label: 龄
      value: age
      cap: 10
"""

COLUMNS = ["eligible", "group", "group_label", "rank", "points", "points.hukou", "points.housing",
           "points.employment", "points.preferential", "points.hukou_years", "missing", "error"]


@pytest.fixture(scope="module")
def types_policy():
    return admit.compile(TYPES)


def test_matches_cli_eval(policy, benchmark_path, admit_cli, tmp_path):
    """A few thousand generated applicants (some invalid): same group, points, breakdown, missing
    and error message as `admit eval`, record by record."""
    df = benchmark_population(4000, seed=7, invalid=0.02)
    df.index = pd.Index(np.arange(4000) * 3 + 100, name="applicant")
    path = tmp_path / "applicants.jsonl"
    write_jsonl(df, str(path))
    out = subprocess.run([admit_cli, "eval", benchmark_path, "-a", str(path), "--breakdown", "-j", "2"],
                         capture_output=True, text=True)
    cli = [json.loads(line, parse_float=Decimal, parse_int=Decimal) for line in out.stdout.splitlines()]
    assert len(cli) == len(df)
    result = policy.evaluate_many(df)
    assert list(result.columns) == COLUMNS
    assert result.index.equals(df.index)
    errors = 0
    for (_, row), expected in zip(result.iterrows(), cli):
        if "error" in expected:
            errors += 1
            assert row["error"] == expected["error"]
            assert row["group"] is None and pd.isna(row["eligible"]) and row["points"] is None
            continue
        assert row["error"] is None
        assert row["eligible"] == expected["eligible"]
        assert row["group"] == expected["group"]
        assert row["rank"] == expected["rank"]
        assert row["points"] == expected["points"] and isinstance(row["points"], Decimal)
        assert row["missing"] == expected["missing"]
        for item, value in expected["breakdown"].items():
            assert row[f"points.{item}"] == value
    assert 40 <= errors <= 150  # invalid rows were neither dropped nor silently accepted
    assert result["error"].notna().sum() == errors


def test_single_and_batch_agree(policy):
    df = benchmark_population(300, seed=3, invalid=0.05)
    result = policy.evaluate_many(df)
    for record, (_, row) in zip(to_records(df), result.iterrows()):
        d = policy.evaluate(record)
        assert d.error == row["error"]
        if d.error is None:
            assert (d.group, d.rank, d.points, d.missing) == (row["group"], row["rank"], row["points"], row["missing"])
            assert d.breakdown == {k: row[f"points.{k}"] for k in d.breakdown}


def test_records_input_and_threads(policy):
    df = benchmark_population(5000, seed=11, invalid=0.01)
    a = policy.evaluate_many(df, threads=1)
    b = policy.evaluate_many(df, threads=2)
    c = policy.evaluate_many(to_records(df))
    pd.testing.assert_frame_equal(a, b)
    assert isinstance(c.index, pd.RangeIndex)
    pd.testing.assert_frame_equal(a.reset_index(drop=True), c)
    with pytest.raises(ValueError):
        policy.evaluate_many(df, threads=0)
    with pytest.raises(TypeError):
        policy.evaluate_many(to_records(df)[0])


def test_index_is_preserved(policy):
    df = benchmark_population(50, seed=5)
    shuffled = df.sample(frac=1.0, random_state=1)
    shuffled.index = [f"app-{i}" for i in shuffled.index]
    result = policy.evaluate_many(shuffled)
    assert list(result.index) == list(shuffled.index)
    by_position = policy.evaluate_many(shuffled.reset_index(drop=True))
    assert list(result["points"]) == list(by_position["points"])
    multi = df.set_index([df.index % 2, df.index])
    assert policy.evaluate_many(multi).index.equals(multi.index)
    dup = df.iloc[:3].copy()
    dup.index = [7, 7, 7]
    assert list(policy.evaluate_many(dup).index) == [7, 7, 7]


def test_invalid_rows_are_kept(policy):
    df = benchmark_population(20, seed=2)
    df.loc[3, "hukou_zone"] = "downtown"
    df.loc[5, "birth_date"] = "2020-13-01"
    df.loc[8, "si_months"] = None  # the int column becomes float with NaN: that row misses a required fact
    df.loc[9, "verified"] = ["no_such_certificate"]
    result = policy.evaluate_many(df)
    assert len(result) == 20 and result.index.equals(df.index)
    assert result.loc[3, "error"].startswith("`hukou_zone` has unknown value \"downtown\"")
    assert "`birth_date` is not a real date" in result.loc[5, "error"]
    assert result.loc[8, "error"] == "si_months: missing `si_months` (the policy gives it no default)" or \
        "missing `si_months`" in result.loc[8, "error"]
    assert "unknown certificate `no_such_certificate`" in result.loc[9, "error"]
    bad = {3, 5, 8, 9}
    good = [i for i in df.index if i not in bad]
    assert result.loc[good, "error"].isna().all()
    assert result.loc[list(bad), "eligible"].isna().all()
    assert result.loc[list(bad), "rank"].isna().all()
    assert result["eligible"].dtype == "boolean" and result["rank"].dtype == "Int64"
    assert result.loc[good, "eligible"].notna().all()


def test_type_conventions(types_policy):
    df = pd.DataFrame(
        {
            "income": np.array([0.1, None, "100000.5", Decimal("7.25"), 3, 1e-7], dtype=object),
            "score": [0.1, 0.2, 1.5, 3.0, 2.0, 1.0],
            "age": [1.0, 2.0, np.nan, 3.5, 12.0, 4.0],
            "born": pd.Series([pd.Timestamp("2020-03-01"), dt.date(2019, 5, 5), "2020-02-02", "2020-03-01",
                               np.datetime64("2021-01-01"), "2020-01-02"], dtype=object, index=list("abcdef")),
            "flag": np.array([True, None, False, True, np.bool_(True), True], dtype=object),
        },
        index=list("abcdef"),
    )
    r = types_policy.evaluate_many(df)
    assert r.loc["a", "group"] == "young" and r.loc["a", "points.score"] == Decimal("0.25")
    assert r.loc["a", "points"] == Decimal("1.25")  # 0.1 * 2.5 + 1: the float 0.1 read as the decimal 0.1
    assert r.loc["b", "group"] == "other" and r.loc["b", "points"] == Decimal("2.5")  # income None -> default 0
    assert r.loc["c", "error"] == "age: missing `age` (the policy gives it no default)" or \
        "missing `age`" in r.loc["c", "error"]
    assert r.loc["d", "error"] == "`age` must be a whole number, found 3.5"
    assert r.loc["e", "points.age"] == Decimal(10)  # capped
    assert r.loc["e", "group"] == "young"  # numpy datetime64 and numpy bool accepted
    assert "at most 6 decimals" in r.loc["f", "error"]  # 1e-7 cannot be represented exactly
    # datetime64 columns, nullable Int64, categoricals, booleans
    df2 = pd.DataFrame(
        {
            "income": [Decimal("100000.5"), Decimal("1")],
            "score": pd.array([1, None], dtype="Int64"),
            "age": pd.array([3, 4], dtype="Int64"),
            "born": pd.to_datetime(["2020-06-01", "2019-06-01"]),
            "flag": [True, True],
            "kind": pd.Categorical(["b", "b"]),
            "name": ["x", "x"],
        }
    )
    r2 = types_policy.evaluate_many(df2)
    assert r2.loc[0, "group"] == "rich" and r2.loc[0, "points"] == Decimal("5.5")
    assert r2.loc[1, "error"] is not None and "missing `score`" in r2.loc[1, "error"]
    df2.loc[1, "score"] = 2
    r2 = types_policy.evaluate_many(df2)
    assert r2.loc[1, "group"] == "named" and r2.loc[1, "points"] == Decimal("9")


def test_wrong_types_are_row_errors(types_policy):
    base = {"score": "1.5", "age": 3, "born": "2020-01-01", "flag": True, "kind": "a"}
    cases = {
        "score": ("abc", "`score` must be a number with at most 6 decimals and no exponent, found abc"),
        "age": ("3", "`age` must be a whole number"),
        "born": (20200101, "`born` must be a date"),
        "flag": ("yes", "`flag` must be true or false"),
        "kind": ("c", "`kind` has unknown value \"c\" (expected one of: a, b)"),
    }
    rows = [base] + [{**base, field: value} for field, (value, _) in cases.items()]
    r = types_policy.evaluate_many(pd.DataFrame(rows))
    assert r.loc[0, "error"] is None and r.loc[0, "group"] == "other"
    for i, (field, (_, message)) in enumerate(cases.items(), start=1):
        assert r.loc[i, "error"].startswith(message), field


def test_empty_unknown_and_duplicate_columns(policy):
    empty = policy.evaluate_many(benchmark_population(10).iloc[:0])
    assert len(empty) == 0 and list(empty.columns) == COLUMNS
    df = benchmark_population(5)
    df["not_a_fact"] = 1
    assert policy.evaluate_many(df)["error"].isna().all()
    dup = pd.concat([df, df[["si_months"]]], axis=1)
    with pytest.raises(ValueError, match="duplicate"):
        policy.evaluate_many(dup)


def test_certificates_as_text(policy):
    df = benchmark_population(200, seed=9)
    as_text = df.copy()
    as_text["verified"] = [",".join(v) for v in df["verified"]]
    as_text["submitted"] = [None if not s else s[0] for s in df["submitted"]]
    pd.testing.assert_frame_equal(policy.evaluate_many(df), policy.evaluate_many(as_text))


def test_list_facts_in_a_frame():
    p = admit.compile(KUIWEN)
    records = [json.loads(t.applicant_json) for t in p.tests]
    batch = p.evaluate_many(records)  # nested dicts are flattened to dotted columns
    for record, (_, row) in zip(records, batch.iterrows()):
        d = p.evaluate(record)
        assert d.error == row["error"]
        if d.error is None:
            assert (d.group, d.points, d.missing) == (row["group"], row["points"], row["missing"])
    assert batch["error"].isna().sum() >= len(records) // 2
    assert any(k.startswith("properties") or k == "properties" for k in pd.DataFrame(
        [admit._flatten(r) for r in records]).columns)
