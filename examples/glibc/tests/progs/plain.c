/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* A program that loads nothing of its own: the carrier for LD_PRELOAD,
   LD_AUDIT, /etc/ld.so.preload and direct invocation by ld.so.  */
#include <stdio.h>

int
main (void)
{
  puts ("ran-main");
  return 0;
}
