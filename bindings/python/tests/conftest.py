"""Shared fixtures: the repository, the benchmark policy, the CLI binary and the population generator."""

import os
import shutil
import sys

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
EXAMPLES = os.path.join(REPO, "examples", "python")
if EXAMPLES not in sys.path:
    sys.path.insert(0, EXAMPLES)

BENCHMARK = os.path.join(REPO, "rules", "examples", "benchmark-county.yaml")
KUIWEN = os.path.join(REPO, "examples", "county", "kuiwen-2022.yaml")


@pytest.fixture(scope="session")
def repo():
    return REPO


@pytest.fixture(scope="session")
def benchmark_path():
    return BENCHMARK


@pytest.fixture(scope="session")
def policy():
    import admit

    return admit.compile(BENCHMARK)


@pytest.fixture(scope="session")
def admit_cli():
    """The `admit` CLI binary: $ADMIT_CLI (set by the ctest registration), else `admit` on PATH."""
    path = os.environ.get("ADMIT_CLI") or shutil.which("admit")
    if not path or not os.path.exists(path):
        pytest.skip("the admit CLI was not found (set ADMIT_CLI)")
    return path
