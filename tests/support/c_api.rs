// SPDX-License-Identifier: MIT OR Apache-2.0
//! The C face as the tests call it: every `exec_*` function declared once
//! (include/execcheck.h in Rust), with the constants the tests use. The
//! declarations resolve to the library linked into the test binary; the
//! header itself is compared with the generated one in tests/abi.rs.

use execcheck::{CheckFlags, Policy, Source};
use libc::{c_char, c_int, c_uint, c_void};

// The C constants the tests use, as the Rust API spells them (their C
// values are asserted in src/ffi.rs and compared with the header in abi.rs).
pub const EXEC_POLICY_RESTRICT_FILE: c_uint = Policy::RESTRICT_FILE.bits();
pub const EXEC_POLICY_DENY_INTERACTIVE: c_uint = Policy::DENY_INTERACTIVE.bits();
pub const EXEC_CHECK_EMULATE: c_uint = CheckFlags::EMULATE.bits();
pub const EXEC_SOURCE_ARGUMENT: c_int = Source::Argument as c_int;
pub const EXEC_SOURCE_STREAM: c_int = Source::Stream as c_int;

/// `exec_log_handler`, with the event left opaque (the tests that read
/// events do it in C: tests/support/mini-interp.c).
pub type LogHandler = Option<unsafe extern "C" fn(event: *const c_void, data: *mut c_void)>;

extern "C" {
    pub fn exec_check_fd(fd: c_int, flags: c_uint) -> c_int;
    pub fn exec_check_supported() -> c_int;
    pub fn exec_check_version() -> *const c_char;
    pub fn exec_policy_get() -> c_int;
    pub fn exec_policy_set(bits: c_uint) -> c_int;
    pub fn exec_policy_force(bits: c_uint) -> c_int;
    pub fn exec_policy_allow_file(fd: c_int, name: *const c_char) -> c_int;
    pub fn exec_policy_allow_interactive(source: c_int, fd: c_int) -> c_int;
    pub fn exec_policy_open(
        dirfd: c_int,
        path: *const c_char,
        flags: c_uint,
        refused: *mut c_int,
    ) -> c_int;
    pub fn exec_log_set_handler(handler: LogHandler, data: *mut c_void) -> c_int;
}
