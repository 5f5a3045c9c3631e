"""Quick start: compile the benchmark county, explain one applicant, evaluate a population.

    PYTHONPATH=<build>/python /usr/bin/python3 examples/python/quickstart.py [N]
"""

import sys

import admit
from population import BENCHMARK_POLICY, benchmark_population


def main(n: int = 10_000) -> None:
    policy = admit.compile(BENCHMARK_POLICY)
    print(policy)
    print("groups:", ", ".join(f"{g.rank}. {g.id} ({g.label})" for g in policy.groups))

    decision = policy.evaluate({
        "id": "370705202003150012", "birth_date": "2020-03-15", "hukou_zone": "in_zone", "hukou_years": 4,
        "property_type": "purchase_contract", "rental_registered": False, "rental_years": 0, "si_months": 30,
        "business_license": False, "residence_permit": False, "preferential": "none",
        "verified": ["household_register"],
    })
    print(decision)
    print(decision.explain())

    applicants = benchmark_population(n, seed=1, invalid=0.005)
    results = policy.evaluate_many(applicants)
    print(results.head().to_string())
    print(results["group"].value_counts().to_string())
    print("invalid records:", int(results["error"].notna().sum()))
    print("mean points by group:")
    valid = results[results["error"].isna()]
    print(valid.groupby("group")["points"].apply(lambda s: sum(s) / len(s)).to_string())


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
