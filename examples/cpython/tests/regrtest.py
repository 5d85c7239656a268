#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""CPython's own regression tests, patched against unpatched.

    regrtest.py [--full] PREFIX UNPATCHED_PREFIX [TEST...]

The default set leaves out test_multiprocessing_spawn (two thirds of the
time; scenarios.py runs multiprocessing under every policy); --full runs it.

1. Without any policy bit, the patched interpreter must have no failing test
   case that the unpatched one (same source, same configure flags) passes.
   The unpatched interpreter runs only the modules where the patched one had
   failures. New failures are run once more on both, so that a test that
   fails at random on a loaded machine is reported as such and not blamed on
   the patch.
2. Under SECBIT_EXEC_RESTRICT_FILE, with the installation deployed (every
   code file executable), the failures are the expected ones. A test case
   whose failure text shows the policy's refusal ("refused by the execution
   policy": the test wrote a script or module without an execute bit and
   ran or imported it) is expected; any other must match a pattern in
   restrict-file-failures.txt, which says why (the few it marks "not run"
   are left out of that run, with the reason). Printed: the counts per module
   and reason (README.md, "CPython's regression tests", explains them).
"""
import collections
import fnmatch
import os
import re
import time
import xml.etree.ElementTree as ET

from common import HERE, RESTRICT_FILE, Tally, clean_env, main_guard, run, tmpfs

QUICK = ["test_import", "test_importlib", "test_cmd_line", "test_cmd_line_script", "test_runpy",
         "test_zipimport", "test_site", "test_compileall", "test_py_compile"]
TESTS = QUICK + ["test_multiprocessing_spawn"]
EXPECTED = os.path.join(HERE, "restrict-file-failures.txt")
NOT_RUN = "not run:"


def failing(prefix, bits, tests, where, label, match=(), ignore=()):
    """Run regrtest; {failing test case id: its failure text}."""
    xml = f"{where}/{label}.xml"
    argv = [f"{prefix}/bin/python3", "-m", "test", "-j2", "--timeout", "300", "--junit-xml", xml]
    argv += [arg for pattern in match for arg in ("-m", pattern)]
    argv += [arg for pattern in ignore for arg in ("-i", pattern)] + list(tests)
    start = time.monotonic()
    # The cache must be written as in real use: PYTHONDONTWRITEBYTECODE unset.
    status, output = run(bits, argv, clean_env(where, TMPDIR=where), timeout=3600)
    summary = re.search(r"^== Tests result: .*$", output, re.M)
    print(f"  {label}: {summary.group(0) if summary else 'no result'} ({time.monotonic() - start:.0f}s)",
          flush=True)
    if not os.path.exists(xml):
        print(output[-5000:])
        raise SystemExit(f"regrtest {label} wrote no results")
    failed = {}
    for case in ET.parse(xml).iter("testcase"):
        problems = [p for p in (case.find("failure"), case.find("error")) if p is not None]
        if problems:
            # regrtest writes the whole id (test.test_x.Class.method) as name
            failed[case.get("name")] = "".join(f"{p.get('message')}\n{p.text}" for p in problems)
    # A test module that crashed or timed out has no test cases to report.
    crashed = re.findall(r"\b(test_\S+) (?:crashed|timed out|worker non-zero exit code|worker bug)", output)
    failed.update({f"{name} (whole module)": "" for name in crashed})
    return failed


def module_of(test_id):
    """test.test_x.Class.method or "test_x.sub (whole module)": test_x."""
    parts = test_id.split(" ")[0].split(".")
    return parts[1] if parts[0] == "test" else parts[0]


def method_of(test_id):
    return test_id.split(" ")[0].rsplit(".", 1)[-1]


def expected_failures():
    """({pattern: why it fails}, [test ids not run under RESTRICT_FILE])."""
    expected, not_run = {}, []
    with open(EXPECTED) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                test_id, _, reason = line.partition("#")
                test_id = test_id.strip()
                if test_id.startswith(NOT_RUN):
                    not_run.append(test_id.removeprefix(NOT_RUN).strip())
                else:
                    expected[test_id] = reason.strip()
    return expected, not_run


def regrtest(*args):
    full = args[:1] == ("--full",)
    prefix, base_prefix, *tests = args[1:] if full else args
    tests = tests or (TESTS if full else QUICK)
    tally = Tally("cpython regression tests")
    with tmpfs() as where:
        patched = failing(prefix, 0, tests, where, "patched").keys()
        base = set()
        if patched:
            base = failing(base_prefix, 0, sorted({module_of(t) for t in patched}), where, "unpatched").keys()
        new = sorted(patched - base)
        if new:
            print(f"  {len(new)} new failures; running them again on both", flush=True)
            modules = sorted({module_of(t) for t in new})
            # A whole module that crashed: run it whole again.
            methods = [] if any(" " in t for t in new) else sorted({method_of(t) for t in new})
            again_base = failing(base_prefix, 0, modules, where, "unpatched-again", methods)
            again = failing(prefix, 0, modules, where, "patched-again", methods)
            for test_id in new:
                flaky = test_id not in again or test_id in again_base
                print(f"  {'flaky (passed on the second run)' if flaky else 'NEW FAILURE'}: {test_id}")
            new = [t for t in new if t in again and t not in again_base]
        tally.check(not new, f"no new failures without policy ({len(patched)} failures, {len(patched & base)} fail unpatched too)",
                    "\n".join(new))
        expected, not_run = expected_failures()
        enforced = failing(prefix, RESTRICT_FILE, tests, where, "patched-restrict-file", ignore=not_run)
        tally.check(under_restrict_file(enforced, expected, patched, tests, prefix),
                    "under RESTRICT_FILE: every new failure is a refusal or listed")
    return tally.finish()


def under_restrict_file(enforced, expected, patched, tests, prefix):
    """Print why each test case fails under RESTRICT_FILE only; False if one
    fails for no known reason, or because a file of the installation (which
    deploy made executable) was refused."""
    counts = collections.Counter()
    surprises = []
    for test_id, text in sorted(enforced.items()):
        if test_id in patched:
            continue
        module = module_of(test_id)
        listed = [pattern for pattern in expected if fnmatch.fnmatchcase(test_id, pattern)]
        installed = [path for path in re.findall(r"refused by the execution policy[^\n]*?'(/[^']*)'", text)
                     if path.startswith(prefix + "/")]
        if "refused by the execution policy" in text and not installed:
            counts[module, "the policy's refusal is in the failure"] += 1
        elif listed:
            counts[module, expected[listed[0]]] += 1
        else:
            counts[module, "NOT EXPECTED"] += 1
            surprises.append(test_id)
            print(f"  NOT EXPECTED under RESTRICT_FILE: {test_id}\n" + "".join(
                f"    | {line}\n" for line in text.splitlines()[-15:]))
    for (module, reason), n in sorted(counts.items()):
        print(f"  under RESTRICT_FILE: {module}: {n} failures: {reason}")
    for module in sorted({module_of(t) for t in tests} - {m for m, _ in counts}):
        print(f"  under RESTRICT_FILE: {module}: no new failures")
    for pattern in expected:
        if not fnmatch.filter(enforced, pattern):
            print(f"  {os.path.basename(EXPECTED)}: nothing failed that matches {pattern}")
    return not surprises


if __name__ == "__main__":
    main_guard(regrtest)
