# SPDX-License-Identifier: MIT OR Apache-2.0
# Every login shell runs this (/etc/profile.d): the workload checks both.
export EXECCHECK_LOGIN_PROFILE=ran
if [ "$(tty)" = /dev/ttyS2 ]; then
    date +%s > /tmp/console-login.done
fi
