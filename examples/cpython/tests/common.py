# SPDX-License-Identifier: MIT OR Apache-2.0
"""What the CPython tests share: running the interpreter under a policy (with
a pipe or a terminal), mounts, checks that count failures."""
import contextlib
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAMS = os.path.join(HERE, "programs")
ROOT = os.path.abspath(os.path.join(HERE, "../../.."))
WITH_POLICY = os.path.join(ROOT, "tests/with-policy")

RESTRICT_FILE, DENY_INTERACTIVE = 1, 4
ALL_BITS = (0, RESTRICT_FILE, DENY_INTERACTIVE, RESTRICT_FILE | DENY_INTERACTIVE)
BIT_NAMES = {RESTRICT_FILE: "SECBIT_EXEC_RESTRICT_FILE", DENY_INTERACTIVE: "SECBIT_EXEC_DENY_INTERACTIVE"}
KERNEL_SAYS_NO = "the kernel would not execute this file (no execute permission, a noexec mount, or a security module)"


def refusal(bit):
    return f"refused by the execution policy ({BIT_NAMES[bit]})"


def bits_name(bits):
    return "+".join(n.split("_", 2)[2] for b, n in BIT_NAMES.items() if bits & b) or "none"


def clean_env(home, **extra):
    """A fixed environment: nothing inherited changes what the tests see
    (PYTHONDONTWRITEBYTECODE in particular is set or unset on purpose)."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8",
           "TERM": "xterm", "PYTHON_COLORS": "0"}
    env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


def run(bits, argv, env, input=None, stdin=subprocess.DEVNULL, cwd=None, timeout=120):
    """Run argv with the exec securebits `bits`; (exit status, stdout+stderr)."""
    proc = subprocess.run([WITH_POLICY, str(bits), *argv], env=env, cwd=cwd,
                          input=input, stdin=None if input is not None else stdin,
                          capture_output=True, text=True, timeout=timeout)
    return proc.returncode, proc.stdout + proc.stderr


def run_tty(bits, argv, env, lines=(), timeout=60):
    """Run argv on a new terminal; type lines[i] at the (i+1)-th ">>> "
    prompt. (exit status, everything the terminal showed)."""
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execve(WITH_POLICY, [WITH_POLICY, str(bits), *argv], env)
        finally:
            os._exit(127)
    out, typed, deadline = b"", 0, time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if typed < len(lines) and out.count(b">>> ") > typed:
                os.write(fd, lines[typed].encode() + b"\r")
                typed += 1
            if select.select([fd], [], [], 0.2)[0]:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:      # EIO: the other side is gone
                    break
                if not chunk:
                    break
                out += chunk
        else:
            os.kill(pid, signal.SIGKILL)
    finally:
        os.close(fd)
        _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out.decode(errors="replace").replace("\r\n", "\n")


@contextlib.contextmanager
def tmpfs(*options):
    """A fresh tmpfs mounted with options (e.g. "noexec"); removed after."""
    where = tempfile.mkdtemp(prefix="execcheck-cpython-")
    subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(("mode=0755",) + options), "tmpfs", where], check=True)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", where], check=True)
        os.rmdir(where)


def install_programs(where, *names, mode=0o755):
    """Copy test programs to where, executable: they must pass the check."""
    os.makedirs(where, exist_ok=True)
    for name in names:
        shutil.copy(os.path.join(PROGRAMS, name), where)
        os.chmod(os.path.join(where, name), mode)


def build_extension(python, source, target_dir, name, *flags):
    """Compile an extension module for python; its path."""
    paths = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['include']);"
                            "print(sysconfig.get_config_var('EXT_SUFFIX'))"],
                           capture_output=True, text=True, check=True).stdout.split()
    target = os.path.join(target_dir, name + paths[1])
    # flags last: libraries after the object that needs them
    subprocess.run(["gcc", "-shared", "-fPIC", "-O1", f"-I{paths[0]}", f"-DEXT_NAME={name}",
                    "-o", target, source, *flags], check=True)
    return target


class Tally:
    """Counts checks; prints one line per failure and a summary."""

    def __init__(self, title):
        self.title, self.passed, self.failed = title, 0, []

    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed.append(what)
            print(f"FAIL {what}\n{detail}".rstrip(), flush=True)
        return ok

    def finish(self):
        print(f"{self.title}: {self.passed} passed, {len(self.failed)} failed", flush=True)
        return 1 if self.failed else 0


def main_guard(body):
    if os.geteuid() != 0:
        sys.exit(f"{sys.argv[0]}: needs root (tmpfs mounts)")
    sys.exit(body(*sys.argv[1:]))
