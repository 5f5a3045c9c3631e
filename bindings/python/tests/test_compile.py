"""admit.compile: success, metadata and every error path."""

import os
import subprocess
from decimal import Decimal

import pytest

import admit

from conftest import BENCHMARK, KUIWEN

BAD_NAME = """admit: 1
policy:
  id: t
facts:
  zone:
    type: enum
    values: [a, b]
groups:
  - id: g
    label: G
    when: zon == a
"""


def test_compile_file_metadata(policy):
    assert policy.id == "benchmark-county"
    assert policy.year == 2026
    assert policy.title.startswith("基准县")
    assert [g.id for g in policy.groups] == [
        "preferential", "hukou_property", "hukou_only", "property_only", "migrant_worker", "unplaced"]
    assert policy.groups[1] == admit.Group("hukou_property", "有房有户", 2)
    assert [i.id for i in policy.points_items] == ["hukou", "housing", "employment", "preferential", "hukou_years"]
    assert policy.fact("hukou_zone").type == "enum"
    assert policy.fact("hukou_zone").values == ("in_zone", "city", "province", "outside")
    assert {c.id for c in policy.certificates} >= {"household_register", "preferential_certificate"}
    assert policy.certificates[-1].verified_by == ""
    assert policy.params == {}
    assert len(policy.tests) > 10  # the sibling benchmark-county.test.yaml
    assert policy.file == BENCHMARK
    assert "admit: 1" in policy.source_text
    assert repr(policy).startswith("<admit.Policy 'benchmark-county'")


def test_compile_accepts_text_and_pathlike(tmp_path):
    p = admit.compile(BAD_NAME.replace("zon ==", "zone =="))
    assert p.id == "t" and p.file == "<string>"
    f = tmp_path / "t.yaml"
    f.write_text(BAD_NAME.replace("zon ==", "zone =="), encoding="utf-8")
    assert admit.compile(f).file == str(f)
    assert admit.compile(str(f)).id == "t"


def test_unknown_name_has_position(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text(BAD_NAME, encoding="utf-8")
    with pytest.raises(admit.PolicyError) as info:
        admit.compile(str(f))
    err = info.value
    assert isinstance(err, ValueError)
    d = err.diagnostics[0]
    assert isinstance(d, admit.Diagnostic)
    assert (d.file, d.line, d.column, d.end_line, d.end_column) == (str(f), 11, 11, 11, 14)
    assert d.severity == "error" and d.code == "unknown-name"
    assert "`zon`" in d.message
    assert d.help == "did you mean `zone`?"
    text = str(err)
    assert f"{f}:11:11: error: unknown name `zon` [unknown-name]" in text
    assert "^~~" in text  # the caret snippet, as the CLI shows it
    assert err.errors == [x for x in err.diagnostics if x.severity == "error"]


def test_error_text_matches_cli(tmp_path, admit_cli):
    f = tmp_path / "bad.yaml"
    f.write_text(BAD_NAME, encoding="utf-8")
    with pytest.raises(admit.PolicyError) as info:
        admit.compile(str(f))
    cli = subprocess.run([admit_cli, "check", "--color", "never", str(f)], capture_output=True, text=True)
    assert cli.returncode != 0
    shown = cli.stdout + cli.stderr
    for d in info.value.diagnostics:
        assert d.text in shown  # each diagnostic renders exactly like `admit check`


def test_bad_yaml():
    with pytest.raises(admit.PolicyError) as info:
        admit.compile("admit: 1\npolicy: [\n")
    d = info.value.diagnostics[0]
    assert d.code == "yaml" and d.file == "<string>" and d.line >= 1
    assert "malformed YAML" in str(info.value)


def test_missing_file():
    with pytest.raises(admit.PolicyError) as info:
        admit.compile("no/such/policy.yaml")
    d = info.value.diagnostics[0]
    assert d.file == "no/such/policy.yaml" and d.line == 0 and d.severity == "error"
    assert "cannot" in d.message
    with pytest.raises(admit.PolicyError):
        admit.compile_file("/nonexistent.yaml")


def test_type_error_and_not_text():
    with pytest.raises(admit.PolicyError) as info:
        admit.compile(BAD_NAME.replace("zon == a", "zone + 1"))
    assert info.value.diagnostics and all(isinstance(d.line, int) for d in info.value.diagnostics)
    with pytest.raises(TypeError):
        admit.compile(42)  # type: ignore[arg-type]


def test_nested_and_list_facts_policy():
    p = admit.compile(KUIWEN)
    paths = {f.path: f.type for f in p.facts}
    assert paths["hukou.district"] == "enum"
    assert paths["properties"] == "list"
    assert any(path.startswith("properties[].") for path in paths)


def test_points_cap_metadata():
    text = BAD_NAME.replace("zon == a", "zone == a") + """points:
  cap: 50
  items:
    - id: x
      label: X
      value: 1.5
      cap: 1
"""
    p = admit.compile(text)
    assert p.points_cap == Decimal("50")
    assert p.points_items == [admit.PointsItem("x", "X", Decimal("1"))]
