/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* with-policy BITS CMD [ARG...]: run CMD with the exec securebits set to
 * BITS (EXEC_POLICY_* values: 1 RESTRICT_FILE, 2 its lock, 4
 * DENY_INTERACTIVE, 8 its lock), inherited by CMD and its children. The
 * guest's counterpart of tests/with-policy (the VM has no Python). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "execcheck.h"

int main(int argc, char **argv)
{
    char *end;
    unsigned long bits = argc > 2 ? strtoul(argv[1], &end, 10) : 16;
    if (argc < 3 || *end || bits > 15) {
        fprintf(stderr, "usage: with-policy BITS CMD [ARG...]\n");
        return 2;
    }
    int err = exec_policy_set((unsigned)bits);
    if (err < 0) {
        fprintf(stderr, "with-policy: exec_policy_set(%lu): %s\n", bits, strerror(-err));
        return 125;
    }
    execvp(argv[2], argv + 2);
    fprintf(stderr, "with-policy: %s: %s\n", argv[2], strerror(errno));
    return 127;
}
