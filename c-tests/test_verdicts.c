/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* exec_check_fd through the C ABI: the kernel's errno table, bad input,
 * errno preservation, the version, on the running kernel (>= 6.14). */
#include "tap.h"

#include <pty.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif

/* The verdict, with and without EXEC_CHECK_EMULATE (which must change
 * nothing on a kernel with the feature), and errno left alone. */
static void verdict(int fd, int want, const char *what)
{
    errno = ERANGE;
    is(exec_check_fd(fd, 0), want, "%s", what);
    is(errno, ERANGE, "%s: errno preserved", what);
    is(exec_check_fd(fd, EXEC_CHECK_EMULATE), want, "%s (EXEC_CHECK_EMULATE)", what);
}

static void regular_files(void)
{
    char exec_dir[64], noexec_dir[64], path[256];
    make_tmpfs(exec_dir, 0);
    make_tmpfs(noexec_dir, 1);

    make_file(path, exec_dir, "x", 0755);
    int x = open_or_bail(path, O_RDONLY);
    verdict(x, 0, "0755 on an exec mount");
    int opath = open_or_bail(path, O_PATH);
    verdict(opath, 0, "O_PATH fd of a 0755 file");

    int writer = open_or_bail(path, O_WRONLY);
    verdict(x, -ETXTBSY, "0755 while another fd has it open for writing");
    close(writer);
    verdict(x, 0, "0755 after the writer closed");
    int rdwr = open_or_bail(path, O_RDWR);
    verdict(rdwr, -ETXTBSY, "the O_RDWR fd itself");
    close(rdwr);

    make_file(path, exec_dir, "r", 0644);
    int r = open_or_bail(path, O_RDONLY);
    verdict(r, -EACCES, "0644 on an exec mount");
    make_file(path, noexec_dir, "x", 0755);
    int n = open_or_bail(path, O_RDONLY);
    verdict(n, -EACCES, "0755 on a noexec mount");

    snprintf(path, sizeof path, "%s/fifo", exec_dir);
    mkfifo(path, 0755);
    int fifo = open_or_bail(path, O_PATH);
    verdict(fifo, -EACCES, "a FIFO, mode 0755");
    snprintf(path, sizeof path, "%s/blk", exec_dir);
    mknod(path, S_IFBLK | 0755, makedev(7, 200));
    int blk = open_or_bail(path, O_PATH);
    verdict(blk, -EACCES, "a block device node, mode 0755");

    int fds[] = {x, opath, r, n, fifo, blk};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        close(fds[i]);
    drop_tmpfs(exec_dir);
    drop_tmpfs(noexec_dir);
}

static void other_objects(void)
{
    int dir = open_or_bail("/", O_RDONLY);
    verdict(dir, -EACCES, "a directory");
    int null = open_or_bail("/dev/null", O_RDONLY);
    verdict(null, -EACCES, "a char device");
    int proc = open_or_bail("/proc/self/status", O_RDONLY);
    verdict(proc, -EACCES, "a /proc file");
    int p[2], s[2], master, slave;
    if (pipe(p) || socketpair(AF_UNIX, SOCK_STREAM, 0, s) || openpty(&master, &slave, NULL, NULL, NULL)) {
        printf("Bail out! pipe/socketpair/openpty: %s\n", strerror(errno));
        exit(1);
    }
    verdict(p[0], -EACCES, "a pipe");
    verdict(s[0], -EACCES, "a socket");
    verdict(slave, -EACCES, "a terminal");
    int mfd = memfd_create("execcheck", 0);
    verdict(mfd, 0, "a memfd");
    int sealed = memfd_create("execcheck", MFD_NOEXEC_SEAL);
    verdict(sealed, -EACCES, "a memfd with MFD_NOEXEC_SEAL");
    int fds[] = {dir, null, proc, p[0], p[1], s[0], s[1], master, slave, mfd, sealed};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        close(fds[i]);
}

static void bad_input(void)
{
    int sh = open_or_bail("/bin/sh", O_RDONLY);
    verdict(-1, -EBADF, "fd -1");
    verdict(-1000, -EBADF, "fd -1000");
    verdict(987, -EBADF, "a closed fd");
    verdict(0x7fffffff, -EBADF, "fd INT_MAX");
    errno = ERANGE;
    is(exec_check_fd(sh, 2), -EINVAL, "an unknown flag");
    is(exec_check_fd(sh, 0xffffffffu), -EINVAL, "all flags");
    is(exec_check_fd(sh, EXEC_CHECK_EMULATE | 0x80000000u), -EINVAL, "a known and an unknown flag");
    is(errno, ERANGE, "errno preserved on -EINVAL");
    close(sh);
}

static void identity(void)
{
    errno = ERANGE;
    is(exec_check_supported(), 1, "the kernel has AT_EXECVE_CHECK");
    is(exec_check_supported(), 1, "the cached answer is the same");
    ok(strcmp(exec_check_version(), EXECCHECK_VERSION) == 0, "exec_check_version() is EXECCHECK_VERSION (%s)",
       exec_check_version());
    is(errno, ERANGE, "errno preserved");
}

int main(void)
{
    tap_init();
    tap_require_root();
    identity();
    regular_files();
    other_objects();
    bad_input();
    return tap_done();
}
