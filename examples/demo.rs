// SPDX-License-Identifier: MIT OR Apache-2.0
//! The demo: the example interpreter (examples/inc/inc.c) run every way code
//! reaches an interpreter, under each combination of the two securebits, on
//! this machine's kernel. Run as root: `cargo run --release --example demo`.

use execcheck_test_support as support;

use execcheck::{CheckFlags, Policy};
use std::os::fd::AsFd;
use support::inc::{Case, Fixture, Outcome, POLICIES};

fn main() {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    println!(
        "execcheck {} demo on Linux {}",
        execcheck::VERSION,
        release.trim()
    );
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("The demo mounts tmpfs file systems (one of them noexec): run it as root.");
        std::process::exit(1);
    }
    let fixture = Fixture::new();
    if execcheck::is_supported() {
        println!("The kernel has AT_EXECVE_CHECK: every verdict below is the kernel's.\n");
        show_matrix(&fixture);
    } else {
        show_emulation(&fixture);
    }
}

fn show_matrix(fixture: &Fixture) {
    let heads = ["no bit", "RESTRICT_FILE", "DENY_INTERACTIVE", "both"];
    print!("{:<26}", "how the code arrives");
    for head in heads {
        print!("{head:<18}");
    }
    println!();
    let mut messages = Vec::new();
    for case in Case::ALL {
        print!("{:<26}", case.describe());
        for policy in POLICIES {
            let cell = match fixture.run(case, policy) {
                Outcome::Ran => "ran".to_string(),
                Outcome::Refused(msg) => {
                    let n = messages.iter().position(|m| *m == msg).unwrap_or_else(|| {
                        messages.push(msg);
                        messages.len() - 1
                    });
                    format!("refused [{}]", n + 1)
                }
                Outcome::ExecFailed(e) => format!("execve: {}", errno_name(e.raw_os_error())),
                Outcome::CannotOpen(msg) => format!("cannot open: {msg}"),
                Outcome::Unexpected(what) => format!("?? {what}"),
            };
            print!("{cell:<18}");
        }
        println!();
    }
    println!("\nWhat the interpreter said:");
    for (i, msg) in messages.iter().enumerate() {
        println!("  [{}] {msg}", i + 1);
    }
    println!(
        "\n`./script (0644)` is refused by the kernel's own execve in every mode; the\n\
         interpreter must refuse the same file when it is asked to read it, and\n\
         with RESTRICT_FILE it does. DENY_INTERACTIVE refuses code that is not a\n\
         file the kernel would execute: -c, the environment, pipes, terminals."
    );
}

fn show_emulation(fixture: &Fixture) {
    println!(
        "This kernel lacks AT_EXECVE_CHECK (Linux >= 6.14): the securebits cannot be\n\
         set here. EXEC_CHECK_EMULATE approximates the check from file metadata\n\
         (file type, noexec mount, exec permission); it cannot see LSMs (IMA, IPE,\n\
         Landlock) nor files open for writing.\n"
    );
    Policy::RESTRICT_FILE
        .force()
        .expect("forcing RESTRICT_FILE");
    for (what, path) in fixture.objects() {
        let file = std::fs::File::open(&path).unwrap();
        let plain = execcheck::check_fd(file.as_fd(), CheckFlags::empty());
        let emulated = execcheck::check_fd(file.as_fd(), CheckFlags::EMULATE);
        let forced = execcheck::allow_file(file.as_fd(), None);
        println!(
            "{what:<34} check: {:<8} emulated: {:<8} forced RESTRICT_FILE: {}",
            verdict(&plain),
            verdict(&emulated),
            verdict(&forced)
        );
    }
}

fn verdict(result: &std::io::Result<()>) -> &'static str {
    match result {
        Ok(()) => "allowed",
        Err(e) => errno_name(e.raw_os_error()),
    }
}

fn errno_name(errno: Option<i32>) -> &'static str {
    match errno {
        Some(libc::EACCES) => "EACCES",
        Some(libc::ETXTBSY) => "ETXTBSY",
        Some(libc::ENOSYS) => "ENOSYS",
        Some(libc::EBADF) => "EBADF",
        _ => "other",
    }
}
