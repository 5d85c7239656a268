/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* The policy through the C ABI: exec_policy_set/get/force, locks, privilege,
 * inheritance across fork and exec, the allow_file and allow_interactive
 * tables, and exec_policy_open. Credential changes happen in children. */
#include "tap.h"

#include <sys/prctl.h>

#define R EXEC_POLICY_RESTRICT_FILE
#define RL EXEC_POLICY_RESTRICT_FILE_LOCKED
#define D EXEC_POLICY_DENY_INTERACTIVE
#define DL EXEC_POLICY_DENY_INTERACTIVE_LOCKED

static char exec_dir[64], noexec_dir[64];
static char good[256], plain[256], mounted[256];

static void set_get(void *arg)
{
    (void)arg;
    is(exec_policy_get(), 0, "starts with no policy");
    unsigned int values[] = {R, D, R | D, 0};
    for (size_t i = 0; i < 4; i++) {
        is(exec_policy_set(values[i]), 0, "set %#x", values[i]);
        is(exec_policy_get(), values[i], "get %#x", values[i]);
        is(prctl(PR_GET_SECUREBITS) & 0xf00, values[i] << 8, "securebits for %#x", values[i]);
    }
    is(prctl(PR_SET_SECUREBITS, 1 << 4 /* SECBIT_KEEP_CAPS */), 0, "set an unrelated securebit");
    is(exec_policy_set(R), 0, "set R");
    is(prctl(PR_GET_SECUREBITS), (1 << 4) | 0x100, "the unrelated securebit is untouched");
    is(exec_policy_set(16), -EINVAL, "unknown bit");
    is(exec_policy_set(0xffffffffu), -EINVAL, "all bits");
}

static void locks(void *arg)
{
    (void)arg;
    is(exec_policy_set(R | RL), 0, "lock RESTRICT_FILE on");
    is(exec_policy_set(R | RL), 0, "re-set the same value");
    is(exec_policy_set(0), -EPERM, "clear a locked bit");
    is(exec_policy_set(R), -EPERM, "clear a lock");
    is(exec_policy_set(R | RL | D), 0, "an unlocked bit still moves");
    is(exec_policy_set(R | RL | D | DL), 0, "lock DENY_INTERACTIVE on");
    is(exec_policy_set(R | RL), -EPERM, "both locked");
    is(exec_policy_get(), R | RL | D | DL, "final policy");
}

static void unprivileged(void *arg)
{
    (void)arg;
    is(setresuid(65534, 65534, 65534), 0, "drop to nobody");
    is(exec_policy_set(R), 0, "set without CAP_SETPCAP");
    errno = 0;
    is(prctl(PR_SET_SECUREBITS, 0x100), -1, "the kernel refuses an unprivileged no-op");
    is(errno, EPERM, "with EPERM");
    errno = ERANGE;
    is(exec_policy_set(R), 0, "the library accepts it");
    is(errno, ERANGE, "errno preserved");
}

static void forced(void *arg)
{
    (void)arg;
    is(exec_policy_force(RL), -EINVAL, "a lock cannot be forced");
    is(exec_policy_force(DL), -EINVAL, "a lock cannot be forced");
    is(exec_policy_force(32), -EINVAL, "unknown bit");
    is(exec_policy_get(), 0, "nothing forced yet");
    is(exec_policy_force(R), 0, "force RESTRICT_FILE");
    is(exec_policy_force(D), 0, "force DENY_INTERACTIVE");
    is(exec_policy_get(), R | D, "both forced");
    is(prctl(PR_GET_SECUREBITS) & 0xf00, 0, "kernel bits untouched");
    is(exec_policy_set(0), 0, "clearing kernel bits");
    is(exec_policy_get(), R | D, "does not clear forced bits");
    int fd = open_or_bail(plain, O_RDONLY);
    is(exec_policy_allow_file(fd, plain), -EACCES, "a forced policy refuses 0644");
    close(fd);
}

