/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* Per-call costs of the library against the raw system call, side by side
 * in one process: variants are interleaved batch by batch, so the machine's
 * noise hits them alike; medians and spread (p10, p90) of the per-call time
 * over the rounds; ratios against the first variant of each table, as the
 * median of the per-round ratios (a round's variants ran within moments of
 * each other, so a busy spell of the machine cancels out).
 *
 *   micro FILE [ROUNDS] [CALLS_PER_BATCH]      prints CSV:
 *   table,variant,unit,median,p10,p90,ratio */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "execcheck.h"

extern char **environ;
static const char *path;
static int fd;
static char *no_env[] = {NULL};
static char *big_env[201];

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int raw(char **envp)
{
    char *argv[] = {(char *)path, NULL};
    return (int)syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH | 0x10000);
}

static void raw_check(void) { raw(no_env); }
static void raw_check_environ(void) { raw(environ); }
static void raw_check_200(void) { raw(big_env); }
static void library_check(void) { exec_check_fd(fd, 0); }
static void library_allow_file(void) { exec_policy_allow_file(fd, path); }
static void library_get(void) { exec_policy_get(); }
static void raw_prctl(void) { syscall(SYS_prctl, 27 /* PR_GET_SECUREBITS */, 0, 0, 0, 0); }

/* The previous design, for comparison: the check in a CLONE_VM | CLONE_VFORK
 * | CLONE_FILES child process, its verdict in the exit status, reaped with
 * waitpid. */
static int child_check(void *arg)
{
    (void)arg;
    return raw(no_env) == 0 ? 0 : 1;
}

static void vfork_child_check(void)
{
    static char stack[8192] __attribute__((aligned(16)));
    sigset_t all, saved;
    int status;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    int pid = clone(child_check, stack + sizeof stack, CLONE_VM | CLONE_VFORK | CLONE_FILES, NULL);
    if (pid < 0 || waitpid(pid, &status, __WALL) != pid)
        abort();
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
}

static void open_read_close(void)
{
    char buf[4096];
    int f = open(path, O_RDONLY | O_CLOEXEC);
    if (read(f, buf, sizeof buf) < 0)
        abort();
    close(f);
}

static void policy_open_read_close(void)
{
    char buf[4096];
    int refused;
    int f = exec_policy_open(AT_FDCWD, path, 0, &refused);
    if (f < 0 || read(f, buf, sizeof buf) < 0)
        abort();
    close(f);
}

static void *idle(void *arg)
{
    pause();
    return arg;
}

/* Start `n` idle threads (the caller is one more). */
static pthread_t *start_threads(int n)
{
    pthread_t *t = calloc((size_t)n, sizeof *t);
    for (int i = 0; i < n; i++)
        if (pthread_create(&t[i], NULL, idle, NULL))
            abort();
    return t;
}

static void stop_threads(pthread_t *t, int n)
{
    for (int i = 0; i < n; i++) {
        pthread_cancel(t[i]);
        pthread_join(t[i], NULL);
    }
    free(t);
}

/* Keep every CPU busy: one spinning process per CPU, for the loaded rows. */
static void load_machine(pid_t *spinners, int n, int on)
{
    for (int i = 0; i < n; i++) {
        if (!on) {
            kill(spinners[i], SIGKILL);
            waitpid(spinners[i], NULL, 0);
        } else if ((spinners[i] = fork()) == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            for (volatile unsigned long x = 0;; x++)
                ;
        }
    }
}

struct variant {
    const char *name;
    void (*call)(void);
    double *samples, *cpu;
    double ratio;
};

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Interleave the variants batch by batch; print one CSV row per variant. */
/* Print one CSV row per variant: median, p10, p90 of `samples`, and the
 * median of the per-round ratios against variant 0. */
static void report(const char *title, const char *unit, struct variant *v, int n, int rounds)
{
    double *ratios = calloc((size_t)rounds, sizeof(double));
    for (int i = n - 1; i >= 0; i--) {
        for (int r = 0; r < rounds; r++)
            ratios[r] = v[i].samples[r] / v[0].samples[r];
        qsort(ratios, (size_t)rounds, sizeof(double), cmp);
        v[i].ratio = ratios[rounds / 2];
    }
    free(ratios);
    for (int i = 0; i < n; i++) {
        qsort(v[i].samples, (size_t)rounds, sizeof(double), cmp);
        printf("\"%s\",\"%s\",%s,%.3f,%.3f,%.3f,%.3f\n", title, v[i].name, unit, v[i].samples[rounds / 2],
               v[i].samples[rounds / 10], v[i].samples[rounds * 9 / 10], v[i].ratio);
    }
}

/* CPU time of this process (every thread, the check's helper threads too)
 * and of its reaped children (the previous design's check children). */
