//! Helpers shared by the CLI and audit tests: run the real binary, make
//! scratch directories, and mount file systems in a mount namespace private
//! to the calling test thread (so nothing is left mounted on the host, even
//! when a test fails).
#![allow(dead_code)] // each test crate uses a different subset

use std::ffi::{CString, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

pub const EXECCHECK: &str = env!("CARGO_BIN_EXE_execcheck");

pub fn execcheck<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(args: I) -> Output {
    run(Command::new(EXECCHECK)
        .args(args)
        .env_remove("EXECCHECK_LOG"))
}

/// Run to completion; stdin is empty.
pub fn run(command: &mut Command) -> Output {
    command
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"))
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Assert the exit code, showing everything when it is wrong.
#[track_caller]
pub fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(output),
        stderr(output)
    );
}

/// A scratch directory, removed (with its contents) on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new() -> Scratch {
        static COUNT: AtomicU32 = AtomicU32::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("execcheck-cli-test.{}.{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).unwrap();
        Scratch(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A file with `content` and `mode`.
pub fn write_file(path: &Path, content: &[u8], mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, content).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn c(path: &Path) -> CString {
    CString::new(path.as_os_str().as_bytes()).unwrap()
}

/// Give the calling thread its own mount namespace, with nothing propagating
/// back to the host. Children spawned from this thread inherit it. Needs
/// root (CAP_SYS_ADMIN), as the tests do.
pub fn private_mount_namespace() {
    // SAFETY: plain system calls; a failure is reported below.
    unsafe {
        assert_eq!(
            libc::unshare(libc::CLONE_NEWNS),
            0,
            "unshare(CLONE_NEWNS): {}",
            std::io::Error::last_os_error()
        );
        let private = libc::mount(
            std::ptr::null(),
            c"/".as_ptr(),
            std::ptr::null(),
            libc::MS_REC | libc::MS_PRIVATE,
            std::ptr::null(),
        );
        assert_eq!(
            private,
            0,
            "making / private: {}",
            std::io::Error::last_os_error()
        );
    }
}

/// Mount a file system of `fstype` on `target` (in this thread's namespace).
pub fn mount(fstype: &str, target: &Path, flags: libc::c_ulong) {
    let fstype = CString::new(fstype).unwrap();
    // SAFETY: valid C strings.
    let result = unsafe {
        libc::mount(
            fstype.as_ptr(),
            c(target).as_ptr(),
            fstype.as_ptr(),
            flags,
            std::ptr::null(),
        )
    };
    assert_eq!(
        result,
        0,
        "mount {fstype:?} on {}: {}",
        target.display(),
        std::io::Error::last_os_error()
    );
}

/// A mount, detached on drop (declare it after the Scratch holding it).
pub struct Mounted(pub PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        // SAFETY: a valid C string.
        unsafe { libc::umount2(c(&self.0).as_ptr(), libc::MNT_DETACH) };
    }
}

/// A fresh tmpfs (with `flags`, e.g. MS_NOEXEC) in a private namespace.
pub fn private_tmpfs(scratch: &Scratch, name: &str, flags: libc::c_ulong) -> Mounted {
    private_mount_namespace();
    let dir = scratch.path(name);
    std::fs::create_dir_all(&dir).unwrap();
    mount("tmpfs", &dir, flags);
    Mounted(dir)
}

/// A named pipe.
pub fn mkfifo(path: &Path) {
    // SAFETY: a valid C string.
    assert_eq!(unsafe { libc::mkfifo(c(path).as_ptr(), 0o644) }, 0);
}
