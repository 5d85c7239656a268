# SPDX-License-Identifier: MIT OR Apache-2.0
# The shell job from cron, every minute (cron runs it through sh -c).
* * * * * root /usr/local/bin/shell-job cron
