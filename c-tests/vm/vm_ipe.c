/* IPE (Integrity Policy Enforcement): can a test load a policy?
 *
 * IPE answers AT_EXECVE_CHECK from 6.19 on, but it only takes policies in
 * PKCS#7 envelopes signed by a key of the kernel's builtin or secondary
 * trusted keyrings (or the platform keyring: UEFI db). Debian's kernels
 * build no boot policy in (CONFIG_IPE_BOOT_POLICY=""), and the secondary
 * keyring only accepts keys vouched for by a key already trusted. This
 * program records, on the running kernel, that both doors are shut for a
 * test: an unsigned policy is refused, and so is our self-signed
 * certificate. If a kernel ever accepts the unsigned policy, the verdict
 * cases have to be written: that case fails instead of passing silently. */
#include "tap.h"

#include <sys/syscall.h>

#define IPE "/sys/kernel/security/ipe"

static const char policy[] = "policy_name=execcheck_test policy_version=0.0.1\n"
                             "DEFAULT action=ALLOW\n"
                             "DEFAULT op=EXECUTE action=DENY\n"
                             "op=EXECUTE boot_verified=TRUE action=ALLOW\n";

/* The id of a keyring named `name`, read from /proc/keys (0 if absent). */
static long keyring_id(const char *name)
{
    FILE *keys = fopen("/proc/keys", "re");
    char line[512];
    long id = 0;
    while (keys && fgets(line, sizeof line, keys))
        if (strstr(line, " keyring ") && strstr(line, name))
            id = strtol(line, NULL, 16);
    if (keys)
        fclose(keys);
    return id;
}

int main(void)
{
    tap_init();
    tap_require_root();
    if (access(IPE "/new_policy", F_OK)) {
        printf("Bail out! IPE is not active in this kernel (no " IPE ")\n");
        return 1;
    }

    int fd = open_or_bail(IPE "/new_policy", O_WRONLY);
    ssize_t n = write(fd, policy, sizeof policy - 1);
    int err = n < 0 ? errno : 0;
    close(fd);
    if (!ok(n < 0, "an unsigned IPE policy is refused (%s)", strerror(err)))
        printf("#   this kernel accepted an unsigned policy: write the IPE verdict cases\n");

    long secondary = keyring_id(".secondary_trusted_keys");
    ok(secondary != 0, "the .secondary_trusted_keys keyring exists (id %lx)", secondary);
    char der[4096];
    int cert = open_or_bail("/fixtures/ima/cert.der", O_RDONLY);
    ssize_t len = read(cert, der, sizeof der);
    close(cert);
    long key = syscall(SYS_add_key, "asymmetric", NULL, der, len, secondary);
    err = key < 0 ? errno : 0;
    ok(key < 0, "a self-signed certificate is refused by .secondary_trusted_keys (%s)", strerror(err));

    printf("ok %d - IPE verdicts # SKIP no policy can be loaded without a key the kernel already trusts\n",
           ++tap->count);
    return tap_done();
}
