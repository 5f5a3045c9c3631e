"""The examples in this directory, run as tests (small sizes), each in its own interpreter."""

import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


def run(script, *args, timeout=300):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (HERE, env.get("PYTHONPATH", "")) if p)
    proc = subprocess.run([sys.executable, os.path.join(HERE, script), *map(str, args)], capture_output=True,
                          text=True, env=env, timeout=timeout, cwd=HERE)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_quickstart():
    out = run("quickstart.py", 2000)
    assert "hukou_property" in out and "invalid records:" in out


def test_what_if():
    out = run("what_if.py", 3000)
    assert "transitions" in out and "migrant_worker" in out


def test_dask_population():
    pytest.importorskip("distributed")
    out = run("dask_population.py", 4000, 4)
    assert "4000 applicants in 4 partitions on 2 dask workers" in out
