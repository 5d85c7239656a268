// SPDX-License-Identifier: MIT OR Apache-2.0
//! The example interpreter's matrix, like the kernel's own script tests:
//! every way code reaches it, under the four combinations of the two bits,
//! on the real kernel. The expected table is written out here by hand from
//! the kernel documentation, not computed from the library.

use execcheck_test_support as support;

use execcheck::Policy;
use support::inc::{Case, Fixture, Outcome, POLICIES};

/// What must happen to one case under one policy.
#[derive(Clone, Copy, Debug)]
enum Want {
    Ran,
    /// Refused by the interpreter; its message must contain both strings.
    Refused(&'static str, &'static str),
    /// The kernel's execve refuses the script itself (EACCES).
    ExecFails,
}
use Want::*;

const FILE: Want = Refused("refused (RESTRICT_FILE)", "the kernel would not execute it");
const STREAM_FILE: Want = Refused(
    "standard input: refused (DENY_INTERACTIVE)",
    "the kernel would not execute it",
);
const STREAM_PIPE: Want = Refused(
    "standard input: refused (DENY_INTERACTIVE)",
    "pipe or terminal",
);
const ARG: Want = Refused(
    "-c: refused (DENY_INTERACTIVE)",
    "inline code is not allowed",
);
const ENV: Want = Refused(
    "INC_PRELUDE: refused (DENY_INTERACTIVE)",
    "inline code is not allowed",
);

/// Columns: no bit, RESTRICT_FILE, DENY_INTERACTIVE, both (as `POLICIES`).
const EXPECTED: [(Case, [Want; 4]); 10] = [
    (Case::DirectExecutable, [Ran, Ran, Ran, Ran]),
    (
        Case::DirectNotExecutable,
        [ExecFails, ExecFails, ExecFails, ExecFails],
    ),
    (Case::FileExecutable, [Ran, Ran, Ran, Ran]),
    (Case::FileNotExecutable, [Ran, FILE, Ran, FILE]),
    (Case::FileOnNoexec, [Ran, FILE, Ran, FILE]),
    (Case::StdinExecutableFile, [Ran, Ran, Ran, Ran]),
    (
        Case::StdinNotExecutableFile,
        [Ran, Ran, STREAM_FILE, STREAM_FILE],
    ),
    (Case::StdinPipe, [Ran, Ran, STREAM_PIPE, STREAM_PIPE]),
    (Case::Argument, [Ran, Ran, ARG, ARG]),
    (Case::Environment, [Ran, Ran, ENV, ENV]),
];

fn matches(outcome: &Outcome, want: Want) -> bool {
    match (outcome, want) {
        (Outcome::Ran, Ran) => true,
        (Outcome::Refused(msg), Refused(a, b)) => msg.contains(a) && msg.contains(b),
        (Outcome::ExecFailed(e), ExecFails) => e.raw_os_error() == Some(libc::EACCES),
        _ => false,
    }
}

#[test]
fn every_case_under_every_policy() {
    if !support::require_root("the interpreter matrix") {
        return;
    }
    assert!(
        execcheck::is_supported(),
        "the host kernel must have AT_EXECVE_CHECK"
    );
    let fixture = Fixture::new();
    let mut failures = Vec::new();
    for (case, wants) in EXPECTED {
        for (policy, want) in POLICIES.iter().zip(wants) {
            let outcome = fixture.run(case, *policy);
            if !matches(&outcome, want) {
                failures.push(format!(
                    "{} under {policy:?}: want {want:?}, got {outcome:?}",
                    case.describe()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(EXPECTED.len(), Case::ALL.len(), "every case has a row");
}

#[test]
fn locked_bits_name_the_lock() {
    if !support::require_root("the locked-policy message") {
        return;
    }
    let fixture = Fixture::new();
    let locked = Policy::RESTRICT_FILE | Policy::RESTRICT_FILE_LOCKED;
    let Outcome::Refused(msg) = fixture.run(Case::FileNotExecutable, locked) else {
        panic!("a 0644 script must be refused under a locked RESTRICT_FILE");
    };
    assert!(msg.contains("refused (RESTRICT_FILE, locked)"), "{msg}");
}

/// An unreadable script is not a refusal: run by an unprivileged user on a
/// mode-0000 file, the interpreter says it cannot open it (127), with or
/// without a bit, and never blames the policy. The control: the same user
/// and a readable 0644 script, refused under RESTRICT_FILE only.
#[test]
fn an_unreadable_script_is_not_a_refusal() {
    if !support::require_root("running the interpreter as nobody") {
        return;
    }
    let fixture = Fixture::new();
    for policy in [Policy::empty(), Policy::RESTRICT_FILE] {
        match fixture.run_unprivileged(0o000, policy) {
            Outcome::CannotOpen(msg) => assert!(
                msg.ends_with(".inc: Permission denied") && !msg.contains("refused"),
                "mode 0000 under {policy:?}: {msg}"
            ),
            other => panic!("mode 0000 under {policy:?}: want exit 127, got {other:?}"),
        }
    }
    let control = fixture.run_unprivileged(0o644, Policy::empty());
    assert!(matches!(control, Outcome::Ran), "0644, no bit: {control:?}");
    let refused = fixture.run_unprivileged(0o644, Policy::RESTRICT_FILE);
    assert!(
        matches!(&refused, Outcome::Refused(msg) if msg.contains("refused (RESTRICT_FILE): the kernel would not execute it")),
        "0644 under RESTRICT_FILE: {refused:?}"
    );
}
