"""The evaluation context, sort keys and tie-breaks, on real policies from rules/.

Expected values are worked out by hand from the rule files (rules/shandong/weifang/kuiwen-2022.yaml,
its baseline and the applicant schema; rules/fujian/xiamen/siming-points-2022.yaml), and the
population's decisions are cross-checked with `admit eval --context`.
"""

import copy
import datetime
import json
import os
import pickle
import shutil
import subprocess
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

import admit

from conftest import REPO

KUIWEN = os.path.join(REPO, "rules", "shandong", "weifang", "kuiwen-2022.yaml")
SIMING = os.path.join(REPO, "rules", "fujian", "xiamen", "siming-points-2022.yaml")
DONGHU = os.path.join(REPO, "rules", "jiangxi", "nanchang", "donghu-2024.yaml")

# The context of kuiwen-2022.test.yaml: a school in catchment 370705-001 of 奎文区, 2022 dates.
CONTEXT = {
    "school": {"id": "kw-primary-01", "zone": "370705-001", "district_code": "370705", "public": True},
    "admission": {
        "year": 2022,
        "age_cutoff": "2022-08-31",
        "application_deadline": "2022-05-31",
        "collection_date": "2022-06-15",
        "residence_reference_date": "2022-08-31",
        "lease_reference_date": "2022-08-31",
        "insurance_reference_date": "2022-08-31",
    },
}

NEVER = datetime.date(2999, 12, 31)  # the schema's "no date" default: sorts last


def days(d):
    """A date as the sort key holds it: days since 1970-01-01."""
    return (d - datetime.date(1970, 1, 1)).days


def home(registered, contract=None):
    """The father's title deed at the hukou address, in catchment 370705-001, lived in."""
    p = {"unit_id": "KW-U01", "owner": "father", "kind": "title_deed", "residential": True, "district_code": "370705",
         "zone": "370705-001", "at_hukou_address": True, "lives_there": True, "registered_date": registered}
    if contract is not None:
        p["contract_date"] = contract
    return [p]


def local(move_in):
    return {"district_code": "370705", "zone": "370705-001", "with_parent": True, "move_in_date": move_in}


# A small population for one school. Hand-computed (Kuiwen K7: 落户时间, then 购房时间 = the earlier of
# contract and registration date, then 就业起始时间; a missing key is 2999-12-31):
#   b: batch 1, moved in 2015-03-01                                  -> first
#   c: batch 1, moved in 2016-09-20, bought 2009-06-01 (contract)    -> second
#   a: batch 1, moved in 2016-09-20, bought 2012-05-10               -> third
#   e: batch 1 by the preferential list (military), no Kuiwen hukou, no home: every key 2999-12-31
#   f: armed police stationed in Jinan: not on the list, no group (rank 6 + 1 = 7)
#   d: born 2016-09-01, after the cut-off: not eligible (rank 6 + 2 = 8, no keys)
POPULATION = {
    "a": {"id": "370705201608310125", "birth_date": "2016-08-31", "gender": "female",
          "hukou": local("2016-09-20"), "properties": home("2012-05-10")},
    "b": {"id": "37070520160310041X", "birth_date": "2016-03-10", "gender": "male",
          "hukou": local("2015-03-01"), "properties": home("2014-01-01")},
    "c": {"id": "370705201608310125", "birth_date": "2016-08-31", "gender": "female",
          "hukou": local("2016-09-20"), "properties": home("2010-01-01", contract="2009-06-01")},
    "d": {"id": "370705201609010212", "birth_date": "2016-09-01", "gender": "male",
          "hukou": local("2016-09-20"), "properties": home("2012-05-10")},
    "e": {"id": "410105201605050313", "birth_date": "2016-05-05", "gender": "male",
          "hukou": {"district_code": "410105", "with_parent": True}, "preferential": {"kind": "military"}},
    "f": {"id": "410105201605050313", "birth_date": "2016-05-05", "gender": "male",
          "hukou": {"district_code": "410105", "with_parent": True},
          "preferential": {"kind": "armed_police", "district_code": "370102"}},
}
EXPECTED_ORDER = ["b", "c", "a", "e", "f", "d"]
EXPECTED_KEYS = {
    "a": (1, days(datetime.date(2016, 9, 20)), days(datetime.date(2012, 5, 10)), days(NEVER)),
    "b": (1, days(datetime.date(2015, 3, 1)), days(datetime.date(2014, 1, 1)), days(NEVER)),
    "c": (1, days(datetime.date(2016, 9, 20)), days(datetime.date(2009, 6, 1)), days(NEVER)),
    "d": (8, 0, 0, 0),
    "e": (1, days(NEVER), days(NEVER), days(NEVER)),
    "f": (7, days(NEVER), days(NEVER), days(NEVER)),
}
EXPECTED_GROUPS = {"a": "hukou_property", "b": "hukou_property", "c": "hukou_property", "d": "too_young",
                   "e": "hukou_property", "f": ""}


