# shellcheck shell=bash disable=SC2016,SC2154 # the hooks and chroot scripts expand $1 themselves; the caller sets $root and $deb_name
# SPDX-License-Identifier: MIT OR Apache-2.0
# What the examples' `deb` scripts share: Debian's source package of an
# interpreter with the execcheck series added to debian/patches, built with
# dpkg-buildpackage in a Debian trixie chroot without network, against the
# project's own libexeccheck0 and libexeccheck-dev (from .ci/deb), then
# installed into a fresh chroot and tried there.
#
# A deb script sets $root (the project) and $deb_name (bash, perl, ...),
# sources this file, calls deb_setup, prepares "$deb_src" (deb_add_series,
# deb_build_depends, deb_changelog and its own edits), then deb_build and
# deb_try. The packages are made again only when the patched source package,
# the build options or the library packages change: they land in $deb_out.
set -euo pipefail
deb_cache=${EXECCHECK_CACHE:-$HOME/.cache/execcheck}/$deb_name-deb
deb_out=$deb_cache/out
deb_lib=${EXECCHECK_CACHE:-$HOME/.cache/execcheck}/deb/out/amd64
deb_suite=trixie
deb_mirror=http://deb.debian.org/debian

# deb_setup NAME=VERSION: the library packages, mmdebstrap, a work
# directory (removed on exit) and a copy of Debian's source tree: $deb_src.
deb_setup() {
    ls "$deb_lib"/libexeccheck-dev_*.deb > /dev/null 2>&1 || "$root/.ci/deb" >&2
    "$root/.ci/apt-install" mmdebstrap >&2
    local tree
    tree=$("$root/.ci/debian" source "$1")
    mkdir -p "$deb_cache"
    deb_work=$(mktemp -d "$deb_cache/work.XXXXXX")
    trap 'rm -rf "$deb_work"' EXIT
    mkdir -p "$deb_work/src"
    deb_src=$deb_work/src/$(basename "$tree")
    cp -a "$tree" "$deb_src"
    rm -f "$deb_src/.unpacked"
}

# deb_add_series PATCH...: after Debian's own series, as execcheck-NAME.
# The newest patch's Date: becomes the changelog entry's: the same series
# makes the same source package (and the build is reused).
deb_add_series() {
    local patch
    for patch in "$@"; do
        cp "$patch" "$deb_src/debian/patches/execcheck-$(basename "$patch")"
        echo "execcheck-$(basename "$patch")" >> "$deb_src/debian/patches/series"
    done
    deb_date=$(sed -n 's/^Date: //p' "$@" | while read -r date; do date -u -d "$date" +%s; done | sort -n | tail -1)
}

# deb_build_depends: libexeccheck-dev and pkgconf first in Build-Depends, in
# debian/control and, where the package has one, debian/control.in (from
# which some packages' clean target writes debian/control again).
deb_build_depends() {
    local control
    for control in "$deb_src/debian/control" "$deb_src/debian/control.in"; do
        [ -f "$control" ] || continue
        sed -i '0,/^Build-Depends:/s//& libexeccheck-dev, pkgconf,/' "$control"
        grep -q '^Build-Depends: libexeccheck-dev, pkgconf,' "$control"
    done
}

# deb_changelog VERSION LINE...: a changelog entry on top of Debian's.
deb_changelog() {
    local version=$1 line source
    shift
    source=$(dpkg-parsechangelog -l "$deb_src/debian/changelog" -S Source)
    {
        echo "$source ($version) unstable; urgency=medium"
        echo
        for line in "$@"; do echo "$line"; done
        echo
        echo " -- execcheck developers <dev@execcheck.invalid>  $(date -u -R -d "@$deb_date")"
        echo
        cat "$deb_src/debian/changelog"
    } > "$deb_work/changelog"
    mv "$deb_work/changelog" "$deb_src/debian/changelog"
}

# deb_in_root DIR CMD...: CMD in the chroot DIR, in a private mount
# namespace; NONET=1 also takes the network away.
deb_in_root() {
    local dir=$1
    shift
    unshare --mount --propagation private ${NONET:+--net} -- /bin/sh -ec '
        dir=$1; shift
        mount --rbind /dev "$dir/dev"; mount -t proc proc "$dir/proc"; mount -t sysfs sys "$dir/sys"
        mount -t tmpfs tmp "$dir/tmp"
        exec chroot "$dir" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 "$@"
    ' deb_in_root "$dir" "$@"
}