static void inherited(void *arg)
{
    (void)arg;
    is(exec_policy_set(R | D | DL), 0, "set R|D|DL");
    pid_t pid = fork();
    if (pid == 0)
        _exit(exec_policy_get() == (R | D | DL) ? 0 : 1);
    int status;
    waitpid(pid, &status, 0);
    ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a forked child has the policy");
    pid = fork();
    if (pid == 0) {
        execl("/proc/self/exe", "test_policy", "--exit-with-policy", (char *)NULL);
        _exit(99);
    }
    waitpid(pid, &status, 0);
    is(WIFEXITED(status) ? WEXITSTATUS(status) : -1, R | D | DL, "an exec'd program has the policy");
}

struct cell {
    unsigned int policy;
};

static void allow_file_table(void *arg)
{
    unsigned int policy = ((struct cell *)arg)->policy;
    int want = (policy & R) ? -EACCES : 0;
    is(exec_policy_set(policy), 0, "policy %#x", policy);
    int g = open_or_bail(good, O_RDONLY), p = open_or_bail(plain, O_RDONLY);
    int m = open_or_bail(mounted, O_RDONLY), dir = open_or_bail(exec_dir, O_RDONLY);
    errno = ERANGE;
    is(exec_policy_allow_file(g, good), 0, "[%#x] allow_file 0755", policy);
    is(exec_policy_allow_file(p, NULL), want, "[%#x] allow_file 0644", policy);
    is(exec_policy_allow_file(m, ""), want, "[%#x] allow_file noexec", policy);
    is(exec_policy_allow_file(dir, "dir"), want, "[%#x] allow_file directory", policy);
    is(exec_policy_allow_file(-1, NULL), (policy & R) ? -EBADF : 0, "[%#x] allow_file fd -1", policy);
    int w = open_or_bail(good, O_WRONLY);
    is(exec_policy_allow_file(g, good), (policy & R) ? -ETXTBSY : 0, "[%#x] allow_file busy", policy);
    close(w);
    is(errno, ERANGE, "[%#x] errno preserved", policy);
    close(g), close(p), close(m), close(dir);
}

static void allow_interactive_table(void *arg)
{
    unsigned int policy = ((struct cell *)arg)->policy;
    int deny = (policy & D) ? -EACCES : 0;
    is(exec_policy_set(policy), 0, "policy %#x", policy);
    int g = open_or_bail(good, O_RDONLY), p = open_or_bail(plain, O_RDONLY);
    int null = open_or_bail("/dev/null", O_RDONLY), pipefd[2];
    if (pipe(pipefd))
        exit(1);
    is(exec_policy_allow_interactive(EXEC_SOURCE_ARGUMENT, -1), deny, "[%#x] argument", policy);
    is(exec_policy_allow_interactive(EXEC_SOURCE_ENVIRONMENT, -1), deny, "[%#x] environment", policy);
    is(exec_policy_allow_interactive(EXEC_SOURCE_STREAM, g), 0, "[%#x] stream: 0755 file", policy);
    is(exec_policy_allow_interactive(EXEC_SOURCE_STREAM, p), deny, "[%#x] stream: 0644 file", policy);
    is(exec_policy_allow_interactive(EXEC_SOURCE_STREAM, pipefd[0]), deny, "[%#x] stream: pipe", policy);
    is(exec_policy_allow_interactive(EXEC_SOURCE_STREAM, null), deny, "[%#x] stream: char device", policy);
    is(exec_policy_allow_interactive(EXEC_SOURCE_STREAM, -1), (policy & D) ? -EBADF : 0, "[%#x] stream: fd -1",
       policy);
    int sources[] = {0, 4, -1, 0x7fffffff};
    for (size_t i = 0; i < 4; i++)
        is(exec_policy_allow_interactive(sources[i], g), -EINVAL, "[%#x] unknown source %d", policy, sources[i]);
    close(g), close(p), close(null), close(pipefd[0]), close(pipefd[1]);
}

/* exec_policy_open's answer, and whether it says the policy refused. */
static void open_is(int dirfd, const char *path, unsigned int flags, int want, int want_refused,
                   const char *what)
{
    int refused = -1;
    int fd = exec_policy_open(dirfd, path, flags, &refused);
    if (fd >= 0)
        close(fd);
    is(refused, want_refused, "%s: %s", what, want_refused ? "a refusal" : "not a refusal");
    is(fd >= 0 ? 0 : fd, want, "%s", what);
}

