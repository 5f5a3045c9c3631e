"""admit: compile Chinese county school-admission policies and evaluate applicants from Python.

Quick start::

    import admit
    policy = admit.compile("rules/examples/benchmark-county.yaml")
    decision = policy.evaluate({"id": "370705202003150012", "birth_date": "2020-03-15", ...})
    decision.group, decision.points, decision.missing
    results = policy.evaluate_many(applicants_df)          # pandas in, pandas out
    what_if = policy.with_overrides({"points.items.housing.value": "..."})
    d = admit.diff(policy, what_if, applicants_df)          # who moves, and how

Points are exact: every points value is a :class:`decimal.Decimal` (the policy engine computes in
fixed-point millionths, never in binary floating point). See docs/python.md for the conventions of
:meth:`Policy.evaluate_many` (column names, types, missing values).
"""

from __future__ import annotations

import datetime as _dt
import decimal as _decimal
import json as _json
import os as _os
import re as _re
from typing import Any, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

from . import _core
from ._html import decision_html as _decision_html

__all__ = [
    "Certificate",
    "Check",
    "ContextError",
    "Decision",
    "Diagnostic",
    "Diff",
    "Fact",
    "Group",
    "Param",
    "PointsItem",
    "PointsShift",
    "Policy",
    "PolicyError",
    "PolicyTest",
    "TestResult",
    "TestRun",
    "TieBreak",
    "compile",
    "compile_file",
    "compile_text",
    "diff",
    "diff_summary",
]

__version__ = "0.1.0"

Decimal = _decimal.Decimal

# ---------------------------------------------------------------------------------------------
# Diagnostics and errors
# ---------------------------------------------------------------------------------------------


class Diagnostic(NamedTuple):
    """One problem found in a rule file, as the CLI reports it.

    ``line``/``column`` are 1-based (0 when the problem has no position, e.g. a missing file);
    columns count bytes of the UTF-8 line. ``end_line``/``end_column`` close the span (``end_column``
    is one past its last byte). ``str(diagnostic)`` is the CLI's text rendering with the source snippet.
    """

    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    severity: str
    code: str
    message: str
    help: str
    notes: Tuple[str, ...]
    text: str

    def __str__(self) -> str:
        return self.text.rstrip("\n")

    @classmethod
    def _from_core(cls, d: Mapping[str, Any]) -> "Diagnostic":
        return cls(
            file=d["file"],
            line=d["line"],
            column=d["column"],
            end_line=d["end_line"],
            end_column=d["end_column"],
            severity=d["severity"],
            code=d["code"],
            message=d["message"],
            help=d["help"],
            notes=tuple(d["notes"]),
            text=d["text"],
        )


class PolicyError(ValueError):
    """A rule file (or an override) did not compile.

    ``diagnostics`` lists every problem (errors and warnings); ``str(error)`` renders them exactly as
    ``admit check`` does, snippets and carets included.
    """

    def __init__(self, diagnostics: Sequence[Diagnostic], text: str) -> None:
        super().__init__(text.rstrip("\n"))
        self.diagnostics: List[Diagnostic] = list(diagnostics)
        self.text = text

    def __str__(self) -> str:
        return self.text.rstrip("\n")

    @property
    def errors(self) -> List[Diagnostic]:
        """Only the diagnostics of severity ``error``."""
        return [d for d in self.diagnostics if d.severity == "error"]


class ContextError(ValueError):
    """The evaluation context given to :meth:`Policy.evaluate` / :meth:`Policy.evaluate_many` /
    :func:`diff` is wrong: ``key`` names the bad or missing context value (``school.zone``), and the
    message says what is wrong (not a context value of the policy, wrong type, required but not set).
    """

    def __init__(self, message: str, key: str = "") -> None:
        super().__init__(message)
        self.key = key


# ---------------------------------------------------------------------------------------------
# Policy metadata records
# ---------------------------------------------------------------------------------------------


class Fact(NamedTuple):
    """A declared fact: ``path`` is dotted (``hukou.zone``); list fields read ``properties[].kind``.

    ``context`` is True for evaluation context values (declared under ``context:``: the school's
    zone, the admission year, cut-off dates), which are supplied with ``context=`` rather than by
    the applicant record.
    """

    path: str
    type: str
    label: str
    source: str
    values: Tuple[str, ...]
    value_labels: Tuple[str, ...]
    has_default: bool
    max_items: int
    context: bool = False


