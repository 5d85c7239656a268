# SPDX-License-Identifier: MIT OR Apache-2.0
"""multiprocessing under the exec policy: spawn and forkserver pools and
processes, a semaphore and shared memory (both go through the resource
tracker). Every child multiprocessing starts runs
`python -m multiprocessing._child`.

Prints "MP OK <method>" per start method, then the exit status of a child
started with inline code (-c): the control, refused under DENY_INTERACTIVE.
"""
import multiprocessing
import subprocess
import sys
from multiprocessing import shared_memory


def square(x):
    return x * x


if __name__ == "__main__":
    for method in ("spawn", "forkserver"):
        ctx = multiprocessing.get_context(method)
        with ctx.Pool(2) as pool:
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
