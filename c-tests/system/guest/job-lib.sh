# SPDX-License-Identifier: MIT OR Apache-2.0
# Sourced by the jobs.
job_done() {
    mkdir -p /var/lib/execcheck-system
    date +%s > "/var/lib/execcheck-system/$1.done"
}
