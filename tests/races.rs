// SPDX-License-Identifier: MIT OR Apache-2.0
//! Races, for real: a file swapped under the reader, fork while other
//! threads check, and checks from a signal handler that interrupts a check.
//! Each runs in both paths: one thread (the direct check) and several (the
//! check in a clone child).

use execcheck_test_support as support;
use support::reliability;

use libc::{c_char, c_int};
use reliability::{in_child_within, second_thread, Ending};
use std::ffi::CString;
use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, Ordering};
use std::time::{Duration, Instant};
use support::c_api::{exec_check_fd, exec_policy_allow_file, exec_policy_open};

const DEADLINE: Duration = Duration::from_secs(30);
const R: libc::c_long = 0x100; // SECBIT_EXEC_RESTRICT_FILE

fn restrict_file() {
    // SAFETY: PR_SET_SECUREBITS with an exec bit only.
    assert_eq!(unsafe { libc::prctl(libc::PR_SET_SECUREBITS, R) }, 0);
}

/// Version A (executable) and B (not) of one script, swapped atomically.
struct Swap {
    mount: support::Tmpfs,
}

const A: &[u8] = b"#!/bin/sh\necho A version\n";
const B: &[u8] = b"#!/bin/sh\necho B version\n";

impl Swap {
    fn new() -> Swap {
        let mount = support::Tmpfs::new(false);
        mount.file("script", std::str::from_utf8(A).unwrap(), 0o755);
        mount.file("other", std::str::from_utf8(B).unwrap(), 0o644);
        Swap { mount }
    }

    fn path(&self) -> CString {
        CString::new(self.mount.path.join("script").as_os_str().as_bytes()).unwrap()
    }

    /// Exchange "script" and "other" (renameat2 RENAME_EXCHANGE) until
    /// `stop` is set; returns how many swaps were made.
    fn swap_until(&self, stop: &AtomicBool) -> u64 {
        let dir = CString::new(self.mount.path.as_os_str().as_bytes()).unwrap();
        let dir = std::fs::File::open(std::ffi::OsStr::from_bytes(dir.as_bytes())).unwrap();
        let mut swaps = 0;
        while !stop.load(Ordering::Relaxed) {
            // SAFETY: valid C strings and a directory fd we own.
            let ret = unsafe {
                libc::renameat2(
                    dir.as_raw_fd(),
                    c"script".as_ptr(),
                    dir.as_raw_fd(),
                    c"other".as_ptr(),
                    libc::RENAME_EXCHANGE,
                )
            };
            assert_eq!(ret, 0, "renameat2: {}", std::io::Error::last_os_error());
            swaps += 1;
        }
        swaps
    }
}

fn read_all(fd: OwnedFd) -> Vec<u8> {
    let mut content = Vec::new();
    std::fs::File::from(fd).read_to_end(&mut content).unwrap();
    content
}

/// What the reader of a swapped file saw.
#[derive(Default, Debug)]
struct Seen {
    a: i32,
    b: i32,
    refused: i32,
}

/// The library: exec_policy_open, then read the fd it returned.
fn library_reads(path: &CString, seen: &mut Seen) {
    let mut refused = 0;
    // SAFETY: a valid C string and a valid out-pointer.
    let fd = unsafe { exec_policy_open(libc::AT_FDCWD, path.as_ptr(), 0, &mut refused) };
    if fd < 0 {
        assert_eq!((fd, refused), (-libc::EACCES, 1), "only B is refused");
        seen.refused += 1;
        return;
    }
    // SAFETY: a fresh fd that is ours.
    match read_all(unsafe { OwnedFd::from_raw_fd(fd) }).as_slice() {
        A => seen.a += 1,
        _ => seen.b += 1,
    }
}

/// The control: check the path, then open and read it (check-then-use).
fn path_check_then_read(path: &CString, seen: &mut Seen) {
    let argv = [path.as_ptr(), std::ptr::null()];
    let envp = [std::ptr::null::<c_char>()];
    // SAFETY: valid strings and NULL-terminated arrays.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_execveat,
            libc::AT_FDCWD,
            path.as_ptr(),
            argv.as_ptr(),
            envp.as_ptr(),
            0x10000, // AT_EXECVE_CHECK
        )
    };
    if ret != 0 {
        seen.refused += 1;
        return;
    }
    let file = std::fs::File::open(std::ffi::OsStr::from_bytes(path.as_bytes())).unwrap();
    match read_all(file.into()).as_slice() {
        A => seen.a += 1,
        _ => seen.b += 1,
    }
}

