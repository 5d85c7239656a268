// SPDX-License-Identifier: MIT OR Apache-2.0
//! The policy: the exec securebits, the forced bits, and the interpreter's
//! table (what to do with a file, with inline code, with a stream).
//!
//! | RESTRICT_FILE | DENY_INTERACTIVE | files          | argv/env code | stream (regular file / other) |
//! |---------------|------------------|----------------|---------------|-------------------------------|
//! | 0             | 0                | check, ignore  | allowed       | allowed / allowed             |
//! | 1             | 0                | check, enforce | allowed       | allowed / allowed             |
//! | 0             | 1                | check, ignore  | refused       | check, enforce / refused      |
//! | 1             | 1                | check, enforce | refused       | check, enforce / refused      |

use crate::audit::{self, Failure};
use crate::check::{self, Support};
use crate::sys::{self, Errno};
use crate::types::{Call, Policy, Source};
use libc::{c_char, c_int, c_long};
use std::sync::atomic::{AtomicU32, Ordering};

// Policy bit n is securebit n + 8: the mapping is one shift.
const _: () = {
    const fn secbit(p: Policy) -> c_long {
        (p.bits() as c_long) << sys::SECBIT_EXEC_SHIFT
    }
    assert!(secbit(Policy::RESTRICT_FILE) == sys::SECBIT_EXEC_RESTRICT_FILE);
    assert!(secbit(Policy::RESTRICT_FILE_LOCKED) == sys::SECBIT_EXEC_RESTRICT_FILE_LOCKED);
    assert!(secbit(Policy::DENY_INTERACTIVE) == sys::SECBIT_EXEC_DENY_INTERACTIVE);
    assert!(secbit(Policy::DENY_INTERACTIVE_LOCKED) == sys::SECBIT_EXEC_DENY_INTERACTIVE_LOCKED);
    assert!(secbit(Policy::all()) == sys::SECBIT_EXEC_MASK);
};

/// Bits a hardened build may force on; they can never be cleared.
static FORCED: AtomicU32 = AtomicU32::new(0);

/// The effective policy: the calling thread's securebits OR the forced bits.
pub fn current() -> Result<Policy, Errno> {
    let bits = sys::get_securebits()?;
    let kernel = ((bits & sys::SECBIT_EXEC_MASK) >> sys::SECBIT_EXEC_SHIFT) as u32;
    Ok(Policy::from_bits_truncate(
        kernel | FORCED.load(Ordering::Relaxed),
    ))
}

/// Make the calling thread's four exec securebits exactly `bits`.
pub fn set(bits: u32) -> Result<(), Errno> {
    let wanted = Policy::from_bits(bits).ok_or(libc::EINVAL)?;
    if check::support() == Support::TooOld {
        return Err(libc::ENOSYS);
    }
    let old = sys::get_securebits()?;
    let new =
        (old & !sys::SECBIT_EXEC_MASK) | ((wanted.bits() as c_long) << sys::SECBIT_EXEC_SHIFT);
    if new == old {
        // The kernel answers EPERM to unprivileged callers even for a no-op.
        return Ok(());
    }
    sys::set_securebits(new)
}

/// Force `RESTRICT_FILE` and/or `DENY_INTERACTIVE` on for this process, for
/// good, without touching the kernel's bits.
pub fn force(bits: u32) -> Result<(), Errno> {
    let forceable = Policy::RESTRICT_FILE | Policy::DENY_INTERACTIVE;
    match Policy::from_bits(bits) {
        Some(p) if forceable.contains(p) => {
            FORCED.fetch_or(p.bits(), Ordering::Relaxed);
            Ok(())
        }
        _ => Err(libc::EINVAL),
    }
}

/// May the interpreter run the file open at `fd`? Always checks (the kernel's
/// audit trail depends on it); refuses only under `RESTRICT_FILE`, or when the
/// check failed and the policy cannot be read.
pub fn allow_file(fd: c_int, name: *const c_char) -> Result<(), Errno> {
    allow_file_for(Call::AllowFile, fd, name)
}