static double cpu_us(void)
{
    struct timespec t;
    struct rusage children;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    getrusage(RUSAGE_CHILDREN, &children);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3 + children.ru_utime.tv_sec * 1e6 + children.ru_utime.tv_usec +
           children.ru_stime.tv_sec * 1e6 + children.ru_stime.tv_usec;
}

/* Interleave the variants batch by batch; print one CSV row per variant, and
 * with `cpu` a second table of the CPU time per call (robust on a busy
 * machine: time spent waiting for a CPU is not in it). */
static void table(const char *title, struct variant *v, int n, int rounds, int calls, int cpu)
{
    for (int i = 0; i < n; i++) {
        v[i].samples = calloc((size_t)rounds, sizeof(double));
        v[i].cpu = calloc((size_t)rounds, sizeof(double));
    }
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < n; i++) {
            double start_cpu = cpu_us(), start = now_us();
            for (int c = 0; c < calls; c++)
                v[i].call();
            v[i].samples[r] = (now_us() - start) / calls;
            v[i].cpu[r] = (cpu_us() - start_cpu) / calls;
        }
    }
    report(title, "us/call", v, n, rounds);
    if (cpu) {
        char cpu_title[200];
        snprintf(cpu_title, sizeof cpu_title, "%s (CPU time)", title);
        for (int i = 0; i < n; i++) {
            free(v[i].samples);
            v[i].samples = v[i].cpu;
        }
        report(cpu_title, "us CPU/call", v, n, rounds);
    } else {
        for (int i = 0; i < n; i++)
            free(v[i].cpu);
    }
    for (int i = 0; i < n; i++)
        free(v[i].samples);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: micro EXECUTABLE-FILE [ROUNDS] [CALLS]\n");
        return 2;
    }
    path = argv[1];
    int rounds = argc > 2 ? atoi(argv[2]) : 41, calls = argc > 3 ? atoi(argv[3]) : 200;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || exec_check_fd(fd, 0) != 0) {
        fprintf(stderr, "micro: %s must be an executable file the kernel allows\n", path);
        return 1;
    }
    for (int i = 0; i < 200; i++)
        asprintf(&big_env[i], "EXECCHECK_BENCH_VARIABLE_%03d=some value of a typical length", i);

    /* First, while this process has never had a thread (glibc's
     * __libc_single_threaded answers for free). */
    struct variant check[] = {
        {"raw execveat(AT_EXECVE_CHECK)", raw_check, NULL, NULL, 0},
        {"exec_check_fd", library_check, NULL, NULL, 0},
        {"exec_policy_allow_file", library_allow_file, NULL, NULL, 0},
    };
    table("the check (per call)", check, 3, rounds, calls, 1);

    struct variant policy[] = {
        {"raw prctl(PR_GET_SECUREBITS)", raw_prctl, NULL, NULL, 0},
        {"exec_policy_get", library_get, NULL, NULL, 0},
    };
    table("reading the policy (per call)", policy, 2, rounds, calls * 20, 0);

    struct variant read[] = {
        {"open + read 4 KiB + close", open_read_close, NULL, NULL, 0},
        {"exec_policy_open + read 4 KiB + close", policy_open_read_close, NULL, NULL, 0},
    };
    table("loading one file", read, 2, rounds, calls, 0);

    struct variant env[] = {
        {"argv {name} envp {} (the library's choice)", raw_check, NULL, NULL, 0},
        {"the process's environment", raw_check_environ, NULL, NULL, 0},
        {"200 environment variables", raw_check_200, NULL, NULL, 0},
    };
    table("argv/envp given to the check", env, 3, rounds, calls, 0);

    /* With other threads: the raw check (which would make their
     * pthread_create fail), the previous design's child process, and the
     * library's helper thread; idle, then with every CPU busy. */
    struct variant threaded[] = {
        {"raw execveat (unsafe next to threads)", raw_check, NULL, NULL, 0},
        {"vfork child process (the previous design)", vfork_child_check, NULL, NULL, 0},
        {"exec_check_fd (helper thread)", library_check, NULL, NULL, 0},
    };
    pid_t spinners[64];
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus > 64)
        cpus = 64;
    for (int loaded = 0; loaded < 2; loaded++) {
        if (loaded)
            load_machine(spinners, (int)cpus, 1);
        static const int thread_counts[] = {2, 8, 64};
        for (int k = 0; k < 3; k++) {
            int n = thread_counts[k];
            char title[100];
            snprintf(title, sizeof title, "the check with %d threads%s", n, loaded ? ", every CPU busy" : "");
            pthread_t *t = start_threads(n - 1);
            table(title, threaded, 3, rounds, calls, 1);
            stop_threads(t, n - 1);
        }
        if (loaded)
            load_machine(spinners, (int)cpus, 0);
    }

    /* Now the process has had threads: glibc's flag stays 0 for good, and
     * the library asks the kernel (unshare(CLONE_THREAD)) whether it is
     * alone again. */
    table("the check after threads ended (per call)", check, 3, rounds, calls, 1);

    return 0;
}
