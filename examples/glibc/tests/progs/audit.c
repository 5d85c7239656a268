/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* An LD_AUDIT module: its code runs as soon as the loader maps it.  */
#include <link.h>
#include <stdio.h>

unsigned int
la_version (unsigned int version)
{
  puts ("ran-audit");
  fflush (stdout);
  return version;
}
