/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* A minimal interpreter for the audit tests: it "runs" each FILE the way a
 * real interpreter must (exec_policy_open on the file it will read), then
 * inline code (-c style) and stdin, and reports what the library said.
 *
 *   mini-interp [--handler] [--handler-limit] [--inline] [--stdin] FILE...
 *
 * --handler: print every audit event on stdout (exec_log_set_handler).
 * --handler-limit: register 17 distinct (handler, data) pairs, print the
 * results. At the end it prints how many allocations the library calls made
 * (malloc is interposed, as in c-tests/test_hygiene.c); --allocate makes one
 * counted allocation itself, the control that the count works.
 * Built against include/execcheck.h, so it also checks the header's ABI. */
#define _GNU_SOURCE /* AT_FDCWD */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "execcheck.h"

/* Every way Rust's allocator (and C) can allocate, counted while `counting`
 * is set; frees do not matter here. */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
static int counting, allocations;
void *malloc(size_t n) { allocations += counting; return __libc_malloc(n); }
void *calloc(size_t n, size_t m) { allocations += counting; return __libc_calloc(n, m); }
void *realloc(void *p, size_t n) { allocations += counting; return __libc_realloc(p, n); }
int posix_memalign(void **p, size_t align, size_t n)
{
    allocations += counting;
    *p = __libc_memalign(align, n);
    return *p ? 0 : ENOMEM;
}

/* Count allocations during one library call only (stdio allocates too). */
#define COUNTED(call) (counting = 1, (result = (call)), counting = 0, result)
static int result;

static void print_event(const struct exec_log_event *event, void *data)
{
    /* Read only what this library version filled in. */
    if (event->size < offsetof(struct exec_log_event, name) + sizeof(event->name))
        return;
    int was_counting = counting; /* what stdio allocates is not the library's */
    counting = 0;
    printf("event data=%s call=%d enforced=%d error=%d policy=%u source=%d fd=%d pid_ok=%d file=%s name=%s\n",
           (const char *)data, event->call, event->enforced, event->error, event->policy,
           event->source, event->fd, event->pid == getpid(),
           event->file ? event->file : "(null)", event->name ? event->name : "(null)");
    fflush(stdout);
    counting = was_counting;
}

int main(int argc, char **argv)
{
    int inline_code = 0, read_stdin = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--handler") == 0) {
            if (COUNTED(exec_log_set_handler(print_event, "mini")) != 0)
                return 3;
        } else if (strcmp(argv[i], "--handler-limit") == 0) {
            static char tags[17];
            printf("handler-limit:");
            for (int n = 0; n < 17; n++)
                printf(" %d", COUNTED(exec_log_set_handler(print_event, &tags[n])));
            printf(", again: %d\n", COUNTED(exec_log_set_handler(print_event, &tags[0])));
            exec_log_set_handler(NULL, NULL);
        } else if (strcmp(argv[i], "--allocate") == 0) {
            counting = 1;
            void *block = malloc(1);
            counting = 0;
            free(block);
        } else if (strcmp(argv[i], "--inline") == 0) {
            inline_code = 1;
        } else if (strcmp(argv[i], "--stdin") == 0) {
            read_stdin = 1;
        } else {
            int refused;
            int fd = COUNTED(exec_policy_open(AT_FDCWD, argv[i], 0, &refused));
            printf("open %s: %d%s\n", argv[i], fd < 0 ? fd : 0, refused ? " (refused)" : "");
            if (fd >= 0)
                close(fd);
        }
    }
    if (inline_code)
        printf("inline: %d\n", COUNTED(exec_policy_allow_interactive(EXEC_SOURCE_ARGUMENT, -1)));
    if (read_stdin)
        printf("stdin: %d\n", COUNTED(exec_policy_allow_interactive(EXEC_SOURCE_STREAM, 0)));
    printf("allocations: %d\n", allocations);
    return 0;
}
