/* What loading libexeccheck costs a program: dlopen + the first call, in a
 * fresh process each time (a dlclose/dlopen loop in one process may only
 * bump a reference count), interleaved with a trivial C library so that
 * the machine's noise hits both alike. Prints medians, spread and ratios.
 *
 *   load LIBEXECCHECK.so TRIVIAL.so [ROUNDS]
 *   load --once LIB.so SYMBOL        (the child: prints nanoseconds) */
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

/* One fresh process; returns the nanoseconds it measured. */
static long long sample(const char *self, const char *path, const char *symbol)
{
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

static int cmp(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

struct variant {
    const char *name, *path, *symbol;
    long long *ns;
};

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--once") == 0)
        return once(argv[2], argv[3]);
    if (argc < 3) {
        fprintf(stderr, "usage: load LIBEXECCHECK.so TRIVIAL.so [ROUNDS]\n");
        return 2;
    }
    int rounds = argc > 3 ? atoi(argv[3]) : 200;
    struct variant v[] = {
        {"trivial C library, first call", argv[2], "trivial", NULL},
        {"libexeccheck, exec_policy_get()", argv[1], "exec_policy_get", NULL},
        {"libexeccheck, exec_check_supported()", argv[1], "exec_check_supported", NULL},
    };
    size_t nv = sizeof v / sizeof v[0];
    for (size_t i = 0; i < nv; i++)
        v[i].ns = calloc((size_t)rounds, sizeof(long long));
    for (int r = 0; r < rounds; r++)
        for (size_t i = 0; i < nv; i++)
            v[i].ns[r] = sample("/proc/self/exe", v[i].path, v[i].symbol);
    printf("%-40s %10s %10s %10s %8s\n", "dlopen + first call", "median", "p10", "p90", "ratio");
    double base = 0;
    for (size_t i = 0; i < nv; i++) {
        qsort(v[i].ns, (size_t)rounds, sizeof(long long), cmp);
        double median = v[i].ns[rounds / 2] / 1000.0;
        if (i == 0)
            base = median;
        printf("%-40s %8.1fus %8.1fus %8.1fus %7.2fx\n", v[i].name, median, v[i].ns[rounds / 10] / 1000.0,
               v[i].ns[rounds * 9 / 10] / 1000.0, median / base);
    }
    return 0;
}
