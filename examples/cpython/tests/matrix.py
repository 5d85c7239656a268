#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""The policy matrix, on the real kernel: every path by which CPython loads
code x the four exec securebit combinations x where the code lives (an exec
tmpfs with mode 0755 or 0644, a noexec tmpfs with 0755).

    matrix.py PREFIX        (the patched installation, made ready by deploy)

Each case asserts the policy table: allowed (the code ran, exit 0) or refused
(it did not run; the exit status, the path, the kernel's reason and the policy
bit are as documented in README.md).
"""
import concurrent.futures
import os
import subprocess
from collections import namedtuple

from common import (ALL_BITS, DENY_INTERACTIVE, KERNEL_SAYS_NO, PROGRAMS, RESTRICT_FILE, Tally,
                    bits_name, build_extension, clean_env, install_programs, main_guard, refusal,
                    run, run_tty, tmpfs)

PLACES = {"exec-0755": ("exec", 0o755), "exec-0644": ("exec", 0o644), "noexec-0755": ("noexec", 0o755)}

# kind: which rule of the policy table applies (see verdict()).
# run(python, place, harness, env, bits) -> (status, output); place is None
# for code that lives in no file.
# texts(place, harness, bit): what a refusal by bit must say besides naming
# the bit.
Case = namedtuple("Case", "name kind marker refused_status texts run")


# Not the policy: the kernel itself refuses to map a noexec file executable.
NOEXEC_MMAP = "noexec mmap"


def verdict(kind, bits, place):
    """What refuses this case (a policy bit, NOEXEC_MMAP), or None."""
    unfit = place not in (None, "exec-0755")   # fails the kernel's check
    rf, di = bits & RESTRICT_FILE, bits & DENY_INTERACTIVE
    if kind == "file":
        return RESTRICT_FILE if rf and unfit else None
    if kind == "extension":
        return RESTRICT_FILE if rf and unfit else NOEXEC_MMAP if place == "noexec-0755" else None
    if kind == "stdin file":
        return DENY_INTERACTIVE if di and unfit else None
    if kind == "interactive":
        return DENY_INTERACTIVE if di else None
    if kind == "file, then prompt":
        return DENY_INTERACTIVE if di else RESTRICT_FILE if rf and unfit else None
    if kind == "pipe as script":
        return RESTRICT_FILE if rf else DENY_INTERACTIVE if di else None
    raise ValueError(kind)


def run_pdb(python, script, harness, env, bits):
    with open(f"{harness}/pdb_continue.txt") as commands:
        return run(bits, [python, "-m", "pdb", script], env, stdin=commands)


def drive(action, *flags):
    return lambda py, p, h, env, bits: run(bits, [py, *flags, f"{h}/drive.py", action, p], env)


REPL_LINES = ['print("RAN " + "repl")', "exit()"]
CASES = [
    # io.open_code(): imports, zipimport, runpy, .pth files, -m, profilers, pdb.
    Case("import source", "file", "RAN m_src", 3, lambda p, h, bit: ["REFUSED", KERNEL_SAYS_NO, f"{p}/m_src.py"],
         drive("import")),
    Case("import sourceless .pyc", "file", "RAN m_sl", 3, lambda p, h, bit: ["REFUSED", KERNEL_SAYS_NO, f"{p}/sl/m_sl.pyc"],
         drive("sourceless")),
    Case("zipimport", "file", "RAN m_zip", 3,
         lambda p, h, bit: [f"zipimport: can't open '{p}/z.zip'", KERNEL_SAYS_NO, "No module named 'm_zip'"],
         drive("zipimport", "-v")),
    Case("runpy.run_path", "file", "RAN script", 3, lambda p, h, bit: ["REFUSED", KERNEL_SAYS_NO, f"{p}/script.py"],
         drive("run_path")),
    Case(".pth file", "file", "RAN pth", 0, lambda p, h, bit: [f"Skipping .pth file '{p}/site/m.pth'", KERNEL_SAYS_NO],
         drive("pth", "-v")),
    Case("-m module", "file", "RAN m_src", 1, lambda p, h, bit: ["PermissionError", KERNEL_SAYS_NO, f"{p}/m_src.py"],
         lambda py, p, h, env, bits: run(bits, [py, "-m", "m_src"], dict(env, PYTHONPATH=p))),
    Case("-m cProfile script", "file", "RAN script", 1, lambda p, h, bit: ["PermissionError", f"{p}/script.py"],
         lambda py, p, h, env, bits: run(bits, [py, "-m", "cProfile", f"{p}/script.py"], env)),
    Case("-m trace script", "file", "RAN script", 1, lambda p, h, bit: [f"Cannot run file '{p}/script.py'"],
         lambda py, p, h, env, bits: run(bits, [py, "-m", "trace", "--count", f"{p}/script.py"], env)),
    # pdb's post-mortem prompt cannot "continue" a program that never started
    # (an upstream pdb limitation, AttributeError 'botframe'): status 1.
    # Its commands come from a checked file on stdin: -c or a pipe would be
    # inline code (attacks.py).
    Case("-m pdb script", "file", "RAN script", 1, lambda p, h, bit: ["PermissionError", f"{p}/script.py"],
         lambda py, p, h, env, bits: run_pdb(py, f"{p}/script.py", h, env, bits)),
    # Extension modules: checked, then loaded from the checked descriptor.
    Case("extension module", "extension", "RAN m_ext", 3, lambda p, h, bit: ["REFUSED", f"{p}/m_ext."],
         drive("ext")),
    # What the python command opens itself.
    Case("main script", "file", "RAN script", 126,
         lambda p, h, bit: [f"can't run file '{p}/script.py': [Errno 13]", KERNEL_SAYS_NO],
         lambda py, p, h, env, bits: run(bits, [py, f"{p}/script.py"], env)),
    Case("main .pyc", "file", "RAN script", 126,
         lambda p, h, bit: [f"can't run file '{p}/script.pyc': [Errno 13]", KERNEL_SAYS_NO],
         lambda py, p, h, env, bits: run(bits, [py, f"{p}/script.pyc"], env)),
    Case("main zip archive", "file", "RAN app", 126,
         lambda p, h, bit: [f"can't run file '{p}/app.zip': [Errno 13]", KERNEL_SAYS_NO],
         lambda py, p, h, env, bits: run(bits, [py, f"{p}/app.zip"], env)),
    # A directory run as main: runpy imports its __main__ through open_code.
    Case("main directory", "file", "RAN appdir", 1,
         lambda p, h, bit: ["PermissionError", f"{p}/appdir/__main__.py"],
         lambda py, p, h, env, bits: run(bits, [py, f"{p}/appdir"], env)),
    # PYTHONSTARTUP, C path (python -i reading a script on stdin): refused
    # like an unreadable file, reported, and the session goes on.
    Case("PYTHONSTARTUP (C)", "file", "RAN startup", 0,
         lambda p, h, bit: ["PermissionError: [Errno 13]", KERNEL_SAYS_NO, f"{p}/startup.py", "RAN harness-stdin"],
         lambda py, p, h, env, bits: run(bits, [py, "-i"], dict(env, PYTHONSTARTUP=f"{p}/startup.py"),
                                         stdin=open(f"{h}/stdin_ok.py"))),
    # PYTHONSTARTUP, new REPL (python -i script on a terminal).
    Case("PYTHONSTARTUP (pyrepl)", "file, then prompt", "RAN startup", None,
         lambda p, h, bit: ["RAN script_ok"] + (
             ["can't run the interactive prompt on standard input", "interactive input (a terminal)"]
             if bit == DENY_INTERACTIVE else ["PermissionError: [Errno 13]", f"{p}/startup.py"]),
         lambda py, p, h, env, bits: run_tty(bits, [py, "-i", f"{h}/script_ok.py"],
                                             dict(env, PYTHONSTARTUP=f"{p}/startup.py"), ["exit()"])),
    # Standard input that is a regular file: a script, if it passes the check.
    Case("stdin: regular file", "stdin file", "RAN stdin", 126,
         lambda p, h, bit: ["can't run code from standard input: [Errno 13]", KERNEL_SAYS_NO],
         lambda py, p, h, env, bits: run(bits, [py], env, stdin=open(f"{p}/stdin.py"))),
    # Inline code: no file at all.
    Case("-c", "interactive", "RAN c", 126,
         lambda p, h, bit: ["can't run the -c command: [Errno 13]", "inline code is not allowed"],
         lambda py, p, h, env, bits: run(bits, [py, "-c", 'print("RAN " + "c")'], env)),
    Case("stdin: pipe", "interactive", "RAN pipe", 126,
         lambda p, h, bit: ["can't run code from standard input: [Errno 13]", "interactive input (a pipe)"],
         lambda py, p, h, env, bits: run(bits, [py], env, input='print("RAN " + "pipe")\n')),
    Case("python - (pipe)", "interactive", "RAN pipe", 126,
         lambda p, h, bit: ["can't run code from standard input: [Errno 13]", "interactive input (a pipe)"],
         lambda py, p, h, env, bits: run(bits, [py, "-"], env, input='print("RAN " + "pipe")\n')),
    Case("REPL (basic)", "interactive", "RAN repl", 126,
         lambda p, h, bit: ["can't run code from standard input: [Errno 13]", "interactive input (a terminal)"],
         lambda py, p, h, env, bits: run_tty(bits, [py], dict(env, PYTHON_BASIC_REPL="1"), REPL_LINES)),
    Case("REPL (pyrepl)", "interactive", "RAN repl", 126,
         lambda p, h, bit: ["can't run code from standard input: [Errno 13]", "interactive input (a terminal)"],
         lambda py, p, h, env, bits: run_tty(bits, [py], env, REPL_LINES)),
    Case("-i after a script", "interactive", "RAN repl", 126,
         lambda p, h, bit: ["RAN script_ok", "can't run the interactive prompt on standard input: [Errno 13]",
                       "interactive input (a terminal)"],
         lambda py, p, h, env, bits: run_tty(bits, [py, "-i", f"{h}/script_ok.py"], env, REPL_LINES)),
    Case("PYTHONINSPECT after a script", "interactive", "RAN repl", 126,
         lambda p, h, bit: ["RAN script_ok", "can't run the interactive prompt on standard input: [Errno 13]"],
         lambda py, p, h, env, bits: run_tty(bits, [py, f"{h}/script_ok.py"], dict(env, PYTHONINSPECT="1"),
                                             REPL_LINES)),
    # A pipe named as the script is interactive input, and no file the
    # kernel would execute either.
    Case("python /dev/stdin (pipe)", "pipe as script", "RAN devstdin", 126,
         lambda p, h, bit: ["can't run file '/dev/stdin': [Errno 13]"],
         lambda py, p, h, env, bits: run(bits, [py, "/dev/stdin"], env, input='print("RAN " + "devstdin")\n')),
]


def judge(tally, case, bits, place, place_dir, harness, status, output):
    refused_by = verdict(case.kind, bits, place)
    label = f"{case.name:30} {bits_name(bits):26} {place or '-':12}"
    detail = f"  exit status {status}, output:\n" + "".join(f"    | {line}\n" for line in output.splitlines()[-25:])
    if refused_by is None:
        ok = status == 0 and case.marker in output and "refused by the execution policy" not in output
        return tally.check(ok, f"{label} should run", detail)
    expected_status = case.refused_status
    if expected_status is None:   # "file, then prompt": the prompt's refusal, or the file's
        expected_status = 126 if refused_by == DENY_INTERACTIVE else 1
    texts = case.texts(place_dir, harness, refused_by)
    if refused_by == NOEXEC_MMAP:
        texts.append("failed to map segment from shared object")
    else:
        texts.append(refusal(refused_by))
    if case.kind == "pipe as script" and refused_by == DENY_INTERACTIVE:
        texts.append("interactive input (a pipe)")
    if refused_by == RESTRICT_FILE and case.kind != "file, then prompt":
        texts.append(KERNEL_SAYS_NO)
    missing = [t for t in texts if t not in output]
    ok = status == expected_status and case.marker not in output and not missing
    by = refused_by if refused_by == NOEXEC_MMAP else refusal(refused_by)
    return tally.check(ok, f"{label} should be refused (status {expected_status}, {by})",
                       detail + "".join(f"  missing: {t}\n" for t in missing))


def matrix(prefix):
    python = f"{prefix}/bin/python3"
    tally = Tally("cpython policy matrix")
    with tmpfs() as exec_mount, tmpfs("noexec") as noexec_mount:
        mounts = {"exec": exec_mount, "noexec": noexec_mount}
        harness = f"{exec_mount}/harness"
        install_programs(harness, "drive.py", "stdin_ok.py", "script_ok.py", "pdb_continue.txt")
        env = clean_env(exec_mount, PYTHONDONTWRITEBYTECODE="1")
        extension = build_extension(python, f"{PROGRAMS}/m_ext.c", exec_mount, "m_ext")
        places = {}
        for place, (mount, mode) in PLACES.items():
            places[place] = f"{mounts[mount]}/{place}"
            subprocess.run([python, f"{PROGRAMS}/payload.py", places[place], oct(mode), extension],
                           env=env, check=True)
        jobs = []
        for case in CASES:
            where = [None] if case.kind in ("interactive", "pipe as script") else list(PLACES)
            jobs += [(case, bits, place) for bits in ALL_BITS for place in where]

        def one(job):
            case, bits, place = job
            place_dir = places.get(place)
            status, output = case.run(python, place_dir, harness, env, bits)
            return job, place_dir, status, output

        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            for (case, bits, place), place_dir, status, output in pool.map(one, jobs):
                judge(tally, case, bits, place, place_dir, harness, status, output)
        busy_file(tally, python, harness, env)
        unable_to_check(tally, python, harness, env)
        extension_loading(tally, python, exec_mount, env)
    return tally.finish()


def busy_file(tally, python, harness, env):
    """A script some process has open for writing: ETXTBSY, reported as such."""
    path = f"{harness}/busy.py"
    with open(path, "w") as writer:
        writer.write('print("RAN busy")\n')
        writer.flush()
        os.chmod(path, 0o755)
        status, output = run(RESTRICT_FILE, [python, path], env)
        tally.check(status == 126 and f"can't run file '{path}': [Errno 26]" in output
                    and "the file is open for writing (ETXTBSY)" in output and "RAN busy" not in output,
                    "busy script under RESTRICT_FILE: refused with ETXTBSY", output)
        status, output = run(0, [python, path], env)
        tally.check(status == 0 and "RAN busy" in output, "busy script without policy: runs", output)


def unable_to_check(tally, python, harness, env):
    """execveat() failing as on a kernel without AT_EXECVE_CHECK (ENOSYS) or
    under a seccomp profile (EPERM): nothing changes without policy; under
    RESTRICT_FILE every file fails closed (the interpreter cannot even load
    its standard library) with the reason in the message."""
    reasons = {"ENOSYS": "the kernel cannot check files (ENOSYS: AT_EXECVE_CHECK needs Linux 6.14",
               "EPERM": "the check itself was denied (EPERM: a seccomp filter"}
    script = f"{harness}/script_ok.py"
    for errno_name, reason in reasons.items():
        argv = ["python3", f"{PROGRAMS}/no_execveat.py", errno_name, python, script]
        status, output = run(0, argv, env)
        tally.check(status == 0 and "RAN script_ok" in output, f"execveat fails with {errno_name}, no policy: runs",
                    output)
        status, output = run(RESTRICT_FILE, argv, env)
        tally.check(status != 0 and "RAN script_ok" not in output and reason in output
                    and refusal(RESTRICT_FILE) in output,
                    f"execveat fails with {errno_name}, RESTRICT_FILE: fails closed, says why", output)


def extension_loading(tally, python, where, env):
    """Under RESTRICT_FILE an extension loads from the descriptor that was
    checked (/proc/self/fd/N, kept open); a reused descriptor number must not
    return the library loaded earlier under that name; and $ORIGIN in an
    extension's RUNPATH does not resolve there (a documented limitation)."""
    ext_dir = f"{where}/ext"
    os.makedirs(f"{ext_dir}/libs")
    for name in ("m_ext", "m_ext2"):
        build_extension(python, f"{PROGRAMS}/m_ext.c", ext_dir, name)
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", f"{ext_dir}/libs/libdep.so", "-x", "c", "-",
                    ], input=b"int dep(void) { return 42; }\n", check=True)
    build_extension(python, f"{PROGRAMS}/m_ext.c", ext_dir, "m_origin",
                    "-DEXT_DEPENDS", f"-L{ext_dir}/libs", "-ldep", "-Wl,-rpath,$ORIGIN/libs")
    install_programs(where, "extensions.py")
    for bits in (0, RESTRICT_FILE):
        status, output = run(bits, [python, f"{where}/extensions.py", ext_dir], env)
        want = ["m_ext loaded", "m_ext2 loaded after reuse of fd"]
        want += ["m_origin refused: libdep.so: cannot open shared object file",
                 "$ORIGIN in their RUNPATH does not resolve"] if bits else ["m_origin loaded"]
        missing = [w for w in want if w not in output]
        tally.check(status == 0 and not missing, f"extension loading, policy {bits_name(bits)}",
                    output + "".join(f"  missing: {m}\n" for m in missing))


if __name__ == "__main__":
    main_guard(matrix)
