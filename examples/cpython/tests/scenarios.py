#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""What must keep working under enforcement, on the real kernel:

- the bytecode cache: a .pyc keeps its source's execute bits, and the second
  run under RESTRICT_FILE loads it instead of compiling again;
- multiprocessing spawn, forkserver and fork under every policy (under
  DENY_INTERACTIVE spawn and forkserver are refused with a message that
  names fork, and fork works);
- threads: one thread loading code while another starts threads never sees
  "can't start new thread", under every policy;
- deploy: it makes code files executable, and --check lists what would
  still be refused.

    scenarios.py PREFIX UNPATCHED_PREFIX
"""
import os
import re
import shutil
import stat
import subprocess

from common import (ALL_BITS, DENY_INTERACTIVE, HERE, PROGRAMS, RESTRICT_FILE, Tally, bits_name,
                    build_extension, clean_env, install_programs, main_guard, refusal, run, tmpfs)

DEPLOY = os.path.join(HERE, "..", "deploy")


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def bytecode_cache(tally, python, base_python, where):
    harness = f"{where}/harness"
    install_programs(harness, "drive.py")
    env = clean_env(where)            # no PYTHONDONTWRITEBYTECODE: write the cache
    for name, py, mode in (("exec", python, 0o755), ("plain", python, 0o644), ("unpatched", base_python, 0o755)):
        src = f"{where}/{name}"
        os.makedirs(src)
        with open(f"{src}/m_src.py", "w") as f:
            f.write('print("RAN m_src")\n')
        os.chmod(f"{src}/m_src.py", mode)
        status, output = run(0, [py, f"{harness}/drive.py", "import", src], env)
        pyc = f"{src}/__pycache__/m_src.cpython-313.pyc"
        tally.check(status == 0 and os.path.exists(pyc), f"bytecode cache: {name} source: first import writes a .pyc",
                    output)
        if not os.path.exists(pyc):
            continue
        # Patched: the .pyc has its source's mode. Unpatched: never an x bit
        # (the problem the patch solves; proves this check can tell).
        wanted = 0o644 if name == "unpatched" else mode
        tally.check(mode_of(pyc) == wanted, f"bytecode cache: {name} source {mode:o}: .pyc mode {wanted:o}",
                    f"  .pyc mode is {mode_of(pyc):o}")
    src = f"{where}/exec"
    pyc = f"{src}/__pycache__/m_src.cpython-313.pyc"
    loaded = f"# code object from '{pyc}'"
    created = f"# created '{pyc}'"
    status, output = run(RESTRICT_FILE, [python, "-v", f"{harness}/drive.py", "import", src], env)
    tally.check(status == 0 and loaded in output and created not in output,
                "bytecode cache: second run under RESTRICT_FILE loads the .pyc", output[-3000:])
    # Control: a .pyc without an x bit fails the check; the import compiles
    # the source again and rewrites the cache with the source's mode.
    os.chmod(pyc, 0o644)
    status, output = run(RESTRICT_FILE, [python, "-v", f"{harness}/drive.py", "import", src], env)
    tally.check(status == 0 and loaded not in output and created in output and mode_of(pyc) == 0o755,
                "bytecode cache: a refused .pyc is recompiled and rewritten 0755", output[-3000:])


def multiprocessing_children(tally, python, where):
    install_programs(where, "mp_workload.py")
    env = clean_env(where, PYTHONDONTWRITEBYTECODE="1")
    for bits in ALL_BITS:
        status, output = run(bits, [python, f"{where}/mp_workload.py"], env, timeout=300)
        denied = bits & DENY_INTERACTIVE
        control = 126 if denied else 0
        # Under DENY_INTERACTIVE spawn and forkserver are refused, naming
        # fork, which works (attacks.py: their children read code from pipes).
        refused = [f"MP REFUSED {m}: [Errno 13] the '{m}' start method is {refusal(DENY_INTERACTIVE)}"
                   for m in ("spawn", "forkserver")]
        ok = (status == 0 and "MP OK fork" in output and "MP OK shared memory" in output
              and all(("MP OK " + m in output) != bool(denied) for m in ("spawn", "forkserver"))
              and all((r in output) == bool(denied) for r in refused)
              and (not denied or "use the 'fork' start method" in output)
              and f"inline child exit status {control}" in output and "Traceback" not in output)
        tally.check(ok, f"multiprocessing spawn+forkserver+fork, policy {bits_name(bits)}", output[-3000:])


def threads(tally, python, where):
    install_programs(where, "threads_workload.py")
    env = clean_env(where, PYTHONDONTWRITEBYTECODE="1")
    for bits in ALL_BITS:
        status, output = run(bits, [python, f"{where}/threads_workload.py", "3", "imports"], env)
        counts = dict(re.findall(r"(\w+(?: \w+)*)=(\d+)", output))
        ok = (status == 0 and counts.get("failed starts") == "0" and int(counts.get("loads", 0)) > 100
              and int(counts.get("starts", 0)) > 100)
        tally.check(ok, f"threads: imports while starting threads, policy {bits_name(bits)}: "
                    f"{counts.get('loads')} loads, {counts.get('starts')} starts, "
                    f"{counts.get('failed starts')} failed", output)
    # Control: the same workload with the raw kernel check must fail here.
    status, output = run(0, [python, f"{where}/threads_workload.py", "3", "raw-check"], env)
    failed = int(dict(re.findall(r"(\w+(?: \w+)*)=(\d+)", output)).get("failed starts", 0))
    tally.check(failed > 0, f"threads control: raw AT_EXECVE_CHECK in a thread breaks thread starts ({failed})",
                output)


def deploy(tally, python, base_python, prefix, where):
    tree = f"{where}/tree"
    os.makedirs(f"{tree}/pkg/__pycache__")
    unfit = [f"{tree}/pkg/__init__.py", f"{tree}/pkg/__pycache__/mod.cpython-313.pyc", f"{tree}/x.pth"]
    for path in unfit + [f"{tree}/pkg/mod.py", f"{tree}/pkg/data.txt"]:
        with open(path, "w") as f:
            f.write("\n")
    unfit.append(build_extension(python, f"{PROGRAMS}/m_ext.c", f"{tree}/pkg", "m_ext"))
    for path in unfit + [f"{tree}/pkg/data.txt"]:
        os.chmod(path, 0o644)
    os.chmod(f"{tree}/pkg/mod.py", 0o755)
    check = [python, DEPLOY, "--check", tree]
    status, output = run(0, check, clean_env(where))
    listed = sorted(re.findall(r"refused by the execution policy \(SECBIT_EXEC_RESTRICT_FILE\): .*: '([^']+)'",
                               output))
    tally.check(status == 1 and listed == sorted(unfit), "deploy --check lists exactly the unfit code files",
                output)
    subprocess.run([DEPLOY, tree], check=True)
    modes = {path: mode_of(path) for path in unfit + [f"{tree}/pkg/data.txt"]}
    tally.check(all(modes[p] == 0o755 for p in unfit) and modes[f"{tree}/pkg/data.txt"] == 0o644,
                "deploy gives code files, and only them, an x bit", repr(modes))
    status, output = run(0, check, clean_env(where))
    tally.check(status == 0 and "deploy: 0 code files would be refused" in output,
                "deploy --check after deploy: nothing refused", output)
    # The kernel decides, not the mode: an executable file on noexec.
    with tmpfs("noexec") as noexec:
        shutil.copy(f"{tree}/pkg/mod.py", noexec)
        status, output = run(0, [python, DEPLOY, "--check", noexec], clean_env(where))
        tally.check(status == 1 and f"{noexec}/mod.py" in output, "deploy --check sees noexec mounts", output)
    status, output = run(0, [base_python, DEPLOY, "--check", tree], clean_env(where))
    tally.check(status != 0 and "does not check files" in output,
                "deploy --check refuses to vouch with an interpreter that does not check", output)
    status, output = run(0, [python, DEPLOY, "--check", f"{prefix}/lib"], clean_env(where), timeout=600)
    tally.check(status == 0 and "deploy: 0 code files would be refused" in output,
                "deploy --check on the built prefix: nothing refused", output[-3000:])


def scenarios(prefix, base_prefix):
    python, base_python = f"{prefix}/bin/python3", f"{base_prefix}/bin/python3"
    tally = Tally("cpython scenarios")
    with tmpfs() as where:
        for name, test in (("cache", lambda w: bytecode_cache(tally, python, base_python, w)),
                           ("mp", lambda w: multiprocessing_children(tally, python, w)),
                           ("threads", lambda w: threads(tally, python, w)),
                           ("deploy", lambda w: deploy(tally, python, base_python, prefix, w))):
            os.makedirs(f"{where}/{name}")
            test(f"{where}/{name}")
    return tally.finish()


if __name__ == "__main__":
    main_guard(scenarios)
