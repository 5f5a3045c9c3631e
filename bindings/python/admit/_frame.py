"""pandas adapters: DataFrame (or records) -> columns for admit._core, results -> DataFrame.

Columns are converted column-wise, never row by row in Python:
  - bool, integer, float and datetime64 columns go to the native module as numpy buffers;
  - any other column (object: strings, Decimals, dates, mixed; pandas extension dtypes) is
    factorized (``pandas.factorize``), so every distinct value is converted once and rows are codes;
  - list facts, ``verified``/``submitted`` and ``id`` are passed as object arrays.
"""

from __future__ import annotations

import warnings
from decimal import Decimal
from typing import Any, Dict, List, Mapping, Optional, Tuple

import numpy as np
import pandas as pd

_SPECIAL = ("id", "verified", "submitted")


def _threads(threads: Optional[int]) -> int:
    if threads is None:
        return 0
    if threads < 1:
        raise ValueError("threads must be >= 1 (or None for all hardware threads)")
    return int(threads)


def _to_frame(data: Any) -> pd.DataFrame:
    from . import _flatten

    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, Mapping):
        raise TypeError("evaluate_many expects a DataFrame or a sequence of records; use evaluate for one record")
    records = list(data)
    if any(not isinstance(r, Mapping) for r in records):
        raise TypeError("evaluate_many expects a DataFrame or a sequence of dicts")
    if any(isinstance(v, Mapping) for r in records for v in r.values()):
        records = [_flatten(r) for r in records]
    return pd.DataFrame.from_records(records) if records else pd.DataFrame(index=pd.RangeIndex(0))


def _scalar_column(name: str, series: pd.Series) -> Tuple[Any, ...]:
    dtype = series.dtype
    if isinstance(dtype, np.dtype):
        kind = dtype.kind
        values = series.to_numpy()
        if kind == "b":
            return (name, "bool", np.ascontiguousarray(values).view(np.uint8))
        if kind == "i" or (kind == "u" and (len(values) == 0 or values.max() <= np.iinfo(np.int64).max)):
            return (name, "int", np.ascontiguousarray(values, dtype=np.int64))
        if kind == "f":
            return (name, "float", np.ascontiguousarray(values, dtype=np.float64))
        if kind == "M":
            return (name, "days", np.ascontiguousarray(values.astype("datetime64[D]").view(np.int64)))
    # Object columns are factorized as plain object arrays, so pandas does not re-infer the uniques'
    # dtype; extension arrays (Int64, boolean, string, Categorical) factorize natively.
    values = series.to_numpy() if dtype == object else series.array
    try:
        with warnings.catch_warnings():
            # pandas 1.5 warns when a Timestamp meets an equal datetime.date: both mean that day.
            warnings.simplefilter("ignore", FutureWarning)
            codes, uniques = pd.factorize(values)
    except TypeError:  # unhashable cells (lists in a scalar column): converted one by one
        return (name, "objects", series.to_numpy(dtype=object))
    return (name, "coded", np.ascontiguousarray(codes, dtype=np.int64), list(uniques))


def frame_columns(policy: Any, frame: pd.DataFrame) -> List[Tuple[Any, ...]]:
    """The (name, source, data[, uniques]) specs admit._core.evaluate expects."""
    if not frame.columns.is_unique:
        dup = frame.columns[frame.columns.duplicated()].unique().tolist()
        raise ValueError(f"duplicate column names: {dup}")
    columns: List[Tuple[Any, ...]] = []
    for name in frame.columns:
        if not isinstance(name, str):
            continue
        fact = policy._fact_by_path.get(name)
        if name in _SPECIAL or (fact is not None and fact.type == "list"):
            columns.append((name, "objects", frame[name].to_numpy(dtype=object)))
        elif fact is not None:
            columns.append(_scalar_column(name, frame[name]))
    return columns


def context_columns(policy: Any, frame: pd.DataFrame) -> List[str]:
    """Columns of ``frame`` that name context values of ``policy`` (per-row context values)."""
    out = []
    for name in frame.columns:
        fact = policy._fact_by_path.get(name) if isinstance(name, str) else None
        if fact is not None and fact.context:
            out.append(name)
    return out


