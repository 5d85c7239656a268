/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* IMA appraisal in enforce mode (ima_appraise=enforce), through the library,
 * a real execve and the example interpreter under RESTRICT_FILE.
 *
 * init loaded c-tests/vm/guest/ima.policy: files owned by uid 4242 are
 * appraised by hash, files owned by 4243 need a signature. The fixtures were
 * made on the host (c-tests/vm/fixtures): one script, and security.ima values
 * for it: hashes with sha256, signatures with evmctl and a throwaway key whose
 * certificate is /fixtures/ima/cert.der. Every file below has the same
 * content; only the value (and the owner) differ. cpio cannot carry xattrs,
 * so this program sets them on copies in a tmpfs. The expected verdicts are
 * written here by hand. */
#include "vm.h"

#define INC "/bin/inc"

static char dir[64];

/* The fixture script as dir/as, owned by uid, with the security.ima value
 * IMA_FIXTURES/value.ima (none if value is NULL). */
static const char *install(const char *as, const char *value, uid_t uid)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, as);
    install_fixture(path, "script", value, uid);
    return path;
}

static void append(const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0 || write(fd, "print tampered\n", 15) != 15 || close(fd)) {
        printf("Bail out! append to %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

/* One file, four ways: the library's check, a real execve (the fixtures
 * start with #!/bin/inc), inc under RESTRICT_FILE, and inc with no bit (the
 * control: inc reads and runs anything when nothing is enforced). */
static void expect(const char *path, const char *what, int want)
{
    char out[256];

    is(check_path(path), want, "%s: exec_check_fd", what);

    char *direct[] = {(char *)path, NULL};
    int status = run(0, direct, out, sizeof out);
    if (want == 0)
        ok(status == 0 && strstr(out, "ran"), "%s: execve runs it", what);
    else
        is(status, 128 + EACCES, "%s: execve refuses it (EACCES)", what);

    char *inc[] = {INC, (char *)path, NULL};
    status = run(EXEC_POLICY_RESTRICT_FILE, inc, out, sizeof out);
    if (want == 0)
        ok(status == 0 && strcmp(out, "ran\n") == 0, "%s: inc under RESTRICT_FILE runs it", what);
    else
        ok(status == 126 && out[0] == '\0', "%s: inc under RESTRICT_FILE refuses it (126, nothing ran)", what);

    status = run(0, inc, out, sizeof out);
    ok(status == 0 && strstr(out, "ran"), "%s: control: inc without the bit runs it", what);
}

/* The same file before and after one appended line. */
static void expect_tamper_refused(const char *path, const char *what)
{
    is(check_path(path), 0, "%s: allowed before the change", what);
    append(path);
    expect(path, what, -EACCES);
}

static void hash_appraisal(void)
{
    expect(install("hash-good", "hash-good", HASH_UID), "hash: correct sha256 in security.ima", 0);
    expect(install("hash-wrong", "hash-wrong", HASH_UID), "hash: sha256 of other content", -EACCES);
    expect(install("hash-none", NULL, HASH_UID), "hash: no security.ima", -EACCES);
    expect_tamper_refused(install("hash-modified", "hash-good", HASH_UID), "hash: modified after hashing");
    /* The rules only cover the test owners: the same unmarked file owned by
     * root is allowed, so the refusals above are IMA's. */
    expect(install("not-appraised", NULL, 0), "control: no security.ima, owner outside the policy", 0);
}

static void load_certificate(void)
{
    long key = ima_load_certificate();
    if (!ok(key > 0, "the test certificate is added to a keyring _ima in root's user keyring"))
        printf("#   add_key: %s\n", strerror((int)-key));
}

static void signed_appraisal(void)
{
    /* Before the certificate is known, even a good signature fails. */
    expect(install("sig-before-key", "sig-good", SIG_UID), "imasig: signed, certificate not loaded yet", -EACCES);
    load_certificate();
    expect(install("sig-good", "sig-good", SIG_UID), "imasig: signed by the loaded key", 0);
    expect(install("sig-none", NULL, SIG_UID), "imasig: unsigned", -EACCES);
    expect(install("sig-other-key", "sig-other-key", SIG_UID), "imasig: signed by an unknown key", -EACCES);
    expect(install("sig-other-content", "sig-other-content", SIG_UID), "imasig: signature of other content", -EACCES);
    expect(install("sig-hash-only", "hash-good", SIG_UID), "imasig: a correct hash is not a signature", -EACCES);
    expect_tamper_refused(install("sig-modified", "sig-good", SIG_UID), "imasig: modified after signing");
}

int main(void)
{
    tap_init();
    tap_require_root();
    if (access("/sys/kernel/security/ima", F_OK)) {
        printf("Bail out! no IMA in this kernel (/sys/kernel/security/ima)\n");
        return 1;
    }
    make_tmpfs(dir, 0);
    hash_appraisal();
    signed_appraisal();
    drop_tmpfs(dir);
    return tap_done();
}
