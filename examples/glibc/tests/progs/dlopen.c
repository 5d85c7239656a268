/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* dlopen PATH: exit 0 if it loaded, 1 with dlerror () if not.
   dlopen --memfd-noexec PATH: copy PATH into a memfd sealed against
   execution (MFD_NOEXEC_SEAL) and dlopen it through /proc/self/fd.  */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef MFD_NOEXEC_SEAL
# define MFD_NOEXEC_SEAL 0x0008U
#endif

/* The memfd's /proc/self/fd name in BUF, or NULL.  */
static const char *
sealed_copy (const char *path, char *buf, size_t size)
{
  struct stat st;
  int in = open (path, O_RDONLY | O_CLOEXEC);
  int fd = memfd_create ("sealed", MFD_NOEXEC_SEAL);
  if (in < 0 || fd < 0 || fstat (in, &st) != 0
      || sendfile (fd, in, NULL, st.st_size) != st.st_size)
    {
      perror ("dlopen: memfd");
      return NULL;
    }
  snprintf (buf, size, "/proc/self/fd/%d", fd);
  return buf;
}

int
main (int argc, char **argv)
{
  char buf[64];
  const char *path = argv[1];
  if (argc == 3 && strcmp (argv[1], "--memfd-noexec") == 0)
    path = sealed_copy (argv[2], buf, sizeof buf);
  else if (argc != 2)
    return 2;
  if (path == NULL)
    return 2;
  if (dlopen (path, RTLD_NOW) == NULL)
    {
      fprintf (stderr, "dlopen: %s\n", dlerror ());
      return 1;
    }
  puts ("after-dlopen");
  return 0;
}
