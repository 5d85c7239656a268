/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* Landlock through the C ABI: a domain that grants
 * LANDLOCK_ACCESS_FS_EXECUTE only beneath one directory makes the kernel
 * refuse executable files elsewhere, for a single-threaded caller (direct
 * check) and a multithreaded one (check in the library's child). */
#include "tap.h"

#include <pthread.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif
#define LANDLOCK_ACCESS_FS_EXECUTE (1ULL << 0)
#define LANDLOCK_RULE_PATH_BENEATH 1

struct ruleset_attr {
    unsigned long long handled_access_fs;
};
struct path_beneath_attr {
    unsigned long long allowed_access;
    int parent_fd;
} __attribute__((packed));

static char dir[64], inside[256], outside[256];

static int restrict_execute_to(const char *allowed)
{
    struct ruleset_attr attr = {LANDLOCK_ACCESS_FS_EXECUTE};
    int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
    if (ruleset < 0)
        return -errno;
    struct path_beneath_attr rule = {LANDLOCK_ACCESS_FS_EXECUTE, open_or_bail(allowed, O_PATH)};
    int ret = syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) ||
              prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_landlock_restrict_self, ruleset, 0);
    close(rule.parent_fd);
    close(ruleset);
    return ret ? -errno : 0;
}

static void *idle(void *arg)
{
    pause();
    return arg;
}

static void landlocked(void *arg)
{
    const char *path = arg ? "with threads (check in a child)" : "single-threaded (direct check)";
    pthread_t t;
    if (arg)
        pthread_create(&t, NULL, idle, NULL);
    char allowed[256];
    snprintf(allowed, sizeof allowed, "%s/allowed", dir);
    is(restrict_execute_to(allowed), 0, "%s: Landlock domain in place", path);
    int in = open_or_bail(inside, O_RDONLY), out = open_or_bail(outside, O_RDONLY);
    is(exec_check_fd(in, 0), 0, "%s: executable inside the allowed tree", path);
    is(exec_check_fd(out, 0), -EACCES, "%s: refused outside it", path);
    is(exec_policy_set(EXEC_POLICY_RESTRICT_FILE), 0, "%s: RESTRICT_FILE", path);
    is(exec_policy_allow_file(out, outside), -EACCES, "%s: allow_file refuses outside", path);
    int refused = 0;
    is(exec_policy_open(AT_FDCWD, outside, 0, &refused), -EACCES, "%s: open refuses outside", path);
    is(refused, 1, "%s: as a refusal", path);
    close(in), close(out);
}

int main(void)
{
    tap_init();
    tap_require_root();
    make_tmpfs(dir, 0);
    char sub[256];
    snprintf(sub, sizeof sub, "%s/allowed", dir);
    mkdir(sub, 0755);
    snprintf(sub, sizeof sub, "%s/other", dir);
    mkdir(sub, 0755);
    make_file(inside, dir, "allowed/x", 0755);
    make_file(outside, dir, "other/x", 0755);
    in_child(landlocked, NULL, "single-threaded");
    in_child(landlocked, "threads", "multithreaded");
    drop_tmpfs(dir);
    return tap_done();
}
