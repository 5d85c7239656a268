// SPDX-License-Identifier: MIT OR Apache-2.0
//! execcheck: let script interpreters obey the Linux kernel's execution policy.
//!
//! Since Linux 6.14, `execveat(fd, "", ..., AT_EMPTY_PATH | AT_EXECVE_CHECK)`
//! tells a program whether the kernel would execute a file (DAC, `noexec`
//! mounts, IMA, IPE, Landlock, SELinux) without executing it, and two
//! securebits tell interpreters to refuse scripts that fail that check
//! ([`Policy::RESTRICT_FILE`]) and inline code ([`Policy::DENY_INTERACTIVE`]).
//!
//! An interpreter calls [`allow_file`] (or [`open`]) for every file it is
//! about to interpret, and [`allow_interactive`] before running code from its
//! command line, the environment or a stream. The same API is exported to C
//! as `exec_*` (see `include/execcheck.h`).
//!
//! Every function is thread-safe, allocation-free and lock-free; the errors
//! are the kernel's (`EACCES`, `ETXTBSY`, `EBADF`, ...) as [`io::Error`]s.

// The layers, each importing only those below it: the C face (ffi) and the
// Rust face (this file) -> policy -> check -> emulate -> sys, with audit
// beside policy (policy reports to it; it imports neither policy nor ffi).
// types and c_types are leaves every layer may use.
mod audit;
mod c_types;
mod check;
mod emulate;
mod ffi;
mod policy;
mod sys;
mod types;

pub use types::{CheckFlags, Policy, Source};

/// For the `execcheck` command only: not a stable API, may change in any
/// release. The command is the library's third face (after C and Rust) and
/// explains verdicts with the emulation's reading of file metadata and the
/// same system-call wrappers, so it uses them from here instead of keeping
/// copies. (A workspace split into core, C ABI and command crates would do
/// the same with three manifests, and a cbindgen and a version script that
/// must follow the C ABI into its own crate; one hidden module is less.)
#[doc(hidden)]
pub mod command_support {
    pub use crate::emulate::{inspect, Seen};
    pub use crate::sys::{fstat, kernel_release, lstat_at, openat, set_errno, Errno};
}

use std::ffi::CStr;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

/// The library's version, from Cargo.toml.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub(crate) const VERSION_CSTR: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(version) => version,
        Err(_) => panic!("the version contains a NUL"),
    };

fn io_result(result: Result<(), sys::Errno>) -> io::Result<()> {
    result.map_err(io::Error::from_raw_os_error)
}

/// The kernel's verdict: `Ok` if it would execute the file open at `fd`.
/// On a kernel without the feature: `ENOSYS`, or the approximation with
/// [`CheckFlags::EMULATE`].
pub fn check_fd(fd: BorrowedFd<'_>, flags: CheckFlags) -> io::Result<()> {
    let emulate = flags.contains(CheckFlags::EMULATE);
    io_result(check::check_fd(fd.as_raw_fd(), std::ptr::null(), emulate))
}

/// Does the running kernel have `AT_EXECVE_CHECK` (Linux >= 6.14)?
pub fn is_supported() -> bool {
    check::support() == check::Support::Yes
}

impl Policy {
    /// The effective policy: the calling thread's exec securebits, plus the
    /// bits forced with [`Policy::force`].
    pub fn current() -> io::Result<Policy> {
        policy::current().map_err(io::Error::from_raw_os_error)
    }

    /// Make the calling thread's exec securebits exactly `self` (inherited by
    /// children and across exec). `EPERM` if a locked bit would change,
    /// `ENOSYS` on a kernel without the feature.
    pub fn install(self) -> io::Result<()> {
        io_result(policy::set(self.bits()))
    }

    /// Behave, in this process and for good, as if these bits were set
    /// (hardened builds). Only `RESTRICT_FILE` and `DENY_INTERACTIVE`.
    pub fn force(self) -> io::Result<()> {
        io_result(policy::force(self.bits()))
    }
}

/// Call for every file about to be interpreted, on the fd that will be read.
/// Always checks; `Err` only when `RESTRICT_FILE` is in effect and the check
/// failed. `name` is only the check's argv[0].
pub fn allow_file(fd: BorrowedFd<'_>, name: Option<&CStr>) -> io::Result<()> {
    let name = name.map_or(std::ptr::null(), CStr::as_ptr);
    io_result(policy::allow_file(fd.as_raw_fd(), name))
}

/// Call before running inline code. `fd` is the stream for
/// [`Source::Stream`] and is ignored otherwise.
pub fn allow_interactive(source: Source, fd: Option<BorrowedFd<'_>>) -> io::Result<()> {
    let fd = fd.map_or(-1, |fd| fd.as_raw_fd());
    io_result(policy::allow_interactive(source as libc::c_int, fd))
}

/// Why [`open`] gave no fd: the file could not be opened, or the policy
/// refused it. Only a refusal is the policy's doing; report the two
/// differently (an interpreter exits 127 for the first, 126 for the second).
#[derive(Debug)]
pub enum OpenError {
    /// `openat` failed (missing, unreadable, bad path): nothing was checked.
    Open(io::Error),
    /// `RESTRICT_FILE` is in effect and the check failed with this error
    /// (`EACCES`, `ETXTBSY`, ...).
    Refused(io::Error),
}

impl OpenError {
    /// The underlying error, whichever step failed.
    pub fn error(&self) -> &io::Error {
        match self {
            OpenError::Open(error) | OpenError::Refused(error) => error,
        }
    }
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::Open(error) => write!(f, "cannot open: {error}"),
            OpenError::Refused(error) => write!(f, "refused by the exec policy: {error}"),
        }
    }
}

impl std::error::Error for OpenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.error())
    }
}

impl From<OpenError> for io::Error {
    fn from(error: OpenError) -> io::Error {
        match error {
            OpenError::Open(error) | OpenError::Refused(error) => error,
        }
    }
}

/// Open `path` for reading (close-on-exec) and apply [`allow_file`] to it.
pub fn open(path: &CStr) -> Result<OwnedFd, OpenError> {
    open_raw(libc::AT_FDCWD, path)
}

/// Like [`open`], relative to the directory open at `dir`.
pub fn open_at(dir: BorrowedFd<'_>, path: &CStr) -> Result<OwnedFd, OpenError> {
    open_raw(dir.as_raw_fd(), path)
}

fn open_raw(dirfd: libc::c_int, path: &CStr) -> Result<OwnedFd, OpenError> {
    let error = io::Error::from_raw_os_error;
    // SAFETY: `path` is a valid C string.
    match unsafe { policy::open(dirfd, path.as_ptr()) } {
        // SAFETY: a fresh fd that nothing else owns.
        Ok(fd) => Ok(unsafe { OwnedFd::from_raw_fd(fd) }),
        Err(policy::OpenFailure::Open(errno)) => Err(OpenError::Open(error(errno))),
        Err(policy::OpenFailure::Refused(errno)) => Err(OpenError::Refused(error(errno))),
    }
}