class Group(NamedTuple):
    """An admission group; ``rank`` is the 1-based admission priority (first match wins)."""

    id: str
    label: str
    rank: int


class Check(NamedTuple):
    """An eligibility check (a failed check's id is the decision's group)."""

    id: str
    label: str
    reason: str


class PointsItem(NamedTuple):
    """A points item; ``cap`` is a Decimal or None; ``kind`` is what it scores (hukou_type, residence,
    employment, property_type, bonus, other; '' when the policy does not say)."""

    id: str
    label: str
    cap: Optional[Decimal]
    kind: str = ""


class Certificate(NamedTuple):
    """A certificate; ``verified_by`` is the data-sharing source ('' = the family uploads it);
    ``category`` (identity, hukou, property, residence, employment, social_insurance, ...; may be '')
    and ``label_en`` come from the shared catalogue."""

    id: str
    label: str
    verified_by: str
    category: str = ""
    label_en: str = ""


class TieBreak(NamedTuple):
    """One tie-break key (``tie_break:``), in comparison order (see :meth:`Policy.tie_break`).

    ``order`` is ``ascending`` (smaller first) or ``descending``; ``points`` is True when the key is
    the points total; ``type`` is the key's type (int, decimal, date, bool, enum); ``values`` the
    enum's value names (enum keys only).
    """

    id: str
    label: str
    order: str
    points: bool
    type: str
    values: Tuple[str, ...]


class Param(NamedTuple):
    """A named constant of the policy (``params:``), the usual target of what-if overrides."""

    name: str
    type: str
    value: str
    label: str


class PolicyTest(NamedTuple):
    """A test case of the policy (``tests:``); expectations that are None are not checked.

    ``context`` is the test's evaluation context as a nested dict (the test file's ``context:``
    with the test's own merged over it; None when it has none), ready for ``context=``;
    ``context_json`` is the same as JSON text. ``sort_key`` is the expected sort key as written
    (the rank, then the group's tie-break values, as :attr:`Decision.sort_key_text` reads them).
    """

    name: str
    file: str
    line: int
    applicant_json: str
    eligible: Optional[bool]
    group: Optional[str]
    points: Optional[Decimal]
    breakdown: Dict[str, Decimal]
    missing: Optional[List[str]]
    error_contains: Optional[str]
    context: Optional[Dict[str, Any]] = None
    context_json: str = ""
    sort_key: Optional[List[str]] = None


class TestResult(NamedTuple):
    """The outcome of one policy test (:meth:`Policy.run_tests`): ``problems`` lists the mismatches
    as ``admit test`` prints them (``group: expected "a", got "b"``); empty when it passed."""

    __test__ = False  # not a pytest test class

    test: PolicyTest
    problems: Tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.problems

    @property
    def name(self) -> str:
        return self.test.name

    @property
    def location(self) -> str:
        """``file:line`` of the test case."""
        return f"{self.test.file}:{self.test.line}" if self.test.line else self.test.file

    def __str__(self) -> str:
        head = f"{'PASS' if self.passed else 'FAIL'} {self.location} {self.name}"
        return "\n".join([head] + [f"    {p}" for p in self.problems])


class TestRun(List[TestResult]):
    """The results of :meth:`Policy.run_tests` (a list of :class:`TestResult`)."""

    __test__ = False  # not a pytest test class

    @property
    def passed(self) -> int:
        return sum(1 for r in self if r.passed)

    @property
    def failed(self) -> List[TestResult]:
        return [r for r in self if not r.passed]

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        """The failures as ``admit test`` prints them, then ``N passed, M failed``."""
        lines = [str(r) for r in self.failed]
        lines.append(f"{self.passed} passed, {len(self.failed)} failed")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<admit.TestRun {self.passed} passed, {len(self.failed)} failed>"


# ---------------------------------------------------------------------------------------------
# Decisions
# ---------------------------------------------------------------------------------------------

_STATUS_LABELS = {"verified": "已核验", "submitted": "已提交", "substituted": "已替代", "missing": "缺少"}