/// Read the swapped file with `read` until `done` (or 5 s), while it is
/// swapped in another thread, or in another process (which keeps this one
/// single-threaded, so the library checks directly).
fn read_while_swapping(
    swap: &Swap,
    in_thread: bool,
    read: fn(&CString, &mut Seen),
    done: fn(&Seen) -> bool,
) -> Seen {
    let path = swap.path();
    let mut seen = Seen::default();
    let reading = |seen: &mut Seen| {
        let start = Instant::now();
        while !done(seen) && start.elapsed() < Duration::from_secs(5) {
            read(&path, seen);
        }
    };
    if in_thread {
        let stop = AtomicBool::new(false);
        std::thread::scope(|scope| {
            scope.spawn(|| swap.swap_until(&stop));
            reading(&mut seen);
            stop.store(true, Ordering::Relaxed);
        });
    } else {
        // SAFETY: the child swaps until killed.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            swap.swap_until(&AtomicBool::new(false));
            // SAFETY: leaving the forked child at once.
            unsafe { libc::_exit(0) };
        }
        assert_eq!(
            support::thread_count(),
            1,
            "the reader must be single-threaded"
        );
        reading(&mut seen);
        // SAFETY: killing and reaping our own child.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
            libc::waitpid(pid, std::ptr::null_mut(), 0);
        }
    }
    seen
}

#[test]
fn a_swapped_file_is_never_read_in_its_refused_version() {
    if !support::require_root("tmpfs") {
        return;
    }
    let swap = Swap::new();
    for in_thread in [false, true] {
        let swap = &swap;
        let ending = reliability::in_child_reporting(DEADLINE, move || {
            restrict_file();
            let lib = read_while_swapping(swap, in_thread, library_reads, |s| {
                s.a >= 1000 && s.refused >= 1000
            });
            let control = read_while_swapping(swap, in_thread, path_check_then_read, |s| s.b > 0);
            vec![
                lib.a,
                lib.b,
                lib.refused,
                control.a,
                control.b,
                control.refused,
            ]
        });
        let Ending::Reported(n) = ending else {
            panic!("swapper in a thread: {in_thread}: {ending:?}")
        };
        eprintln!(
            "swapper in a thread: {in_thread}: library read A {} B {} refused {}; \
             control (check the path, then open it) read A {} B {} refused {}",
            n[0], n[1], n[2], n[3], n[4], n[5]
        );
        assert_eq!(n[1], 0, "read B through an fd exec_policy_open accepted");
        assert!(n[0] >= 1000 && n[2] >= 1000, "the race did not happen");
        assert!(
            n[4] > 0,
            "control: check-then-open never read B: the test is blind"
        );
    }
}

/// An executable and a non-executable file, open.
struct Pair {
    _mount: support::Tmpfs,
    exe: OwnedFd,
    plain: OwnedFd,
}

impl Pair {
    fn new() -> Pair {
        let mount = support::Tmpfs::new(false);
        Pair {
            exe: support::open(&mount.file("exe", "#!/bin/sh\n", 0o755)),
            plain: support::open(&mount.file("plain", "#!/bin/sh\n", 0o644)),
            _mount: mount,
        }
    }

    /// Both verdicts right, from the calling thread (0 or a complaint).
    fn verdicts_right(&self) -> bool {
        // SAFETY: plain integers and a NULL name.
        unsafe {
            exec_check_fd(self.exe.as_raw_fd(), 0) == 0
                && exec_check_fd(self.plain.as_raw_fd(), 0) == -libc::EACCES
                && exec_policy_allow_file(self.exe.as_raw_fd(), std::ptr::null()) == 0
                && exec_policy_allow_file(self.plain.as_raw_fd(), std::ptr::null()) == -libc::EACCES
        }
    }
}

const FORKS: usize = 200;
const CHECKERS: usize = 2;

