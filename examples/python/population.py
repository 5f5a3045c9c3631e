"""A synthetic applicant population for rules/examples/benchmark-county.yaml.

Used by the examples, the tests and benchmarks/python_batch.py::

    from population import benchmark_population, write_jsonl
    df = benchmark_population(10_000, seed=1)          # a pandas DataFrame, one row per applicant
    write_jsonl(df, "applicants.jsonl")            # the same records for `admit eval`

Columns are named like the policy's facts, plus ``id`` (a valid resident ID number whose birth date
matches ``birth_date``), ``verified`` and ``submitted`` (lists of certificate ids). About 8% of
the children are outside the age window; ``invalid=0.01`` adds 1% invalid records (an unknown
hukou zone or an impossible date) so that error handling is exercised too.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List

import numpy as np
import pandas as pd

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BENCHMARK_POLICY = os.path.join(REPO, "rules", "examples", "benchmark-county.yaml")


def resident_id(region: str, birth: str, sequence: int) -> str:
    """A valid GB 11643 number: region (6 digits), birth date (YYYY-MM-DD), sequence (0..999)."""
    body = f"{region}{birth.replace('-', '')}{sequence:03d}"
    return body + _CHECK[sum(int(c) * w for c, w in zip(body, _WEIGHTS)) % 11]


def _choice(rng: np.random.Generator, values: List[str], weights: List[float], n: int) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return np.asarray(values, dtype=object)[rng.choice(len(values), size=n, p=p / p.sum())]


def benchmark_population(n: int, seed: int = 0, invalid: float = 0.0) -> pd.DataFrame:
    """``n`` applicants for the benchmark county (vectorised; 200k rows take about a second)."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2019-08-15")
    days = rng.integers(0, 398, size=n)  # 2019-08-15 .. 2020-09-15: about 8% outside the age window
    birth = (start + days.astype("timedelta64[D]")).astype(str).astype(object)
    zone = _choice(rng, ["in_zone", "city", "province", "outside"], [45, 20, 15, 20], n)
    prop = _choice(rng, ["full_title", "purchase_contract", "small_title", "none"], [35, 15, 10, 40], n)
    no_home = (prop == "none") | (prop == "small_title")
    rental_registered = no_home & (rng.random(n) < 0.5)
    rental_years = np.where(rental_registered, rng.integers(0, 9, size=n), 0).astype(np.int64)
    hukou_years = np.where(zone == "in_zone", rng.integers(0, 13, size=n), rng.integers(0, 3, size=n)).astype(np.int64)
    si_months = rng.integers(0, 97, size=n).astype(np.int64)
    business = rng.random(n) < 0.15
    outsider = (zone == "outside") | (zone == "province")
    permit = rng.random(n) < np.where(outsider, 0.6, 0.1)
    pref = _choice(rng, ["none", "military", "martyr", "police", "talent"], [90, 3, 1, 3, 3], n)

    has = {
        "household_register": rng.random(n) < 0.95,
        "property_certificate": (prop == "full_title") & (rng.random(n) < 0.9),
        "purchase_contract": (prop == "purchase_contract") & (rng.random(n) < 0.8),
        "residence_permit": permit & (rng.random(n) < 0.9),
        "social_insurance_record": (si_months >= 12) & (rng.random(n) < 0.85),
        "business_license": business & (rng.random(n) < 0.85),
    }
    names = list(has)
    matrix = np.column_stack([has[k] for k in names])
    verified = [[names[j] for j in np.flatnonzero(row)] for row in matrix]
    submitted_flag = (pref != "none") & (rng.random(n) < 0.6)
    submitted = [["preferential_certificate"] if s else [] for s in submitted_flag]
    sequences = rng.integers(0, 1000, size=n)
    ids = [resident_id("370705", b, int(s)) for b, s in zip(birth, sequences)]

    df = pd.DataFrame(
        {
            "id": ids,
            "birth_date": birth,
            "hukou_zone": zone,
            "hukou_years": hukou_years,
            "property_type": prop,
            "rental_registered": rental_registered,
            "rental_years": rental_years,
            "si_months": si_months,
            "business_license": business,
            "residence_permit": permit,
            "preferential": pref,
            "verified": verified,
            "submitted": submitted,
        }
    )
    if invalid > 0:
        bad = np.flatnonzero(rng.random(n) < invalid)
        half = len(bad) // 2
        df.loc[df.index[bad[:half]], "hukou_zone"] = "downtown"
        df.loc[df.index[bad[half:]], "birth_date"] = "2020-02-30"
    return df


def _native(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return [_native(v) for v in value.tolist()]
    return value


def to_records(df: pd.DataFrame) -> List[Dict[str, Any]]:
    """The rows as JSON-ready dicts (NaN/None cells left out, so the policy's defaults apply)."""
    out = []
    for record in df.to_dict("records"):
        clean = {}
        for k, v in record.items():
            if v is None or (isinstance(v, float) and v != v):
                continue
            clean[k] = _native(v)
        out.append(clean)
    return out


def write_jsonl(df: pd.DataFrame, path: str) -> None:
    """Writes the rows as JSON Lines, the input format of ``admit eval``."""
    with open(path, "w", encoding="utf-8") as f:
        for record in to_records(df):
            f.write(json.dumps(record, ensure_ascii=False))
            f.write("\n")