class Decision:
    """The answer for one applicant (:meth:`Policy.evaluate`).

    Attributes:
        eligible: passed every eligibility check (None when the record was invalid).
        group: the matched group's id; the failed check's id when not eligible; '' when no group
            matched (manual review); None when the record was invalid.
        group_label: the Chinese label of ``group``.
        rank: 1-based admission priority of the group, 0 when none.
        points: total points (``decimal.Decimal``, exact), after the total cap.
        breakdown: points item id -> value after the item's cap (Decimal), in policy order.
        missing, verified, submitted, substituted: certificate ids the group requires, by status, in
            requirement order.
        trace: the conditions evaluated, in order: dicts with kind, subject, result, expression,
            location (file:line:column), values_seen (the facts they read; IDs masked).
        sort_key: where the applicant stands among the applicants of one school (a tuple of ints):
            sorting one school's decisions by it, ascending, gives the admission order. Element 0
            is the rank (groups + 1 for no group, groups + 2 when not eligible), then one value per
            tie-break key of the group (days for dates, millionths for decimals, enum indexes;
            negated for descending keys), zero-padded to the longest group's. Empty tuple when
            the policy declares no tie-break.
        sort_key_text: the sort key as people read it, as ``admit test``'s ``sort_key:`` expects
            it: the rank, then each of the group's own keys in its type, not negated
            (``["1", "2016-09-20", "2012-05-10", "2999-12-31"]``); no padding.
        error: None, or why the record could not be evaluated (invalid value, missing fact,
            run-time error in the rule file). When set, the other attributes are None or empty.
    """

    __slots__ = (
        "eligible",
        "group",
        "group_label",
        "rank",
        "points",
        "points_uncapped",
        "breakdown",
        "lines",
        "certificates",
        "missing",
        "verified",
        "submitted",
        "substituted",
        "trace",
        "error",
        "failed_check",
        "failed_reason",
        "policy_id",
        "sort_key",
        "sort_key_text",
    )

    def __init__(self, **fields: Any) -> None:
        for name in self.__slots__:
            setattr(self, name, fields.get(name))

    @property
    def ok(self) -> bool:
        """True when the record was evaluated (``error`` is None)."""
        return self.error is None

    def as_dict(self) -> Dict[str, Any]:
        """The decision as a plain dict (Decimals kept)."""
        return {name: getattr(self, name) for name in self.__slots__}

    def explain(self) -> str:
        """A plain-text explanation: group, points by item, certificates, then the trace."""
        if self.error is not None:
            return f"error: {self.error}"
        out = []
        if self.eligible:
            group = f"{self.group} ({self.group_label}), rank {self.rank}" if self.group else "no group (manual review)"
            out.append(f"eligible; group {group}")
        else:
            out.append(f"not eligible: {self.group} ({self.group_label}): {self.failed_reason or ''}".rstrip(": "))
        out.append(f"points {self.points}")
        if self.sort_key:
            out.append(f"sort key {list(self.sort_key)} ({', '.join(self.sort_key_text or [])})")
        for item_id, label, raw, value, applied in self.lines or []:
            note = "" if applied else " (condition not met)"
            capped = f" (capped from {raw})" if applied and raw != value else ""
            out.append(f"  {item_id} {label}: {value}{capped}{note}")
        for cert_id, label, status in self.certificates or []:
            out.append(f"  certificate {cert_id} {label}: {status}")
        out.append("trace:")
        for t in self.trace or []:
            seen = f"  [{t['values_seen']}]" if t["values_seen"] else ""
            out.append(f"  {t['location']}: {t['subject']}: {t['expression']} -> {t['result']}{seen}")
        return "\n".join(out)

    def __repr__(self) -> str:
        if self.error is not None:
            return f"Decision(error={self.error!r})"
        breakdown = ", ".join(f"{k}: {v}" for k, v in (self.breakdown or {}).items())
        return (
            f"Decision(eligible={self.eligible}, group={self.group!r} ({self.group_label}), rank={self.rank}, "
            f"points={self.points}, breakdown={{{breakdown}}}, missing={self.missing!r})"
        )

    def _repr_html_(self) -> str:
        return _decision_html(self)


