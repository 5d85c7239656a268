// SPDX-License-Identifier: MIT OR Apache-2.0
//! The library's vocabulary, shared by every layer and depending on none:
//! the policy bits, where inline code comes from, the check's flags, and
//! which call saw a failure. (The C spellings of the same values are in
//! `c_types.rs`; `ffi.rs` asserts that the two agree.)

use bitflags::bitflags;
use libc::c_int;

bitflags! {
    /// The effective exec policy. Bit `n` is securebit `n + 8`.
    #[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
    pub struct Policy: u32 {
        /// Refuse script files the kernel would not execute.
        const RESTRICT_FILE = 1 << 0;
        /// `RESTRICT_FILE` can no longer change.
        const RESTRICT_FILE_LOCKED = 1 << 1;
        /// Refuse inline code (argv, environment, pipes, terminals).
        const DENY_INTERACTIVE = 1 << 2;
        /// `DENY_INTERACTIVE` can no longer change.
        const DENY_INTERACTIVE_LOCKED = 1 << 3;
    }
}

bitflags::bitflags! {
    /// Options for [`check_fd`](crate::check_fd).
    #[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
    pub struct CheckFlags: u32 {
        /// On a kernel without `AT_EXECVE_CHECK`, approximate the check from
        /// file metadata (file type, `noexec`, exec permission for the
        /// effective ids) instead of failing with `ENOSYS`. The approximation
        /// cannot see LSMs (IMA, IPE, Landlock, SELinux) nor `ETXTBSY`.
        const EMULATE = 1 << 0;
    }
}

/// Where inline (interactive) code comes from.
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Source {
    /// Code given on the command line (`-c`, `-e`).
    Argument = 1,
    /// Code taken from environment variables.
    Environment = 2,
    /// Code read from a descriptor that is not a named script: stdin, a
    /// pipe, a terminal or REPL.
    Stream = 3,
}

impl Source {
    /// The source with this C value, if any.
    pub fn from_raw(value: c_int) -> Option<Source> {
        match value {
            1 => Some(Source::Argument),
            2 => Some(Source::Environment),
            3 => Some(Source::Stream),
            _ => None,
        }
    }
}

/// Which library call saw a failed check (`EXEC_LOG_CALL_*` in C).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Call {
    AllowFile = 1,
    AllowInteractive = 2,
    Open = 3,
}
