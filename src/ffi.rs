//! The C face: `exec_*` functions and `EXEC_*` constants.
//!
//! Conventions: every function is thread-safe, returns `>= 0` on success and
//! a negative errno on failure, and leaves `errno` as it was. No panic ever
//! unwinds into C: a caught panic is reported as `-ENOTRECOVERABLE`, which is
//! a refusal like any other error.

// Each function states its pointer contract in C terms, for the header.
#![allow(clippy::missing_safety_doc)]

use crate::policy::{self, Policy, Source};
use crate::sys::{self, Errno};
use crate::{check, check::Support};
use libc::{c_char, c_int, c_uint, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Refuse script files the kernel would not execute.
pub const EXEC_POLICY_RESTRICT_FILE: c_uint = 1 << 0;
/// EXEC_POLICY_RESTRICT_FILE can no longer change.
pub const EXEC_POLICY_RESTRICT_FILE_LOCKED: c_uint = 1 << 1;
/// Refuse inline code: command-line code, environment code, pipes, terminals.
pub const EXEC_POLICY_DENY_INTERACTIVE: c_uint = 1 << 2;
/// EXEC_POLICY_DENY_INTERACTIVE can no longer change.
pub const EXEC_POLICY_DENY_INTERACTIVE_LOCKED: c_uint = 1 << 3;

/// exec_check_fd(): on a kernel without AT_EXECVE_CHECK, approximate the
/// check from file metadata instead of answering -ENOSYS.
pub const EXEC_CHECK_EMULATE: c_uint = 1 << 0;

/// Code given on the command line (-c, -e).
pub const EXEC_SOURCE_ARGUMENT: c_int = 1;
/// Code taken from environment variables.
pub const EXEC_SOURCE_ENVIRONMENT: c_int = 2;
/// Code read from a descriptor that is not a named script: stdin, a pipe,
/// a terminal or REPL.
pub const EXEC_SOURCE_STREAM: c_int = 3;

// The C values are the Rust values: a change to either fails the build.
const _: () = {
    assert!(EXEC_POLICY_RESTRICT_FILE == Policy::RESTRICT_FILE.bits());
    assert!(EXEC_POLICY_RESTRICT_FILE_LOCKED == Policy::RESTRICT_FILE_LOCKED.bits());
    assert!(EXEC_POLICY_DENY_INTERACTIVE == Policy::DENY_INTERACTIVE.bits());
    assert!(EXEC_POLICY_DENY_INTERACTIVE_LOCKED == Policy::DENY_INTERACTIVE_LOCKED.bits());
    assert!(EXEC_CHECK_EMULATE == crate::CheckFlags::EMULATE.bits());
    assert!(EXEC_SOURCE_ARGUMENT == Source::Argument as c_int);
    assert!(EXEC_SOURCE_ENVIRONMENT == Source::Environment as c_int);
    assert!(EXEC_SOURCE_STREAM == Source::Stream as c_int);
};

/// Run `body` for C: errno preserved, errors negated, panics contained.
pub(crate) fn guard(body: impl FnOnce() -> Result<c_int, Errno>) -> c_int {
    let saved = sys::last_errno();
    let ret = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(value)) => value,
        Ok(Err(errno)) => -errno,
        Err(_) => -libc::ENOTRECOVERABLE,
    };
    sys::set_errno(saved);
    ret
}

fn unit(result: Result<(), Errno>) -> Result<c_int, Errno> {
    result.map(|()| 0)
}

/// The kernel's verdict for the file open at `fd`: 0 if the kernel would
/// execute it, else its negative errno (-EACCES, -ETXTBSY, -EBADF, ...).
/// Unknown flags: -EINVAL. Kernel without AT_EXECVE_CHECK: -ENOSYS, or the
/// emulated verdict with EXEC_CHECK_EMULATE. Never allocates, never locks.
#[no_mangle]
pub extern "C" fn exec_check_fd(fd: c_int, flags: c_uint) -> c_int {
    guard(|| {
        let flags = crate::CheckFlags::from_bits(flags).ok_or(libc::EINVAL)?;
        let emulate = flags.contains(crate::CheckFlags::EMULATE);
        unit(check::check_fd(fd, std::ptr::null(), emulate))
    })
}

/// 1 if the running kernel has AT_EXECVE_CHECK, else 0. Probed once.
#[no_mangle]
pub extern "C" fn exec_check_supported() -> c_int {
    guard(|| Ok((check::support() == Support::Yes) as c_int))
}

/// The library's version, "MAJOR.MINOR.PATCH" (a static string).
#[no_mangle]
pub extern "C" fn exec_check_version() -> *const c_char {
    crate::VERSION_CSTR.as_ptr()
}

/// The effective policy (EXEC_POLICY_* bits): the calling thread's exec
/// securebits OR the bits forced by exec_policy_force(). Never allocates.
#[no_mangle]
pub extern "C" fn exec_policy_get() -> c_int {
    guard(|| policy::current().map(|p| p.bits() as c_int))
}

/// Make the calling thread's four exec securebits exactly `bits`; inherited
/// by children and across exec. 0 if they already are. A locked bit that
/// would change: -EPERM. Unknown bits: -EINVAL. Old kernel: -ENOSYS.
#[no_mangle]
pub extern "C" fn exec_policy_set(bits: c_uint) -> c_int {
    guard(|| unit(policy::set(bits)))
}

/// Behave as if EXEC_POLICY_RESTRICT_FILE and/or EXEC_POLICY_DENY_INTERACTIVE
/// were always set, for this process, for good (hardened builds). The
/// kernel's bits are untouched. Lock bits or unknown bits: -EINVAL.
#[no_mangle]
pub extern "C" fn exec_policy_force(bits: c_uint) -> c_int {
    guard(|| unit(policy::force(bits)))
}

