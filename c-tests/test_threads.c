/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* Threads through the C ABI:
 * - many threads calling every entry point at once get the right answers;
 * - a thread creating threads while others check never sees pthread_create
 *   fail (a check marks the process "in exec"; the library must run it where
 *   that cannot hurt), and a control with the raw syscall shows that it would. */
#include "tap.h"

#include <pthread.h>
#include <sys/syscall.h>

#define CALLERS 8
#define ROUNDS 200
#define SPAWNS 2000

static char exec_dir[64], good[256], plain[256];
static int stop;
static pthread_barrier_t start;

struct caller {
    int wrong;
};

static void *call_everything(void *arg)
{
    struct caller *me = arg;
    int g = open_or_bail(good, O_RDONLY), p = open_or_bail(plain, O_RDONLY);
    for (int i = 0; i < ROUNDS; i++) {
        errno = ERANGE;
        me->wrong += exec_check_fd(g, 0) != 0;
        me->wrong += exec_check_fd(p, 0) != -EACCES;
        me->wrong += exec_policy_get() != EXEC_POLICY_RESTRICT_FILE;
        me->wrong += exec_policy_allow_file(g, good) != 0;
        me->wrong += exec_policy_allow_file(p, plain) != -EACCES;
        me->wrong += exec_policy_allow_interactive(EXEC_SOURCE_ARGUMENT, -1) != 0;
        int refused;
        int fd = exec_policy_open(AT_FDCWD, good, 0, &refused);
        me->wrong += fd < 0 || refused != 0;
        close(fd);
        me->wrong += exec_policy_open(AT_FDCWD, plain, 0, &refused) != -EACCES || refused != 1;
        me->wrong += errno != ERANGE;
    }
    close(g), close(p);
    return NULL;
}

static void concurrent_callers(void *arg)
{
    (void)arg;
    /* Securebits are per thread: set before creating the threads, inherited. */
    is(exec_policy_set(EXEC_POLICY_RESTRICT_FILE), 0, "RESTRICT_FILE for all threads");
    int before = count_fds();
    pthread_t threads[CALLERS];
    struct caller callers[CALLERS] = {{0}};
    for (int i = 0; i < CALLERS; i++)
        if (pthread_create(&threads[i], NULL, call_everything, &callers[i]) != 0) {
            printf("Bail out! pthread_create: %s\n", strerror(errno));
            exit(1);
        }
    int wrong = 0;
    for (int i = 0; i < CALLERS; i++) {
        pthread_join(threads[i], NULL);
        wrong += callers[i].wrong;
    }
    is(wrong, 0, "%d threads x %d rounds of every call: all answers right", CALLERS, ROUNDS);
    is(count_fds(), before, "no fd leaked");
}

static int raw_check(int fd)
{
    char *argv[] = {"raw", NULL}, *envp[] = {NULL};
    return syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH | 0x10000) == 0 ? 0 : -errno;
}

static int library_check(int fd)
{
    return exec_check_fd(fd, 0);
}

struct checker {
    int (*check)(int);
    long done;
};

static void *check_until_stopped(void *arg)
{
    struct checker *me = arg;
    /* No checker starts before both exist: the raw checks of a running one
     * would make the creation of the other fail. */
    pthread_barrier_wait(&start);
    int fd = open_or_bail(good, O_RDONLY);
    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
        if (me->check(fd) != 0)
            abort();
        __atomic_add_fetch(&me->done, 1, __ATOMIC_RELAXED);
    }
    close(fd);
    return NULL;
}

static void *nothing(void *arg)
{
    return arg;
}

/* Spawn SPAWNS threads while two threads check; return how many failed. */
static int failed_spawns_while(int (*check)(int), long *checks)
{
    pthread_t checkers[2];
    struct checker state = {check, 0};
    __atomic_store_n(&stop, 0, __ATOMIC_RELAXED);
    pthread_barrier_init(&start, NULL, 2);
    for (int i = 0; i < 2; i++)
        if (pthread_create(&checkers[i], NULL, check_until_stopped, &state) != 0) {
            printf("Bail out! pthread_create: %s\n", strerror(errno));
            exit(1);
        }
    while (__atomic_load_n(&state.done, __ATOMIC_RELAXED) == 0)
        sched_yield();
    int failed = 0;
    for (int i = 0; i < SPAWNS; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, nothing, NULL) != 0)
            failed++;
        else
            pthread_join(t, NULL);
    }
    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    for (int i = 0; i < 2; i++)
        pthread_join(checkers[i], NULL);
    pthread_barrier_destroy(&start);
    *checks = state.done;
    return failed;
}

int main(void)
{
    tap_init();
    tap_require_root();
    make_exec_fixture(exec_dir, good, plain);

    in_child(concurrent_callers, NULL, "concurrent callers");

    long checks;
    int failed = failed_spawns_while(library_check, &checks);
    ok(checks > 50, "library checks ran alongside the spawner (%ld)", checks);
    is(failed, 0, "no pthread_create failed during %ld library checks", checks);
    failed = failed_spawns_while(raw_check, &checks);
    ok(failed > 0, "control: %d of %d pthread_create failed during %ld raw checks", failed, SPAWNS, checks);

    drop_tmpfs(exec_dir);
    return tap_done();
}
