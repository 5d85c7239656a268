/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* The cost of IMA appraisal as the check sees it, in the VM (c-tests/vm/bench
 * boots a kernel with this as its only program). One 32 KiB file, opened,
 * checked with exec_check_fd and closed:
 *   - owned by a uid no IMA rule covers (the baseline),
 *   - appraised by hash, the verdict cached by IMA (what every later check
 *     of an unchanged file costs), and the first check (IMA reads and hashes
 *     the whole file),
 *   - the same for a signature (first check: hash plus RSA verification),
 *   - and open+read+close of the file without a check, for scale.
 * "First check" is made by rewriting security.ima (same value, untimed)
 * before each call: IMA then forgets its verdict and appraises again; a
 * control below proves it does (a wrong value written the same way is
 * refused at once, a good one accepted again).
 *
 * Variants are interleaved round by round; each round times `calls` calls of
 * each. Prints CSV: table,variant,unit,median,p10,p90,ratio (ratio against
 * the baseline's median), the format of benches/run.
 *   bench_ima [ROUNDS [CALLS]] */
#include "vm.h"

#include <sys/utsname.h>
#include <time.h>

static char dir[64], plain[256], hashed[256], signed_[256];

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

/* open + exec_check_fd + close; the verdict must be 0 (nothing else is
 * measured). */
static void open_check_close(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int verdict = fd < 0 ? -errno : exec_check_fd(fd, 0);
    if (verdict) {
        printf("Bail out! check of %s: %s\n", path, strerror(-verdict));
        exit(1);
    }
    close(fd);
}

static void open_read_close(const char *path)
{
    char buf[32768];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, buf, sizeof buf) != (ssize_t)sizeof buf) {
        printf("Bail out! read %s\n", path);
        exit(1);
    }
    close(fd);
}

static void plain_check(void) { open_check_close(plain); }
static void hash_cached(void) { open_check_close(hashed); }
static void sig_cached(void) { open_check_close(signed_); }
static void plain_read(void) { open_read_close(plain); }
static void hash_forget(void) { set_ima_value(hashed, "bench-hash"); }
static void sig_forget(void) { set_ima_value(signed_, "bench-sig"); }

struct variant {
    const char *name;
    void (*before)(void); /* untimed, before each call */
    void (*call)(void);
    double *samples;
};

static struct variant variants[] = {
    {"check, no IMA rule for the file", NULL, plain_check, NULL},
    {"check, IMA hash, cached verdict", NULL, hash_cached, NULL},
    {"check, IMA hash, first check", hash_forget, hash_cached, NULL},
    {"check, IMA signature, cached verdict", NULL, sig_cached, NULL},
    {"check, IMA signature, first check", sig_forget, sig_cached, NULL},
    {"open+read+close, no check", NULL, plain_read, NULL},
};
#define VARIANTS (sizeof variants / sizeof variants[0])

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double quantile(double *sorted, int n, double q) { return sorted[(int)(q * (n - 1) + 0.5)]; }

static void install(char path[256], const char *name, const char *value, uid_t uid)
{
    snprintf(path, 256, "%s/%s", dir, name);
    install_fixture(path, "bench", value, uid);
}

/* Rewriting security.ima really makes IMA appraise again: a wrong value is
 * refused on the next check, the good one accepted again. Without this the
 * "first check" rows could be cached verdicts. */
static void control(void)
{
    if (check_path(hashed) != 0 || check_path(signed_) != 0) {
        printf("Bail out! control: the appraised files are not allowed\n");
        exit(1);
    }
    set_ima_value(hashed, "hash-wrong");
    set_ima_value(signed_, "sig-other-content");
    int wrong_hash = check_path(hashed), wrong_sig = check_path(signed_);
    hash_forget();
    sig_forget();
    if (wrong_hash != -EACCES || wrong_sig != -EACCES || check_path(hashed) || check_path(signed_)) {
        printf("Bail out! control: rewriting security.ima did not make IMA appraise again (%d %d)\n",
               wrong_hash, wrong_sig);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 31, calls = argc > 2 ? atoi(argv[2]) : 20;
    if (rounds < 1 || calls < 1) {
        fprintf(stderr, "usage: bench_ima [ROUNDS [CALLS]]\n");
        return 2;
    }
    long key = ima_load_certificate();
    if (key < 0) {
        printf("Bail out! the IMA test certificate: %s\n", strerror((int)-key));
        return 1;
    }
    make_tmpfs(dir, 0);
    install(plain, "plain", NULL, 0);
    install(hashed, "hashed", "bench-hash", HASH_UID);
    install(signed_, "signed", "bench-sig", SIG_UID);
    control();

    for (size_t v = 0; v < VARIANTS; v++)
        variants[v].samples = calloc(rounds, sizeof(double));
    for (int r = 0; r < rounds; r++) {
        for (size_t v = 0; v < VARIANTS; v++) {
            double total = 0;
            for (int c = 0; c < calls; c++) {
                if (variants[v].before)
                    variants[v].before();
                double start = now_us();
                variants[v].call();
                total += now_us() - start;
            }
            variants[v].samples[r] = total / calls;
        }
    }

    struct utsname u;
    uname(&u);
    char release[65];
    snprintf(release, sizeof release, "%s", u.release);
    release[strcspn(release, "+-")] = '\0';
    double base = 0;
    for (size_t v = 0; v < VARIANTS; v++) {
        double *s = variants[v].samples;
        qsort(s, rounds, sizeof *s, cmp);
        double median = quantile(s, rounds, 0.5);
        if (v == 0)
            base = median;
        printf("\"IMA appraisal in a VM (Linux %s under TCG): open+check+close of a 32 KiB file\",\"%s\",us/call,%.2f,%.2f,%.2f,%.3f\n",
               release, variants[v].name, median, quantile(s, rounds, 0.1), quantile(s, rounds, 0.9), median / base);
    }
    drop_tmpfs(dir);
    return 0;
}
