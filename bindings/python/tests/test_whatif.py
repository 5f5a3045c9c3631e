"""with_overrides, diff, pickling, multiprocessing and the GIL."""

import multiprocessing
import pickle
import threading
import time
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

import admit
from population import benchmark_population

PARAMS = """admit: 1
policy:
  id: params-county
  year: 2026
facts:
  rental_years:
    type: int
  zone:
    type: enum
    values: [in_zone, outside]
params:
  rental_rate:
    value: 2
    label: 每年租赁积分
  min_years: 2
groups:
  - id: local
    label: 本地
    when: zone == in_zone and rental_years >= min_years
  - id: other
    label: 其他
    when: true
points:
  items:
    - id: housing
      label: 住房
      value: rental_rate * rental_years
      cap: 20
"""

RATE_25 = {"params.rental_rate": "2.5"}


def test_params_and_overrides():
    p = admit.compile(PARAMS)
    assert p.params == {"rental_rate": "2", "min_years": "2"}
    assert p.param_infos[0] == admit.Param("rental_rate", "int", "2", "每年租赁积分")
    q = p.with_overrides(RATE_25)
    assert q.params["rental_rate"] == "2.5" and q.overrides == RATE_25
    assert p.params["rental_rate"] == "2" and p.overrides == {}  # the original is untouched
    r = q.with_overrides({"points.items.housing.cap": 30, "params.min_years": 5})  # cumulative
    assert r.overrides == {"params.rental_rate": "2.5", "points.items.housing.cap": "30", "params.min_years": "5"}
    rec = {"rental_years": 9, "zone": "in_zone"}
    assert p.evaluate(rec).points == Decimal(18)
    assert q.evaluate(rec).points == Decimal(20)  # 22.5 capped at 20
    assert r.evaluate(rec).points == Decimal("22.5")
    assert admit.compile(PARAMS, overrides={"params.rental_rate": Decimal("1.5")}).evaluate(rec).points == Decimal("13.5")


def test_override_errors():
    p = admit.compile(PARAMS)
    with pytest.raises(admit.PolicyError) as info:
        p.with_overrides({"params.no_such_param": "1"})
    assert info.value.diagnostics[0].code == "bad-override"
    assert "no_such_param" in str(info.value)
    with pytest.raises(admit.PolicyError):
        p.with_overrides({"groups.local.when": "zone == nowhere"})  # recompiled and validated


def test_benchmark_what_if(policy):
    q = policy.with_overrides({"points.items.housing.value": "if rental_registered then 15 else 0"})
    assert q.evaluate({**_renter(), "rental_years": 3}).breakdown["housing"] == Decimal(15)


def _renter():
    return {"id": "370705202003150012", "birth_date": "2020-03-15", "hukou_zone": "city", "hukou_years": 0,
            "property_type": "none", "rental_registered": True, "rental_years": 0, "si_months": 0,
            "business_license": False, "residence_permit": False, "preferential": "none"}


def test_diff(policy):
    df = benchmark_population(3000, seed=21, invalid=0.01)
    df.index = df.index + 1000
    b = policy.with_overrides({
        "points.items.housing.value":
            "match property_type { full_title => 30, purchase_contract => 25, "
            "_ => if rental_registered then 10 + 3 * min(rental_years, 5) else 0 }",
        "groups.migrant_worker.when": "residence_permit and si_months >= 24",
    })
    d = admit.diff(policy, b, df)
    changes, transitions, shift = d  # a named tuple
    a_res, b_res = policy.evaluate_many(df), b.evaluate_many(df)
    both_invalid = a_res["error"].notna() & b_res["error"].notna()  # pandas: None != None is True
    moved = ((a_res["group"] != b_res["group"]) | (a_res["points"] != b_res["points"])) & ~both_invalid
    assert set(changes.index) == set(df.index[moved.to_numpy()])
    assert changes.index.isin(df.index).all()
    assert {"changed", "group_a", "group_b", "rank_a", "rank_b", "points_a", "points_b", "points_delta",
            "missing_a", "missing_b", "error_a", "error_b"} <= set(changes.columns)
    row = changes.iloc[0]
    if row["points_a"] is not None and row["points_b"] is not None:
        assert row["points_delta"] == row["points_b"] - row["points_a"]
    # Rental points only go up; the stricter migrant_worker condition moves people to unplaced.
    assert shift.decreased == 0 and shift.increased > 0 and shift.changed == shift.increased
    assert isinstance(shift.mean, Decimal) and shift.min >= 0 and shift.max <= Decimal(5)
    assert shift.compared == int((a_res["error"].isna() & b_res["error"].isna()).sum())
    assert transitions.loc["total", "total"] == len(df)
    assert transitions.loc["migrant_worker", "unplaced"] > 0
    assert "<error>" in transitions.index
    deltas = [p for p in changes["points_delta"] if p is not None and p != 0]
    assert shift.mean_changed == (sum(deltas) / len(deltas)).quantize(Decimal("0.000001")).normalize() or \
        abs(shift.mean_changed - sum(deltas) / len(deltas)) < Decimal("0.000001")
    text = d.summary()
    assert "transitions" in text and str(len(changes)) in text
    assert admit.diff_summary(d) == text
    same = admit.diff(policy, policy, df)
    assert len(same.changes) == 0 and same.points.changed == 0


def test_pickle_round_trip(policy):
    q = policy.with_overrides({"points.items.hukou.value": "5"})
    for p in (policy, q):
        data = pickle.dumps(p)
        r = pickle.loads(data)
        assert isinstance(r, admit.Policy)
        assert (r.id, r.file, r.overrides, r.source_text) == (p.id, p.file, p.overrides, p.source_text)
        df = benchmark_population(500, seed=4)
        pd.testing.assert_frame_equal(p.evaluate_many(df), r.evaluate_many(df))
    assert policy.__reduce__()[0] is admit._rebuild


def _points_sum(args):
    policy, frame = args
    return sum(policy.evaluate_many(frame)["points"].dropna(), Decimal(0))


def test_multiprocessing(policy):
    df = benchmark_population(2000, seed=8)
    parts = [df.iloc[i::4] for i in range(4)]
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        sums = pool.map(_points_sum, [(policy, part) for part in parts])
    assert sum(sums, Decimal(0)) == sum(policy.evaluate_many(df)["points"].dropna(), Decimal(0))


def test_gil_is_released(policy):
    """The main thread keeps running Python while evaluate_many works in another thread."""
    df = benchmark_population(20000, seed=6)
    big = pd.concat([df] * 15, ignore_index=True)  # 300k rows
    started = threading.Event()
    done = threading.Event()
    result = {}

    def work():
        started.set()
        result["frame"] = policy.evaluate_many(big, threads=1)
        done.set()

    # Baseline: how far the counter gets when nothing else runs, per second.
    counter = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < 0.05:
        counter += 1
    thread = threading.Thread(target=work)
    thread.start()
    started.wait()
    ticks = 0
    samples = 0
    while not done.is_set():
        ticks += 1
        if ticks % 1000 == 0:
            samples += 1
    thread.join()
    assert len(result["frame"]) == len(big)
    # With the GIL held for the whole C++ loop the main thread would be frozen for it; released,
    # it keeps counting. The loop takes well over 10 ms; even a few thousand iterations prove
    # concurrency (a GIL switch interval is 5 ms, so a held GIL would allow at most a handful).
    assert ticks > 20000, ticks