def _decision_from_core(core_row: Optional[Mapping[str, Any]], result: Mapping[str, Any], i: int, policy_id: str) -> Decision:
    error = result["error"][i]
    if error is not None or core_row is None:
        return Decision(error=error, breakdown={}, missing=[], verified=[], submitted=[], substituted=[], trace=[], lines=[],
                        certificates=[], policy_id=policy_id, sort_key=None, sort_key_text=None)
    certificates = [tuple(c) for c in core_row["certificates"]]
    by_status: Dict[str, List[str]] = {"missing": [], "verified": [], "submitted": [], "substituted": []}
    for cert_id, _label, status in certificates:
        by_status.setdefault(status, []).append(cert_id)
    lines = [tuple(line) for line in core_row["breakdown"]]
    return Decision(
        eligible=bool(result["eligible"][i] == 1),
        group=result["group"][i],
        group_label=result["group_label"][i],
        rank=int(result["rank"][i]),
        points=result["points"][i],
        points_uncapped=core_row["points_uncapped"],
        breakdown={line[0]: line[3] for line in lines},
        lines=lines,
        certificates=certificates,
        missing=by_status["missing"],
        verified=by_status["verified"],
        submitted=by_status["submitted"],
        substituted=by_status["substituted"],
        trace=[dict(t) for t in core_row["trace"]],
        error=None,
        failed_check=core_row["failed_check"],
        failed_reason=core_row["failed_reason"],
        policy_id=policy_id,
        sort_key=tuple(core_row["sort_key"]),
        sort_key_text=list(core_row["sort_key_text"]),
    )


# ---------------------------------------------------------------------------------------------
# Policies
# ---------------------------------------------------------------------------------------------

Record = Mapping[str, Any]
# An evaluation context: context value paths (nested dicts or dotted keys) -> values.
ContextMapping = Mapping[str, Any]
Overrides = Union[Mapping[str, Any], Iterable[Tuple[str, Any]], None]


