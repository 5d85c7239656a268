#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""The series' own test in CPython's suite, Lib/test/test_execcheck.py, run
three ways:

    own_suite.py PREFIX UNPATCHED_PREFIX

1. The patched build: "python -m test test_execcheck" passes with no test
   skipped (a skip here would hide the feature from CPython's own CI).
2. The unpatched build (no --with-execcheck: EXECCHECK_CFLAGS is not set, as
   in a patched build configured without the option, where it is empty):
   regrtest reports the module skipped and succeeds.
3. The unpatched build forced past that skip (its sysconfig made to claim
   --with-execcheck): every refusal test fails and every control passes, so
   the tests detect a missing feature and their controls do not need it.
"""
import os
import re
import shutil
import subprocess
import tempfile

from common import Tally, clean_env, main_guard

TEST = "test_execcheck"
FORCE_PAST_SKIP = f"""
import sys, sysconfig, unittest
sysconfig.get_config_vars()['EXECCHECK_CFLAGS'] = '-DPy_EXECCHECK'
sys.path.insert(0, sys.argv[1])
unittest.main(module={TEST!r}, argv=[{TEST!r}, '-v'])
"""
# unittest -v: "test_name (module.Class.test_name) ... ok"
RESULT = re.compile(r"^(test_\w+) \(\S+\) \.\.\. (ok|FAIL|ERROR|skipped.*)$", re.M)


def run(argv, home):
    proc = subprocess.run(argv, env=clean_env(home), cwd=home, capture_output=True, text=True, timeout=600)
    return proc.returncode, proc.stdout + proc.stderr


def results(output):
    """{test method: its verdict}, or None if some test has no verdict line
    (unittest's "Ran N tests" counts them)."""
    got = dict(RESULT.findall(output))
    ran = re.search(r"^Ran (\d+) tests? in", output, re.M)
    return got if ran and int(ran.group(1)) == len(got) > 0 else None


def own_suite(prefix, base):
    tally = Tally("cpython test_execcheck")
    with tempfile.TemporaryDirectory(prefix="execcheck-own-suite-") as home:
        status, out = run([f"{prefix}/bin/python3", "-m", "test", "-v", TEST], home)
        got = results(out) or {}
        print(f"  patched: {len(got)} tests, {sum(r == 'ok' for r in got.values())} ok", flush=True)
        tally.check(status == 0 and got and all(r == "ok" for r in got.values())
                    and "Tests result: SUCCESS" in out, "patched: every test runs and passes", out[-4000:])

        testdir = os.path.join(home, "testdir")
        os.mkdir(testdir)
        shutil.copy(f"{prefix}/lib/python3.13/test/{TEST}.py", testdir)
        status, out = run([f"{base}/bin/python3", "-m", "test", "--testdir", testdir, "-v", TEST], home)
        skip = re.search(rf"^{TEST} skipped -- .*$", out, re.M)
        print(f"  unpatched: {skip.group(0) if skip else 'NOT SKIPPED'} (exit status {status})", flush=True)
        tally.check(skip and "requires configure --with-execcheck" in skip.group(0) and status == 0,
                    "unpatched: the module is skipped, regrtest succeeds", out[-4000:])

        status, out = run([f"{base}/bin/python3", "-c", FORCE_PAST_SKIP, testdir], home)
        got = results(out) or {}
        refusals = {t: r for t, r in got.items() if "refuse" in t}
        controls = {t: r for t, r in got.items() if "allows" in t}
        print(f"  unpatched forced past the skip: {sum(r == 'FAIL' for r in refusals.values())}/{len(refusals)}"
              f" refusal tests fail, {sum(r == 'ok' for r in controls.values())}/{len(controls)} controls pass",
              flush=True)
        tally.check(status != 0 and refusals and controls and len(refusals) + len(controls) == len(got)
                    and all(r == "FAIL" for r in refusals.values()) and all(r == "ok" for r in controls.values()),
                    "unpatched forced past the skip: every refusal test fails, every control passes", out[-4000:])
    return tally.finish()


if __name__ == "__main__":
    main_guard(own_suite)
