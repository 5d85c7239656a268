# SPDX-License-Identifier: MIT OR Apache-2.0
"""Turn Debian autoconf 2.72's output into upstream autoconf 2.72's.

    python3 upstream-autoconf.py UPSTREAM_CONFIGURE GENERATED_BASE GENERATED_NEW

UPSTREAM_CONFIGURE is bash's shipped configure, GENERATED_BASE what Debian's
autoconf makes of the same configure.ac. Their differences (Debian's
largefile patch) are undone in GENERATED_NEW, in place, and the `$as_me:N'
line numbers autoconf writes are renumbered to where each line now is.
"""
import difflib
import re
import sys

AS_ME = re.compile(r'\$as_me:[0-9]+:')


def renumber(lines):
    return [AS_ME.sub(f'$as_me:{n}:', line) for n, line in enumerate(lines, 1)]


upstream, base, new = (open(p).read().splitlines(keepends=True) for p in sys.argv[1:4])
text = ''.join(new)
matcher = difflib.SequenceMatcher(None, base, upstream, autojunk=False)
hunks = [op for op in matcher.get_opcodes() if op[0] != 'equal' and
         [AS_ME.sub('', x) for x in base[op[1]:op[2]]] != [AS_ME.sub('', x) for x in upstream[op[3]:op[4]]]]
# Hunks closer than the context merge into one region, replaced at once.
regions = []
for hunk in hunks:
    if regions and hunk[1] - regions[-1][-1][2] < 6:
        regions[-1].append(hunk)
    else:
        regions.append([hunk])
for region in regions:
    start, end = max(region[0][1] - 3, 0), region[-1][2] + 3
    rep, at = [], start
    for _, i1, i2, j1, j2 in region:
        rep += base[at:i1] + upstream[j1:j2]
        at = i2
    rep += base[at:end]
    old = ''.join(base[start:end])
    if text.count(old) != 1:
        sys.exit(f'upstream-autoconf: cannot place the hunk at line {start + 1} of the base')
    text = text.replace(old, ''.join(rep))
open(sys.argv[3], 'w').write(''.join(renumber(text.splitlines(keepends=True))))
