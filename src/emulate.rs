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

/// The emulated verdict for `fd`: the same errnos the kernel would give for
/// what this can see (EACCES for a refusal, EBADF for a bad fd).
pub fn check(fd: c_int) -> Result<(), Errno> {
    let st = sys::fstat(fd)?;
    if st.st_mode & libc::S_IFMT != libc::S_IFREG {
        return Err(libc::EACCES);
    }
    if sys::mount_flags(fd)? & libc::ST_NOEXEC != 0 {
        return Err(libc::EACCES);
    }
    sys::may_exec_effective(fd)
}
