# shellcheck shell=bash disable=SC2154  # the caller sets $here, its own folder
# SPDX-License-Identifier: MIT OR Apache-2.0
# The build cache the examples' build scripts share (bash, dash, BusyBox,
# glibc): one tree per variant and input key under
# $EXECCHECK_CACHE/NAME/VARIANT-KEY, one builder per variant at a time, every
# build's output in its log, and a build that stops at its first failed step.
# A build script lists this file among its key's inputs.

# build_cache NAME VARIANT KEY: set $cache, $dir and $log, and hold the
# variant's lock (fd 9) until the script exits: tests and benchmarks may
# start the same build together.
build_cache() {
    build_name=$1 build_variant=$2
    cache=${EXECCHECK_CACHE:-$HOME/.cache/execcheck}/$1
    dir=$cache/$2-$3
    log=$dir/build.log
    mkdir -p "$cache"
    exec 9>"$cache/$2.lock"
    flock 9
}

# build_once STEPS: unless $dir holds a finished build, drop the variant's
# stale trees (each is 100 MB to 1 GB), then run the function STEPS.
build_once() {
    [ -f "$dir/.built" ] && return 0
    rm -rf "$cache/$build_variant"-*
    mkdir -p "$dir"
    echo "$build_name build ($build_variant): $dir (log: $log)" >&2
    build_logged "$1"
    touch "$dir/.built"
}

# build_logged STEPS: run the function STEPS with errexit, its output added
# to $log; on a failure show the log's tail and exit. In the background, then
# waited for: errexit is off in a subshell that is the left of || (or an if's
# condition), so a patch that failed to apply would go unnoticed.
build_logged() {
    ( set -euo pipefail; "$1" ) >> "$log" 2>&1 &
    if ! wait $!; then
        tail -n 40 "$log" >&2
        echo "$build_name build ($build_variant) failed; full log: $log" >&2
        exit 1
    fi
}

# apply_patches: the series in $here/patches, in order, to the current
# directory.
apply_patches() {
    local patch
    for patch in "$here"/patches/*.patch; do
        echo "applying $(basename "$patch")"
        patch -p1 --forward --batch --no-backup-if-mismatch < "$patch"
    done
}

# relink_when_changed ARCHIVE STEPS: a static build records the library
# archive it was linked with; when the archive changes, the function STEPS
# relinks (seconds) instead of a rebuild.
relink_when_changed() {
    local linked
    linked=$(sha256sum < "$1" | cut -c1-16)
    if [ "$(cat "$dir/.linked-with" 2>/dev/null)" != "$linked" ]; then
        if [ -f "$dir/.linked-with" ]; then
            echo "$build_name build ($build_variant): relinking with the new library" >&2
            build_logged "$2"
        fi
        echo "$linked" > "$dir/.linked-with"
    fi
}
