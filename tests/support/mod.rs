//! Fixtures shared by the integration tests and the demo: real tmpfs mounts,
//! closures run in forked children, and the example interpreter.
#![allow(dead_code)] // each test crate uses its own subset

pub mod inc;

use std::ffi::CString;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// True when running as root. Otherwise says why the caller skips; under
/// CI (CI=true) a skip is a failure, since CI machines run as root.
pub fn require_root(what: &str) -> bool {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{what} needs root, and CI runs as root"
    );
    eprintln!("SKIP {what}: needs root (tmpfs mounts, securebits in children)");
    false
}

/// A tmpfs mounted for one test, unmounted when dropped.
pub struct Tmpfs {
    pub path: PathBuf,
}

impl Tmpfs {
    /// Mount a fresh tmpfs, with or without `noexec`. Needs root.
    pub fn new(noexec: bool) -> Tmpfs {
        static COUNT: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "execcheck-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&path).unwrap();
        let target = CString::new(path.as_os_str().as_bytes()).unwrap();
        let flags = if noexec { libc::MS_NOEXEC } else { 0 };
        // SAFETY: valid C strings; no data argument.
        let ret = unsafe {
            libc::mount(
                c"tmpfs".as_ptr(),
                target.as_ptr(),
                c"tmpfs".as_ptr(),
                flags,
                std::ptr::null(),
            )
        };
        assert_eq!(
            ret,
            0,
            "mount tmpfs on {}: {}",
            path.display(),
            std::io::Error::last_os_error()
        );
        Tmpfs { path }
    }

    /// Create a file with these contents and this mode.
    pub fn file(&self, name: &str, contents: &str, mode: u32) -> PathBuf {
        let path = self.path.join(name);
        fs::write(&path, contents).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let target = CString::new(self.path.as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid C string.
        unsafe { libc::umount2(target.as_ptr(), libc::MNT_DETACH) };
        let _ = fs::remove_dir(&self.path);
    }
}

/// Open a path read-only as an owned fd.
pub fn open(path: &Path) -> std::os::fd::OwnedFd {
    fs::File::open(path).unwrap().into()
}

/// Run `body` in a forked child and fail the test if it panics or exits
/// non-zero. Securebits and Landlock domains are per-thread credentials that
/// are inherited and often irreversible, so every test that changes them
/// does so in a child of its own.
pub fn in_child(body: impl FnOnce()) {
    // SAFETY: the child runs `body` and leaves with _exit, never returning
    // into the test harness.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
    if pid == 0 {
        // The harness captures panic output per thread, and the child's
        // capture buffer dies with it: print straight to fd 2 instead.
        std::panic::set_hook(Box::new(|info| {
            let msg = format!("child panicked: {info}\n");
            // SAFETY: writing a buffer we own to fd 2.
            unsafe { libc::write(2, msg.as_ptr().cast(), msg.len()) };
        }));
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)).is_ok();
        // SAFETY: leaving the child without running the harness's atexit code.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    let mut status = 0;
    // SAFETY: waiting for our own child.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "the child failed (status {status:#x}); its panic message is above"
    );
}

/// The calling thread's raw securebits.
pub fn securebits() -> i64 {
    // SAFETY: PR_GET_SECUREBITS takes no pointers.
    unsafe { libc::prctl(libc::PR_GET_SECUREBITS, 0, 0, 0, 0) as i64 }
}

/// errno of an `io::Error`, for assertions.
pub fn errno(result: std::io::Result<()>) -> i32 {
    match result {
        Ok(()) => 0,
        Err(e) => e.raw_os_error().expect("an OS error"),
    }
}

/// How many threads this process has, read independently of the library
/// (which checks directly with one thread and in a child with more).
pub fn thread_count() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

/// The raw system call, written independently of the library: the control
/// the library's answers are compared with. 0 or the errno.
pub fn raw_check(fd: std::os::fd::BorrowedFd<'_>) -> i32 {
    let argv = [c"raw".as_ptr(), std::ptr::null()];
    let envp = [std::ptr::null::<libc::c_char>()];
    // SAFETY: valid strings and NULL-terminated arrays.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_execveat,
            std::os::fd::AsRawFd::as_raw_fd(&fd),
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
