# SPDX-License-Identifier: MIT OR Apache-2.0
"""Rows for benches/run's table, for the benchmark scripts written in Python
(the interpreters' examples/*/bench). When benches/run calls them it sets
EXECCHECK_BENCH_CSV to a file; each script then appends its measurements
there as table,variant,unit,median,p10,p90,ratio, the format of every
producer."""
import csv
import os
import statistics


def quartiles(samples):
    """p25, median and p75 of a list of samples (all three the sample if only one)."""
    if len(samples) < 2:
        return samples[0], samples[0], samples[0]
    q1, q2, q3 = statistics.quantiles(samples, n=4)
    return q1, q2, q3


def spread(samples):
    """p10 and p90 of a list of samples (the lowest and highest with few)."""
    ordered = sorted(samples)
    return ordered[len(ordered) // 10], ordered[(len(ordered) * 9) // 10]


def append(table, variant, unit, samples, base_median):
    """Append one row when benches/run asked for rows; a no-op otherwise."""
    path = os.environ.get("EXECCHECK_BENCH_CSV")
    if not path:
        return
    median = statistics.median(samples)
    p10, p90 = spread(samples)
    with open(path, "a", newline="") as out:
        csv.writer(out).writerow([table, variant, unit, f"{median:.2f}", f"{p10:.2f}", f"{p90:.2f}",
                                  f"{median / base_median:.3f}"])
