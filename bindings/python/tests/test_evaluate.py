"""Policy.evaluate: one record, exact Decimal points, breakdown, certificates, trace, errors."""

import json
from decimal import Decimal

import pytest

import admit

from conftest import KUIWEN

RECORD = {
    "id": "370705201911020024",
    "birth_date": "2019-11-02",
    "hukou_zone": "in_zone",
    "hukou_years": 12,
    "property_type": "full_title",
    "rental_registered": False,
    "rental_years": 0,
    "si_months": 25,
    "business_license": False,
    "residence_permit": False,
    "preferential": "martyr",
    "verified": ["household_register", "property_certificate"],
}


def test_evaluate_attributes(policy):
    d = policy.evaluate(RECORD)
    assert d.ok and d.error is None
    assert d.eligible is True
    assert (d.group, d.group_label, d.rank) == ("preferential", "优抚对象", 1)
    # 30 + 30 + 0.5 * 25 + 20 + min(12, 10): exact, a Decimal
    assert isinstance(d.points, Decimal) and d.points == Decimal("102.5")
    assert str(d.points) == "102.5"
    assert d.breakdown == {"hukou": Decimal(30), "housing": Decimal(30), "employment": Decimal("12.5"),
                           "preferential": Decimal(20), "hukou_years": Decimal(10)}
    assert list(d.breakdown) == [i.id for i in policy.points_items]
    assert d.missing == ["preferential_certificate"]
    assert d.verified == ["household_register"]
    assert d.submitted == [] and d.substituted == []
    kinds = [t["kind"] for t in d.trace]
    assert kinds[0] == "eligibility" and "group" in kinds and "points" in kinds
    first = d.trace[0]
    assert set(first) >= {"kind", "subject", "result", "expression", "location", "values_seen"}
    assert first["location"].startswith(policy.file + ":")
    assert "birth_date = 2019-11-02" in first["values_seen"]
    r = repr(d)
    assert "preferential" in r and "102.5" in r and "preferential_certificate" in r
    assert "优抚对象" in d._repr_html_() and "<table" in d._repr_html_()
    assert "积分明细" in d._repr_html_()
    assert "points 102.5" in d.explain()


def test_nested_dict_record_and_dotted_keys():
    p = admit.compile(KUIWEN)
    for t in p.tests:
        if t.error_contains is None:
            record = json.loads(t.applicant_json)
            break
    d = p.evaluate(record)
    flat = {}
    for k, v in record.items():
        if isinstance(v, dict):
            for k2, v2 in v.items():
                flat[f"{k}.{k2}"] = v2
        else:
            flat[k] = v
    assert p.evaluate(flat).as_dict() == d.as_dict()


@pytest.mark.parametrize("path", ["rules/examples/benchmark-county.yaml", "examples/county/kuiwen-2022.yaml"])
def test_policy_tests_pass_through_python(repo, path):
    """Every test case of the bundled policies, evaluated through the bindings."""
    p = admit.compile(f"{repo}/{path}")
    assert p.tests
    for t in p.tests:
        d = p.evaluate(json.loads(t.applicant_json))
        where = f"{t.name} ({t.file}:{t.line})"
        if t.error_contains is not None:
            assert d.error is not None and t.error_contains in d.error, where
            continue
        assert d.error is None, f"{where}: {d.error}"
        if t.eligible is not None:
            assert d.eligible == t.eligible, where
        if t.group is not None:
            assert d.group == t.group, where
        if t.points is not None:
            assert d.points == t.points, where
        for item, value in t.breakdown.items():
            assert d.breakdown[item] == value, where
        if t.missing is not None:
            assert d.missing == t.missing, where


def test_invalid_records_give_errors_not_exceptions(policy):
    d = policy.evaluate({**RECORD, "hukou_zone": "downtown"})
    assert not d.ok
    assert d.error.startswith("`hukou_zone` has unknown value \"downtown\"")
    assert d.group is None and d.points is None
    assert "error" in repr(d) and "无法评估" in d._repr_html_()
    missing = dict(RECORD)
    del missing["si_months"]
    assert "missing `si_months`" in policy.evaluate(missing).error
    assert "`hukou_years` must be a whole number, found 2.5" in policy.evaluate({**RECORD, "hukou_years": 2.5}).error
    assert "unknown certificate `passport` in `verified`" in policy.evaluate({**RECORD, "verified": ["passport"]}).error
    with pytest.raises(TypeError):
        policy.evaluate([RECORD])  # type: ignore[arg-type]


def test_resident_ids_are_masked_in_errors(policy):
    d = policy.evaluate({**RECORD, "id": 370705201911020024})
    assert d.error is not None and "370705201911020024" not in d.error


def test_ineligible(policy):
    d = policy.evaluate({**RECORD, "birth_date": "2018-01-01"})
    assert d.ok and d.eligible is False
    assert d.group == "ineligible_age" and d.rank == 0
    assert d.failed_check == "ineligible_age" and d.failed_reason
    assert "不符合" in d._repr_html_()