def _override_text(value: Any) -> str:
    """An override value as YAML scalar text: bools as true/false, Decimals and floats exactly."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (_dt.date,)):
        return value.isoformat()[:10]
    return str(value)


def _normalize_overrides(overrides: Overrides) -> List[Tuple[str, str]]:
    if overrides is None:
        return []
    items = overrides.items() if isinstance(overrides, Mapping) else overrides
    return [(str(path), _override_text(value)) for path, value in items]


class Policy:
    """A compiled, immutable policy. Thread-safe; pickles by source (see :meth:`__reduce__`).

    Build one with :func:`compile`. Metadata: ``id``, ``title``, ``jurisdiction``, ``year``,
    ``grade``, ``age_cutoff``, ``facts`` (``context_facts``: the evaluation context values),
    ``params``, ``groups``, ``eligibility_checks``, ``points_items``, ``points_cap``,
    ``certificates``, ``tests``, ``lints``, ``overrides``, ``file``, ``source_text``, ``sources``,
    ``bases``, ``warnings``; :meth:`tie_break` gives a group's tie-break keys.
    """

    def __init__(self, core: Any, warnings: Sequence[Diagnostic] = ()) -> None:
        """Internal: use :func:`compile`."""
        self._core = core
        info = core.info()
        meta = info["metadata"]
        self.id: str = meta["id"]
        self.title: str = meta["title"]
        self.jurisdiction: str = meta["jurisdiction"]
        self.year: int = meta["year"]
        self.grade: int = meta["grade"]
        self.age_cutoff: Optional[_dt.date] = (
            _dt.date.fromisoformat(meta["age_cutoff"]) if meta["age_cutoff"] else None
        )
        self.facts: List[Fact] = [
            Fact(f["path"], f["type"], f["label"], f["source"], tuple(f["values"]), tuple(f["value_labels"]),
                 f["has_default"], f["max_items"], f["context"])
            for f in info["facts"]
        ]
        self.context_facts: List[Fact] = [f for f in self.facts if f.context]
        self.param_infos: List[Param] = [Param(*p) for p in info["params"]]
        self.params: Dict[str, str] = {p.name: p.value for p in self.param_infos}
        self.groups: List[Group] = [Group(*g) for g in info["groups"]]
        self.eligibility_checks: List[Check] = [Check(*c) for c in info["checks"]]
        self.points_items: List[PointsItem] = [
            PointsItem(i, label, Decimal(cap) if cap is not None else None, kind)
            for i, label, cap, kind in info["points_items"]
        ]
        self.points_cap: Optional[Decimal] = Decimal(info["points_cap"]) if info["points_cap"] is not None else None
        self.certificates: List[Certificate] = [Certificate(*c) for c in info["certificates"]]
        self.tests: List[PolicyTest] = [
            PolicyTest(
                t["name"], t["file"], t["line"], t["applicant_json"], t["eligible"], t["group"],
                Decimal(t["points"]) if t["points"] is not None else None,
                {k: Decimal(v) for k, v in t["breakdown"]}, t["missing"], t["error_contains"],
                _json.loads(t["context_json"]) if t["context_json"] else None, t["context_json"],
                t["sort_key"],
            )
            for t in info["tests"]
        ]
        # Switched-on lint profiles (``lint:``), e.g. ["shandong"].
        self.lints: List[str] = list(info["lints"])
        self._group_tie_breaks: List[List[TieBreak]] = [
            [TieBreak(*k[:5], tuple(k[5])) for k in keys] for keys in info["group_tie_breaks"]
        ]
        self._default_tie_break: List[TieBreak] = [TieBreak(*k[:5], tuple(k[5])) for k in info["default_tie_break"]]
        self._group_index = {g.id: i for i, g in enumerate(self.groups)}
        self.overrides: Dict[str, str] = dict(info["overrides"])
        self.file: str = info["file"]
        self.source_text: str = info["source_text"].decode("utf-8")
        # The files it extends (``extends:``), as (path, text): pickles and what-ifs carry them.
        self.bases: List[Tuple[str, str]] = [(n, t.decode("utf-8")) for n, t in info["sources"][1:]]
        # Every file the policy was compiled from, as (path, text): the rule file, then its bases.
        self.sources: List[Tuple[str, str]] = [(n, t.decode("utf-8")) for n, t in info["sources"]] or [
            (self.file, self.source_text)
        ]
        self.warnings: List[Diagnostic] = list(warnings)
        self._fact_by_path = {f.path: f for f in self.facts}

    # -- pickling ---------------------------------------------------------------------------------

    def __reduce__(self) -> Tuple[Any, Tuple[str, str, List[Tuple[str, str]], List[Tuple[str, str]]]]:
        """Pickles by source: (admit._rebuild, (source_text, file, overrides, bases)); the receiver
        recompiles, with the files the policy extends taken from the pickle, not from its disk."""
        return (_rebuild, (self.source_text, self.file, list(self.overrides.items()), list(self.bases)))

    # -- what-if ----------------------------------------------------------------------------------

    def with_overrides(self, overrides: Overrides) -> "Policy":
        """A new policy: this one's source recompiled with ``overrides`` added to its own.

        Paths walk mappings by key and lists by item ``id``: ``params.rental_rate``,
        ``points.items.housing.cap``, ``points.items.housing.value``, ``groups.migrant_worker.when``.
        Values are YAML scalars (``"2.5"``, ``"30"``, an expression); Python bools, ints, Decimals
        and dates are converted to their YAML text. Raises :class:`PolicyError` when a path names
        nothing or the result does not compile.
        """
        merged = dict(self.overrides)
        merged.update(dict(_normalize_overrides(overrides)))
        return _compile_text(self.source_text, self.file, list(merged.items()), self.bases)

    # -- evaluation ---------------------------------------------------------------------------------

    def _bind_context(self, context: Optional[Mapping[str, Any]], per_row: Sequence[str] = ()) -> Any:
        """The native context for ``context`` (None when the policy declares no context values).

        Raises :class:`ContextError` naming the key when a key is not a context value, a value has
        the wrong type, or a value the policy reads has no default and is neither given nor
        supplied per row (``per_row``: context paths that are columns of the data).
        """
        if context is not None and not isinstance(context, Mapping):
            raise TypeError("context must be a mapping (dict) of context values, nested or with dotted keys")
        if not self.context_facts:
            if context:
                key = next(iter(_flatten_unique(context, ContextError)))
                raise ContextError(f"`{key}` is not a context value of this policy (it declares none)", key)
            return None
        values = list(_flatten_unique(context, ContextError).items()) if context else []
        core_context, key, message = self._core.bind_context(values, list(per_row))
        if core_context is None:
            if key not in self._fact_by_path:
                import difflib

                close = difflib.get_close_matches(key, [f.path for f in self.context_facts], n=1)
                if close:
                    message = f"`{key}` is not a context value of this policy; did you mean `{close[0]}`?"
            raise ContextError(message, key)
        return core_context

    def evaluate(self, record: Record, context: Optional[Mapping[str, Any]] = None) -> Decision:
        """Evaluates one applicant record (a dict shaped like a JSON applicant record).

        Keys are fact paths, as nested dicts or dotted keys; ``id`` is the applicant's key;
        ``verified``/``submitted`` list certificate ids. Values follow the :meth:`evaluate_many`
        conventions. An invalid record gives a Decision whose ``error`` says why (never raises for
        bad data). The decision carries the full trace and the sort key.

        ``context`` is the evaluation context (the policy's ``context:`` values: the school applied
        to, the admission year, cut-off dates), as a dict with nested or dotted keys:
        ``{"school": {"zone": "370705-001"}, "admission.age_cutoff": datetime.date(2022, 8, 31)}``.
        Values are converted as record values are. A bad context raises :class:`ContextError`
        naming the key, as does leaving out a value the policy reads and gives no default.
        A context value given in the record itself (``record["school"]["zone"]``) is used for this
        record instead of ``context``'s (see :meth:`evaluate_many`).
        """
        if not isinstance(record, Mapping):
            raise TypeError("Policy.evaluate expects a mapping (dict); use evaluate_many for tables")
        flat = _flatten(record)
        per_row = [name for name in flat if name in self._fact_by_path and self._fact_by_path[name].context]
        core_context = self._bind_context(context, per_row)
        columns = [(name, "objects", [value]) for name, value in flat.items()]
        result = self._core.evaluate(1, columns, 1, True, core_context)
        return _decision_from_core(result["decisions"][0], result, 0, self.id)

    def evaluate_many(self, data: Any, *, threads: Optional[int] = None,
                      context: Optional[Mapping[str, Any]] = None) -> Any:
        """Evaluates a table of applicants on all cores; returns a pandas DataFrame.

        ``data`` is a pandas DataFrame (one column per fact, dotted names for nested facts, list
        facts as cells holding lists of dicts, ``verified``/``submitted`` as lists of certificate
        ids, ``id`` the applicant's key) or a sequence of record dicts (as for :meth:`evaluate`).

        The result has the input's index and the columns ``eligible`` (boolean), ``group``,
        ``group_label``, ``rank`` (Int64), ``points`` (Decimal), ``points.<item>`` for each points
        item (Decimal), ``sort_key`` (a tuple of ints, see :attr:`Decision.sort_key`; only when
        the policy declares tie-breaks), ``missing`` (list of certificate ids) and ``error``.
        Invalid rows are kept: their ``error`` says why and their other columns are NA/None.
        ``threads`` defaults to all hardware threads. The GIL is released while the rows are
        evaluated.

        ``context`` (as for :meth:`evaluate`) is bound once and used for every row. A column named
        like a context value (``school.zone``) is a per-row context value: where it is set it
        replaces ``context``'s value for that row, where it is NA the row uses ``context``'s (or
        the default). So one table can hold applications to several schools.
        """
        from ._frame import evaluate_frame

        frame, raw = evaluate_frame(self, data, threads, context)
        return frame

    def run_tests(self, pattern: Optional[str] = None) -> "TestRun":
        """Runs the policy's own test cases (``tests:`` and the sibling ``<name>.test.yaml``) exactly
        as ``admit test`` does (same binding, context, expectations and messages).

        ``pattern``: a regular expression; only tests whose name it matches (``re.search``) run, as
        with ``admit test --run``. Returns a :class:`TestRun` (a list of :class:`TestResult`;
        ``.ok``, ``.failed``, ``.summary()``). A policy rebuilt from a pickle or compiled from text
        has no sibling test file, so only the tests in its own text.
        """
        regex = _re.compile(pattern) if pattern is not None else None
        run = TestRun()
        for index, problems in self._core.run_tests():
            test = self.tests[index]
            if regex is not None and not regex.search(test.name):
                continue
            run.append(TestResult(test, tuple(problems)))
        return run

    # -- introspection ------------------------------------------------------------------------------

    def fact(self, path: str) -> Fact:
        """The fact declared at ``path`` (KeyError when there is none)."""
        return self._fact_by_path[path]

    @property
    def has_tie_break(self) -> bool:
        """True when the policy declares tie-break keys (decisions then carry a sort key)."""
        return bool(self._default_tie_break) or any(self._group_tie_breaks)

    def tie_break(self, group: Optional[str] = None) -> List[TieBreak]:
        """The tie-break keys of ``group`` (a group id), in comparison order: the group's own
        ``tie_break``, else the policy's. ``None``: the keys of applicants with no group. The sort
        key (:attr:`Decision.sort_key`) holds the rank, then these keys' values. KeyError for an
        unknown group id.
        """
        if group is None:
            return list(self._default_tie_break)
        try:
            return list(self._group_tie_breaks[self._group_index[group]])
        except KeyError:
            raise KeyError(f"no group {group!r} in policy {self.id!r} (groups: {', '.join(self._group_index)})") from None

    def __repr__(self) -> str:
        extra = f", overrides={self.overrides!r}" if self.overrides else ""
        return f"<admit.Policy {self.id!r} {self.title}{extra}>"


def _flatten_unique(record: Mapping[str, Any], error: Any, prefix: str = "") -> Dict[str, Any]:
    """As :func:`_flatten`, but a path given twice (nested and dotted) raises ``error``."""
    out: Dict[str, Any] = {}
    for key, value in record.items():
        path = f"{prefix}{key}"
        items = _flatten_unique(value, error, path + ".").items() if isinstance(value, Mapping) else [(path, value)]
        for k, v in items:
            if k in out:
                raise error(f"`{k}` is given twice", k)
            out[k] = v
    return out


def _flatten(record: Mapping[str, Any], prefix: str = "") -> Dict[str, Any]:
    """Nested dicts become dotted keys; lists (list facts, certificates) are kept as they are."""
    out: Dict[str, Any] = {}
    for key, value in record.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten(value, path + "."))
        else:
            out[path] = value
    return out


# ---------------------------------------------------------------------------------------------
# Compiling
# ---------------------------------------------------------------------------------------------


def _finish(result: Tuple[Any, List[Mapping[str, Any]], str]) -> Policy:
    core, diagnostics, text = result
    diags = [Diagnostic._from_core(d) for d in diagnostics]
    if core is None:
        raise PolicyError(diags, text)
    return Policy(core, [d for d in diags if d.severity != "error"])


def _compile_text(text: str, file_name: str, overrides: List[Tuple[str, str]],
                  bases: Sequence[Tuple[str, str]] = ()) -> Policy:
    return _finish(_core.compile_source(text, file_name, overrides, False, list(bases)))


def _rebuild(source_text: str, file_name: str, overrides: List[Tuple[str, str]],
             bases: Sequence[Tuple[str, str]] = ()) -> Policy:
    """Unpickling: recompiles a policy from its source text and the texts of the files it extends."""
    return _compile_text(source_text, file_name, list(overrides), bases)


def compile_file(path: Union[str, "_os.PathLike[str]"], overrides: Overrides = None) -> Policy:
    """Compiles the rule file at ``path`` (and its sibling ``<name>.test.yaml`` tests).

    Raises :class:`PolicyError` when it does not compile, including when it cannot be read.
    """
    return _finish(_core.compile_file(_os.fspath(path), _normalize_overrides(overrides), True))


def compile_text(text: str, overrides: Overrides = None, *, file_name: str = "<string>") -> Policy:
    """Compiles rule-file text; ``file_name`` is what diagnostics and trace locations show."""
    return _finish(_core.compile_source(text, file_name, _normalize_overrides(overrides), False))


def _looks_like_path(text: str) -> bool:
    return "\n" not in text and ":" not in text.replace(":\\", "") and (
        text.endswith((".yaml", ".yml")) or _os.sep in text
    )


def compile(path_or_text: Union[str, "_os.PathLike[str]"], overrides: Overrides = None) -> Policy:
    """Compiles a policy from a file path or from YAML text.

    A ``str`` naming an existing file (or an ``os.PathLike``) is read as a rule file; a ``str`` that
    looks like a path (one line ending in .yaml/.yml, or containing a path separator and no colon)
    but names no file raises :class:`PolicyError` ("cannot read"); any other ``str`` is YAML text.
    ``overrides`` (path -> value) are applied before compiling, as in :meth:`Policy.with_overrides`.
    """
    if isinstance(path_or_text, _os.PathLike):
        return compile_file(path_or_text, overrides)
    if not isinstance(path_or_text, str):
        raise TypeError("admit.compile expects a path or YAML text (str)")
    try:
        is_file = _os.path.isfile(path_or_text)
    except (OSError, ValueError):
        is_file = False
    if is_file or _looks_like_path(path_or_text):
        return compile_file(path_or_text, overrides)
    return compile_text(path_or_text, overrides)


# ---------------------------------------------------------------------------------------------
# Diffs
# ---------------------------------------------------------------------------------------------


class PointsShift(NamedTuple):
    """How points moved from policy A to policy B over the rows evaluated by both (exact Decimals).

    ``compared``: rows valid under both policies; ``changed``/``increased``/``decreased``: counts;
    ``mean``: mean delta over the compared rows; ``mean_changed``: over the changed rows only;
    ``min``/``max``: smallest and largest delta. Means are rounded half-even to 6 decimals; all
    are ``Decimal('0')`` when nothing was compared (or nothing changed, for ``mean_changed``).
    """

    compared: int
    changed: int
    increased: int
    decreased: int
    mean: Decimal
    mean_changed: Decimal
    min: Decimal
    max: Decimal


class Diff(NamedTuple):
    """The result of :func:`diff`: unpack as ``changes, transitions, points = admit.diff(a, b, df)``.

    ``changes``: DataFrame of the applicants whose group, rank, points, missing list or error
    changed (input index kept: join on it for ids and facts), with a ``changed`` column naming what
    changed ("group,points"), ``<col>_a``/``<col>_b`` for group, group_label, rank, points, missing
    and error, and ``points_delta`` (Decimal; None when either side is invalid). When either policy
    has tie-breaks there are ``sort_key_a``/``sort_key_b`` too, and when both have, a changed sort
    key (the place in the admission order) counts as a change ("sort_key").
    ``transitions``: pandas crosstab of group under A (rows) -> group under B (columns) over all
    rows, with ``total`` margins; '' (no group) shows as ``<none>``, invalid rows as ``<error>``.
    ``points``: a :class:`PointsShift`.
    """

    changes: Any
    transitions: Any
    points: PointsShift

    def summary(self) -> str:
        """A short text report: counts, points shift and the transition table."""
        return diff_summary(self)

    def __repr__(self) -> str:
        return f"<admit.Diff {len(self.changes)} changed applicants; points: {self.points}>"


def diff(policy_a: Policy, policy_b: Policy, data: Any, *, threads: Optional[int] = None,
         context: Optional[Mapping[str, Any]] = None) -> Diff:
    """Evaluates ``data`` under two policies and reports who moved.

    Returns a :class:`Diff` (a named tuple ``(changes, transitions, points)``); see there. ``data``
    is anything :meth:`Policy.evaluate_many` accepts; ``context`` is the evaluation context, bound
    once per policy: each policy gets the context values it declares (so a policy without
    ``context:`` can be compared with one that has it); a key neither declares raises
    :class:`ContextError`, as does a value that a policy needs and nobody gives.
    """
    from ._frame import diff_frames

    return diff_frames(policy_a, policy_b, data, threads, context)


def diff_summary(d: Diff) -> str:
    """A text report of a :class:`Diff`: how many moved, the points shift and the transition table."""
    p = d.points
    lines = [
        f"{len(d.changes)} applicants changed group, rank, points, missing certificates or validity",
        f"points: {p.changed} of {p.compared} changed ({p.increased} up, {p.decreased} down); "
        f"delta mean {p.mean}, mean over changed {p.mean_changed}, min {p.min}, max {p.max}",
        "transitions (rows: policy A, columns: policy B):",
        d.transitions.to_string(),
    ]
    return "\n".join(lines)
