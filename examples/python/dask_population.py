"""Evaluate a partitioned synthetic population on a local dask.distributed cluster.

The Policy is shipped to the workers by pickling, which recompiles it from its source there.

    PYTHONPATH=<build>/python /usr/bin/python3 examples/python/dask_population.py [N] [PARTITIONS]
"""

import sys

import dask.dataframe as dd
from dask.distributed import Client, LocalCluster

import admit
from population import BENCHMARK_POLICY, benchmark_population


def main(n: int = 20_000, partitions: int = 4) -> None:
    policy = admit.compile(BENCHMARK_POLICY)
    applicants = benchmark_population(n, seed=3)
    frame = dd.from_pandas(applicants, npartitions=partitions)
    meta = policy.evaluate_many(applicants.iloc[:0])  # the result's columns and dtypes
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        # threads=1: each worker process evaluates its partition on one core (dask runs the workers).
        results = frame.map_partitions(policy.evaluate_many, threads=1, meta=meta).compute()
        workers = len(client.scheduler_info()["workers"])
    local = policy.evaluate_many(applicants)
    assert results.index.equals(applicants.index)
    assert results["points"].equals(local["points"]) and results["group"].equals(local["group"])
    print(f"{len(results)} applicants in {partitions} partitions on {workers} dask workers")
    print(results["group"].value_counts().to_string())


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*args)
