// SPDX-License-Identifier: MIT OR Apache-2.0
//! Raw system calls, written independently of the library and needing only
//! libc and std: the control check, mounts and mount namespaces. Shared by
//! the tests, the demo and the fuzz target.

use std::ffi::CString;
use std::os::fd::RawFd;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// A path as a C string.
pub fn c_path(path: &Path) -> CString {
    CString::new(path.as_os_str().as_bytes()).unwrap()
}

/// The raw execveat(fd, "", AT_EMPTY_PATH | AT_EXECVE_CHECK): the control
/// the library's answers are compared with. 0 or the errno. Any number may
/// be passed as `fd` (the fuzz target passes closed and invalid ones).
pub fn raw_check(fd: RawFd) -> i32 {
    let argv = [c"raw".as_ptr(), std::ptr::null()];
    let envp = [std::ptr::null::<libc::c_char>()];
    // SAFETY: valid strings and NULL-terminated arrays.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_execveat,
            fd,
            c"".as_ptr(),
            argv.as_ptr(),
            envp.as_ptr(),
            libc::AT_EMPTY_PATH | 0x10000,
        )
    };
    if ret == 0 {
        0
    } else {
        std::io::Error::last_os_error().raw_os_error().unwrap()
    }
}

/// Mount a file system of `fstype` (tmpfs, securityfs...) on `target`, in
/// the calling thread's mount namespace. Needs root.
pub fn mount(fstype: &str, target: &Path, flags: libc::c_ulong) {
    let fstype = CString::new(fstype).unwrap();
    // SAFETY: valid C strings; no data argument.
    let ret = unsafe {
        libc::mount(
            fstype.as_ptr(),
            c_path(target).as_ptr(),
            fstype.as_ptr(),
            flags,
            std::ptr::null(),
        )
    };
    assert_eq!(
        ret,
        0,
        "mount {fstype:?} on {}: {}",
        target.display(),
        std::io::Error::last_os_error()
    );
}

/// Detach whatever is mounted on `target` (nothing there is not an error).
pub fn unmount(target: &Path) {
    // SAFETY: a valid C string.
    unsafe { libc::umount2(c_path(target).as_ptr(), libc::MNT_DETACH) };
}

/// Give the calling thread its own copy of what `flags` names (CLONE_FILES:
/// the fd table, CLONE_NEWNS: the mount namespace).
pub fn unshare(flags: libc::c_int) {
    // SAFETY: unshare takes no pointers.
    let ret = unsafe { libc::unshare(flags) };
    assert_eq!(
        ret,
        0,
        "unshare({flags:#x}): {}",
        std::io::Error::last_os_error()
    );
}

/// Give the calling thread its own mount namespace, with nothing propagating
/// back to the host. Children spawned from this thread inherit it. Needs
/// root (CAP_SYS_ADMIN).
pub fn private_mount_namespace() {
    unshare(libc::CLONE_NEWNS);
    // SAFETY: a valid C string; no source, type or data.
    let private = unsafe {
        libc::mount(
            std::ptr::null(),
            c"/".as_ptr(),
            std::ptr::null(),
            libc::MS_REC | libc::MS_PRIVATE,
            std::ptr::null(),
        )
    };
    assert_eq!(
        private,
        0,
        "making / private: {}",
        std::io::Error::last_os_error()
    );
}
