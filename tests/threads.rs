// SPDX-License-Identifier: MIT OR Apache-2.0
//! A check marks the process "in exec" in the kernel, and while that mark is
//! set every clone(CLONE_FS) in the process (every pthread_create) fails with
//! EAGAIN. The library must never cause that. The control proves the test
//! can see the failure: raw checks in the same setting do make spawns fail.

use execcheck_test_support as support;

use std::os::fd::{AsRawFd, BorrowedFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

const SPAWNS: usize = 3000;
const CHECKERS: usize = 3;

/// Spawn and join SPAWNS threads while CHECKERS threads run `check` in a
/// loop; return (failed spawns, checks done).
fn spawn_while_checking(check: fn(BorrowedFd<'_>) -> i32) -> (usize, u64) {
    let stop = Arc::new(AtomicBool::new(false));
    let checks = Arc::new(AtomicU64::new(0));
    // No checker starts before all exist: the raw checks of a running one
    // would make the spawning of the next fail.
    let start = Arc::new(std::sync::Barrier::new(CHECKERS));
    let checkers: Vec<_> = (0..CHECKERS)
        .map(|_| {
            let (stop, checks, start) = (stop.clone(), checks.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                let file = std::fs::File::open("/bin/sh").unwrap();
                // SAFETY: `file` outlives every use of the borrowed fd.
                let fd = unsafe { BorrowedFd::borrow_raw(file.as_raw_fd()) };
                while !stop.load(Ordering::Relaxed) {
                    assert_eq!(check(fd), 0, "/bin/sh must pass the check");
                    checks.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    while checks.load(Ordering::Relaxed) == 0 {
        std::thread::yield_now();
    }
    let failed = (0..SPAWNS)
        .filter(|_| match std::thread::Builder::new().spawn(|| {}) {
            Ok(handle) => handle.join().is_err(),
            Err(_) => true,
        })
        .count();
    stop.store(true, Ordering::Relaxed);
    for checker in checkers {
        checker.join().unwrap();
    }
    (failed, checks.load(Ordering::Relaxed))
}

fn library_check(fd: BorrowedFd<'_>) -> i32 {
    support::errno(execcheck::check_fd(fd, execcheck::CheckFlags::empty()))
}

#[test]
fn threads_start_while_the_library_checks() {
    let (failed, checks) = spawn_while_checking(library_check);
    eprintln!("library: {failed} of {SPAWNS} spawns failed during {checks} checks");
    assert!(
        checks > 100,
        "the checkers must really run alongside ({checks} checks)"
    );
    assert_eq!(failed, 0, "pthread_create failed while the library checked");

    let (failed, checks) = spawn_while_checking(|fd| support::syscalls::raw_check(fd.as_raw_fd()));
    eprintln!("control, raw syscall: {failed} of {SPAWNS} spawns failed during {checks} checks");
    assert!(
        failed > 0,
        "control: raw checks should make some spawns fail; the test would be blind"
    );
}
