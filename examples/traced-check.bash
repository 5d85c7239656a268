# shellcheck shell=bash disable=SC2154,SC2034  # the caller sets and reads the variables named below
# The strace assertion the interpreters' always-checks share: a file an
# interpreter reads must be checked (AT_EXECVE_CHECK) on the descriptor
# that read it. The caller sets $root, $work (with $work/home) and
# failed=0; a failure sets failed=1.

# traced NAME FILE BITS CMD...: run CMD under strace with policy BITS; FILE
# must be opened and that descriptor checked (AT_EXECVE_CHECK = 0x10000)
# before it is closed. Prints the matching lines of the trace.
traced() {
    local name=$1 file=$2 bits=$3 log=$work/trace
    shift 3
    env -i PATH=/usr/bin:/bin HOME="$work/home" TERM=dumb \
        "$root/tests/with-policy" "$bits" \
        strace -f -qq -e trace=openat,execveat,close,dup2 -o "$log" "$@" \
        < /dev/null > "$work/out" 2>&1 || true
    if awk -v file="$file" '
        $2 ~ /^openat\(/ && index($0, "\"" file "\"") && $NF ~ /^[0-9]+$/ { fd[$1] = $NF; next }
        $2 ~ /^close\(/ && fd[$1] != "" && $2 == "close(" fd[$1] ")" { fd[$1] = ""; next }
        $2 ~ /^execveat\(/ && fd[$1] != "" && index($2, "execveat(" fd[$1] ",") && /0x10000|AT_EXECVE_CHECK/ { found = 1 }
        END { exit !found }' "$log"; then
        echo "ok   $name"
    else
        echo "FAIL $name: no check of the descriptor that read $file"
        sed 's/^/     | /' "$work/out"
        grep -v -e '\.so' -e '/etc/ld' -e 'close(' "$log" | sed 's/^/     | /' | tail -n 20
        failed=1
    fi
}

