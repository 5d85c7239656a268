#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""The attacker's suite (README.md, "Threat model"): every technique by which
someone who starts the interpreter with any argv, environment and stdin, and
can write files only where the policy refuses them, tried to run code.

    attacks.py PREFIX       (the patched installation; PREFIX/forced holds
                             the hardened build)

Each case runs twice: under its policy bits it must be refused (the marker
never printed, the documented exit status, the bit and the reason in the
message), and with no bit (the control) the same technique must run the
attacker's code, which proves the case can fail.
"""
import os
import pickle
import socket
import subprocess
import threading
from collections import namedtuple

from common import (DENY_INTERACTIVE, KERNEL_SAYS_NO, PROGRAMS, RESTRICT_FILE, Tally,
                    bits_name, build_extension, clean_env, main_guard, refusal, run, run_tty, tmpfs)

BOTH = RESTRICT_FILE | DENY_INTERACTIVE
MARK = "MARK"
CODE = 'print("MA" + "RK")'      # echoed input must not look like the marker
WRITE = "import os; _ = os.write(1, b'MA' + b'RK\\n')"   # past doctest's capture
DOCTEST = f">>> {WRITE}\n"

# technique: the README table's column; bits: what must refuse it; status:
# the exit status refused; texts: what the refusal must say besides the bit;
# run(ctx, bits) -> (status, output).
# A refused cached .pyc is a cache miss, not an error: those cases show that
# the source ran instead (CLEAN) and print no refusal.
SILENT = "cache poisoning"
Case = namedtuple("Case", "technique name bits status texts run")


class Evil:
    """A pickle that calls print (it could call anything)."""

    def __reduce__(self):
        return print, (MARK,)


EVIL_PICKLE = pickle.dumps(Evil(), protocol=0)     # ASCII: it goes through text pipes


class Context:
    def __init__(self, prefix, exec_dir, noexec_dir):
        self.python = f"{prefix}/bin/python3"
        self.forced = f"{prefix}/forced/bin/python3"
        self.lib = f"{prefix}/lib/python3.13"
        self.x, self.nx = exec_dir, noexec_dir
        self.home = f"{exec_dir}/home"
        self.attacker = f"{exec_dir}/attacker"
        os.makedirs(self.home)
        os.makedirs(self.attacker)
        self.env = clean_env(self.home, PYTHONDONTWRITEBYTECODE="1")
        self.script = self.write("script_ok.py", open(f"{PROGRAMS}/script_ok.py").read(), 0o755)
        self.commands = self.write("commands.txt", "continue\n", 0o755)

    def write(self, name, data, mode=0o644, where=None):
        path = os.path.join(where or self.x, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        os.chmod(path, mode)
        return path

    def py(self, bits, *argv, stdin=subprocess.DEVNULL, input=None, env=None, cwd=None):
        return run(bits, [self.python, *argv], env or self.env, input=input, stdin=stdin, cwd=cwd)

    def checked_stdin(self, bits, *argv, **kw):
        """A checked regular file on stdin (the 0755 commands file)."""
        with open(self.commands) as commands:
            return self.py(bits, *argv, stdin=commands, **kw)


def piped(code):
    return lambda c, bits: c.py(bits, *code[1], input=code[0])


def over_socket(argv):
    """argv with stdin a connected socket that carries CODE."""
    def go(c, bits):
        mine, theirs = socket.socketpair()
        mine.sendall(CODE.encode() + b"\n")
        mine.shutdown(socket.SHUT_WR)
        try:
            return c.py(bits, *argv, stdin=theirs)
        finally:
            mine.close()
            theirs.close()
    return go


def over_fifo(path_of, argv_of, data, env_of=lambda c: {}):
    """A FIFO where a file is expected; a thread writes data into it."""
    def go(c, bits):
        path = path_of(c)
        if not os.path.exists(path):
            os.mkfifo(path, 0o644)

        def feed():
            try:
                fd = os.open(path, os.O_WRONLY)
            except OSError:
                return
            try:
                os.write(fd, data)
            except OSError:          # the reader refused it and closed
                pass
            os.close(fd)
        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        status, output = c.py(bits, *argv_of(c), env=dict(c.env, **env_of(c)))
        if writer.is_alive():    # refused before opening it: unblock the writer
            os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
        writer.join()
        return status, output
    return go


def poisoned_pyc(c, where, mode, prefix_dir=None):
    """A source that prints CLEAN and, where the cache is looked up, a .pyc
    of the attacker's code with the header that makes it current: only the
    check on the .pyc itself (its mode or its mount) can stop it."""
    src = c.write("victim.py", 'print("CLEAN")\n', 0o755, where)
    cache = (f"{prefix_dir}{os.path.dirname(src)}/victim.cpython-313.pyc" if prefix_dir
             else f"{os.path.dirname(src)}/__pycache__/victim.cpython-313.pyc")
    make = ("import importlib._bootstrap_external as b, os, sys\n"
            "st = os.stat(sys.argv[1]); code = compile(sys.argv[3], sys.argv[1], 'exec')\n"
            "data = b._code_to_timestamp_pyc(code, st.st_mtime, st.st_size)\n"
            "os.makedirs(os.path.dirname(sys.argv[2]), exist_ok=True)\n"
            "open(sys.argv[2], 'wb').write(data); os.chmod(sys.argv[2], int(sys.argv[4], 8))\n")
    subprocess.run([c.python, "-c", make, src, cache, CODE, oct(mode)], check=True, env=c.env)
    return src


def cache_poisoning(c, bits, where, mode, prefix_dir=None):
    src = poisoned_pyc(c, where, mode, prefix_dir)
    env = clean_env(c.home, PYTHONPYCACHEPREFIX=prefix_dir, PYTHONPATH=os.path.dirname(src))
    return c.py(bits, "-c", "import victim", env=env)


def hardened(argv_of, env_extra=None):
    def go(c, bits):
        # bits is always 0 here: the build forces the policy by itself.
        env = clean_env(c.home, **(env_extra or {}))
        return run(0, [c.forced if bits else c.python, *argv_of(c)], env)
    return go


def zipapp_then_run(where_of):
    """zipapp packs 0644 sources into a 0755 archive with a shebang."""
    def go(c, bits):
        src = c.write("app/__main__.py", CODE + "\n", 0o644)
        out = os.path.join(where_of(c), "app.pyz")
        subprocess.run([c.python, "-m", "zipapp", os.path.dirname(src), "-o", out, "-p", "/usr/bin/env python3"],
                       check=True, env=c.env)
        return c.py(bits, out)
    return go


def user_base(c):
    """A user base whose site-packages holds a 0644 .pth with an import line."""
    c.write(f"ub/{SITE}/evil.pth", WRITE + "\n")
    return f"{c.x}/ub"


def attacker_dir(c):
    """A directory (HOME, or the current one) with a 0644 .pdbrc."""
    c.write(".pdbrc", "p " + CODE + "\n", 0o644, c.attacker)
    return c.attacker


RF, DI = RESTRICT_FILE, DENY_INTERACTIVE
SITE = "lib/python3.13/site-packages"
CASES = [
    # The stdlib's code runners, with the code on the command line.
    Case("stdlib module (argv)", "-m timeit STATEMENT", BOTH, 126, ["can't run the timeit statements"],
         lambda c, b: c.py(b, "-m", "timeit", "-n1", "-r1", CODE)),
    Case("stdlib module (argv)", "-m timeit -s SETUP", DI, 126, ["can't run the timeit statements"],
         lambda c, b: c.py(b, "-m", "timeit", "-n1", "-r1", "-s", CODE, "pass")),
    Case("stdlib module (argv)", "timeit.py by path (not -m)", DI, 126, ["can't run the timeit statements"],
         lambda c, b: c.py(b, f"{c.lib}/timeit.py", "-n1", "-r1", CODE)),
    Case("stdlib module (argv)", "-m pdb -c COMMAND", DI, 126, ["can't run pdb's -c commands"],
         lambda c, b: c.checked_stdin(b, "-m", "pdb", "-c", "p " + CODE, c.script)),
    # The stdlib's prompts, with the code on a stream.
    Case("stream kind (pipe)", "-m code", DI, 126, ["interactive input (a pipe)"],
         piped((CODE + "\n", ["-m", "code"]))),
    Case("stream kind (pipe)", "-m asyncio", DI, 126, ["interactive input (a pipe)"],
         piped((CODE + "\n", ["-m", "asyncio"]))),
    Case("stream kind (pipe)", "-m pdb SCRIPT (commands)", DI, 126, ["interactive input (a pipe)"],
         lambda c, b: c.py(b, "-m", "pdb", c.script, input="p " + CODE + "\nc\n")),
    Case("stream kind (pipe)", "-m _pyrepl (basic prompt)", DI, 126, ["interactive input (a pipe)"],
         piped((CODE + "\n", ["-m", "_pyrepl"]))),
    Case("stream kind (terminal)", "-m _pyrepl", DI, 126, ["interactive input (a terminal)"],
         lambda c, b: run_tty(b, [c.python, "-m", "_pyrepl"], c.env, [CODE, "exit()"])),
    Case("stream kind (pipe)", "-m pickle - (stdin)", DI, 126, ["interactive input (a pipe)"],
         lambda c, b: run(b, [c.python, "-m", "pickle", "-"], c.env, input=EVIL_PICKLE.decode("latin-1"))),
    Case("stream kind (socket)", "-m code on a socket", DI, 126, ["interactive input (a socket)"],
         over_socket(["-m", "code"])),
    Case("stream kind (pipe)", "multiprocessing._child --multiprocessing-fork pipe_handle=0", DI, 126,
         ["can't run the data of a spawned process", "interactive input (a pipe)"],
         lambda c, b: run(b, [c.python, "-m", "multiprocessing._child", "--multiprocessing-fork", "pipe_handle=0"],
                          c.env, input=EVIL_PICKLE.decode("latin-1"))),
    # Files the kernel would not execute, run by the stdlib's tools.
    Case("file kind (0644)", "-m pickle FILE", RF, 1, ["PermissionError", KERNEL_SAYS_NO, "evil.pickle"],
         lambda c, b: c.py(b, "-m", "pickle", c.write("evil.pickle", EVIL_PICKLE))),
    Case("file kind (0644)", "-m doctest FILE.txt", RF, 1, ["PermissionError", KERNEL_SAYS_NO, "evil.txt"],
         lambda c, b: c.py(b, "-m", "doctest", c.write("evil.txt", DOCTEST))),
    Case("file kind (0644)", "-m trace --report --file COUNTS (a pickle)", RF, 0,
         ["Skipping counts file", KERNEL_SAYS_NO, "counts.pickle"],
         lambda c, b: c.py(b, "-m", "trace", "--report", "--file", c.write("counts.pickle", EVIL_PICKLE))),
    Case("file kind (0644)", "./.pdbrc", RF, 0, ["pdb: skipping .pdbrc", KERNEL_SAYS_NO],
         lambda c, b: c.checked_stdin(b, "-m", "pdb", c.script, cwd=attacker_dir(c))),
    Case("file kind (FIFO)", "-m doctest FIFO", DI, 1, ["PermissionError", "interactive input (a pipe)"],
         over_fifo(lambda c: f"{c.x}/fifo.txt", lambda c: ["-m", "doctest", f"{c.x}/fifo.txt"],
                   DOCTEST.encode())),
    Case("file kind (FIFO)", "a .pth FIFO in PYTHONUSERBASE", DI, 0, ["interactive input (a pipe)", "fifo.pth"],
         over_fifo(lambda c: os.makedirs(f"{c.x}/fub/{SITE}", exist_ok=True) or f"{c.x}/fub/{SITE}/fifo.pth",
                   lambda c: ["-v", c.script], (WRITE + "\n").encode(),
                   lambda c: {"PYTHONUSERBASE": f"{c.x}/fub"})),
    # The environment.
    Case("environment variable", "HOME with a 0644 .pdbrc", RF, 0, ["pdb: skipping", ".pdbrc", KERNEL_SAYS_NO],
         lambda c, b: c.checked_stdin(b, "-m", "pdb", c.script, env=dict(c.env, HOME=attacker_dir(c)))),
    Case("environment variable", "PYTHONPATH shadowing a stdlib module (0644)", RF, 1,
         [KERNEL_SAYS_NO, "timeit.py"],
         lambda c, b: c.py(b, "-m", "timeit", env=dict(c.env, PYTHONPATH=os.path.dirname(
             c.write("shadow/timeit.py", CODE + "\n"))))),
    Case("environment variable", "PYTHONUSERBASE with a 0644 .pth (-v shows the refusal)", RF, 0,
         [KERNEL_SAYS_NO, "evil.pth"],
         lambda c, b: c.py(b, "-v", c.script, env=dict(c.env, PYTHONUSERBASE=user_base(c)))),
    Case("environment variable", "PYTHONBREAKPOINT=code.interact + a pipe", DI, 1,
         ["PermissionError", "interactive input (a pipe)"],
         lambda c, b: c.py(b, c.write("bp.py", "breakpoint()\n", 0o755), input=CODE + "\n",
                           env=dict(c.env, PYTHONBREAKPOINT="code.interact"))),
    Case("environment variable", "breakpoint() (pdb) + a pipe", DI, 1, ["PermissionError", "interactive input (a pipe)"],
         lambda c, b: c.py(b, c.write("bp.py", "breakpoint()\n", 0o755), input="p " + CODE + "\nc\n")),
    # Bytecode caches the attacker wrote.
    Case("cache poisoning", "a 0644 .pyc in __pycache__ beside a 0755 source", RF, 0, ["CLEAN"],
         lambda c, b: cache_poisoning(c, b, f"{c.x}/src", 0o644)),
    Case("cache poisoning", "a 0755 .pyc under PYTHONPYCACHEPREFIX on a noexec mount", RF, 0, ["CLEAN"],
         lambda c, b: cache_poisoning(c, b, f"{c.x}/src2", 0o755, f"{c.nx}/prefix")),
    # Native code.
    Case("native module", "a 0644 extension module in PYTHONPATH", RF, 1,
         ["ImportError", "evil_ext", KERNEL_SAYS_NO],
         lambda c, b: c.py(b, "-c", "import evil_ext; print(evil_ext.name().replace('evil_ext', 'MA' + 'RK'))",
                           env=dict(c.env, PYTHONPATH=c.x))),
    # Packaging tools that write executable files (under a policy of modes
    # alone they would win: W^X mounts are what stops them).
    Case("packaging tool", "zipapp output (0755) on a noexec mount", RF, 126, [KERNEL_SAYS_NO, "app.pyz"],
         zipapp_then_run(lambda c: c.nx)),
    # The hardened build: no securebit set at all (bits picks the
    # interpreter: the forced one, or the control, the patched one).
    Case("hardened build", "-c under --with-execcheck-force", DI, 126, ["inline code is not allowed"],
         hardened(lambda c: ["-c", CODE])),
    Case("hardened build", "-E -I -c under --with-execcheck-force", DI, 126, ["inline code is not allowed"],
         hardened(lambda c: ["-E", "-I", "-c", CODE])),
    Case("hardened build", "0644 script under --with-execcheck-force", RF, 126,
         [KERNEL_SAYS_NO, "evil.py"], hardened(lambda c: [c.write("evil.py", CODE + "\n")])),
    Case("hardened build", "timeit under --with-execcheck-force, PYTHON* variables set", DI, 126,
         ["can't run the timeit statements"],
         hardened(lambda c: ["-m", "timeit", "-n1", "-r1", CODE],
                  {"PYTHONINSPECT": "", "PYTHONSAFEPATH": "1", "EXECCHECK_LOG": "stderr"})),
]


def attacks(prefix):
    tally = Tally("cpython attacks")
    with tmpfs() as exec_dir, tmpfs("noexec") as noexec_dir:
        c = Context(prefix, exec_dir, noexec_dir)
        build_extension(c.python, f"{PROGRAMS}/m_ext.c", c.x, "evil_ext")
        os.chmod([f"{c.x}/{n}" for n in os.listdir(c.x) if n.startswith("evil_ext")][0], 0o644)
        for case in CASES:
            what = f"{case.technique}: {case.name}"
            status, output = case.run(c, 0)
            tally.check(MARK in output, f"{what}: control (no bit) runs the attacker's code", output[-2000:])
            bit = DENY_INTERACTIVE if case.bits & DENY_INTERACTIVE else RESTRICT_FILE
            status, output = case.run(c, case.bits)
            texts = ([] if case.technique == SILENT else [refusal(bit)]) + case.texts
            missing = [t for t in texts if t not in output]
            ok = MARK not in output and status == case.status and not missing
            tally.check(ok, f"{what}: refused under {bits_name(case.bits)}",
                        f"  status {status} (want {case.status}), missing {missing}\n{output[-2000:]}")
    return tally.finish()


if __name__ == "__main__":
    main_guard(attacks)
