/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* Linked against libtarget.so (DT_NEEDED), found via LD_LIBRARY_PATH.  */
#include <stdio.h>

int target_value (void);

int
main (void)
{
  printf ("ran-main %d\n", target_value ());
  return 0;
}