fn allow_file_for(call: Call, fd: c_int, name: *const c_char) -> Result<(), Errno> {
    // A file the kernel would execute is allowed under every policy and not
    // logged, so the policy (one more system call) is read only after a
    // failed check.
    let verdict = check::check_fd(fd, name, false);
    if verdict.is_ok() {
        return Ok(());
    }
    let policy = current()?;
    let enforced = policy.contains(Policy::RESTRICT_FILE);
    // Enforced on a kernel without the feature (only possible through
    // `force`), the emulation decides; otherwise the kernel does.
    let verdict = if enforced && check::support() == Support::TooOld {
        check::check_fd(fd, name, true)
    } else {
        verdict
    };
    if let Err(errno) = verdict {
        audit::failed(&Failure {
            call,
            policy,
            enforced,
            errno,
            fd,
            source: None,
            name,
        });
    }
    if enforced {
        verdict
    } else {
        Ok(())
    }
}

/// May the interpreter run code from `source`? `fd` matters for `Stream` only.
pub fn allow_interactive(source: c_int, fd: c_int) -> Result<(), Errno> {
    let source = Source::from_raw(source).ok_or(libc::EINVAL)?;
    let policy = current()?;
    let enforced = policy.contains(Policy::DENY_INTERACTIVE);
    // Unenforced, the verdict is worked out only for audit logging.
    if !enforced && !audit::wanted() {
        return Ok(());
    }
    let verdict = interactive_verdict(source, fd, enforced);
    if let Err(errno) = verdict {
        audit::failed(&Failure {
            call: Call::AllowInteractive,
            policy,
            enforced,
            errno,
            fd: if source == Source::Stream { fd } else { -1 },
            source: Some(source),
            name: std::ptr::null(),
        });
    }
    if enforced {
        verdict
    } else {
        Ok(())
    }
}

/// What `DENY_INTERACTIVE` says about code from `source`.
fn interactive_verdict(source: Source, fd: c_int, emulate: bool) -> Result<(), Errno> {
    match source {
        Source::Argument | Source::Environment => Err(libc::EACCES),
        Source::Stream => {
            // Only a regular file can be a script; a pipe or a terminal is a
            // person or a program typing code.
            if sys::fstat(fd)?.st_mode & libc::S_IFMT != libc::S_IFREG {
                return Err(libc::EACCES);
            }
            check::check_fd(fd, std::ptr::null(), emulate)
        }
    }
}

/// Why [`open`] gave no fd. The two must never be confused: a file that
/// cannot be opened (missing, unreadable) was never checked, so reporting it
/// as a refusal would blame the policy for a permission or a typo.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum OpenFailure {
    /// `openat` failed (or the arguments were bad): nothing was checked.
    Open(Errno),
    /// The file was opened and the policy refused it (`RESTRICT_FILE` in
    /// effect and the check failed with this errno); the fd is closed.
    Refused(Errno),
}

/// Open `path` (relative to `dirfd`) for reading and apply `allow_file` to
/// the very fd that will be read. Nothing stays open on failure.
///
/// # Safety
/// `path` must be NULL or a valid NUL-terminated string.
pub unsafe fn open(dirfd: c_int, path: *const c_char) -> Result<c_int, OpenFailure> {
    if path.is_null() {
        return Err(OpenFailure::Open(libc::EFAULT));
    }
    // SAFETY: `path` is non-NULL and, by contract, NUL-terminated.
    let fd = unsafe { sys::open_read(dirfd, path) }.map_err(OpenFailure::Open)?;
    match allow_file_for(Call::Open, fd, path) {
        Ok(()) => Ok(fd),
        Err(errno) => {
            sys::close(fd);
            Err(OpenFailure::Refused(errno))
        }
    }
}