static void open_contract(void *arg)
{
    (void)arg;
    is(exec_policy_set(R), 0, "RESTRICT_FILE");
    int before = count_fds();
    int refused = -1;
    int fd = exec_policy_open(AT_FDCWD, good, 0, &refused);
    ok(fd >= 0 && refused == 0, "open a 0755 file");
    ok((fcntl(fd, F_GETFD) & FD_CLOEXEC) && (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY, "read-only, close-on-exec");
    close(fd);
    errno = ERANGE;
    open_is(AT_FDCWD, plain, 0, -EACCES, 1, "a 0644 file is refused");
    open_is(AT_FDCWD, mounted, 0, -EACCES, 1, "a noexec file is refused");
    open_is(AT_FDCWD, exec_dir, 0, -EACCES, 1, "a directory is refused");
    open_is(AT_FDCWD, "/nonexistent/x", 0, -ENOENT, 0, "a missing file");
    open_is(AT_FDCWD, "", 0, -ENOENT, 0, "an empty path");
    open_is(AT_FDCWD, NULL, 0, -EFAULT, 0, "a NULL path");
    open_is(AT_FDCWD, good, 1, -EINVAL, 0, "unknown flags");
    open_is(-1, "x", 0, -EBADF, 0, "a bad dirfd with a relative path");
    is(exec_policy_open(AT_FDCWD, good, 0, NULL), -EFAULT, "a NULL refused: nothing opened");
    is(errno, ERANGE, "errno preserved");
    int dir = open_or_bail(exec_dir, O_RDONLY | O_DIRECTORY);
    fd = exec_policy_open(dir, "good", 0, &refused);
    ok(fd >= 0, "relative to a dirfd");
    close(fd);
    open_is(dir, "plain", 0, -EACCES, 1, "relative and refused");
    int file = open_or_bail(good, O_RDONLY);
    open_is(file, "x", 0, -ENOTDIR, 0, "a file as dirfd");
    close(file);
    close(dir);
    is(count_fds(), before, "nothing leaked");
}

/* An unreadable file is not a refusal: openat's EACCES (mode 0000, an
 * unprivileged caller) must not read as the policy's, with or without a bit.
 * The control: the same caller, a readable 0644 file, is refused. */
static void open_unreadable(void *arg)
{
    unsigned int policy = *(unsigned int *)arg;
    char secret[256];
    make_file(secret, exec_dir, "secret", 0000);
    is(setresuid(65534, 65534, 65534), 0, "drop to nobody");
    is(exec_policy_set(policy), 0, "policy %#x", policy);
    open_is(AT_FDCWD, secret, 0, -EACCES, 0, "mode 0000, unprivileged: cannot open");
    if (policy & R)
        open_is(AT_FDCWD, plain, 0, -EACCES, 1, "mode 0644, unprivileged: refused");
    else
        open_is(AT_FDCWD, plain, 0, 0, 0, "mode 0644, unprivileged, no bit: allowed");
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--exit-with-policy") == 0)
        return exec_policy_get();
    tap_init();
    tap_require_root();
    make_exec_fixture(exec_dir, good, plain);
    make_tmpfs(noexec_dir, 1);
    make_file(mounted, noexec_dir, "mounted", 0755);

    in_child(set_get, NULL, "set and get");
    in_child(locks, NULL, "locks");
    in_child(unprivileged, NULL, "unprivileged");
    in_child(forced, NULL, "force");
    in_child(inherited, NULL, "inheritance");
    unsigned int policies[] = {0, R, D, R | D};
    for (size_t i = 0; i < 4; i++) {
        struct cell cell = {policies[i]};
        in_child(allow_file_table, &cell, "allow_file table");
        in_child(allow_interactive_table, &cell, "allow_interactive table");
    }
    in_child(open_contract, NULL, "exec_policy_open");
    for (size_t i = 0; i < 2; i++)
        in_child(open_unreadable, &policies[i], "exec_policy_open, unreadable");

    drop_tmpfs(exec_dir);
    drop_tmpfs(noexec_dir);
    return tap_done();
}
