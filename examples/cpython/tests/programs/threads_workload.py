# SPDX-License-Identifier: MIT OR Apache-2.0
"""One thread loads code in a loop while another starts threads in a loop;
prints how many loads, thread starts and failed starts there were.

    python threads_workload.py SECONDS imports     the interpreter's checks
    python threads_workload.py SECONDS raw-check   control: the kernel's check
                                                   called straight from a thread

While the kernel runs AT_EXECVE_CHECK for a process, clone(CLONE_FS), that
is pthread_create(), fails in every other thread of it ("can't start new
thread"). The control shows this machine reproduces that; with the
interpreter's checks it must never happen.
"""
import ctypes
import importlib
import importlib.util
import os
import sys
import threading
import time

seconds, mode = float(sys.argv[1]), sys.argv[2]
stop = threading.Event()
count = {"loads": 0, "starts": 0, "failed starts": 0}

EXTENSIONS = ["_bisect", "_heapq", "_json", "_csv", "_struct", "array", "cmath", "_random",
              "_statistics", "_contextvars", "_queue", "_lsprof", "_opcode", "_zoneinfo",
              "_asyncio", "select", "_socket", "mmap", "unicodedata", "_datetime", "_pickle",
              "binascii", "zlib", "_posixsubprocess", "fcntl", "grp", "termios", "resource"]
SOURCES = ["colorsys", "keyword", "bisect", "heapq", "textwrap", "string", "fnmatch",
           "shlex", "glob", "copy", "numbers", "reprlib", "graphlib", "stringprep"]


def load_code():
    for name in EXTENSIONS:          # each extension module once: check + dlopen
        if stop.is_set():
            return
        importlib.import_module(name)
        count["loads"] += 1
    paths = [importlib.util.find_spec(name).origin for name in SOURCES]
    while not stop.is_set():         # source modules again and again
        for i, path in enumerate(paths):
            spec = importlib.util.spec_from_file_location(f"_again_{i}", path)
            spec.loader.exec_module(importlib.util.module_from_spec(spec))
            count["loads"] += 1


def raw_check():
    libc = ctypes.CDLL(None, use_errno=True)
    execveat = {"x86_64": 322, "aarch64": 281}[os.uname().machine]
    fd = os.open(sys.executable, os.O_RDONLY)
    argv = (ctypes.c_char_p * 2)(b"check", None)
    envp = (ctypes.c_char_p * 1)(None)
    at_empty_path_execve_check = 0x1000 | 0x10000
    while not stop.is_set():
        libc.syscall(ctypes.c_long(execveat), fd, b"", argv, envp, at_empty_path_execve_check)
        count["loads"] += 1


def start_threads():
    while not stop.is_set():
        try:
            thread = threading.Thread(target=lambda: None)
            thread.start()
            thread.join()
            count["starts"] += 1
        except RuntimeError as exc:
            count["failed starts"] += 1
            count["error"] = str(exc)


workers = [threading.Thread(target={"imports": load_code, "raw-check": raw_check}[mode]),
           threading.Thread(target=start_threads)]
for worker in workers:
    worker.start()
time.sleep(seconds)
stop.set()
for worker in workers:
    worker.join()
print(" ".join(f"{k}={v!r}" for k, v in count.items()))
