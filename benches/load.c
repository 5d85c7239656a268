/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* What loading libexeccheck costs a program, in a fresh process each time
 * (a dlclose/dlopen loop in one process may only bump a reference count),
 * interleaved so that the machine's noise hits every variant alike:
 * - dlopen + the first call, against a trivial C library;
 * - the start of a trivial program (fork, exec, exit, wait) linked with
 *   nothing, with the shared library, with the static one.
 *
 *   load ROUNDS LIBEXECCHECK.so TRIVIAL.so PROG-NONE PROG-SHARED PROG-STATIC
 *   load --once LIB.so SYMBOL        (the child: prints nanoseconds)
 * prints CSV: table,variant,unit,median,p10,p90,ratio */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int once(const char *path, const char *symbol)
{
    long long start = now_ns();
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    int (*first_call)(void) = lib ? (int (*)(void))dlsym(lib, symbol) : NULL;
    if (!first_call)
        return 1;
    first_call();
    printf("%lld\n", now_ns() - start);
    return 0;
}

/* One fresh process that loads a library; the nanoseconds it measured. */
static long long sample_dlopen(const char *path, const char *symbol)
{
    const char *self = "/proc/self/exe";
    int fds[2];
    if (pipe(fds))
        exit(1);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        execl(self, self, "--once", path, symbol, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char buf[64] = {0};
    ssize_t n = read(fds[0], buf, sizeof buf - 1);
    close(fds[0]);
    waitpid(pid, NULL, 0);
    if (n <= 0) {
        fprintf(stderr, "load: %s %s failed\n", path, symbol);
        exit(1);
    }
    return atoll(buf);
}

/* One start of a program: fork, exec, exit, wait, timed from outside. */
static long long sample_start(const char *program)
{
    long long start = now_ns();
    pid_t pid = fork();
    if (pid == 0) {
        execl(program, program, (char *)NULL);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "load: %s failed\n", program);
        exit(1);
    }
    return now_ns() - start;
}

static int cmp(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

struct variant {
    const char *name, *path, *symbol; /* symbol NULL: start `path` as a program */
    long long *ns;
};

static void table(const char *title, struct variant *v, size_t n, int rounds)
{
    for (size_t i = 0; i < n; i++)
        v[i].ns = calloc((size_t)rounds, sizeof(long long));
    for (int r = 0; r < rounds; r++)
        for (size_t i = 0; i < n; i++)
            v[i].ns[r] = v[i].symbol ? sample_dlopen(v[i].path, v[i].symbol) : sample_start(v[i].path);
    double base = 0;
    for (size_t i = 0; i < n; i++) {
        qsort(v[i].ns, (size_t)rounds, sizeof(long long), cmp);
        double median = v[i].ns[rounds / 2] / 1000.0;
        if (i == 0)
            base = median;
        printf("\"%s\",\"%s\",us,%.1f,%.1f,%.1f,%.3f\n", title, v[i].name, median, v[i].ns[rounds / 10] / 1000.0,
               v[i].ns[rounds * 9 / 10] / 1000.0, median / base);
        free(v[i].ns);
    }
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--once") == 0)
        return once(argv[2], argv[3]);
    if (argc != 7) {
        fprintf(stderr, "usage: load ROUNDS LIBEXECCHECK.so TRIVIAL.so PROG-NONE PROG-SHARED PROG-STATIC\n");
        return 2;
    }
    int rounds = atoi(argv[1]);
    struct variant dl[] = {
        {"trivial C library", argv[3], "trivial", NULL},
        {"libexeccheck + exec_policy_get()", argv[2], "exec_policy_get", NULL},
        {"libexeccheck + exec_check_supported()", argv[2], "exec_check_supported", NULL},
    };
    table("dlopen + first call", dl, 3, rounds);
    struct variant start[] = {
        {"trivial program, no library", argv[4], NULL, NULL},
        {"linked with libexeccheck.so", argv[5], NULL, NULL},
        {"linked with libexeccheck.a", argv[6], NULL, NULL},
    };
    table("program start (fork + exec + exit)", start, 3, rounds);
    return 0;
}
