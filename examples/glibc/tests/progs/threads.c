/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* While one thread loads code, this one creates and joins threads and
   counts the creations that fail.  The kernel marks a process "in exec"
   while it checks a file, and pthread_create (clone with CLONE_FS) then
   fails with EAGAIN: the loader must check where that cannot happen.

     threads dlopen LIB...     the other thread dlopens every LIB
     threads raw FILE COUNT    the control: it runs COUNT raw checks of
                               FILE (execveat AT_EXECVE_CHECK) instead

   After each load or check the other thread waits until this one has
   tried one more creation, so that creations overlap the whole run
   however the scheduler and the loader's locks favour the loads.

   Prints "created=N failed=N loaded=N"; exits 1 if something did not
   load or a creation failed for another reason than EAGAIN.  */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define AT_EXECVE_CHECK 0x10000

static atomic_int done, attempts, creator_gone;
static int loaded, broken;
static char **files;
static int nfiles, raw_count;

/* Wait until the creating thread has made one more attempt (or has
   given up).  */
static void
await_attempt (void)
{
  int seen = atomic_load (&attempts);
  while (atomic_load (&attempts) == seen && !atomic_load (&creator_gone))
    sched_yield ();
}

static void *
load_all (void *unused)
{
  for (int i = 0; i < nfiles; i++)
    {
      if (dlopen (files[i], RTLD_NOW | RTLD_LOCAL) != NULL)
        loaded++;
      else
        {
          fprintf (stderr, "dlopen: %s\n", dlerror ());
          broken = 1;
        }
      await_attempt ();
    }
  atomic_store (&done, 1);
  return unused;
}

static void *
check_raw (void *unused)
{
  char *argv[] = { files[0], NULL }, *envp[] = { NULL };
  int fd = open (files[0], O_RDONLY | O_CLOEXEC);
  for (int i = 0; fd >= 0 && i < raw_count; i++)
    {
      if (syscall (SYS_execveat, fd, "", argv, envp,
                   AT_EMPTY_PATH | AT_EXECVE_CHECK) == 0)
        loaded++;
      await_attempt ();
    }
  if (fd < 0)
    broken = 1;
  atomic_store (&done, 1);
  return unused;
}

static void *
noop (void *arg)
{
  return arg;
}

int
main (int argc, char **argv)
{
  void *(*work) (void *);
  if (argc >= 3 && strcmp (argv[1], "dlopen") == 0)
    work = load_all;
  else if (argc == 4 && strcmp (argv[1], "raw") == 0)
    {
      work = check_raw;
      raw_count = atoi (argv[3]);
    }
  else
    {
      fputs ("usage: threads dlopen LIB... | threads raw FILE COUNT\n", stderr);
      return 2;
    }
  files = argv + 2;
  nfiles = argc - 2;

  pthread_t worker, t;
  int created = 0, failed = 0, err;
  if ((err = pthread_create (&worker, NULL, work, NULL)) != 0)
    {
      fprintf (stderr, "pthread_create: %s\n", strerror (err));
      return 1;
    }
  while (!atomic_load (&done))
    {
      err = pthread_create (&t, NULL, noop, NULL);
      if (err == 0)
        {
          pthread_join (t, NULL);
          created++;
        }
      else if (err == EAGAIN)
        failed++;
      else
        {
          fprintf (stderr, "pthread_create: %s\n", strerror (err));
          broken = 1;
          break;
        }
      atomic_fetch_add (&attempts, 1);
    }
  atomic_store (&creator_gone, 1);
  pthread_join (worker, NULL);
  printf ("created=%d failed=%d loaded=%d\n", created, failed, loaded);
  return broken;
}
