/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* Per-call costs of the library against the raw system call, side by side
 * in one process: variants are interleaved batch by batch, so the machine's
 * noise hits them alike; medians and spread (p10, p90) of the per-call time
 * over the rounds; ratios against the first variant of each table.
 *
 *   micro FILE [ROUNDS] [CALLS_PER_BATCH]      prints CSV:
 *   table,variant,unit,median,p10,p90,ratio */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
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
    int f = exec_policy_open(AT_FDCWD, path, 0);
    if (f < 0 || read(f, buf, sizeof buf) < 0)
        abort();
    close(f);
}

static void *idle(void *arg)
{
    pause();
    return arg;
}

struct variant {
    const char *name;
    void (*call)(void);
    int with_thread; /* run the batch while the process has a second thread */
    double *samples;
};

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Interleave the variants batch by batch; print one CSV row per variant. */
static void table(const char *title, struct variant *v, int n, int rounds, int calls)
{
    for (int i = 0; i < n; i++)
        v[i].samples = calloc((size_t)rounds, sizeof(double));
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < n; i++) {
            pthread_t t;
            if (v[i].with_thread)
                pthread_create(&t, NULL, idle, NULL);
            double start = now_us();
            for (int c = 0; c < calls; c++)
                v[i].call();
            v[i].samples[r] = (now_us() - start) / calls;
            if (v[i].with_thread) {
                pthread_cancel(t);
                pthread_join(t, NULL);
            }
        }
    }
    double base = 0;
    for (int i = 0; i < n; i++) {
        qsort(v[i].samples, (size_t)rounds, sizeof(double), cmp);
        double median = v[i].samples[rounds / 2];
        if (i == 0)
            base = median;
        printf("\"%s\",\"%s\",us/call,%.3f,%.3f,%.3f,%.3f\n", title, v[i].name, median, v[i].samples[rounds / 10],
               v[i].samples[rounds * 9 / 10], median / base);
        free(v[i].samples);
    }
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

    struct variant check[] = {
        {"raw execveat(AT_EXECVE_CHECK)", raw_check, 0, NULL},
        {"exec_check_fd", library_check, 0, NULL},
        {"exec_policy_allow_file", library_allow_file, 0, NULL},
        {"exec_check_fd in a threaded process (child)", library_check, 1, NULL},
    };
    table("the check (per call)", check, 4, rounds, calls);

    struct variant policy[] = {
        {"raw prctl(PR_GET_SECUREBITS)", raw_prctl, 0, NULL},
        {"exec_policy_get", library_get, 0, NULL},
    };
    table("reading the policy (per call)", policy, 2, rounds, calls * 20);

    struct variant read[] = {
        {"open + read 4 KiB + close", open_read_close, 0, NULL},
        {"exec_policy_open + read 4 KiB + close", policy_open_read_close, 0, NULL},
    };
    table("loading one file", read, 2, rounds, calls);

    struct variant env[] = {
        {"argv {name} envp {} (the library's choice)", raw_check, 0, NULL},
        {"the process's environment", raw_check_environ, 0, NULL},
        {"200 environment variables", raw_check_200, 0, NULL},
    };
    table("argv/envp given to the check", env, 3, rounds, calls);
    return 0;
}