#[test]
fn a_child_forked_while_threads_check_can_check() {
    if !support::require_root("tmpfs") {
        return;
    }
    let pair = Pair::new();
    let pair = &pair;
    in_child_within(DEADLINE, move || {
        restrict_file();
        let stop = AtomicBool::new(false);
        let checks = AtomicU32::new(0);
        std::thread::scope(|scope| {
            for _ in 0..CHECKERS {
                scope.spawn(|| {
                    while !stop.load(Ordering::Relaxed) {
                        assert!(pair.verdicts_right(), "a checker thread");
                        checks.fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
            while checks.load(Ordering::Relaxed) == 0 {
                std::thread::yield_now();
            }
            for i in 0..FORKS {
                // The child checks alone (direct), then with a thread of
                // its own (clone child): exit status 0 if all was right.
                let ending = reliability::in_child_reporting(Duration::from_secs(10), || {
                    let alone = pair.verdicts_right();
                    let _second = second_thread();
                    vec![alone as i32, pair.verdicts_right() as i32]
                });
                assert_eq!(ending, Ending::Reported(vec![1, 1]), "fork {i}");
            }
            stop.store(true, Ordering::Relaxed);
        });
        assert!(
            checks.load(Ordering::Relaxed) >= FORKS as u32,
            "the checkers hardly ran alongside the forks"
        );
    });
}

// What the signal handler works on and counts (async-signal-safe atomics).
static EXE: AtomicI32 = AtomicI32::new(-1);
static PLAIN: AtomicI32 = AtomicI32::new(-1);
static INSIDE: AtomicBool = AtomicBool::new(false);
static HANDLED: AtomicU32 = AtomicU32::new(0);
static NESTED: AtomicU32 = AtomicU32::new(0);
static WRONG: AtomicU32 = AtomicU32::new(0);

extern "C" fn check_from_handler(_: c_int) {
    // SAFETY: this thread's errno slot (a handler must give errno back).
    let saved = unsafe { *libc::__errno_location() };
    if INSIDE.load(Ordering::Relaxed) {
        NESTED.fetch_add(1, Ordering::Relaxed);
    }
    // SAFETY: plain integers and a NULL name.
    let right = unsafe {
        exec_check_fd(EXE.load(Ordering::Relaxed), 0) == 0
            && exec_check_fd(PLAIN.load(Ordering::Relaxed), 0) == -libc::EACCES
            && exec_policy_allow_file(PLAIN.load(Ordering::Relaxed), std::ptr::null())
                == -libc::EACCES
    };
    if !right {
        WRONG.fetch_add(1, Ordering::Relaxed);
    }
    HANDLED.fetch_add(1, Ordering::Relaxed);
    // SAFETY: as above.
    unsafe { *libc::__errno_location() = saved };
}

/// Check in a loop while SIGALRM arrives every 500 us (a handler slower than the period would starve the loop), and its handler
/// checks too (no SA_RESTART: system calls see EINTR). Reports (checks in
/// the loop, wrong answers in the loop, handler runs, runs while the loop
/// was inside exec_check_fd, wrong answers in the handler).
fn check_under_signals(pair: &Pair, threads: usize) -> Vec<i32> {
    restrict_file();
    EXE.store(pair.exe.as_raw_fd(), Ordering::Relaxed);
    PLAIN.store(pair.plain.as_raw_fd(), Ordering::Relaxed);
    // SAFETY: plain signal-mask, sigaction and timer calls with valid
    // structures; the handler only uses atomics and the library.
    unsafe {
        let mut alarm: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut alarm);
        libc::sigaddset(&mut alarm, libc::SIGALRM);
        // The second thread must not take the signal: it starts blocked.
        libc::pthread_sigmask(libc::SIG_BLOCK, &alarm, std::ptr::null_mut());
        let _second = (threads == 2).then(second_thread);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &alarm, std::ptr::null_mut());
        assert_eq!(support::thread_count(), threads);

        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = check_from_handler as *const () as usize;
        libc::sigaction(libc::SIGALRM, &action, std::ptr::null_mut());
        let every = libc::timeval {
            tv_sec: 0,
            tv_usec: 500,
        };
        let timer = libc::itimerval {
            it_interval: every,
            it_value: every,
        };
        libc::setitimer(libc::ITIMER_REAL, &timer, std::ptr::null_mut());

        let (mut checks, mut wrong) = (0, 0);
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(500) {
            *libc::__errno_location() = 4242;
            INSIDE.store(true, Ordering::Relaxed);
            let exe = exec_check_fd(pair.exe.as_raw_fd(), 0);
            let plain = exec_check_fd(pair.plain.as_raw_fd(), 0);
            INSIDE.store(false, Ordering::Relaxed);
            if exe != 0 || plain != -libc::EACCES || *libc::__errno_location() != 4242 {
                wrong += 1;
            }
            checks += 1;
        }
        let off: libc::itimerval = std::mem::zeroed();
        libc::setitimer(libc::ITIMER_REAL, &off, std::ptr::null_mut());
        vec![
            checks,
            wrong,
            HANDLED.load(Ordering::Relaxed) as i32,
            NESTED.load(Ordering::Relaxed) as i32,
            WRONG.load(Ordering::Relaxed) as i32,
        ]
    }
}

#[test]
fn a_signal_handler_checks_while_the_thread_it_interrupted_checks() {
    if !support::require_root("tmpfs") {
        return;
    }
    let pair = Pair::new();
    for threads in [1, 2] {
        let pair = &pair;
        let ending =
            reliability::in_child_reporting(DEADLINE, move || check_under_signals(pair, threads));
        let Ending::Reported(n) = ending else {
            panic!("{threads} threads: {ending:?}")
        };
        eprintln!(
            "{threads} threads: {} checks ({} wrong); the handler ran {} times, \
             {} of them inside exec_check_fd ({} wrong)",
            n[0], n[1], n[2], n[3], n[4]
        );
        assert_eq!((n[1], n[4]), (0, 0), "wrong answers");
        assert!(n[3] >= 100, "the handler hardly interrupted a check");
    }
}
