# SPDX-License-Identifier: MIT OR Apache-2.0
"""Extension module loading details; matrix.py runs it with and without
SECBIT_EXEC_RESTRICT_FILE.

    python extensions.py DIR     (DIR holds m_ext, m_ext2, m_origin, libs/)
"""
import os
import sys

sys.path.insert(0, sys.argv[1])


def descriptors_of(path):
    real = os.path.realpath(path)
    return [int(fd) for fd in os.listdir("/proc/self/fd") if os.path.realpath(f"/proc/self/fd/{fd}") == real]


import m_ext  # noqa: E402

print(m_ext.name(), "loaded, descriptors kept:", descriptors_of(m_ext.__file__))
# A program that closes descriptors it does not own (a daemon closing them
# all) frees the number of the /proc/self/fd/N name the dynamic linker knows
# m_ext by; the next extension opened gets it and must still load itself.
for fd in descriptors_of(m_ext.__file__):
    os.close(fd)
import m_ext2  # noqa: E402

print(m_ext2.name(), "loaded after reuse of fd, descriptors kept:", descriptors_of(m_ext2.__file__))
try:
    import m_origin
    print(m_origin.name(), "loaded")
except ImportError as exc:
    print("m_origin refused:", exc)
