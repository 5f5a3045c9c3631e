"""Type stubs for the admit package (see admit/__init__.py for the documentation)."""

import datetime
import os
from decimal import Decimal
from typing import Any, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

import pandas

__version__: str

Record = Mapping[str, Any]
ContextMapping = Mapping[str, Any]
Overrides = Union[Mapping[str, Any], Iterable[Tuple[str, Any]], None]

class Diagnostic(NamedTuple):
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

class PolicyError(ValueError):
    diagnostics: List[Diagnostic]
    text: str
    def __init__(self, diagnostics: Sequence[Diagnostic], text: str) -> None: ...
    @property
    def errors(self) -> List[Diagnostic]: ...

class ContextError(ValueError):
    key: str
    def __init__(self, message: str, key: str = ...) -> None: ...

class Fact(NamedTuple):
    path: str
    type: str
    label: str
    source: str
    values: Tuple[str, ...]
    value_labels: Tuple[str, ...]
    has_default: bool
    max_items: int
    context: bool = ...

class Group(NamedTuple):
    id: str
    label: str
    rank: int

class Check(NamedTuple):
    id: str
    label: str
    reason: str

class PointsItem(NamedTuple):
    id: str
    label: str
    cap: Optional[Decimal]
    kind: str = ...

class Certificate(NamedTuple):
    id: str
    label: str
    verified_by: str
    category: str = ...
    label_en: str = ...

class TieBreak(NamedTuple):
    id: str
    label: str
    order: str
    points: bool
    type: str
    values: Tuple[str, ...]

class Param(NamedTuple):
    name: str
    type: str
    value: str
    label: str

class PolicyTest(NamedTuple):
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
    context: Optional[Dict[str, Any]] = ...
    context_json: str = ...
    sort_key: Optional[List[str]] = ...

class TestResult(NamedTuple):
    test: PolicyTest
    problems: Tuple[str, ...]
    @property
    def passed(self) -> bool: ...
    @property
    def name(self) -> str: ...
    @property
    def location(self) -> str: ...

class TestRun(List[TestResult]):
    @property
    def passed(self) -> int: ...
    @property
    def failed(self) -> List[TestResult]: ...
    @property
    def ok(self) -> bool: ...
    def summary(self) -> str: ...

class Decision:
    eligible: Optional[bool]
    group: Optional[str]
    group_label: Optional[str]
    rank: Optional[int]
    points: Optional[Decimal]
    points_uncapped: Optional[Decimal]
    breakdown: Dict[str, Decimal]
    lines: List[Tuple[str, str, Decimal, Decimal, bool]]
    certificates: List[Tuple[str, str, str]]
    missing: List[str]
    verified: List[str]
    submitted: List[str]
    substituted: List[str]
    trace: List[Dict[str, Any]]
    error: Optional[str]
    failed_check: Optional[str]
    failed_reason: Optional[str]
    policy_id: Optional[str]
    sort_key: Optional[Tuple[int, ...]]
    sort_key_text: Optional[List[str]]
    @property
    def ok(self) -> bool: ...
    def as_dict(self) -> Dict[str, Any]: ...
    def explain(self) -> str: ...
    def _repr_html_(self) -> str: ...

class Policy:
    id: str
    title: str
    jurisdiction: str
    year: int
    grade: int
    age_cutoff: Optional[datetime.date]
    facts: List[Fact]
    context_facts: List[Fact]
    param_infos: List[Param]
    params: Dict[str, str]
    groups: List[Group]
    eligibility_checks: List[Check]
    points_items: List[PointsItem]
    points_cap: Optional[Decimal]
    certificates: List[Certificate]
    tests: List[PolicyTest]
    lints: List[str]
    overrides: Dict[str, str]
    file: str
    source_text: str
    sources: List[Tuple[str, str]]
    bases: List[Tuple[str, str]]
    warnings: List[Diagnostic]
    def with_overrides(self, overrides: Overrides) -> Policy: ...
    def evaluate(self, record: Record, context: Optional[ContextMapping] = ...) -> Decision: ...
    def evaluate_many(
        self,
        data: Union[pandas.DataFrame, Sequence[Record]],
        *,
        threads: Optional[int] = ...,
        context: Optional[ContextMapping] = ...,
    ) -> pandas.DataFrame: ...
    def run_tests(self, pattern: Optional[str] = ...) -> TestRun: ...
    def fact(self, path: str) -> Fact: ...
    @property
    def has_tie_break(self) -> bool: ...
    def tie_break(self, group: Optional[str] = ...) -> List[TieBreak]: ...
    def __reduce__(
        self,
    ) -> Tuple[Any, Tuple[str, str, List[Tuple[str, str]], List[Tuple[str, str]]]]: ...

class PointsShift(NamedTuple):
    compared: int
    changed: int
    increased: int
    decreased: int
    mean: Decimal
    mean_changed: Decimal
    min: Decimal
    max: Decimal

class Diff(NamedTuple):
    changes: pandas.DataFrame
    transitions: pandas.DataFrame
    points: PointsShift
    def summary(self) -> str: ...

def compile(path_or_text: Union[str, os.PathLike[str]], overrides: Overrides = ...) -> Policy: ...
def compile_file(path: Union[str, os.PathLike[str]], overrides: Overrides = ...) -> Policy: ...
def compile_text(text: str, overrides: Overrides = ..., *, file_name: str = ...) -> Policy: ...
def diff(
    policy_a: Policy,
    policy_b: Policy,
    data: Union[pandas.DataFrame, Sequence[Record]],
    *,
    threads: Optional[int] = ...,
    context: Optional[ContextMapping] = ...,
) -> Diff: ...
def diff_summary(d: Diff) -> str: ...
def _rebuild(source_text: str, file_name: str, overrides: List[Tuple[str, str]],
             bases: Sequence[Tuple[str, str]] = ...) -> Policy: ...
