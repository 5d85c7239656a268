// SPDX-License-Identifier: MIT OR Apache-2.0
//! An approximation of the check for kernels older than 6.14.
//!
//! It sees what file metadata shows: the file type, a `noexec` mount and the
//! exec permission bits (and ACLs) for the caller's effective ids. It cannot
//! see what only an exec shows: LSM decisions (IMA appraisal, IPE, SELinux,
//! AppArmor, Landlock), a file open for writing (ETXTBSY), or a memfd sealed
//! against exec beyond its mode bits. It needs `faccessat2` (Linux >= 5.8);
//! on older kernels it refuses everything.

use crate::sys::{self, Errno};
use libc::c_int;

/// What file metadata shows against executing a file, in the order the
/// kernel tests it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Seen {
    /// Not a regular file.
    NotRegularFile,
    /// On a `noexec` mount.
    NoexecMount,
    /// No exec permission for the effective ids (faccessat2's errno).
    NoExecPermission(Errno),
}

/// Read the file at `fd`'s metadata as an exec would: `Ok(None)` when
/// nothing visible stands in the way. `Err` when the metadata cannot be read.
/// The `execcheck` command uses it to explain a refusal.
pub fn inspect(fd: c_int) -> Result<Option<Seen>, Errno> {
    let st = sys::fstat(fd)?;
    if st.st_mode & libc::S_IFMT != libc::S_IFREG {
        return Ok(Some(Seen::NotRegularFile));
    }
    if sys::mount_flags(fd)? & libc::ST_NOEXEC != 0 {
        return Ok(Some(Seen::NoexecMount));
    }
    Ok(sys::may_exec_effective(fd)
        .err()
        .map(Seen::NoExecPermission))
}

/// The emulated verdict for `fd`: the same errnos the kernel would give for
/// what this can see (EACCES for a refusal, EBADF for a bad fd).
pub fn check(fd: c_int) -> Result<(), Errno> {
    match inspect(fd)? {
        None => Ok(()),
        Some(Seen::NoExecPermission(errno)) => Err(errno),
        Some(Seen::NotRegularFile | Seen::NoexecMount) => Err(libc::EACCES),
    }
}
