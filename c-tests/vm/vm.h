/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* Helpers shared by the VM's test programs (on top of c-tests/tap.h): read
 * and write small files, check a path, run a program the way a user would,
 * with or without the exec securebits. */
#ifndef EXECCHECK_VM_H
#define EXECCHECK_VM_H

#include "tap.h"

#include <linux/keyctl.h>
#include <sys/syscall.h>
#include <sys/xattr.h>

/* guest/ima.policy: files of HASH_UID are appraised by hash, files of
 * SIG_UID need a signature; c-tests/vm/fixtures made the values. */
#define HASH_UID 4242
#define SIG_UID 4243
#define IMA_FIXTURES "/fixtures/ima"

/* Read a small file whole, NUL-terminated; its length. Bails out on error. */
static inline size_t slurp(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, size);
    if (n < 0 || (size_t)n == size) {
        printf("Bail out! read %s: %s\n", path, n < 0 ? strerror(errno) : "too big");
        exit(1);
    }
    close(fd);
    buf[n] = '\0';
    return (size_t)n;
}

/* Create (or truncate) path with this content and mode. */
static inline void write_file(const char *path, const char *content, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    size_t len = strlen(content);
    if (fd < 0 || write(fd, content, len) != (ssize_t)len || close(fd) || chmod(path, mode)) {
        printf("Bail out! %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

/* The library's verdict on a freshly opened fd of path. */
static inline int check_path(const char *path)
{
    int fd = open_or_bail(path, O_RDONLY);
    int verdict = exec_check_fd(fd, 0);
    close(fd);
    return verdict;
}

/* Run argv (argv[0] is a path) in a child whose exec securebits are
 * `policy` (EXEC_POLICY_*; 0 leaves them alone, as on a kernel without
 * them). Returns its exit status, 128 + errno if execve itself failed, -1
 * if it was killed. Its stdout goes to out (NUL-terminated; NULL: dropped). */
static inline int run(unsigned policy, char *const argv[], char *out, size_t size)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC)) {
        printf("Bail out! pipe: %s\n", strerror(errno));
        exit(1);
    }
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], STDOUT_FILENO);
        if (policy && exec_policy_set(policy) < 0)
            _exit(125);
        char *envp[] = {NULL};
        execve(argv[0], argv, envp);
        _exit(128 + errno);
    }
    close(p[1]);
    /* Read to EOF (so the child never blocks), keep what fits. */
    char all[4096], chunk[512];
    size_t used = 0;
    ssize_t n;
    while ((n = read(p[0], chunk, sizeof chunk)) > 0) {
        size_t keep = sizeof all - 1 - used < (size_t)n ? sizeof all - 1 - used : (size_t)n;
        memcpy(all + used, chunk, keep);
        used += keep;
    }
    all[used] = '\0';
    if (out)
        snprintf(out, size, "%s", all);
    close(p[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Put the fixtures' test certificate in a keyring named _ima in root's user
 * keyring: these kernels have no .ima keyring (CONFIG_INTEGRITY_TRUSTED_KEYRING
 * is off), and IMA then looks _ima up with request_key() from the checking
 * process, which finds root's user keyring. The key's id, or -errno. */
static inline long ima_load_certificate(void)
{
    char der[4096];
    size_t len = slurp(IMA_FIXTURES "/cert.der", der, sizeof der);
    long ring = syscall(SYS_add_key, "keyring", "_ima", NULL, 0, KEY_SPEC_USER_KEYRING);
    if (ring < 0)
        return -errno;
    long key = syscall(SYS_add_key, "asymmetric", NULL, der, len, ring);
    return key < 0 ? -errno : key;
}

/* Set security.ima on path to the fixture value IMA_FIXTURES/value.ima. */
static inline void set_ima_value(const char *path, const char *value)
{
    char src[256], xattr[1024];
    snprintf(src, sizeof src, "%s/%s.ima", IMA_FIXTURES, value);
    size_t len = slurp(src, xattr, sizeof xattr);
    if (setxattr(path, "security.ima", xattr, len, 0)) {
        printf("Bail out! setxattr security.ima on %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

/* Copy the fixture IMA_FIXTURES/fixture to path: mode 0755, owned by uid, with
 * the security.ima value IMA_FIXTURES/value.ima (none if value is NULL). */
static inline void install_fixture(const char *path, const char *fixture, const char *value, uid_t uid)
{
    char src[256], content[40000];
    snprintf(src, sizeof src, "%s/%s", IMA_FIXTURES, fixture);
    slurp(src, content, sizeof content);
    write_file(path, content, 0755);
    if (value)
        set_ima_value(path, value);
    if (chown(path, uid, uid)) {
        printf("Bail out! chown %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

#endif
