# SPDX-License-Identifier: MIT OR Apache-2.0
"""The benchmark of the ash-family shells (examples/dash/bench,
examples/busybox/bench): unpatched vs patched with no policy bit vs patched
under SECBIT_EXEC_RESTRICT_FILE, for `SHELL -c :` (startup), `SHELL FILE`
(startup plus one file check) and a script sourcing 50 small files 20
times (1000 `.`s), interleaved (interleave.py). Reported: median wall and
CPU time per run, the ratio to unpatched, and the cost of one `.`."""
import os
import subprocess
import sys
import tempfile

import interleave


def build(script, *args):
    """The install prefix the example's build script (next to SCRIPT) prints last."""
    out = subprocess.run([os.path.join(os.path.dirname(script), "build"), *args], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    return out.strip().splitlines()[-1]


def fixtures(directory):
    """50 small files to source, a script sourcing them 20 times, an empty
    script; all 0755 so RESTRICT_FILE lets them through."""
    paths = []
    for i in range(50):
        path = os.path.join(directory, f"lib{i}.sh")
        with open(path, "w") as f:
            f.write(f"value_{i}=$(( {i} + 1 ))\nfunction_{i}() {{ :; }}\n")
        paths.append(path)
    loop = os.path.join(directory, "dot-loop")
    with open(loop, "w") as f:
        f.write(f"for round in $(seq 20); do\n  for f in {directory}/lib*.sh; do . \"$f\"; done\ndone\n")
    empty = os.path.join(directory, "empty")
    open(empty, "w").close()
    for path in paths + [loop, empty]:
        os.chmod(path, 0o755)
    return loop, empty


def main(script, label, shells):
    """Run the benchmark of each shell in SHELLS (PREFIX/bin/SHELL of the
    unpatched and the patched build); rows go to benches/run as "LABEL: ...".
    SCRIPT is the calling bench, which calls interleave.worker() when run
    with --worker."""
    if sys.argv[1:] not in ([], ["--smoke"]):
        sys.exit(sys.modules["__main__"].__doc__)
    unpatched, patched = build(script, "--unpatched"), build(script)
    smoke = sys.argv[1:] == ["--smoke"]
    rounds, scale = (2, 0.1) if smoke else (15, 1.0)
    cache = os.path.join(os.environ.get("EXECCHECK_CACHE", os.path.expanduser("~/.cache/execcheck")), label)
    os.makedirs(cache, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache, prefix="bench.") as directory:
        loop, empty = fixtures(directory)
        for shell in shells:
            variants = {
                "unpatched": (f"{unpatched}/bin/{shell}", 0),
                "patched, no policy": (f"{patched}/bin/{shell}", 0),
                "patched, RESTRICT_FILE": (f"{patched}/bin/{shell}", 1),
            }
            workloads = {
                f"{shell} -c :": (["-c", ":"], max(1, int(300 * scale))),
                f"{shell} FILE": ([empty], max(1, int(300 * scale))),
                f"{shell} 1000 x .": ([loop], max(1, int(5 * scale))),
            }
            results = interleave.run(script, variants, workloads, rounds)
            interleave.report(label, variants, workloads, results, rounds)
            interleave.per_operation(variants, results, f"{shell} 1000 x .", f"{shell} FILE", ".")
