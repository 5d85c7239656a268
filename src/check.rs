// SPDX-License-Identifier: MIT OR Apache-2.0
//! The kernel's verdict on one fd: would it execute this file?
//!
//! Three concerns live here and nowhere else:
//! - telling "kernel too old" (EINVAL for an unknown flag) from any other
//!   answer, with a probe on fd -1 that runs once and is cached, believed
//!   only from a kernel release older than 6.14 (a seccomp filter can fake
//!   the EINVAL, and the emulation it would select is more permissive);
//! - retrying EINTR a bounded number of times;
//! - never disturbing other threads. While a check runs, the kernel marks the
//!   process's `fs_struct` "in exec", and any `clone(CLONE_FS)` (every
//!   `pthread_create`) fails with EAGAIN. A single-threaded caller checks
//!   directly; a multithreaded one checks in a helper thread that has its
//!   own `fs_struct` and the calling thread's credentials (`helper`).

mod helper;

use crate::emulate;
use crate::sys::{self, CheckArgs, Errno, MAX_EINTR_RETRIES};
use libc::{c_char, c_int};
use std::sync::atomic::{AtomicU8, Ordering};

/// What the kernel says about `AT_EXECVE_CHECK`, once known.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Support {
    /// The kernel knows the flag (probe answered EBADF).
    Yes,
    /// The kernel rejects the flag as unknown (probe answered EINVAL): < 6.14.
    TooOld,
    /// The probe itself failed (e.g. a seccomp filter): nothing is cached.
    Unknown(Errno),
}

const PROBE_UNKNOWN: u8 = 0;
const PROBE_YES: u8 = 1;
const PROBE_TOO_OLD: u8 = 2;
static PROBE: AtomicU8 = AtomicU8::new(PROBE_UNKNOWN);

/// Does the running kernel have `AT_EXECVE_CHECK`? Probes once, then cached.
pub fn support() -> Support {
    match PROBE.load(Ordering::Relaxed) {
        PROBE_YES => return Support::Yes,
        PROBE_TOO_OLD => return Support::TooOld,
        _ => {}
    }
    // Nothing can execute on fd -1, so the probe is safe: a kernel that knows
    // the flag reaches the fd and says EBADF; an older one rejects the flag.
    let answer = match kernel_check(-1, &CheckArgs::new(std::ptr::null())) {
        Err(libc::EBADF) => Support::Yes,
        Err(libc::EINVAL) if release_predates_check() => Support::TooOld,
        Ok(()) => Support::Unknown(libc::EBADF), // cannot happen; never cache it
        Err(e) => Support::Unknown(e),
    };
    match answer {
        Support::Yes => PROBE.store(PROBE_YES, Ordering::Relaxed),
        Support::TooOld => PROBE.store(PROBE_TOO_OLD, Ordering::Relaxed),
        Support::Unknown(_) => {}
    }
    answer
}

/// The first kernel release with `AT_EXECVE_CHECK`.
const FIRST_RELEASE: (u32, u32) = (6, 14);

/// Is the running kernel's release (uname) older than 6.14? If it cannot be
/// read: no, so that a doubt never selects the emulation.
fn release_predates_check() -> bool {
    sys::kernel_release()
        .ok()
        .and_then(|release| parse_release(&release))
        .is_some_and(|version| version < FIRST_RELEASE)
}

/// "MAJOR.MINOR[.anything]" -> (MAJOR, MINOR).
fn parse_release(release: &[c_char]) -> Option<(u32, u32)> {
    let mut parts = release.split(|&c| c == b'.' as c_char).map(leading_number);
    Some((parts.next()??, parts.next()??))
}

fn leading_number(part: &[c_char]) -> Option<u32> {
    let digits = part.iter().take_while(|&&c| (c as u8).is_ascii_digit());
    let len = digits.clone().count();
    (1..=9)
        .contains(&len)
        .then(|| digits.fold(0, |n, &c| n * 10 + (c as u8 - b'0') as u32))
}

/// The kernel's verdict for `fd`, with `name` as argv[0] (may be NULL).
///
/// `Err(ENOSYS)` means the kernel lacks the feature; with `emulate` the
/// library's approximation answers instead (see `emulate`).
pub fn check_fd(fd: c_int, name: *const c_char, emulate: bool) -> Result<(), Errno> {
    match kernel_check(fd, &CheckArgs::new(name)) {
        Err(libc::EINVAL) if support() == Support::TooOld => {
            if emulate {
                emulate::check(fd)
            } else {
                Err(libc::ENOSYS)
            }
        }
        verdict => verdict,
    }
}

/// One check, EINTR retried, run where it cannot disturb other threads.
fn kernel_check(fd: c_int, args: &CheckArgs) -> Result<(), Errno> {
    if is_single_threaded() {
        retrying_eintr(fd, args)
    } else {
        helper::check(fd, args)
    }
}

fn retrying_eintr(fd: c_int, args: &CheckArgs) -> Result<(), Errno> {
    let mut verdict = sys::execve_check(fd, args);
    for _ in 0..MAX_EINTR_RETRIES {
        if verdict != Err(libc::EINTR) {
            break;
        }
        verdict = sys::execve_check(fd, args);
    }
    verdict
}

/// True only when the process certainly has one thread.
///
/// glibc (>= 2.32) keeps `__libc_single_threaded` nonzero until the first
/// thread is created; reading it is free. It never goes back, so a process
/// that had threads (or a child forked from one) asks the kernel:
/// `unshare(CLONE_THREAD)` succeeds only for a lone thread (~0.2 us; EINVAL
/// otherwise, also for a lone thread that is not the group leader). Where a
/// seccomp filter denies unshare (container runtimes do), the link count of
/// `/proc/self/task` is the number of threads + 2 (~2 us). With only this
/// thread alive, nobody else can start one during the check. Any doubt (no
/// /proc, another libc) means "threads": the safe, slower path.
fn is_single_threaded() -> bool {
    sys::libc_single_threaded()
        || match sys::unshare_thread() {
            Ok(()) => true,
            Err(libc::EINVAL) => false,
            Err(_) => task_count() == Some(1),
        }
}

fn task_count() -> Option<libc::nlink_t> {
    let st = sys::stat(c"/proc/self/task").ok()?;
    st.st_nlink.checked_sub(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release(text: &str) -> Option<(u32, u32)> {
        let chars: Vec<c_char> = text.bytes().map(|b| b as c_char).chain([0; 8]).collect();
        parse_release(&chars)
    }

    #[test]
    fn kernel_releases_parse() {
        assert_eq!(release("6.14.0"), Some((6, 14)));
        assert_eq!(release("6.13.12-amd64"), Some((6, 13)));
        assert_eq!(release("6.18.44-fc-v657"), Some((6, 18)));
        assert_eq!(release("7.0-rc1"), Some((7, 0)));
        assert_eq!(release("5.10"), Some((5, 10)));
        assert!(release("6.12.107+deb13-cloud-amd64").unwrap() < FIRST_RELEASE);
        assert_eq!(release("6"), None);
        assert_eq!(release(""), None);
        assert_eq!(release("x.y"), None);
        assert_eq!(release("6.99999999999"), None);
    }
}
