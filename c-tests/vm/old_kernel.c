/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* The library on a kernel WITHOUT AT_EXECVE_CHECK (< 6.14; the VM boots
 * Debian's 6.12): it must say so (-ENOSYS), emulate from file metadata when
 * asked, refuse to pretend it set securebits the kernel lacks, and a forced
 * policy (hardened interpreter builds) must still refuse through the
 * emulation. Controls prove the kernel really lacks the feature. */
#include "vm.h"

#include <sys/prctl.h>
#include <sys/syscall.h>

#define AT_EXECVE_CHECK_FLAG 0x10000
#define SECBIT_EXEC_RESTRICT_FILE_BIT (1 << 8)
#define IMA_TEST_UID 4242 /* files of this owner are IMA-appraised (init) */

struct files {
    char exec_dir[64], noexec_dir[64];
    char exe[256], plain[256], noexec[256], script[256];
};

static int raw_check(int fd)
{
    char *argv[] = {"check", NULL}, *envp[] = {NULL};
    return syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH | AT_EXECVE_CHECK_FLAG) == 0 ? 0 : -errno;
}

/* The kernel really lacks the feature: without this the rest proves nothing. */
static void controls(const struct files *f)
{
    int fd = open_or_bail(f->exe, O_RDONLY);
    is(raw_check(fd), -EINVAL, "control: raw execveat(AT_EXECVE_CHECK) is an unknown flag (EINVAL)");
    close(fd);
    is(prctl(PR_SET_SECUREBITS, SECBIT_EXEC_RESTRICT_FILE_BIT, 0, 0, 0) == 0 ? 0 : -errno, -EPERM,
       "control: the kernel refuses the exec securebits (EPERM)");
}

static void reports_enosys(const struct files *f)
{
    is(exec_check_supported(), 0, "exec_check_supported() == 0");
    const char *paths[] = {f->exe, f->plain, f->noexec};
    for (int i = 0; i < 3; i++) {
        int fd = open_or_bail(paths[i], O_RDONLY);
        errno = ERANGE;
        is(exec_check_fd(fd, 0), -ENOSYS, "exec_check_fd(%s) == -ENOSYS", paths[i]);
        is(errno, ERANGE, "errno preserved");
        close(fd);
    }
    is(exec_policy_set(EXEC_POLICY_RESTRICT_FILE), -ENOSYS, "exec_policy_set(RESTRICT_FILE) == -ENOSYS");
    is(exec_policy_set(EXEC_POLICY_DENY_INTERACTIVE), -ENOSYS, "exec_policy_set(DENY_INTERACTIVE) == -ENOSYS");
    is(exec_policy_get(), 0, "exec_policy_get() == 0 (nothing set)");
    is(exec_policy_set(99), -EINVAL, "exec_policy_set(unknown bits) == -EINVAL");
}

static void emulated_verdict(int fd, int want, const char *what)
{
    is(exec_check_fd(fd, EXEC_CHECK_EMULATE), want, "EXEC_CHECK_EMULATE: %s", what);
}

static void emulates(const struct files *f)
{
    int exe = open_or_bail(f->exe, O_RDONLY), plain = open_or_bail(f->plain, O_RDONLY);
    int noexec = open_or_bail(f->noexec, O_RDONLY), opath = open_or_bail(f->exe, O_PATH);
    int dir = open_or_bail(f->exec_dir, O_RDONLY | O_DIRECTORY), null = open_or_bail("/dev/null", O_RDONLY);
    int p[2];
    if (pipe(p)) {
        printf("Bail out! pipe: %s\n", strerror(errno));
        exit(1);
    }
    emulated_verdict(exe, 0, "0755 on an exec mount is allowed");
    emulated_verdict(opath, 0, "O_PATH fd of a 0755 file is allowed");
    emulated_verdict(plain, -EACCES, "0644 (no x bit, root too) is refused");
    emulated_verdict(noexec, -EACCES, "0755 on a noexec mount is refused");
    emulated_verdict(dir, -EACCES, "a directory is refused");
    emulated_verdict(p[0], -EACCES, "a pipe is refused");
    emulated_verdict(null, -EACCES, "a char device is refused");
    emulated_verdict(-1, -EBADF, "fd -1 is EBADF");
    int fds[] = {exe, plain, noexec, opath, dir, null, p[0], p[1]};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        close(fds[i]);
}

/* Not enforced: allow_file checks but lets everything through. */
static void not_enforced(const struct files *f)
{
    int plain = open_or_bail(f->plain, O_RDONLY);
    is(exec_policy_allow_file(plain, "plain"), 0, "no policy: allow_file(0644) == 0 (checked, not enforced)");
    close(plain);
    is(exec_policy_allow_interactive(EXEC_SOURCE_ARGUMENT, -1), 0, "no policy: inline code allowed");
}

