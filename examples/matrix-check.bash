# shellcheck shell=bash disable=SC2154  # the caller sets the variables named below
# The assertion the interpreter and loader matrices share
# (examples/*/tests/matrix): one case, run under the policy the caller set,
# its result appended to $results. The caller sets $bits (for the case's
# name), $work (scratch) and $results, and may set $unexpected: what stderr
# must not show when no MESSAGE is wanted (an extended regex; by default an
# interpreter's refusal or skip).

# check NAME STATUS MESSAGE [+SEEN | -UNSEEN]... -- CMD...
#   STATUS   exit status CMD must end with
#   MESSAGE  text stderr must contain; "" means nothing matching $unexpected
#   +SEEN    text the output (stdout and stderr) must contain; -UNSEEN must not
# Standard input is /dev/null, or $stdin if set.
check() {
    local name="bits=$bits $1" status=$2 message=$3 rc=0 mark why=""
    shift 3
    local marks=()
    while [ "$1" != -- ]; do marks+=("$1"); shift; done
    shift
    "$@" > "$work/out" 2> "$work/err" < "${stdin:-/dev/null}" || rc=$?
    cat "$work/err" >> "$work/out"
    [ "$rc" = "$status" ] || why+=" status $rc, want $status;"
    if [ -n "$message" ]; then
        grep -qF -- "$message" "$work/err" || why+=" no message '$message';"
    elif grep -qE "${unexpected:-refused \(|skipped \(}" "$work/err"; then
        why+=" unexpected policy message;"
    fi
    for mark in "${marks[@]}"; do
        case $mark in
        +*) grep -qF -- "${mark#+}" "$work/out" || why+=" missing '${mark#+}';" ;;
        -*) ! grep -qF -- "${mark#-}" "$work/out" || why+=" unexpected '${mark#-}';" ;;
        esac
    done
    if [ -z "$why" ]; then
        echo "ok   $name" >> "$results"
    else
        { echo "FAIL $name:$why"; sed 's/^/     | /' "$work/out"; } >> "$results"
    fi
}

