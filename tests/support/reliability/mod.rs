// SPDX-License-Identifier: MIT OR Apache-2.0
//! Tools of the reliability tests (faults, exhaustion, races): seccomp
//! filters written by hand, fd counting, and forked children that report
//! numbers back and cannot hang the test.

pub mod fds;
pub mod seccomp;

use std::fs::File;
use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

/// How many fds this process has open (the listing's own fd included, so
/// only differences mean anything).
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// How a forked child ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ending {
    /// It returned: the numbers it reported.
    Reported(Vec<i32>),
    /// It exited with this status without reporting (a failed assertion).
    Exited(i32),
    /// A signal killed it: a crash.
    Crashed(i32),
    /// Still running at the deadline: killed, counted as a hang.
    Hung,
}

/// Run `body` in a forked child with `deadline` to finish. What it returns
/// comes back as `Reported`; a panic in it is `Exited(101)`.
pub fn in_child_reporting(deadline: Duration, body: impl FnOnce() -> Vec<i32>) -> Ending {
    report_child_panics();
    let (mut reader, writer) = pipe();
    // SAFETY: the child only runs `body` and leaves with _exit.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
    if pid == 0 {
        drop(reader);
        let status = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
            Ok(numbers) => {
                let bytes: Vec<u8> = numbers.iter().flat_map(|n| n.to_ne_bytes()).collect();
                // writev, not write: a case may have made write fail.
                let iov = libc::iovec {
                    iov_base: bytes.as_ptr() as *mut libc::c_void,
                    iov_len: bytes.len(),
                };
                // SAFETY: writing our own buffer to our own pipe.
                let written = unsafe { libc::writev(writer.as_raw_fd(), &iov, 1) };
                if written == bytes.len() as isize {
                    0
                } else {
                    102
                }
            }
            Err(_) => 101,
        };
        // SAFETY: leave without running the harness's exit code.
        unsafe { libc::_exit(status) };
    }
    drop(writer);
    let ending = wait_until(pid, deadline);
    if ending != Ending::Exited(0) {
        return ending;
    }
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).unwrap();
    Ending::Reported(
        bytes
            .chunks_exact(4)
            .map(|b| i32::from_ne_bytes(b.try_into().unwrap()))
            .collect(),
    )
}

/// Make panics in forked children go straight to fd 2: the harness's output
/// capture dies with the child. Installed once in the parent, because a
/// child forked while another test thread held the hook's lock (panicking)
/// would deadlock installing it.
fn report_child_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let parent = std::process::id();
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::process::id() == parent {
                return default(info);
            }
            let msg = format!("child panicked: {info}\n");
            // SAFETY: writing a buffer we own to fd 2.
            unsafe { libc::write(2, msg.as_ptr().cast(), msg.len()) };
        }));
    });
}

/// Run `body` (assertions) in a forked child that must finish in `deadline`.
pub fn in_child_within(deadline: Duration, body: impl FnOnce()) {
    let ending = in_child_reporting(deadline, || {
        body();
        Vec::new()
    });
    assert_eq!(
        ending,
        Ending::Reported(Vec::new()),
        "the child failed (above)"
    );
}

/// Wait for `pid` until `deadline`, then kill it.
fn wait_until(pid: libc::pid_t, deadline: Duration) -> Ending {
    let start = Instant::now();
    let mut status = 0;
    loop {
        // SAFETY: waiting for our own child.
        let ret = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        assert!(ret >= 0, "waitpid: {}", std::io::Error::last_os_error());
        if ret == pid {
            break;
        }
        if start.elapsed() > deadline {
            // SAFETY: killing and reaping our own child.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
            }
            return Ending::Hung;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    if libc::WIFSIGNALED(status) {
        Ending::Crashed(libc::WTERMSIG(status))
    } else {
        Ending::Exited(libc::WEXITSTATUS(status))
    }
}

/// A pipe (read end, write end), close-on-exec.
pub fn pipe() -> (File, File) {
    let mut fds = [0; 2];
    // SAFETY: a valid array of two ints.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: two fresh fds that nothing else owns.
    unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) }
}

/// Keep a second thread alive for as long as the returned fd is open, so the
/// library takes its multithreaded path (the check in a clone child).
/// Returns once the thread runs: a thread still starting would allocate
/// (its signal stack) after a test has taken the memory away.
pub fn second_thread() -> OwnedFd {
    let (mut reader, writer) = pipe();
    let started = std::sync::Arc::new(std::sync::Barrier::new(2));
    let running = started.clone();
    std::thread::spawn(move || {
        running.wait();
        let _ = reader.read(&mut [0]);
    });
    started.wait();
    writer.into()
}

/// The calling thread's signal mask, as comparable bytes.
pub fn signal_mask() -> Vec<u8> {
    // SAFETY: an all-zero sigset_t is valid.
    let mut mask: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: SIG_BLOCK with a NULL set only reads the mask.
    unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut mask) };
    // SAFETY: sigset_t is plain bytes.
    unsafe {
        std::slice::from_raw_parts(
            (&raw const mask).cast::<u8>(),
            std::mem::size_of::<libc::sigset_t>(),
        )
    }
    .to_vec()
}
