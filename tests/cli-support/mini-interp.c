/* A minimal interpreter for the audit tests: it "runs" each FILE the way a
 * real interpreter must (exec_policy_open on the file it will read), then
 * inline code (-c style) and stdin, and reports what the library said.
 *
 *   mini-interp [--handler] [--inline] [--stdin] FILE...
 *
 * --handler: print every audit event on stdout (exec_log_set_handler).
 * Built against include/execcheck.h, so it also checks the header's ABI. */
#define _GNU_SOURCE /* AT_FDCWD */
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "execcheck.h"

static void print_event(const struct exec_log_event *event, void *data)
{
    /* Read only what this library version filled in. */
    if (event->size < offsetof(struct exec_log_event, name) + sizeof(event->name))
        return;
    printf("event data=%s call=%d enforced=%d error=%d policy=%u source=%d fd=%d pid_ok=%d file=%s name=%s\n",
           (const char *)data, event->call, event->enforced, event->error, event->policy,
           event->source, event->fd, event->pid == getpid(),
           event->file ? event->file : "(null)", event->name ? event->name : "(null)");
    fflush(stdout);
}

int main(int argc, char **argv)
{
    int inline_code = 0, read_stdin = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--handler") == 0) {
            if (exec_log_set_handler(print_event, "mini") != 0)
                return 3;
        } else if (strcmp(argv[i], "--inline") == 0) {
            inline_code = 1;
        } else if (strcmp(argv[i], "--stdin") == 0) {
            read_stdin = 1;
        } else {
            int fd = exec_policy_open(AT_FDCWD, argv[i], 0);
            printf("open %s: %d\n", argv[i], fd < 0 ? fd : 0);
            if (fd >= 0)
                close(fd);
        }
    }
    if (inline_code)
        printf("inline: %d\n", exec_policy_allow_interactive(EXEC_SOURCE_ARGUMENT, -1));
    if (read_stdin)
        printf("stdin: %d\n", exec_policy_allow_interactive(EXEC_SOURCE_STREAM, 0));
    return 0;
}
