// SPDX-License-Identifier: MIT OR Apache-2.0
//! The types and constants C sees: the leaf of the crate (it uses only
//! libc), so that the core can build a C event without importing the C face.
//! cbindgen reads this file and `ffi.rs` (build.rs); the header lists these
//! first, in this order.

use libc::{c_char, c_int, c_uint, c_void};

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

// Audit events (see src/audit/ and exec_log_set_handler(3)).

/// exec_log_event.call: the failure was seen by exec_policy_allow_file().
pub const EXEC_LOG_CALL_ALLOW_FILE: c_int = 1;
/// exec_log_event.call: seen by exec_policy_allow_interactive().
pub const EXEC_LOG_CALL_ALLOW_INTERACTIVE: c_int = 2;
/// exec_log_event.call: seen by exec_policy_open().
pub const EXEC_LOG_CALL_OPEN: c_int = 3;

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
