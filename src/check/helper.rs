// SPDX-License-Identifier: MIT OR Apache-2.0
//! The check for a process with other threads: in a helper thread that has
//! its own `fs_struct`, so the kernel's "in exec" mark never reaches the
//! `fs_struct` that `pthread_create` shares.
//!
//! The helper is the cheapest task the kernel can make for this: a thread of
//! the calling process (`CLONE_THREAD | CLONE_SIGHAND`: it shares the
//! credentials object, the signal handlers and the thread group, so no copy
//! of creds, handlers or signal state, and no zombie to reap), sharing memory
//! and the fd table (`CLONE_VM | CLONE_FILES`), never `CLONE_FS`. It runs on
//! a small stack in the caller's frame while the caller sleeps
//! (`CLONE_VFORK`: the kernel wakes it when the helper exits), and reports
//! through that frame. Made at the moment of the call, it carries the calling
//! thread's credentials (securebits, Landlock domain, LSM labels) and seccomp
//! filters, so its verdict is the caller's.
//!
//! Unknown to glibc, it shares the caller's thread-local storage and errno:
//! it runs nothing but the check's raw system call. Every signal is blocked
//! in it (inherited from the caller, which blocks all, glibc's internal ones
//! included, around the clone), so no handler ever runs on its stack and the
//! kernel never picks it for a process-directed signal. A seccomp filter that
//! kills the thread making `execveat` leaves no verdict: a refusal. One that
//! kills the process (or traps, with SIGSYS blocked) ends the whole process,
//! as it does for a direct check.

use super::retrying_eintr;
use crate::sys::{self, CheckArgs, Errno};
use libc::{c_int, c_void};
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicI32, Ordering};

const FLAGS: c_int = libc::CLONE_VM
    | libc::CLONE_FILES
    | libc::CLONE_SIGHAND
    | libc::CLONE_THREAD
    | libc::CLONE_VFORK;

/// The helper's stack: one raw system call loop needs far less.
const STACK_SIZE: usize = 8192;

#[repr(C, align(16))]
struct Stack([MaybeUninit<u8>; STACK_SIZE]);

/// The verdict until the helper writes one: it died first (a seccomp filter
/// that kills the thread), so there is none.
const NO_VERDICT: c_int = -1;

/// What the helper needs and returns; it lives in the sleeping caller's frame.
struct Job<'a> {
    fd: c_int,
    args: &'a CheckArgs,
    /// 0, the check's errno, or NO_VERDICT.
    verdict: AtomicI32,
}

/// The helper's whole life: one check, its verdict stored, then `exit`.
extern "C" fn helper(job: *mut c_void) -> c_int {
    // SAFETY: `job` points to the Job of the caller, which CLONE_VFORK keeps
    // suspended, and its frame alive, until this thread exits.
    let job = unsafe { &*(job as *const Job) };
    let verdict = match retrying_eintr(job.fd, job.args) {
        Ok(()) => 0,
        Err(errno) => errno,
    };
    job.verdict.store(verdict, Ordering::Release);
    0
}

/// The kernel's verdict for `fd`, from a helper thread without `CLONE_FS`.
pub fn check(fd: c_int, args: &CheckArgs) -> Result<(), Errno> {
    let mut stack = MaybeUninit::<Stack>::uninit();
    let job = Job {
        fd,
        args,
        verdict: AtomicI32::new(NO_VERDICT),
    };
    // The helper inherits this mask: it must start with every signal blocked.
    let saved = sys::block_all_signals()?;
    // SAFETY: the stack top is 16-byte aligned and inside `stack`; `stack`
    // and `job` outlive the helper (CLONE_VFORK returns only after it
    // exited); the helper makes raw system calls only.
    let started = unsafe {
        let top = stack.as_mut_ptr().cast::<u8>().add(STACK_SIZE);
        sys::clone(helper, top.cast(), FLAGS, &job as *const Job as *mut c_void)
    };
    sys::set_signal_mask(&saved);
    started?;
    match job.verdict.load(Ordering::Acquire) {
        0 => Ok(()),
        NO_VERDICT => Err(libc::ECHILD),
        errno => Err(errno),
    }
}
