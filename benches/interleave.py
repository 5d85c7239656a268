# SPDX-License-Identifier: MIT OR Apache-2.0
"""Interleaved timing of interpreter variants, for the examples' bench
scripts: each variant runs in its own worker process started by
tests/with-policy with its policy bits; rounds go round-robin in a rotating
order so load changes on a shared machine hit every variant alike. The
script using this must call interleave.worker() when run with --worker."""
import json
import os
import statistics
import subprocess
import sys
import time

import rows

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def worker():
    """Run the commands the controller sends, N times each; answer with the
    mean wall and CPU time per run (user+sys from wait4), in microseconds."""
    for line in sys.stdin:
        job = json.loads(line)
        wall = cpu = 0.0
        for _ in range(job["n"]):
            start = time.perf_counter()
            pid = os.posix_spawn(job["argv"][0], job["argv"], os.environ)
            _, status, usage = os.wait4(pid, 0)
            wall += time.perf_counter() - start
            cpu += usage.ru_utime + usage.ru_stime
            if os.waitstatus_to_exitcode(status) != 0:
                sys.exit(f"bench: {job['argv']} failed: status {status}")
        print(json.dumps({"wall": wall / job["n"] * 1e6, "cpu": cpu / job["n"] * 1e6}), flush=True)


def _start(script, bits):
    env = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/"), "LC_ALL": "C"}
    return subprocess.Popen(
        [os.path.join(ROOT, "tests", "with-policy"), str(bits), sys.executable, script, "--worker"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)


def _sample(proc, argv, n):
    proc.stdin.write(json.dumps({"argv": argv, "n": n}) + "\n")
    proc.stdin.flush()
    answer = proc.stdout.readline()
    if not answer:
        sys.exit("bench: a worker died")
    return json.loads(answer)


def run(script, variants, workloads, rounds):
    """variants: name -> (interpreter, bits); workloads: name -> (args, n),
    where args may be a function of the interpreter that returns the whole
    argv. Returns (v, w) -> {"wall": [...], "cpu": [...]} per-run means."""
    workers = {name: _start(script, bits) for name, (_, bits) in variants.items()}
    results = {(v, w): {"wall": [], "cpu": []} for v in variants for w in workloads}
    names = list(variants)
    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for w, (args, n) in workloads.items():
            for v in order:
                argv = args(variants[v][0]) if callable(args) else [variants[v][0], *args]
                got = _sample(workers[v], argv, n)
                for key in ("wall", "cpu"):
                    results[(v, w)][key].append(got[key])
    for proc in workers.values():
        proc.stdin.close()
        proc.wait()
    return results


def report(label, variants, workloads, results, rounds):
    """Print medians, quartiles and ratios to the first variant; append
    benches/run rows as "LABEL: WORKLOAD (cpu|wall time)"."""
    names = list(variants)
    print(f"{rounds} interleaved rounds; per operation: median [interquartile range]; "
          "ratio = median / unpatched median")
    for w in workloads:
        print(f"\n{w}")
        base = {k: statistics.median(results[(names[0], w)][k]) for k in ("wall", "cpu")}
        for v in names:
            line = f"  {v:24}"
            for key in ("wall", "cpu"):
                lo, med, hi = rows.quartiles(results[(v, w)][key])
                line += f"  {key} {med:9.1f} us [{lo:8.1f}, {hi:8.1f}] x{med / base[key]:.3f}"
            print(line)
        for key in ("cpu", "wall"):
            for v in names:
                rows.append(f"{label}: {w} ({key} time)", v, "us", results[(v, w)][key], base[key])


def per_operation(variants, results, loop, single, what):
    """Print the cost of one operation: workload LOOP (1000 of them on top
    of a start) minus workload SINGLE (the start), over 1000."""
    names = list(variants)
    print(f"\ncost of one {what} (`{loop}` minus `{single}`, over 1000):")
    per = {v: {k: (statistics.median(results[(v, loop)][k])
                   - statistics.median(results[(v, single)][k])) / 1000
               for k in ("wall", "cpu")} for v in names}
    for v in names:
        extra = {k: per[v][k] - per[names[0]][k] for k in ("wall", "cpu")}
        print(f"  {v:24}  wall {per[v]['wall']:6.1f} us ({extra['wall']:+6.1f})"
              f"  cpu {per[v]['cpu']:6.1f} us ({extra['cpu']:+6.1f})")
