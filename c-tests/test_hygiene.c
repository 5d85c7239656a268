/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* The library lives inside bash, perl and python, so its hot paths
 * (exec_check_fd, exec_policy_get, exec_policy_allow_*) must not allocate,
 * print, install signal handlers, start threads or leave children behind,
 * in a single-threaded caller (direct check) and a multithreaded one (check
 * in a child). Linked against the shared library only: the counting malloc
 * below interposes on the library's imports, which a static link of glibc
 * would not allow. */
#include "tap.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static int counting, allocations;

void *malloc(size_t n)
{
    allocations += counting;
    return __libc_malloc(n);
}
void *calloc(size_t n, size_t m)
{
    allocations += counting;
    return __libc_calloc(n, m);
}
void *realloc(void *p, size_t n)
{
    allocations += counting;
    return __libc_realloc(p, n);
}
void free(void *p)
{
    allocations += counting && p;
    __libc_free(p);
}

static char exec_dir[64], good[256], plain[256];

/* Every hot-path call, with both verdicts and a few errors. */
static void hot_calls(void)
{
    int g = open_or_bail(good, O_RDONLY), p = open_or_bail(plain, O_RDONLY), fds[2];
    if (pipe(fds))
        exit(1);
    counting = 1;
    for (int i = 0; i < 20; i++) {
        exec_check_fd(g, 0);
        exec_check_fd(p, EXEC_CHECK_EMULATE);
        exec_check_fd(-1, 0);
        exec_check_fd(g, 99);
        exec_policy_get();
        exec_policy_allow_file(g, good);
        exec_policy_allow_file(p, NULL);
        exec_policy_allow_interactive(EXEC_SOURCE_ARGUMENT, -1);
        exec_policy_allow_interactive(EXEC_SOURCE_STREAM, fds[0]);
        exec_policy_allow_interactive(EXEC_SOURCE_STREAM, g);
        exec_policy_allow_interactive(42, 0);
    }
    counting = 0;
    close(g), close(p), close(fds[0]), close(fds[1]);
}

static int task_count(void)
{
    DIR *d = opendir("/proc/self/task");
    int n = -2; /* . and .. */
    while (d && readdir(d))
        n++;
    if (d)
        closedir(d);
    return n;
}

/* The tasks left once exiting ones are gone. A check's helper thread wakes
   its caller (CLONE_VFORK) when it releases its memory on exit, and the
   kernel removes it from /proc/self/task a moment later; a thread that
   stayed would still be counted after a second. */
static int settled_task_count(int want)
{
    int n = task_count();
    for (int i = 0; i < 1000 && n > want; i++) {
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
        n = task_count();
    }
    return n;
}

static int handlers_installed(void)
{
    int n = 0;
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction sa;
        if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL)
            n++;
    }
    return n;
}

static void hygiene(const char *path)
{
    int tasks = task_count(), handlers = handlers_installed();
    sigset_t mask_before, mask_after;
    sigprocmask(SIG_SETMASK, NULL, &mask_before);

    /* Catch anything the library writes to stdout or stderr. */
    int out[2], saved1 = dup(1), saved2 = dup(2);
    if (pipe2(out, O_NONBLOCK) || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0)
        exit(1);
    allocations = 0;
    hot_calls();
    dup2(saved1, 1), dup2(saved2, 2), close(saved1), close(saved2), close(out[1]);
    char buf[256];
    ssize_t printed = read(out[0], buf, sizeof buf);
    close(out[0]);

    sigprocmask(SIG_SETMASK, NULL, &mask_after);
    is(allocations, 0, "%s: no allocation in 220 hot-path calls", path);
    ok(printed <= 0, "%s: nothing printed", path);
    is(handlers_installed(), handlers, "%s: no signal handler installed", path);
    int changed = 0; /* compared signal by signal: sigset_t is larger than the kernel's mask */
    for (int sig = 1; sig < NSIG; sig++)
        changed += sigismember(&mask_before, sig) != sigismember(&mask_after, sig);
    is(changed, 0, "%s: signal mask restored", path);
    is(settled_task_count(tasks), tasks, "%s: no thread left running", path);
    errno = 0;
    is(waitpid(-1, NULL, WNOHANG | __WALL), -1, "%s: no child left to reap", path);
    is(errno, ECHILD, "%s: (no children at all)", path);
}

static void *idle(void *arg)
{
    pause();
    return arg;
}

int main(void)
{
    tap_init();
    tap_require_root();
    make_exec_fixture(exec_dir, good, plain);
    exec_check_supported(); /* the one-time probe, outside the counted calls */
    hygiene("single-threaded");
    pthread_t t;
    pthread_create(&t, NULL, idle, NULL);
    hygiene("multithreaded");
    drop_tmpfs(exec_dir);
    return tap_done();
}
