/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* Minimal TAP for the C tests, plus the fixtures they share.
 *
 * Each test program is self-contained: it needs root, mounts its own tmpfs
 * file systems with mount(2), prints TAP on stdout and exits non-zero on any
 * failure. The test counter lives in a shared mapping so that children forked
 * to change credentials (securebits are per-thread and often irreversible)
 * report real TAP lines. */
#ifndef EXECCHECK_TAP_H
#define EXECCHECK_TAP_H

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "execcheck.h"

struct tap_state {
    int count;
    int failed;
};
static struct tap_state *tap;

static inline void tap_init(void)
{
    tap = mmap(NULL, sizeof *tap, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (tap == MAP_FAILED) {
        printf("Bail out! mmap: %s\n", strerror(errno));
        exit(1);
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
}

static inline void tap_vreport(int pass, const char *fmt, va_list ap)
{
    int n = __atomic_add_fetch(&tap->count, 1, __ATOMIC_SEQ_CST);
    if (!pass)
        __atomic_add_fetch(&tap->failed, 1, __ATOMIC_SEQ_CST);
    char line[512];
    int len = snprintf(line, sizeof line, "%sok %d - ", pass ? "" : "not ", n);
    len += vsnprintf(line + len, sizeof line - (size_t)len, fmt, ap);
    if (len > (int)sizeof line - 2)
        len = (int)sizeof line - 2;
    line[len++] = '\n';
    /* One write per line: lines from threads and children never interleave. */
    if (write(STDOUT_FILENO, line, (size_t)len) < 0)
        abort();
}

__attribute__((format(printf, 2, 3))) static inline int ok(int pass, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tap_vreport(pass, fmt, ap);
    va_end(ap);
    return pass;
}

/* Integer equality with both values shown on failure. */
#define is(got, want, ...)                                                                         \
    do {                                                                                           \
        long got_ = (long)(got), want_ = (long)(want);                                             \
        if (!ok(got_ == want_, __VA_ARGS__))                                                       \
            printf("#   got %ld, want %ld (%s:%d)\n", got_, want_, __FILE__, __LINE__);             \
    } while (0)

/* Print the plan; the exit status of the program. */
static inline int tap_done(void)
{
    printf("1..%d\n", tap->count);
    return tap->failed ? 1 : 0;
}

/* Tests need root for tmpfs mounts and credential changes. Outside CI a
 * non-root run skips with the reason; in CI (which runs as root) it fails. */
static inline void tap_require_root(void)
{
    if (geteuid() == 0)
        return;
    if (getenv("CI")) {
        printf("Bail out! needs root, and CI runs as root\n");
        exit(1);
    }
    printf("1..0 # SKIP needs root (tmpfs mounts, securebits in children)\n");
    exit(0);
}

/* Run fn(arg) in a forked child; its TAP lines count as ours. The child
 * fails the test if it crashes or exits non-zero. */
static inline void in_child(void (*fn)(void *), void *arg, const char *name)
{
    pid_t pid = fork();
    if (pid == 0) {
        fn(arg);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    ok(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: child exited cleanly", name);
}

/* Mount a fresh tmpfs (noexec or not) on a new directory; path in `dir`. */
static inline void make_tmpfs(char dir[64], int noexec)
{
    snprintf(dir, 64, "/tmp/execcheck-c-XXXXXX");
    if (!mkdtemp(dir) || mount("tmpfs", dir, "tmpfs", noexec ? MS_NOEXEC : 0, NULL) != 0) {
        printf("Bail out! tmpfs on %s: %s\n", dir, strerror(errno));
        exit(1);
    }
}

static inline void drop_tmpfs(const char *dir)
{
    umount2(dir, MNT_DETACH);
    rmdir(dir);
}

/* Create dir/name with this mode and a line of content; path in `path`. */
static inline void make_file(char path[256], const char *dir, const char *name, mode_t mode)
{
    snprintf(path, 256, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, "print hi\n", 9) != 9 || close(fd) != 0 || chmod(path, mode) != 0) {
        printf("Bail out! %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

/* The fixture most tests start from: a fresh exec tmpfs in `dir` holding
 * "good" (mode 0755) and "plain" (0644); their paths in `good` and `plain`. */
static inline void make_exec_fixture(char dir[64], char good[256], char plain[256])
{
    make_tmpfs(dir, 0);
    make_file(good, dir, "good", 0755);
    make_file(plain, dir, "plain", 0644);
}

static inline int open_or_bail(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC);
    if (fd < 0) {
        printf("Bail out! open %s: %s\n", path, strerror(errno));
        exit(1);
    }
    return fd;
}

/* Number of open fds, to prove that refusals leak nothing. */
static inline int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    if (!d)
        return -1;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

#endif