# deb_chroot: a buildd chroot (tar) with the library packages and the
# patched source's Build-Depends; made once per control file and library.
deb_chroot() {
    local key tar
    key=$(cat "$deb_src/debian/control" "$deb_lib"/libexeccheck0_*.deb "$deb_lib"/libexeccheck-dev_*.deb \
          | sha256sum | cut -c1-12)
    tar=$deb_cache/chroot-$key.tar
    if [ ! -f "$tar" ]; then
        rm -f "$deb_cache"/chroot-*.tar
        mkdir -p "$deb_work/control/debian"
        cp "$deb_src/debian/control" "$deb_work/control/debian/"
        mmdebstrap --quiet --variant=buildd --format=tar --skip=output/mknod --include=pkgconf \
            --customize-hook='mkdir -p "$1/debs" "$1/control"' \
            --customize-hook="copy-in $(echo "$deb_lib"/libexeccheck0_*.deb "$deb_lib"/libexeccheck-dev_*.deb) /debs" \
            --customize-hook="copy-in $deb_work/control/debian /control" \
            --customize-hook='chroot "$1" sh -c "dpkg -i /debs/*.deb && apt-get -y -q build-dep /control && rm -r /control"' \
            "$deb_suite" "$tar.tmp" "deb $deb_mirror $deb_suite main" >&2
        mv "$tar.tmp" "$tar"
    fi
    echo "$tar"
}

# deb_build CHECK [ARGS...]: unless $deb_out holds this source's packages,
# dpkg-buildpackage -us -uc ARGS (DEB_BUILD_OPTIONS from the environment)
# in the chroot without network, then CHECK (shell code run in the source
# tree there: the series' own tests against the build tree; its output is
# kept in $deb_out/own-tests.log). Log: $deb_cache/build.log.
deb_build() {
    local check=$1 key tar start
    shift
    # parallel=N changes how long the build takes, not what it makes.
    key=$({ echo "$check $* $(tr ' ' '\n' <<< "${DEB_BUILD_OPTIONS:-}" | grep -v '^parallel=' | xargs)"; tar -C "$deb_src" --sort=name --mtime=@0 -c . ;
            cat "$deb_lib"/libexeccheck0_*.deb "$deb_lib"/libexeccheck-dev_*.deb; } | sha256sum | cut -c1-16)
    if [ "$(cat "$deb_out/.key" 2>/dev/null)" = "$key" ]; then
        echo "$deb_name-deb: packages up to date in $deb_out" >&2
        return 0
    fi
    tar=$(deb_chroot)
    mkdir -p "$deb_work/build"
    tar -C "$deb_work/build" -xf "$tar"
    mkdir -p "$deb_work/build/build"
    mv "$deb_src" "$deb_work/build/build/"
    deb_src=$deb_work/build/build/$(basename "$deb_src")
    echo "$deb_name-deb: dpkg-buildpackage -us -uc $* (DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-}; no network)" >&2
    start=$SECONDS
    NONET=1 deb_in_root "$deb_work/build" sh -ec '
        options=$1 dir=$2 check=$3; shift 3
        cd "/build/$dir"
        # The series stays applied after the build, for CHECK: dpkg-source
        # unapplies only what its --before-build applied.
        dpkg-source --before-build .
        rm -f .pc/.dpkg-source-unapply
        DEB_BUILD_OPTIONS=$options dpkg-buildpackage -us -uc "$@"
        echo "== the series own tests: $check"
        sh -ec "$check"' sh "${DEB_BUILD_OPTIONS:-}" "$(basename "$deb_src")" "$check" "$@" \
        > "$deb_cache/build.log" 2>&1 \
        || { tail -n 60 "$deb_cache/build.log"; echo "$deb_name-deb: the build failed (log: $deb_cache/build.log)" >&2; exit 1; }
    echo "$deb_name-deb: built in $((SECONDS - start)) s" >&2
    rm -rf "$deb_out"; mkdir -p "$deb_out"
    cp "$deb_work/build/build"/*.deb "$deb_out/"
    sed -n '/^== the series own tests/,$p' "$deb_cache/build.log" > "$deb_out/own-tests.log"
    echo "$key" > "$deb_out/.key"
}

# deb_try SCRIPT PATTERN...: install the packages (glob patterns in
# $deb_out) into a fresh trixie chroot with the project's execcheck command
# (`execcheck run` sets the securebits, as an administrator would) and run
# SCRIPT there (sh -e). The files in the array deb_try_files are copied to
# /debs too.
deb_try() {
    local script=$1 pattern tar
    shift
    tar=$(deb_chroot)
    mkdir -p "$deb_work/try/debs"
    tar -C "$deb_work/try" -xf "$tar"
    # shellcheck disable=SC2086 # the patterns are globs
    for pattern in "$@"; do cp "$deb_out"/$pattern "$deb_work/try/debs/"; done
    cp "$deb_lib"/execcheck_*.deb "$deb_work/try/debs/"
    [ -z "${deb_try_files+set}" ] || cp "${deb_try_files[@]}" "$deb_work/try/debs/"
    echo "$deb_name-deb: install into a fresh chroot" >&2
    deb_in_root "$deb_work/try" sh -ec '
        apt-get install -y -q /debs/*.deb > /debs/install.log 2>&1 || { cat /debs/install.log; exit 1; }
        '"$script"
}