def evaluate_raw(policy: Any, frame: pd.DataFrame, threads: Optional[int],
                 context: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    # The context is bound once (and checked) before anything is converted; every row uses it.
    core_context = policy._bind_context(context, context_columns(policy, frame))
    return policy._core.evaluate(len(frame), frame_columns(policy, frame), _threads(threads), False, core_context)


def result_frame(policy: Any, raw: Mapping[str, Any], index: pd.Index) -> pd.DataFrame:
    eligible = raw["eligible"]
    invalid = eligible < 0
    columns: Dict[str, Any] = {
        "eligible": pd.arrays.BooleanArray(eligible == 1, invalid.copy()),
        "group": raw["group"],
        "group_label": raw["group_label"],
        "rank": pd.arrays.IntegerArray(raw["rank"], invalid.copy()),
        "points": raw["points"],
    }
    for item, values in zip(policy.points_items, raw["items"]):
        columns[f"points.{item.id}"] = values
    if "sort_key" in raw:
        columns["sort_key"] = raw["sort_key"]
    elif policy.has_tie_break:  # every row invalid: the column is there all the same
        columns["sort_key"] = np.full(len(index), None, dtype=object)
    columns["missing"] = raw["missing"]
    columns["error"] = raw["error"]
    return pd.DataFrame(columns, index=index, copy=False)


def evaluate_frame(policy: Any, data: Any, threads: Optional[int],
                   context: Optional[Mapping[str, Any]] = None) -> Tuple[pd.DataFrame, Dict[str, Any]]:
    frame = _to_frame(data)
    raw = evaluate_raw(policy, frame, threads, context)
    return result_frame(policy, raw, frame.index), raw


# ---- diff ------------------------------------------------------------------------------------------

_SCALE = 1_000_000
_NONE = "<none>"
_ERROR = "<error>"


def _decimal(units: int) -> Decimal:
    """Exact Decimal of a count of millionths, in canonical form (30, 30.5, -0.35)."""
    return _canonical(Decimal(int(units)).scaleb(-6))


def _canonical(d: Decimal) -> Decimal:
    """Round half-even to 6 places and drop trailing zeros (Decimal('1.500000') -> Decimal('1.5'))."""
    q = d.quantize(Decimal("0.000001"))
    return q.to_integral_value() if q == q.to_integral_value() else q.normalize()


def _points_units(points: np.ndarray) -> np.ndarray:
    """Units (millionths) of an object array of Decimals (None -> 0); exact."""
    out = np.zeros(len(points), dtype=np.int64)
    cache: Dict[Decimal, int] = {}
    for i, p in enumerate(points):
        if p is None:
            continue
        u = cache.get(p)
        if u is None:
            u = cache[p] = int(p.scaleb(6))
        out[i] = u
    return out


def _labels(groups: np.ndarray, invalid: np.ndarray) -> np.ndarray:
    out = groups.copy()
    out[groups == ""] = _NONE
    out[invalid] = _ERROR
    return out


def _order(policy_a: Any, policy_b: Any) -> List[str]:
    order: List[str] = []
    for p in (policy_a, policy_b):
        for g in p.groups:
            if g.id not in order:
                order.append(g.id)
    for p in (policy_a, policy_b):
        for c in p.eligibility_checks:
            if c.id not in order:
                order.append(c.id)
    return order + [_NONE, _ERROR]


def _context_for(policy: Any, context: Optional[Mapping[str, Any]], declared: set) -> Optional[Dict[str, Any]]:
    """The part of ``context`` (flattened) that ``policy`` declares."""
    if context is None:
        return None
    from . import _flatten_unique, ContextError

    flat = _flatten_unique(context, ContextError)
    return {k: v for k, v in flat.items() if k in declared}


def diff_frames(policy_a: Any, policy_b: Any, data: Any, threads: Optional[int],
                context: Optional[Mapping[str, Any]] = None) -> Any:
    from . import ContextError, Diff, PointsShift, _flatten_unique

    frame = _to_frame(data)
    context_a = context_b = context
    if context is not None:
        # Each policy gets the context values it declares (a v1 policy without `context:` can be
        # compared with a v2 that has one); a key neither declares is an error.
        if not isinstance(context, Mapping):
            raise TypeError("context must be a mapping (dict) of context values, nested or with dotted keys")
        declared_a = {f.path for f in policy_a.context_facts}
        declared_b = {f.path for f in policy_b.context_facts}
        for key in _flatten_unique(context, ContextError):
            if key not in declared_a and key not in declared_b:
                raise ContextError(f"`{key}` is not a context value of either policy", key)
        context_a = _context_for(policy_a, context, declared_a)
        context_b = _context_for(policy_b, context, declared_b)
    a = result_frame(policy_a, evaluate_raw(policy_a, frame, threads, context_a), frame.index)
    b = result_frame(policy_b, evaluate_raw(policy_b, frame, threads, context_b), frame.index)
    invalid_a = a["error"].notna().to_numpy()
    invalid_b = b["error"].notna().to_numpy()
    group_a = a["group"].to_numpy(dtype=object)
    group_b = b["group"].to_numpy(dtype=object)
    units_a = _points_units(a["points"].to_numpy(dtype=object))
    units_b = _points_units(b["points"].to_numpy(dtype=object))
    rank_a = a["rank"].fillna(0).to_numpy(dtype=np.int64)
    rank_b = b["rank"].fillna(0).to_numpy(dtype=np.int64)
    missing_a = a["missing"].to_numpy(dtype=object)
    missing_b = b["missing"].to_numpy(dtype=object)
    error_a = a["error"].to_numpy(dtype=object)
    error_b = b["error"].to_numpy(dtype=object)

    group_changed = group_a != group_b
    rank_changed = rank_a != rank_b
    points_changed = units_a != units_b
    missing_changed = np.fromiter((x != y for x, y in zip(missing_a, missing_b)), dtype=bool, count=len(frame))
    error_changed = np.fromiter((x != y for x, y in zip(error_a, error_b)), dtype=bool, count=len(frame))
    changed = group_changed | rank_changed | points_changed | missing_changed | error_changed
    # The admission order within a group: compared when both policies have tie-breaks.
    has_keys = "sort_key" in a.columns or "sort_key" in b.columns
    none_keys = np.full(len(frame), None, dtype=object)
    key_a = a["sort_key"].to_numpy(dtype=object) if "sort_key" in a.columns else none_keys
    key_b = b["sort_key"].to_numpy(dtype=object) if "sort_key" in b.columns else none_keys
    if "sort_key" in a.columns and "sort_key" in b.columns:
        key_changed = np.fromiter((x != y for x, y in zip(key_a, key_b)), dtype=bool, count=len(frame))
    else:
        key_changed = np.zeros(len(frame), dtype=bool)
    changed |= key_changed

    both = ~invalid_a & ~invalid_b
    delta_units = np.where(both, units_b - units_a, 0)
    rows = np.flatnonzero(changed)
    what = []
    for i in rows:
        parts = [name for name, flags in (("group", group_changed), ("rank", rank_changed), ("points", points_changed),
                                           ("missing", missing_changed), ("error", error_changed),
                                           ("sort_key", key_changed)) if flags[i]]
        what.append(",".join(parts))
    changes = pd.DataFrame(index=frame.index[rows])  # join on the index for ids and facts
    changes["changed"] = np.array(what, dtype=object)
    for col in ("group", "group_label", "rank", "points"):
        changes[f"{col}_a"] = a[col].to_numpy()[rows] if col != "rank" else a[col].array[rows]
        changes[f"{col}_b"] = b[col].to_numpy()[rows] if col != "rank" else b[col].array[rows]
    changes["points_delta"] = np.array(
        [_decimal(delta_units[i]) if both[i] else None for i in rows], dtype=object)
    changes["missing_a"] = missing_a[rows]
    changes["missing_b"] = missing_b[rows]
    changes["error_a"] = error_a[rows]
    changes["error_b"] = error_b[rows]
    if has_keys:
        changes["sort_key_a"] = key_a[rows]
        changes["sort_key_b"] = key_b[rows]

    labels_a = pd.Categorical(_labels(group_a, invalid_a), categories=_order(policy_a, policy_b))
    labels_b = pd.Categorical(_labels(group_b, invalid_b), categories=_order(policy_a, policy_b))
    transitions = pd.crosstab(pd.Series(labels_a, name="policy A"), pd.Series(labels_b, name="policy B"),
                              margins=True, margins_name="total", dropna=True)
    # Keep only groups that occur (crosstab with categoricals may list empty ones).
    keep_rows = [r for r in transitions.index if transitions.loc[r, "total"] > 0]
    keep_cols = [c for c in transitions.columns if transitions.loc["total", c] > 0]
    transitions = transitions.loc[keep_rows, keep_cols]

    compared = int(both.sum())
    deltas = delta_units[both]
    changed_deltas = deltas[deltas != 0]
    total = Decimal(int(deltas.sum(dtype=np.int64))).scaleb(-6)
    total_changed = Decimal(int(changed_deltas.sum(dtype=np.int64))).scaleb(-6)
    shift = PointsShift(
        compared=compared,
        changed=int(len(changed_deltas)),
        increased=int((deltas > 0).sum()),
        decreased=int((deltas < 0).sum()),
        mean=_canonical(total / compared) if compared else Decimal(0),
        mean_changed=_canonical(total_changed / len(changed_deltas)) if len(changed_deltas) else Decimal(0),
        min=_decimal(deltas.min()) if compared else Decimal(0),
        max=_decimal(deltas.max()) if compared else Decimal(0),
    )
    return Diff(changes, transitions, shift)
