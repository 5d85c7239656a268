// SPDX-License-Identifier: MIT OR Apache-2.0
//! In a threaded process the library checks in a helper thread of the
//! process, unknown to the program. A signal sent to the process goes to
//! any one of its threads that does not block it; it must never go to the
//! helper, where a handler would run on a tiny stack with another thread's
//! TLS. The control makes a helper thread the same way without blocking
//! signals in it, and the handler does see it. The control's helper waits
//! a millisecond after its check so that it is seen on any machine; the
//! library's helper lives only for its check, so a helper that let signals
//! in is caught in most rounds, and the test runs several.

use execcheck_test_support as support;
use support::reliability;

use reliability::{in_child_reporting, Ending};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

const CHECKERS: usize = 2;
/// Signals sent while the checkers check (each one queued: none merge).
const SIGNALS: u32 = 5_000;

/// Rounds with the library's helper. Which thread takes a process signal
/// settles early in a round: a helper that let signals in took thousands in
/// most rounds and none in some (mutation runs), so one round is not enough.
const LIBRARY_ROUNDS: usize = 5;

/// The thread ids the test made; a signal handled anywhere else was handled
/// by a helper.
static KNOWN: [AtomicI32; CHECKERS] = [const { AtomicI32::new(0) }; CHECKERS];
static HANDLED: AtomicU32 = AtomicU32::new(0);
static ON_HELPER: AtomicU32 = AtomicU32::new(0);

extern "C" fn on_signal(_: libc::c_int) {
    // SAFETY: gettid takes no arguments.
    let tid = unsafe { libc::syscall(libc::SYS_gettid) } as i32;
    HANDLED.fetch_add(1, Ordering::Relaxed);
    if !KNOWN
        .iter()
        .any(|known| known.load(Ordering::Relaxed) == tid)
    {
        ON_HELPER.fetch_add(1, Ordering::Relaxed);
    }
}

/// A real-time signal: each one sent is queued and handled, none merge.
fn signal() -> libc::c_int {
    libc::SIGRTMIN() + 1
}

fn block_signal(how: libc::c_int) {
    // SAFETY: a valid sigset, built with sigemptyset/sigaddset.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, signal());
        libc::pthread_sigmask(how, &set, std::ptr::null_mut());
    }
}

/// In a forked child: CHECKERS threads (the signal open) run `check` in a
/// loop while this thread (it blocked) sends it to the process SIGNALS times.
/// Returns [signals handled, of which on a thread the test did not make].
fn signals_during(check: fn(i32) -> i32) -> Vec<i32> {
    // SAFETY: a handler that only makes a raw syscall and counts.
    unsafe {
        libc::signal(
            signal(),
            on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t,
        )
    };
    block_signal(libc::SIG_BLOCK);
    let done = Arc::new(AtomicBool::new(false));
    let checkers: Vec<_> = (0..CHECKERS)
        .map(|i| {
            let done = done.clone();
            std::thread::spawn(move || {
                // SAFETY: gettid takes no arguments.
                KNOWN[i].store(
                    unsafe { libc::syscall(libc::SYS_gettid) } as i32,
                    Ordering::Relaxed,
                );
                block_signal(libc::SIG_UNBLOCK);
                let file = std::fs::File::open("/bin/sh").unwrap();
                while !done.load(Ordering::Relaxed) {
                    assert_eq!(check(file.as_raw_fd()), 0, "/bin/sh must pass the check");
                }
            })
        })
        .collect();
    let mut sent = 0;
    while sent < SIGNALS {
        // SAFETY: a signal to our own process (EAGAIN while the queue is
        // full: then the handlers catch up).
        if unsafe { libc::kill(libc::getpid(), signal()) } == 0 {
            sent += 1;
        }
        std::thread::yield_now();
    }
    done.store(true, Ordering::Relaxed);
    for checker in checkers {
        checker.join().unwrap();
    }
    vec![
        HANDLED.load(Ordering::Relaxed) as i32,
        ON_HELPER.load(Ordering::Relaxed) as i32,
    ]
}

fn library_check(fd: i32) -> i32 {
    // SAFETY: the fd stays open for the call.
    let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
    support::errno(execcheck::check_fd(fd, execcheck::CheckFlags::empty()))
}

/// The control: a helper thread made as the library makes it, but with the
/// checker's signal mask (the signal open).
fn unblocked_helper_check(fd: i32) -> i32 {
    extern "C" fn helper(fd: *mut libc::c_void) -> libc::c_int {
        let verdict = support::syscalls::raw_check(fd as usize as i32);
        // Linger: the kernel gives a process signal to the thread that
        // took the last one while it can take another, so a helper that
        // lives only for a check is seldom picked on an idle machine (none
        // of 5000 on one CI machine). A helper that waits a while is, if
        // its mask lets the signal in, and that is what the control shows.
        let pause = libc::timespec {
            tv_sec: 0,
            tv_nsec: 1_000_000,
        };
        // SAFETY: a valid timespec; a signal may cut the wait short.
        unsafe { libc::nanosleep(&pause, std::ptr::null_mut()) };
        verdict
    }
    let mut stack = vec![0u8; 16384];
    let flags = libc::CLONE_VM
        | libc::CLONE_FILES
        | libc::CLONE_SIGHAND
        | libc::CLONE_THREAD
        | libc::CLONE_VFORK;
    // SAFETY: the stack outlives the helper (CLONE_VFORK); the helper only
    // makes a raw syscall. The verdict is not read: only signals count here.
    let tid = unsafe {
        let top = stack.as_mut_ptr().add(stack.len()) as usize & !15;
        libc::clone(
            helper,
            top as *mut libc::c_void,
            flags,
            fd as usize as *mut libc::c_void,
        )
    };
    assert!(tid > 0, "clone: {}", std::io::Error::last_os_error());
    0
}

fn run(check: fn(i32) -> i32) -> (i32, i32) {
    match in_child_reporting(Duration::from_secs(60), || signals_during(check)) {
        Ending::Reported(counts) => (counts[0], counts[1]),
        ending => panic!("the checking child failed: {ending:?}"),
    }
}

#[test]
fn no_signal_reaches_the_helper_thread() {
    let (handled, on_helper) = (0..LIBRARY_ROUNDS)
        .map(|_| run(library_check))
        .fold((0, 0), |sum, round| (sum.0 + round.0, sum.1 + round.1));
    eprintln!("library: {on_helper} of {handled} process signals handled on a helper thread");
    assert!(handled > 1000, "too few signals to tell ({handled})");
    assert_eq!(
        on_helper, 0,
        "a signal handler ran on the library's helper thread"
    );

    let (handled, on_helper) = run(unblocked_helper_check);
    eprintln!("control, helper without blocked signals: {on_helper} of {handled} on a helper");
    assert!(
        on_helper > 0,
        "control: an unblocked helper should get some signals; the test would be blind"
    );
}