/// Call for every file about to be interpreted (script, module, sourced
/// file), on the fd that will be read. Always checks; returns 0 to go ahead,
/// or the check's negative errno when EXEC_POLICY_RESTRICT_FILE is in effect.
/// `name` (NULL or a C string) is only the check's argv[0]. Never allocates.
#[no_mangle]
pub unsafe extern "C" fn exec_policy_allow_file(fd: c_int, name: *const c_char) -> c_int {
    guard(|| unit(policy::allow_file(fd, name)))
}

/// Call before running inline code from `source` (EXEC_SOURCE_*). 0 unless
/// EXEC_POLICY_DENY_INTERACTIVE is in effect; then -EACCES for ARGUMENT and
/// ENVIRONMENT, and for STREAM 0 only if `fd` is a regular file that passes
/// the check. Unknown source: -EINVAL. Never allocates.
#[no_mangle]
pub extern "C" fn exec_policy_allow_interactive(source: c_int, fd: c_int) -> c_int {
    guard(|| unit(policy::allow_interactive(source, fd)))
}

/// Open `path` (relative to `dirfd`; AT_FDCWD allowed) read-only,
/// close-on-exec, without becoming a controlling tty, and apply
/// exec_policy_allow_file() to that fd. Returns the fd, or a negative errno
/// with nothing left open. `flags` must be 0 (-EINVAL); NULL path: -EFAULT.
#[no_mangle]
pub unsafe extern "C" fn exec_policy_open(
    dirfd: c_int,
    path: *const c_char,
    flags: c_uint,
) -> c_int {
    guard(|| {
        if flags != 0 {
            return Err(libc::EINVAL);
        }
        // SAFETY: forwarded from our caller's contract.
        unsafe { policy::open(dirfd, path) }
    })
}

// ---------------------------------------------------------------------------
// Audit events (see src/audit.rs and exec_log_set_handler(3)).

/// exec_log_event.call: the failure was seen by exec_policy_allow_file().
pub const EXEC_LOG_CALL_ALLOW_FILE: c_int = 1;
/// exec_log_event.call: seen by exec_policy_allow_interactive().
pub const EXEC_LOG_CALL_ALLOW_INTERACTIVE: c_int = 2;
/// exec_log_event.call: seen by exec_policy_open().
pub const EXEC_LOG_CALL_OPEN: c_int = 3;

const _: () = {
    assert!(EXEC_LOG_CALL_ALLOW_FILE == crate::audit::Call::AllowFile as c_int);
    assert!(EXEC_LOG_CALL_ALLOW_INTERACTIVE == crate::audit::Call::AllowInteractive as c_int);
    assert!(EXEC_LOG_CALL_OPEN == crate::audit::Call::Open as c_int);
};

/// One failed check, enforced or not, as given to the handler set with
/// exec_log_set_handler(). The library owns it; it and its strings are valid
/// only during the handler call.
///
/// ABI: fields are only ever added at the end. `size` is the number of bytes
/// this library filled in; read a field only if `size` >= its offsetof() +
/// sizeof(), so a program built against a newer header still runs with an
/// older library.
#[repr(C)]
#[allow(non_camel_case_types)]
pub struct exec_log_event {
    /// sizeof(struct exec_log_event) in the library that built this event.
    pub size: c_uint,
    /// EXEC_LOG_CALL_*: which call saw the failure.
    pub call: c_int,
    /// 1: the caller was told to refuse (the policy is enforced); 0: it was
    /// allowed to go ahead, and would have been refused (permissive mode).
    pub enforced: c_int,
    /// Why, as a positive errno (EACCES, ETXTBSY, EBADF, ...).
    pub error: c_int,
    /// The policy in force (EXEC_POLICY_* bits), as exec_policy_get().
    pub policy: c_uint,
    /// EXEC_SOURCE_* for exec_policy_allow_interactive(), else 0.
    pub source: c_int,
    /// The descriptor that was checked, or -1 (inline code has none).
    pub fd: c_int,
    /// The process id.
    pub pid: c_int,
    /// What the descriptor refers to (readlink of /proc/self/fd/FD: a path,
    /// "pipe:[...]", ...), or NULL when there is no descriptor or /proc
    /// cannot tell.
    pub file: *const c_char,
    /// The name the caller passed for the file, or NULL.
    pub name: *const c_char,
}

/// Receives audit events (see exec_log_set_handler()); NULL for none.
#[allow(non_camel_case_types)]
pub type exec_log_handler =
    Option<unsafe extern "C" fn(event: *const exec_log_event, data: *mut c_void)>;

/// The same, never NULL (Rust side).
pub(crate) type ExecLogHandlerFn = unsafe extern "C" fn(*const exec_log_event, *mut c_void);

/// Call `handler(event, data)` for every check that fails in
/// exec_policy_allow_file(), exec_policy_allow_interactive() and
/// exec_policy_open(), enforced or not, in the thread that made the call and
/// before it returns. NULL stops the events. Independent of EXECCHECK_LOG
/// (both may be active); events can never change a verdict.
///
/// Thread-safe and lock-free: a check running in another thread may still
/// call the previous handler after this returns, so keep its `data` valid.
/// The handler must not unwind and should not itself fail a check. Each
/// distinct (handler, data) pair keeps a few bytes allocated for the life of
/// the process. Returns 0, or -ENOMEM.
#[no_mangle]
pub extern "C" fn exec_log_set_handler(handler: exec_log_handler, data: *mut c_void) -> c_int {
    guard(|| unit(crate::audit::set_handler(handler, data)))
}