@pytest.fixture(scope="module")
def kuiwen():
    return admit.compile(KUIWEN)


@pytest.fixture(scope="module")
def siming():
    return admit.compile(SIMING)


def population_frame():
    records = [dict(r) for r in POPULATION.values()]
    return pd.DataFrame.from_records([admit._flatten(r) for r in records], index=list(POPULATION))


# ---- introspection ---------------------------------------------------------------------------------


def test_context_facts_and_lints(kuiwen):
    ctx = {f.path: f for f in kuiwen.context_facts}
    assert all(f.context for f in kuiwen.context_facts)
    assert not kuiwen.fact("hukou.zone").context and kuiwen.fact("school.zone").context
    # From rules/schema/applicant-v1.yaml: school.zone has no default, school.public defaults to true.
    assert ctx["school.zone"].type == "string" and not ctx["school.zone"].has_default
    assert ctx["school.public"].type == "bool" and ctx["school.public"].has_default
    assert ctx["admission.age_cutoff"].type == "date" and ctx["school.warning_level"].values == ("none", "yellow", "orange", "red")
    assert kuiwen.lints == ["shandong"]
    assert admit.compile(os.path.join(REPO, "rules", "examples", "benchmark-county.yaml")).context_facts == []


def test_sources_and_bases(kuiwen):
    names = [os.path.normpath(n) for n, _ in kuiwen.sources]
    assert names[0] == os.path.normpath(KUIWEN)
    assert [os.path.basename(n) for n in names] == ["kuiwen-2022.yaml", "baseline-grade1.yaml", "certificates-v1.yaml",
                                                     "applicant-v1.yaml"]
    assert kuiwen.sources[0][1] == kuiwen.source_text
    assert kuiwen.sources[1:] == kuiwen.bases
    for name, text in kuiwen.sources:
        with open(name, encoding="utf-8") as f:
            assert f.read() == text


def test_catalogue_attributes(kuiwen, siming):
    certs = {c.id: c for c in kuiwen.certificates}
    # rules/schema/certificates-v1.yaml
    assert certs["resident_id_card"].category == "identity"
    assert certs["resident_id_card"].label_en == "resident identity card"
    assert certs["household_register"].category == "hukou"
    assert {i.id: i.kind for i in siming.points_items} == {
        "main_insurance": "employment", "secondary_insurance": "employment", "residence": "residence",
        "property": "property_type", "same_district": "residence", "family_planning": "bonus"}


def test_tie_break_introspection(kuiwen, siming):
    keys = kuiwen.tie_break("hukou_property")
    assert [(k.id, k.label, k.order, k.type, k.points) for k in keys] == [
        ("hukou_move_in", "落户时间", "ascending", "date", False),
        ("purchase", "购房时间", "ascending", "date", False),
        ("employment_start", "合法稳定就业起始时间", "ascending", "date", False),
    ]
    # No group has its own: every group, and applicants with no group, use the policy's keys.
    assert all(kuiwen.tie_break(g.id) == keys for g in kuiwen.groups)
    assert kuiwen.tie_break(None) == keys and kuiwen.tie_break() == keys
    assert kuiwen.has_tie_break
    with pytest.raises(KeyError, match="no group 'nope'"):
        kuiwen.tie_break("nope")
    (total,) = siming.tie_break(None)
    assert (total.id, total.order, total.points, total.type) == ("total", "descending", True, "decimal")
    donghu = admit.compile(DONGHU)
    assert not donghu.has_tie_break and donghu.tie_break(donghu.groups[0].id) == []


