/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* IPE (Integrity Policy Enforcement) and the check.
 *
 * IPE takes policies only in PKCS#7 envelopes signed by a key of the
 * kernel's builtin or secondary trusted keyrings or (Debian enables
 * CONFIG_IPE_POLICY_SIG_PLATFORM_KEYRING) the platform keyring, i.e. the
 * UEFI db. Debian builds no boot policy in. So this program first records
 * that a test cannot just load one (unsigned: refused; own certificate:
 * refused by the secondary keyring), then uses the door that is open: the
 * VM boots OVMF with Debian's snakeoil test certificate in db (c-tests/vm/boot
 * uefi-sb), and the fixtures are signed with its public test key.
 *
 * The policy allows execution only from the initramfs (boot_verified). IPE
 * answers AT_EXECVE_CHECK from 6.19 on (its bprm_creds_for_exec hook);
 * before that it refuses the real execve but does not see the check. Both
 * are asserted, per kernel version. At the end an allow-all policy is
 * activated, so later programs run unaffected. */
#include "vm.h"

#include <sys/syscall.h>
#include <sys/utsname.h>

#define IPE "/sys/kernel/security/ipe"
#define FIXTURES "/fixtures/ipe"

/* Write a whole file's content to an IPE node in one write(2), as IPE
 * requires; 0 or -errno. */
static int load(const char *node, const char *fixture)
{
    char buf[8192];
    size_t len = slurp(fixture, buf, sizeof buf);
    int out = open_or_bail(node, O_WRONLY);
    int err = write(out, buf, len) == (ssize_t)len ? 0 : -errno;
    close(out);
    return err;
}

static int activate(const char *policy)
{
    char node[256], one[] = "1";
    snprintf(node, sizeof node, IPE "/policies/%s/active", policy);
    int fd = open_or_bail(node, O_WRONLY);
    int err = write(fd, one, 1) == 1 ? 0 : -errno;
    close(fd);
    return err;
}

/* The id of the key or keyring whose /proc/keys line contains both `type`
 * and `name` (0 if none). */
static long find_key(const char *type, const char *name)
{
    FILE *keys = fopen("/proc/keys", "re");
    char line[512];
    long id = 0;
    while (keys && fgets(line, sizeof line, keys))
        if (strstr(line, type) && strstr(line, name))
            id = strtol(line, NULL, 16);
    if (keys)
        fclose(keys);
    return id;
}

static void closed_doors(void)
{
    is(load(IPE "/new_policy", FIXTURES "/unsigned.pol"), -EBADMSG, "an unsigned IPE policy is refused (EBADMSG)");

    long secondary = find_key(" keyring ", ".secondary_trusted_keys");
    ok(secondary != 0, "the .secondary_trusted_keys keyring exists");
    char der[4096];
    size_t len = slurp("/fixtures/ima/cert.der", der, sizeof der);
    long key = syscall(SYS_add_key, "asymmetric", NULL, der, len, secondary);
    is(key < 0 ? -errno : 0, -ENOKEY, "a self-signed certificate is refused by .secondary_trusted_keys (ENOKEY)");
}

static int sees_the_check(void)
{
    struct utsname u;
    int major = 0, minor = 0;
    uname(&u);
    sscanf(u.release, "%d.%d", &major, &minor);
    return major > 6 || (major == 6 && minor >= 19);
}

static void enforcement(void)
{
    if (!ok(find_key(" asymmetri ", "SnakeOil") != 0, "the UEFI db test certificate is in the .platform keyring")) {
        printf("#   the VM must boot with c-tests/vm/boot uefi-sb\n");
        return;
    }
    is(load(IPE "/new_policy", FIXTURES "/deny.p7b"), 0, "a policy signed with the UEFI db key is accepted");
    is(load(IPE "/new_policy", FIXTURES "/allow.p7b"), 0, "the allow-all policy too");

    char dir[64], script[256];
    make_tmpfs(dir, 0);
    snprintf(script, sizeof script, "%s/script", dir);
    write_file(script, "#!/bin/inc\nprint ran\n", 0755);
    is(check_path(script), 0, "control: before activation a 0755 script on a tmpfs passes");

    is(activate("execcheck_deny"), 0, "the deny policy is activated");
    char *direct[] = {script, NULL}, *inc[] = {"/bin/inc", script, NULL};
    is(check_path("/bin/inc"), 0, "IPE: a program from the initramfs (boot_verified) passes the check");
    is(run(0, direct, NULL, 0), 128 + EACCES, "IPE: execve of the tmpfs script is refused (EACCES)");
    is(run(0, inc, NULL, 0), 0, "IPE: control: inc without the bit runs it");
    if (sees_the_check()) {
        is(check_path(script), -EACCES, "IPE (>= 6.19): the check refuses the tmpfs script (EACCES)");
        is(run(EXEC_POLICY_RESTRICT_FILE, inc, NULL, 0), 126, "IPE (>= 6.19): inc under RESTRICT_FILE refuses it (126)");
    } else {
        is(check_path(script), 0, "IPE (< 6.19): the check does not see IPE: 0 where execve fails (kernel limit)");
        is(run(EXEC_POLICY_RESTRICT_FILE, inc, NULL, 0), 0, "IPE (< 6.19): so inc under RESTRICT_FILE runs it (kernel limit)");
    }

    is(activate("execcheck_allow"), 0, "the allow-all policy is activated");
    is(check_path(script), 0, "after switching back the script passes again");
    is(run(0, direct, NULL, 0), 0, "and execve runs it");
    drop_tmpfs(dir);
}

int main(void)
{
    tap_init();
    tap_require_root();
    if (access(IPE "/new_policy", F_OK)) {
        printf("Bail out! IPE is not active in this kernel (no " IPE ")\n");
        return 1;
    }
    closed_doors();
    enforcement();
    return tap_done();
}
