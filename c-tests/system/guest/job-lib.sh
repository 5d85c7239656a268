# SPDX-License-Identifier: MIT OR Apache-2.0
# Sourced by the jobs.
job_done() { # NAME [DIR]
    mkdir -p "${2:-/var/lib/execcheck-system}"
    date +%s > "${2:-/var/lib/execcheck-system}/$1.done"
}