def test_policy_test_context_and_sort_key(kuiwen, siming):
    t = kuiwen.tests[0]
    assert t.context == CONTEXT  # the test file's context (the test has none of its own)
    assert json.loads(t.context_json) == CONTEXT
    assert t.sort_key is None
    s = siming.tests[0]
    assert s.name == "base family, everything verified" and s.sort_key == ["1", "25"]
    assert s.context["school"] == {"id": "sm-01", "zone": "350203-001", "district_code": "350203"}
    assert admit.compile(os.path.join(REPO, "rules", "examples", "benchmark-county.yaml")).tests[0].context is None


# ---- evaluate() with a context -------------------------------------------------------------------------


def test_evaluate_with_context_and_sort_key(kuiwen):
    d = kuiwen.evaluate(POPULATION["a"], context=CONTEXT)
    assert d.ok and (d.group, d.rank) == ("hukou_property", 1)
    assert d.sort_key == EXPECTED_KEYS["a"]
    assert d.sort_key_text == ["1", "2016-09-20", "2012-05-10", "2999-12-31"]
    assert "sort key" in d.explain() and "2012-05-10" in d.explain()
    assert "组内排序键" in d._repr_html_() and "2016-09-20 → 2012-05-10" in d._repr_html_()
    # Dotted keys, datetime.date / pandas.Timestamp / numpy values are converted as in records.
    dotted = {"school.zone": "370705-001", "school.district_code": "370705", "admission.year": np.int64(2022),
              "admission.age_cutoff": datetime.date(2022, 8, 31),
              "admission.application_deadline": pd.Timestamp("2022-05-31"),
              "admission.collection_date": np.datetime64("2022-06-15"),
              "admission.residence_reference_date": "2022-08-31", "admission.lease_reference_date": "2022-08-31",
              "admission.insurance_reference_date": "2022-08-31", "school.public": np.bool_(True)}
    assert kuiwen.evaluate(POPULATION["a"], context=dotted).as_dict() == d.as_dict()


def test_context_changes_the_decision(kuiwen):
    # K1: born 2016-08-31 is old enough with the 2022-08-31 cut-off, one day too young with 2022-08-30.
    earlier = copy.deepcopy(CONTEXT)
    earlier["admission"]["age_cutoff"] = datetime.date(2022, 8, 30)
    d = kuiwen.evaluate(POPULATION["a"], context=earlier)
    assert (d.eligible, d.group, d.rank) == (False, "too_young", 0)
    assert d.sort_key == (8, 0, 0, 0) and d.sort_key_text == ["8"]
    # Another school's catchment: the home is not in it, no group; its purchase key no longer counts.
    other = copy.deepcopy(CONTEXT)
    other["school"]["zone"] = "370705-002"
    d = kuiwen.evaluate(POPULATION["a"], context=other)
    assert (d.eligible, d.group, d.rank) == (True, "", 0)
    assert d.sort_key == (7, days(datetime.date(2016, 9, 20)), days(NEVER), days(NEVER))


