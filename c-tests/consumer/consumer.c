/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* A program that uses an installed libexeccheck the way an interpreter
 * would, built with nothing but what pkg-config (or meson) says. It runs one
 * check the kernel allows and one it refuses, and verifies both. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <execcheck.h>

static int failures;

static void expect(int got, int want, const char *what)
{
    printf("%s %s: got %d, want %d\n", got == want ? "ok" : "FAIL", what, got, want);
    failures += got != want;
}

int main(void)
{
    expect(strcmp(exec_check_version(), EXECCHECK_VERSION), 0, "library version equals header version");
    expect(exec_check_supported(), 1, "kernel support");
    int sh = open("/bin/sh", O_RDONLY | O_CLOEXEC);
    int passwd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
    expect(exec_check_fd(sh, 0), 0, "/bin/sh (executable) is allowed");
    expect(exec_check_fd(passwd, 0), -EACCES, "/etc/passwd (0644) is refused");
    expect(exec_policy_force(EXEC_POLICY_RESTRICT_FILE), 0, "force RESTRICT_FILE");
    int refused = 0;
    expect(exec_policy_open(AT_FDCWD, "/etc/passwd", 0, &refused), -EACCES, "open /etc/passwd under RESTRICT_FILE");
    expect(refused, 1, "and that is a refusal");
    close(sh);
    close(passwd);
    return failures != 0;
}
