/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* inc: a tiny script interpreter that obeys the kernel's execution policy.
 *
 * It exists to show interpreter maintainers where the library's calls go.
 * Every way code can reach the interpreter passes through exactly one call:
 *
 *   inc FILE         a script             exec_policy_open()
 *   include FILE     a module             exec_policy_open()
 *   inc -c CODE      code from argv       exec_policy_allow_interactive(ARGUMENT)
 *   INC_PRELUDE=...  code from the env    exec_policy_allow_interactive(ENVIRONMENT)
 *   inc, inc -       code from stdin      exec_policy_allow_interactive(STREAM, 0)
 *
 * The language: one statement per line. "print TEXT" prints TEXT, "exit N"
 * exits with N, "include FILE" runs another file, "#" starts a comment (so a
 * "#!" line works). Exit status: that of "exit", 0 at the end of the code,
 * 126 when the policy refuses code, 127 when a file cannot be opened (missing
 * or unreadable: the policy did not refuse it, nothing was checked), 2 on
 * usage or syntax errors (the conventions of sh).
 *
 * Build with -DINC_HARDENED for an interpreter that behaves as if both
 * securebits were always set (exec_policy_force()).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "execcheck.h"

#define EXIT_REFUSED 126
#define EXIT_NOT_FOUND 127
#define EXIT_USAGE 2
#define MAX_INCLUDE_DEPTH 16

/* Why the library said no, in words a user can act on. */
static const char *reason(int err)
{
    switch (-err) {
    case EACCES:
        return "the kernel would not execute it (mode, noexec mount, or a security module)";
    case ETXTBSY:
        return "it is open for writing";
    case ENOSYS:
        return "this kernel cannot check it (Linux >= 6.14 needed)";
    default:
        return strerror(-err);
    }
}

/* Which bit made the refusal: the message names what the administrator set. */
static const char *enforcing(unsigned int bit)
{
    int policy = exec_policy_get();
    if (policy < 0)
        return "policy unreadable";
    if (bit == EXEC_POLICY_RESTRICT_FILE)
        return (policy & EXEC_POLICY_RESTRICT_FILE_LOCKED) ? "RESTRICT_FILE, locked" : "RESTRICT_FILE";
    return (policy & EXEC_POLICY_DENY_INTERACTIVE_LOCKED) ? "DENY_INTERACTIVE, locked" : "DENY_INTERACTIVE";
}

static int refuse(const char *what, const char *why, unsigned int bit)
{
    fprintf(stderr, "inc: %s: refused (%s): %s\n", what, enforcing(bit), why);
    return EXIT_REFUSED;
}

static int run_file(const char *path, int depth);

/* Run one line. Returns -1 to go on, or an exit status to stop with. */
static int run_line(char *line, int depth)
{
    line[strcspn(line, "\n")] = '\0';
    if (line[0] == '#' || line[0] == '\0')
        return -1;
    if (strncmp(line, "print", 5) == 0 && (line[5] == ' ' || line[5] == '\0')) {
        puts(line[5] ? line + 6 : "");
        return -1;
    }
    if (strncmp(line, "exit ", 5) == 0)
        return atoi(line + 5) & 0xff;
    if (strncmp(line, "include ", 8) == 0)
        return depth < MAX_INCLUDE_DEPTH ? run_file(line + 8, depth + 1) : EXIT_USAGE;
    fprintf(stderr, "inc: syntax error: %s\n", line);
    return EXIT_USAGE;
}

/* Run code from a stream until EOF or a stop. Included files that end
 * normally let the includer go on (-1); the top level turns -1 into 0. */
static int run_stream(FILE *code, int depth)
{
    char line[4096];
    while (fgets(line, sizeof line, code)) {
        int status = run_line(line, depth);
        if (status >= 0)
            return status;
    }
    return -1;
}

/* A script or module: open it through the library, then read that very fd.
 * Checking the fd that is read (not the path) is what makes this race-free.
 * A file that cannot be opened was never checked: only `refused` says the
 * policy said no. */
static int run_file(const char *path, int depth)
{
    int refused;
    int fd = exec_policy_open(AT_FDCWD, path, 0, &refused);
    if (fd < 0 && refused)
        return refuse(path, reason(fd), EXEC_POLICY_RESTRICT_FILE);
    if (fd < 0) {
        fprintf(stderr, "inc: %s: %s\n", path, strerror(-fd));
        return EXIT_NOT_FOUND;
    }
    FILE *code = fdopen(fd, "r");
    if (!code) {
        close(fd);
        return EXIT_NOT_FOUND;
    }
    int status = run_stream(code, depth);
    fclose(code);
    return status;
}

/* Code from argv or the environment: one line of inline code. */
static int run_inline(const char *what, int source, const char *text)
{
    int err = exec_policy_allow_interactive(source, -1);
    if (err < 0)
        return refuse(what, "inline code is not allowed", EXEC_POLICY_DENY_INTERACTIVE);
    char line[4096];
    snprintf(line, sizeof line, "%s", text);
    return run_line(line, 0);
}

int main(int argc, char **argv)
{
#ifdef INC_HARDENED
    if (exec_policy_force(EXEC_POLICY_RESTRICT_FILE | EXEC_POLICY_DENY_INTERACTIVE) < 0)
        return EXIT_REFUSED;
#endif
    const char *prelude = getenv("INC_PRELUDE");
    if (prelude) {
        int status = run_inline("INC_PRELUDE", EXEC_SOURCE_ENVIRONMENT, prelude);
        if (status >= 0)
            return status;
    }

    int status;
    if (argc == 3 && strcmp(argv[1], "-c") == 0) {
        status = run_inline("-c", EXEC_SOURCE_ARGUMENT, argv[2]);
    } else if (argc == 2 && strcmp(argv[1], "-") != 0 && argv[1][0] == '-') {
        fprintf(stderr, "usage: inc [-c CODE | FILE | -]\n");
        return EXIT_USAGE;
    } else if (argc == 2 && strcmp(argv[1], "-") != 0) {
        status = run_file(argv[1], 0);
    } else if (argc <= 2) {
        /* stdin: a regular file passes if the kernel would execute it; a
         * pipe or a terminal is someone typing code. */
        int err = exec_policy_allow_interactive(EXEC_SOURCE_STREAM, STDIN_FILENO);
        struct stat st;
        if (err < 0 && fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode))
            return refuse("standard input", reason(err), EXEC_POLICY_DENY_INTERACTIVE);
        if (err < 0)
            return refuse("standard input", "code from a pipe or terminal is not allowed",
                          EXEC_POLICY_DENY_INTERACTIVE);
        status = run_stream(stdin, 0);
    } else {
        fprintf(stderr, "usage: inc [-c CODE | FILE | -]\n");
        return EXIT_USAGE;
    }
    return status < 0 ? 0 : status;
}