def test_context_errors_name_the_key(kuiwen):
    record = POPULATION["a"]
    with pytest.raises(admit.ContextError, match="missing context value `school.zone`") as e:
        kuiwen.evaluate(record)  # the policy reads school.zone and gives it no default
    assert e.value.key == "school.zone" and isinstance(e.value, ValueError)
    with pytest.raises(admit.ContextError, match="did you mean `school.zone`") as e:
        kuiwen.evaluate(record, context={**CONTEXT, "school": {**CONTEXT["school"], "zome": "x"}})
    assert e.value.key == "school.zome"
    with pytest.raises(admit.ContextError, match="`school.public` must be true or false") as e:
        kuiwen.evaluate(record, context={**CONTEXT, "school": {**CONTEXT["school"], "public": "yes"}})
    assert e.value.key == "school.public"
    with pytest.raises(admit.ContextError, match=r"`admission.age_cutoff` is not a real date") as e:
        kuiwen.evaluate(record, context={**CONTEXT, "admission": {**CONTEXT["admission"], "age_cutoff": "2022-02-30"}})
    with pytest.raises(admit.ContextError, match="`school.warning_level` has unknown value \"purple\""):
        kuiwen.evaluate(record, context={**CONTEXT, "school": {**CONTEXT["school"], "warning_level": "purple"}})
    with pytest.raises(admit.ContextError, match="`hukou.zone` is a fact of the applicant record") as e:
        kuiwen.evaluate(record, context={**CONTEXT, "hukou.zone": "370705-001"})
    assert e.value.key == "hukou.zone"
    with pytest.raises(admit.ContextError, match="`school.zone` is given twice"):
        kuiwen.evaluate(record, context={**CONTEXT, "school.zone": "370705-001"})
    with pytest.raises(admit.ContextError, match="it declares none"):
        admit.compile(os.path.join(REPO, "rules", "examples", "benchmark-county.yaml")).evaluate({}, context={"school.zone": "x"})
    with pytest.raises(TypeError):
        kuiwen.evaluate(record, context=[("school.zone", "x")])
    # The same errors from evaluate_many, before any row is evaluated.
    with pytest.raises(admit.ContextError, match="missing context value `admission.age_cutoff`"):
        kuiwen.evaluate_many(population_frame(), context={"school": CONTEXT["school"]})


def test_none_in_context_means_the_default(kuiwen):
    with_none = copy.deepcopy(CONTEXT)
    with_none["school"]["public"] = None  # default: true
    assert kuiwen.evaluate(POPULATION["a"], context=with_none).as_dict() == kuiwen.evaluate(POPULATION["a"], context=CONTEXT).as_dict()


# ---- evaluate_many(): one context for every row, the sort key column -----------------------------------


def test_evaluate_many_sort_key_gives_the_admission_order(kuiwen):
    out = kuiwen.evaluate_many(population_frame(), context=CONTEXT)
    assert len(kuiwen.groups) == 6
    assert out["error"].isna().all(), out["error"].tolist()
    assert out["group"].to_dict() == EXPECTED_GROUPS
    assert out["sort_key"].to_dict() == EXPECTED_KEYS
    assert list(out.sort_values("sort_key").index) == EXPECTED_ORDER
    assert list(out.columns).index("sort_key") == list(out.columns).index("missing") - 1
    # The same as evaluate(), record by record, and with every thread count.
    for name, record in POPULATION.items():
        d = kuiwen.evaluate(record, context=CONTEXT)
        assert (d.group, d.sort_key) == (out.loc[name, "group"], out.loc[name, "sort_key"])
    for threads in (1, 3):
        assert out.equals(kuiwen.evaluate_many(population_frame(), threads=threads, context=CONTEXT))
    # Records (dicts) work the same.
    records = kuiwen.evaluate_many(list(POPULATION.values()), context=CONTEXT)
    assert list(records["sort_key"]) == list(out["sort_key"])


def test_evaluate_many_matches_the_cli(kuiwen, admit_cli, tmp_path):
    applicants = tmp_path / "applicants.jsonl"
    applicants.write_text("".join(json.dumps(r) + "\n" for r in POPULATION.values()), encoding="utf-8")
    context = tmp_path / "context.json"
    context.write_text(json.dumps(CONTEXT), encoding="utf-8")
    proc = subprocess.run([admit_cli, "eval", KUIWEN, "--context", str(context), "-a", str(applicants), "-j", "1"],
                          capture_output=True, text=True, check=True)
    cli = [json.loads(line) for line in proc.stdout.splitlines()]
    out = kuiwen.evaluate_many(population_frame(), context=CONTEXT)
    assert [c["group"] for c in cli] == list(out["group"])
    assert [tuple(c["sort_key"]) for c in cli] == list(out["sort_key"])
    assert [c["rank"] for c in cli] == list(out["rank"])


