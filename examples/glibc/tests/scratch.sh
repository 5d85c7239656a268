# SPDX-License-Identifier: MIT OR Apache-2.0
# Sourced by the tests that need their own mounts:
#   scratch "$@"   re-executes the caller in a private mount namespace, then
#                  sets $work: a directory with exec/ (a tmpfs) and noexec/
#                  (a noexec tmpfs), all gone when the caller exits.
# shellcheck shell=bash
scratch() {
    if [ "${GLIBC_TEST_NAMESPACE:-}" != 1 ]; then
        GLIBC_TEST_NAMESPACE=1 exec unshare --mount --propagation private "$0" "$@"
    fi
    work=$(mktemp -d /tmp/glibc-test.XXXXXX)
    # shellcheck disable=SC2064  # $work is fixed from here on
    trap "umount -q -l /etc '$work/exec' '$work/noexec' '$work/overlay' 2>/dev/null || true; rm -rf '$work'" EXIT
    mkdir -p "$work/exec" "$work/noexec"
    mount -t tmpfs -o mode=0755 tmpfs "$work/exec"
    mount -t tmpfs -o mode=0755,noexec tmpfs "$work/noexec"
}
