"""What-if: raise the rental points rate and tighten the migrant-worker group, then diff.

    PYTHONPATH=<build>/python /usr/bin/python3 examples/python/what_if.py [N]
"""

import sys

import admit
from population import BENCHMARK_POLICY, benchmark_population

RENTAL_3_PER_YEAR = (
    "match property_type { full_title => 30, purchase_contract => 25, "
    "_ => if rental_registered then 10 + 3 * min(rental_years, 5) else 0 }"
)


def main(n: int = 20_000) -> None:
    base = admit.compile(BENCHMARK_POLICY)
    what_if = base.with_overrides({
        "points.items.housing.value": RENTAL_3_PER_YEAR,           # 3 points per rental year instead of 2
        "groups.migrant_worker.when": "residence_permit and si_months >= 24",  # 24 months of insurance
    })
    applicants = benchmark_population(n, seed=2026)
    d = admit.diff(base, what_if, applicants)
    print(d.summary())
    print()
    print("first changes:")
    print(d.changes.head(8).to_string())


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
