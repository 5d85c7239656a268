// SPDX-License-Identifier: MIT OR Apache-2.0
//! Fixtures shared by the integration tests, the demo and the fuzz target:
//! real tmpfs mounts, closures run in forked children, the example
//! interpreter (inc.rs), raw system calls (syscalls.rs), Landlock domains
//! (landlock.rs), the C face's declarations (c_api.rs), the reliability
//! tools (reliability/: seccomp filters, fd counting, children that report)
//! and the command's test helpers (cli.rs).

// `new()` of a fixture mounts or creates real things: no `Default` for them.
#![allow(clippy::new_without_default)]

pub mod c_api;
pub mod cli;
pub mod inc;
pub mod landlock;
pub mod reliability;
pub mod syscalls;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use syscalls::{mount, unmount, unshare};

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

/// A new path in the temporary directory, different on every call:
/// `execcheck-WHAT-PID-N`. Nothing is created.
pub fn temp_path(what: &str) -> PathBuf {
    static COUNT: AtomicU32 = AtomicU32::new(0);
    std::env::temp_dir().join(format!(
        "execcheck-{what}-{}-{}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Write a file with these contents and this mode.
pub fn write_file(path: &Path, contents: impl AsRef<[u8]>, mode: u32) {
    let (path, contents) = (path.to_owned(), contents.as_ref().to_vec());
    with_private_fds(move || {
        fs::write(&path, contents).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
    });
}

/// Copy a file (with its mode), e.g. a program a test then runs.
pub fn copy_file(from: &Path, to: &Path) {
    let (from, to) = (from.to_owned(), to.to_owned());
    with_private_fds(move || {
        fs::copy(from, to).unwrap();
    });
}

/// Run `body` on a thread with a private fd table. Tests run in parallel
/// threads that fork (in_child, Command); a fork copies the fd table, and a
/// child holding a copy of a write fd makes the kernel call the file busy
/// (ETXTBSY) to whoever checks or runs it next, for as long as that child
/// lives. An fd that never enters the shared table cannot be copied.
fn with_private_fds(body: impl FnOnce() + Send + 'static) {
    spawn(move || {
        private_fd_table();
        body();
    })
    .join()
    .unwrap();
}

/// Give the calling thread a private fd table holding only 0, 1 and 2. The
/// copy unshare makes holds every fd open at that moment, e.g. the write end
/// of another test's pipe to a compiler: kept here, it would keep that
/// reader from seeing EOF for as long as this thread lives.
fn private_fd_table() {
    unshare(libc::CLONE_FILES);
    // SAFETY: closes fds of this thread's private table only.
    let ret = unsafe { libc::syscall(libc::SYS_close_range, 3, u32::MAX, 0) };
    assert_eq!(ret, 0, "close_range: {}", std::io::Error::last_os_error());
}

/// Start a thread, trying again while the kernel says EAGAIN: no thread can
/// be created while another thread of the process is inside execve, a check
/// included (the fs_struct is "in exec"), and tests check in parallel
/// threads with the raw syscall. Each such window lasts one check.
pub fn spawn<T: Send + 'static>(
    body: impl FnOnce() -> T + Send + 'static,
) -> std::thread::JoinHandle<T> {
    let body = std::sync::Arc::new(std::sync::Mutex::new(Some(body)));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let body = body.clone();
        let run = move || (body.lock().unwrap().take().expect("run once"))();
        match std::thread::Builder::new().spawn(run) {
            Ok(thread) => return thread,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                assert!(std::time::Instant::now() < deadline, "spawn: {e} for 10 s");
                std::thread::sleep(std::time::Duration::from_micros(100));
            }
            Err(e) => panic!("spawn: {e}"),
        }
    }
}

/// A file held open for writing, so that the kernel calls it busy, by a
/// thread with a private fd table (see `with_private_fds`): once this is
/// dropped, nobody writes the file, not even a child forked meanwhile.
pub struct HeldForWriting {
    release: Option<std::sync::mpsc::Sender<()>>,
    holder: Option<std::thread::JoinHandle<()>>,
}

pub fn hold_for_writing(path: &Path) -> HeldForWriting {
    let (opened, is_open) = std::sync::mpsc::channel();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let path = path.to_owned();
    let holder = spawn(move || {
        private_fd_table();
        let _writer = fs::OpenOptions::new().append(true).open(&path).unwrap();
        opened.send(()).unwrap();
        let _ = released.recv();
    });
    is_open.recv().expect("the writer thread failed");
    HeldForWriting {
        release: Some(release),
        holder: Some(holder),
    }
}

impl Drop for HeldForWriting {
    fn drop(&mut self) {
        drop(self.release.take());
        if let Some(holder) = self.holder.take() {
            holder.join().unwrap();
        }
    }
}

/// A tmpfs mounted for one test, unmounted when dropped.
pub struct Tmpfs {
    pub path: PathBuf,
}

impl Tmpfs {
    /// Mount a fresh tmpfs, with or without `noexec`, on a new directory.
    /// Needs root.
    pub fn new(noexec: bool) -> Tmpfs {
        Tmpfs::at(temp_path("tmpfs"), noexec)
    }

    /// Mount a fresh tmpfs on `path`, created if missing. Needs root.
    pub fn at(path: PathBuf, noexec: bool) -> Tmpfs {
        fs::create_dir_all(&path).unwrap();
        mount("tmpfs", &path, if noexec { libc::MS_NOEXEC } else { 0 });
        Tmpfs { path }
    }

    /// Create a file with these contents and this mode.
    pub fn file(&self, name: &str, contents: &str, mode: u32) -> PathBuf {
        let path = self.path.join(name);
        write_file(&path, contents, mode);
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        unmount(&self.path);
        let _ = fs::remove_dir(&self.path);
    }
}

/// Something mounted on an existing directory (securityfs, a /dev of our
/// own), detached when dropped; the directory stays.
pub struct Mounted(pub PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        unmount(&self.0);
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
