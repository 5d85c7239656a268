/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* The object under test: says when its code runs.  */
#include <stdio.h>

__attribute__ ((constructor)) static void
announce (void)
{
  puts ("ran-target");
  fflush (stdout);
}

int
target_value (void)
{
  return 42;
}
