# SPDX-License-Identifier: MIT OR Apache-2.0
"""multiprocessing under the exec policy: spawn, forkserver and fork pools
and processes, a semaphore and shared memory (both go through the resource
tracker, `python -m multiprocessing._child --resource-tracker`).

Prints "MP OK <method>" per start method that works, or "MP REFUSED
<method>: <message>" for one the policy refuses (spawn and forkserver under
DENY_INTERACTIVE: their children read pickles, which are code, from a pipe),
then the exit status of a child started with inline code (-c): the control,
refused under DENY_INTERACTIVE.
"""
import multiprocessing
import subprocess
import sys
from multiprocessing import shared_memory


def square(x):
    return x * x


if __name__ == "__main__":
    for method in ("spawn", "forkserver", "fork"):
        ctx = multiprocessing.get_context(method)
        try:
            pool = ctx.Pool(2)
        except PermissionError as exc:
            print("MP REFUSED", method + ":", exc, flush=True)
            continue
        with pool:
            assert pool.map(square, range(10)) == [x * x for x in range(10)]
        queue = ctx.Queue()
        process = ctx.Process(target=queue.put, args=(method,))
        process.start()
        assert queue.get(timeout=120) == method
        process.join()
        with ctx.Lock():
            pass
        print("MP OK", method, flush=True)
    memory = shared_memory.SharedMemory(create=True, size=64)
    memory.close()
    memory.unlink()
    print("MP OK shared memory", flush=True)
    print("inline child exit status", subprocess.run([sys.executable, "-c", "pass"]).returncode)
