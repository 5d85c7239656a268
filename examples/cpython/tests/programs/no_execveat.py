# SPDX-License-Identifier: MIT OR Apache-2.0
"""Run a command where execveat() fails with ERRNO, as on a kernel without
AT_EXECVE_CHECK (ENOSYS) or under a container's seccomp profile (EPERM).

    python no_execveat.py ERRNO CMD [ARGS...]     (ERRNO: ENOSYS, EPERM)

Installs a seccomp filter (no new privileges) and executes CMD with execve,
which the filter lets through.
"""
import ctypes
import errno
import os
import struct
import sys

ARCH = {"x86_64": (0xC000003E, 322), "aarch64": (0xC00000B7, 281)}
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
LD_ABS_W, JEQ_K, RET_K = 0x20, 0x15, 0x06
SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO = 0x7FFF0000, 0x00050000


def instruction(code, jt, jf, k):
    return struct.pack("HBBI", code, jt, jf, k)


arch, execveat = ARCH[os.uname().machine]
err = getattr(errno, sys.argv[1])
program = b"".join([
    instruction(LD_ABS_W, 0, 0, 4),                    # seccomp_data.arch
    instruction(JEQ_K, 1, 0, arch),
    instruction(RET_K, 0, 0, SECCOMP_RET_ALLOW),      # another ABI: untouched
    instruction(LD_ABS_W, 0, 0, 0),                    # seccomp_data.nr
    instruction(JEQ_K, 0, 1, execveat),
    instruction(RET_K, 0, 0, SECCOMP_RET_ERRNO | err),
    instruction(RET_K, 0, 0, SECCOMP_RET_ALLOW),
])
filters = ctypes.create_string_buffer(program)
fprog = struct.pack("HxxxxxxP", len(program) // 8, ctypes.addressof(filters))
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_ulong]
if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, None, 0, 0) != 0 or \
        libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, fprog, 0, 0) != 0:
    sys.exit(f"no_execveat: seccomp: {os.strerror(ctypes.get_errno())}")
os.execv(sys.argv[2], sys.argv[2:])
