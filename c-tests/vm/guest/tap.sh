# SPDX-License-Identifier: MIT OR Apache-2.0
# Sourced by the tests of extra prefixes (busybox sh) that run interpreters
# under IMA: TAP checks and files for the appraised uid. /etc/execcheck/tap.sh
# in the guest; see c-tests/vm/README.md, "Extra prefixes".
n=0 failed=0

# check DESCRIPTION WANT_STATUS WANT_TEXT CMD...: run CMD (stdout and stderr
# merged); the status must be WANT_STATUS ("nonzero": any but 0) and the
# output contain WANT_TEXT.
check() {
    description=$1 want_status=$2 want_text=$3
    shift 3
    n=$((n + 1))
    output=$("$@" 2>&1)
    status=$?
    [ "$want_status" = nonzero ] && [ $status != 0 ] && want_status=$status
    case "$status:$output" in
    "$want_status:"*"$want_text"*) echo "ok $n - $description" ;;
    *)
        echo "not ok $n - $description"
        echo "#   status $status (want $want_status), output:"
        echo "$output" | sed 's/^/#     /'
        echo "#   want output containing: $want_text"
        failed=1
        ;;
    esac
}

# appraised FILE TEXT [hashed|tampered]: FILE holding TEXT, mode 0755, owned
# by uid 4242 (appraised by hash), with a correct security.ima, or one made
# stale by a line appended afterwards, or none.
appraised() {
    printf '%s\n' "$2" > "$1"
    chown 4242:4242 "$1"
    chmod 755 "$1"
    case ${3:-} in
    hashed) ima-hash "$1" ;;
    tampered) ima-hash "$1" && echo '# tampered' >> "$1" ;;
    esac
}

# done_testing: the plan and the exit status
done_testing() {
    echo "1..$n"
    exit $failed
}