def test_per_row_context_columns(kuiwen):
    """A column named like a context value is a per-row context value; NA falls back to context=."""
    a = admit._flatten(POPULATION["a"])
    frame = pd.DataFrame([{**a, "school.zone": None}, {**a, "school.zone": "370705-002"}, a], index=["x", "y", "z"])
    out = kuiwen.evaluate_many(frame, context=CONTEXT)
    assert list(out["group"]) == ["hukou_property", "", "hukou_property"]
    assert out.loc["y", "sort_key"] == (7, days(datetime.date(2016, 9, 20)), days(NEVER), days(NEVER))
    assert out.loc["x", "sort_key"] == out.loc["z", "sort_key"] == EXPECTED_KEYS["a"]
    # The row's value wins in evaluate() too.
    assert kuiwen.evaluate({**POPULATION["a"], "school": {"zone": "370705-002"}}, context=CONTEXT).group == ""
    # A value the policy needs may come from the column alone; a row that leaves it NA is an error.
    no_zone = copy.deepcopy(CONTEXT)
    del no_zone["school"]["zone"]
    out = kuiwen.evaluate_many(frame, context=no_zone)
    assert list(out["group"])[1] == ""
    assert out.loc["x", "error"] == out.loc["z", "error"] == (
        "the evaluation context does not set `school.zone` (the policy gives it no default)")
    assert out.loc["x", "sort_key"] is None and pd.isna(out.loc["x", "rank"])
    # The row after a per-row value does not inherit it (each row starts from the bound context).
    frame = pd.DataFrame([{**a, "school.zone": "370705-002"}, {**a, "school.zone": None}], index=["y", "x"])
    assert list(kuiwen.evaluate_many(frame, threads=1, context=CONTEXT)["group"]) == ["", "hukou_property"]


def test_policy_without_tie_break_has_no_sort_key(repo):
    donghu = admit.compile(DONGHU)
    t = donghu.tests[0]
    d = donghu.evaluate(json.loads(t.applicant_json), context=t.context)
    assert d.ok and d.sort_key == () and d.sort_key_text == []
    out = donghu.evaluate_many([json.loads(t.applicant_json)], context=t.context)
    assert "sort_key" not in out.columns


def test_descending_points_key(siming):
    t = siming.tests[0]  # hand-computed in the test file: 12 + 6 + 2 + 5 = 25 points, sort key [1, 25]
    d = siming.evaluate(json.loads(t.applicant_json), context=t.context)
    assert d.points == Decimal(25)
    assert d.sort_key == (1, -25_000_000)  # descending: negated, in millionths
    assert d.sort_key_text == ["1", "25"]


# ---- Policy.run_tests ---------------------------------------------------------------------------------


def test_run_tests_matches_admit_test(kuiwen, siming, admit_cli):
    for policy, path in ((kuiwen, KUIWEN), (siming, SIMING)):
        run = policy.run_tests()
        assert run.ok and len(run) == len(policy.tests) and run.passed == len(run)
        proc = subprocess.run([admit_cli, "test", path], capture_output=True, text=True)
        assert proc.stdout.strip().splitlines()[-1] == f"{run.passed} passed, 0 failed"
    some = kuiwen.run_tests(pattern="preferential")
    assert some and all("preferential" in r.name for r in some) and len(some) < len(kuiwen.tests)