static void forced(void *arg)
{
    const struct files *f = arg;
    is(exec_policy_force(EXEC_POLICY_RESTRICT_FILE | EXEC_POLICY_DENY_INTERACTIVE), 0, "exec_policy_force(both) == 0");
    is(exec_policy_get(), EXEC_POLICY_RESTRICT_FILE | EXEC_POLICY_DENY_INTERACTIVE, "exec_policy_get() shows the forced bits");

    int exe = open_or_bail(f->exe, O_RDONLY), plain = open_or_bail(f->plain, O_RDONLY);
    int noexec = open_or_bail(f->noexec, O_RDONLY);
    is(exec_policy_allow_file(exe, "exe"), 0, "forced: allow_file(0755) == 0");
    is(exec_policy_allow_file(plain, "plain"), -EACCES, "forced: allow_file(0644) == -EACCES (emulated)");
    is(exec_policy_allow_file(noexec, "noexec"), -EACCES, "forced: allow_file(noexec mount) == -EACCES (emulated)");
    is(exec_policy_allow_interactive(EXEC_SOURCE_STREAM, exe), 0, "forced: a 0755 regular file on stdin is allowed");
    is(exec_policy_allow_interactive(EXEC_SOURCE_STREAM, plain), -EACCES, "forced: a 0644 file on stdin is refused");
    is(exec_policy_allow_interactive(EXEC_SOURCE_ARGUMENT, -1), -EACCES, "forced: inline code is refused");
    close(exe);
    close(plain);
    close(noexec);

    int before = count_fds();
    int refused = -1;
    int fd = exec_policy_open(AT_FDCWD, f->exe, 0, &refused);
    ok(fd >= 0, "forced: exec_policy_open(0755) gives an fd");
    if (fd >= 0)
        close(fd);
    is(exec_policy_open(AT_FDCWD, f->plain, 0, &refused), -EACCES, "forced: exec_policy_open(0644) == -EACCES");
    is(refused, 1, "forced: a refusal");
    is(exec_policy_open(AT_FDCWD, f->noexec, 0, &refused), -EACCES, "forced: exec_policy_open(noexec) == -EACCES");
    is(refused, 1, "forced: a refusal");
    is(count_fds(), before, "forced: refusals leave no fd open");
}

/* The hardened example interpreter: exec_policy_force() at start. */
static int inc(const char *binary, const char *arg1, const char *arg2)
{
    char *argv[] = {(char *)binary, (char *)arg1, (char *)arg2, NULL};
    return run(0, argv, NULL, 0);
}

static void hardened_interpreter(const struct files *f)
{
    const char *hardened = "/bin/inc-hardened";
    is(inc(hardened, f->script, NULL), 0, "inc-hardened runs a 0755 script");
    is(inc(hardened, f->plain, NULL), 126, "inc-hardened refuses a 0644 script (126)");
    is(inc(hardened, f->noexec, NULL), 126, "inc-hardened refuses a script on a noexec mount (126)");
    is(inc(hardened, "-c", "print hi"), 126, "inc-hardened refuses -c code (126)");
    is(inc("/bin/inc", f->plain, NULL), 0, "control: plain inc runs the 0644 script");
}

/* What the emulation cannot see: IMA. init loaded a policy that appraises
 * files owned by IMA_TEST_UID; this one has no security.ima, so a real
 * execve is refused while the emulation, which sees only metadata, allows
 * it. This is why EXEC_CHECK_EMULATE is an approximation. */
static void emulation_is_blind_to_ima(const struct files *f)
{
    char path[256];
    snprintf(path, sizeof path, "%s/unhashed", f->exec_dir);
    write_file(path, "#!/bin/inc\nprint unhashed ran\n", 0755);
    if (chown(path, IMA_TEST_UID, IMA_TEST_UID)) {
        printf("Bail out! chown: %s\n", strerror(errno));
        exit(1);
    }
    char *argv[] = {path, NULL};
    is(run(0, argv, NULL, 0), 128 + EACCES, "IMA: execve of a file without security.ima is refused (EACCES)");
    int fd = open_or_bail(path, O_RDONLY);
    is(exec_check_fd(fd, EXEC_CHECK_EMULATE), 0, "IMA: EXEC_CHECK_EMULATE cannot see it and allows it (known limit)");
    close(fd);
}

int main(void)
{
    tap_init();
    tap_require_root();
    struct files f;
    make_tmpfs(f.exec_dir, 0);
    make_tmpfs(f.noexec_dir, 1);
    make_file(f.exe, f.exec_dir, "exe", 0755);
    make_file(f.plain, f.exec_dir, "plain", 0644);
    make_file(f.noexec, f.noexec_dir, "exe", 0755);
    make_file(f.script, f.exec_dir, "script", 0755);

    controls(&f);
    reports_enosys(&f);
    emulates(&f);
    not_enforced(&f);
    in_child(forced, &f, "forced policy");
    hardened_interpreter(&f);
    emulation_is_blind_to_ima(&f);

    drop_tmpfs(f.exec_dir);
    drop_tmpfs(f.noexec_dir);
    return tap_done();
}