def test_run_tests_reports_failures():
    text = """
admit: 1
policy: {id: t, title: t, year: 2022}
facts:
  zone: {type: string, label: 片区}
context:
  school:
    zone: {type: string, label: 学校片区}
tie_break:
  - {id: z, label: 片区, key: "zone == school.zone", order: descending}
groups:
  - {id: in_zone, label: 片区内, when: zone == school.zone}
tests:
  - name: right
    context: {school: {zone: a}}
    applicant: {zone: a}
    expect: {group: in_zone, sort_key: [1, "true"]}
  - name: wrong group and key
    context: {school: {zone: b}}
    applicant: {zone: a}
    expect: {group: in_zone, sort_key: [1, "true"]}
  - name: no context
    applicant: {zone: a}
    expect: {group: in_zone}
"""
    p = admit.compile_text(text)
    run = p.run_tests()
    assert [r.passed for r in run] == [True, False, False]
    assert run[1].problems == ('group: expected "in_zone", got ""', 'sort_key: expected [1, true], got [2, false]')
    assert "the evaluation context does not set `school.zone`" in run[2].problems[0]
    assert not run.ok and run.passed == 1 and len(run.failed) == 2
    assert run.summary().endswith("1 passed, 2 failed") and "FAIL" in str(run[1])
    assert repr(run) == "<admit.TestRun 1 passed, 2 failed>"


# ---- diff with a context ------------------------------------------------------------------------------


def test_diff_with_context(kuiwen):
    # Reversing the purchase key: only the order within batch 1 changes (a and c share the move-in
    # date, so their purchase keys decide; each key is negated).
    reversed_purchase = kuiwen.with_overrides({"tie_break.purchase.order": "descending"})
    changes, transitions, points = admit.diff(kuiwen, reversed_purchase, population_frame(), context=CONTEXT)
    assert set(changes["changed"]) == {"sort_key"}
    assert sorted(changes.index) == ["a", "b", "c", "e", "f"]  # every row with a purchase key; not d (ineligible)
    assert changes.loc["a", "sort_key_b"] == (1, days(datetime.date(2016, 9, 20)), -days(datetime.date(2012, 5, 10)), days(NEVER))
    assert transitions.loc["hukou_property", "hukou_property"] == 4
    # The context decides the groups of both: at another school nobody has a catchment home.
    other = copy.deepcopy(CONTEXT)
    other["school"]["zone"] = "370705-002"
    changes, transitions, _ = admit.diff(kuiwen, kuiwen, population_frame(), context=other)
    assert changes.empty and transitions.loc["<none>", "<none>"] == 4  # a, b, c, f
    with pytest.raises(admit.ContextError, match="not a context value of either policy"):
        admit.diff(kuiwen, kuiwen, population_frame(), context={**CONTEXT, "school.zoen": "x"})
    # A policy without `context:` compared with one that has it: each gets what it declares.
    bench = admit.compile(os.path.join(REPO, "rules", "examples", "benchmark-county.yaml"))
    with pytest.raises(admit.ContextError, match="missing context value"):
        admit.diff(bench, kuiwen, population_frame())


# ---- pickling a multi-file policy ---------------------------------------------------------------------


def test_pickle_multi_file_policy_without_the_disk(tmp_path, monkeypatch):
    # A copy of the county file and every file it extends, compiled from there, then deleted.
    src = tmp_path / "src"
    for rel in ("shandong/weifang/kuiwen-2022.yaml", "shandong/baseline-grade1.yaml", "schema/certificates-v1.yaml",
                "schema/applicant-v1.yaml"):
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(os.path.join(REPO, "rules", rel), src / rel)
    monkeypatch.chdir(src)
    policy = admit.compile("shandong/weifang/kuiwen-2022.yaml")
    assert len(policy.sources) == 4
    data = pickle.dumps(policy)
    shutil.rmtree(src)
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    monkeypatch.chdir(empty)
    back = pickle.loads(data)
    assert back.sources == policy.sources and back.bases == policy.bases
    assert [f.path for f in back.context_facts] == [f.path for f in policy.context_facts]
    assert back.tie_break(None) == policy.tie_break(None) and back.lints == ["shandong"]
    out = back.evaluate_many(population_frame(), context=CONTEXT)
    assert out["sort_key"].to_dict() == EXPECTED_KEYS
    assert pickle.loads(pickle.dumps(back)).evaluate(POPULATION["b"], context=CONTEXT).sort_key == EXPECTED_KEYS["b"]
