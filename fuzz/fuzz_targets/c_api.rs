// SPDX-License-Identifier: MIT OR Apache-2.0
//! Fuzz every C entry point of libexeccheck with real objects (see pool.rs),
//! odd flags, sources and paths, under every policy, from the calling thread
//! (the library's direct check) or from a second thread (its helper thread).
//!
//! The oracle: no crash; no fd leaked; errno kept; every answer equal to
//! what the raw system calls say, passed through the policy table; with an
//! audit handler set, exactly one well-formed event per failed file check.

#![no_main]

mod pool;

use execcheck_test_support::{reliability::fds, syscalls};

// Only the C symbols are called: link the library all the same.
use execcheck as _;
use libc::{c_char, c_int, c_uint};
use libfuzzer_sys::fuzz_target;
use pool::Pool;
use std::ffi::{CStr, CString};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

extern "C" {
    fn exec_check_fd(fd: c_int, flags: c_uint) -> c_int;
    fn exec_check_supported() -> c_int;
    fn exec_check_version() -> *const c_char;
    fn exec_policy_get() -> c_int;
    fn exec_policy_set(bits: c_uint) -> c_int;
    fn exec_policy_force(bits: c_uint) -> c_int;
    fn exec_policy_allow_file(fd: c_int, name: *const c_char) -> c_int;
    fn exec_policy_allow_interactive(source: c_int, fd: c_int) -> c_int;
    fn exec_policy_open(
        dirfd: c_int,
        path: *const c_char,
        flags: c_uint,
        refused: *mut c_int,
    ) -> c_int;
    fn exec_log_set_handler(
        handler: Option<unsafe extern "C" fn(*const Event, *mut libc::c_void)>,
        data: *mut libc::c_void,
    ) -> c_int;
}

/// The header's exec_log_event.
#[repr(C)]
struct Event {
    size: c_uint,
    call: c_int,
    enforced: c_int,
    error: c_int,
    policy: c_uint,
    source: c_int,
    fd: c_int,
    pid: c_int,
    file: *const c_char,
    name: *const c_char,
}

/// What the oracle compares: (call, enforced, error, fd) of each event.
type Seen = (c_int, c_int, c_int, c_int);
static EVENTS: Mutex<Vec<Seen>> = Mutex::new(Vec::new());
static HANDLER_SET: AtomicBool = AtomicBool::new(false);

/// Checks the event's form (reading every string: ASan sees a bad one) and
/// records it. Calls may come from the second thread.
unsafe extern "C" fn record(event: *const Event, data: *mut libc::c_void) {
    assert_eq!(data as usize, 42, "the handler's data pointer");
    // SAFETY: the library passes a valid event for the duration of the call.
    let e = unsafe { &*event };
    assert!(e.size as usize >= std::mem::size_of::<Event>());
    assert!((1..=3).contains(&e.call) && (0..=1).contains(&e.enforced));
    assert!(e.error > 0 && e.policy <= 15 && (0..=3).contains(&e.source));
    assert_eq!(e.pid, std::process::id() as c_int);
    for text in [e.file, e.name] {
        if !text.is_null() {
            // SAFETY: NULL or a C string valid during the call (the header).
            let _ = unsafe { CStr::from_ptr(text) }.to_bytes().len();
        }
    }
    EVENTS.lock().unwrap().push((e.call, e.enforced, e.error, e.fd));
}

/// The events recorded since the last call.
fn events() -> Vec<Seen> {
    std::mem::take(&mut *EVENTS.lock().unwrap())
}

const R: u32 = 1; // EXEC_POLICY_RESTRICT_FILE
const D: u32 = 4; // EXEC_POLICY_DENY_INTERACTIVE
const LOCKS: u32 = 2 | 8;
const ERRNO_SENTINEL: c_int = 4242;
const MAX_OPS: usize = 32;

static POOL: OnceLock<Pool> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let pool = POOL.get_or_init(|| {
        // libFuzzer's RSS thread would send every check down the clone
        // path: fuzz/run passes -rss_limit_mb=0.
        assert_eq!(threads(), 1, "run with -rss_limit_mb=0 (see fuzz/run)");
        Pool::new()
    });
    // Counted per input: libFuzzer's leak detection opens fds of its own.
    let fds_before = pool.counter.count();
    let mut input = Input(data);
    set_securebits([0, R, D, R | D][input.byte() as usize % 4]);
    for _ in 0..MAX_OPS {
        if input.0.is_empty() {
            break;
        }
        let op = input.byte();
        if op & 0x80 != 0 {
            // From a second thread: the library checks in a helper thread.
            std::thread::scope(|s| s.spawn(|| step(op, &mut input, pool)).join().unwrap());
        } else {
            step(op, &mut input, pool);
        }
    }
    assert_eq!(
        pool.counter.count(),
        fds_before,
        "an fd leaked: {}",
        open_fds()
    );
});

/// The fuzzer's bytes, read front to back; zeros once exhausted.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        let (&first, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        first
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
    }

    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.byte() as usize % from.len()]
    }

    /// A file name component: raw bytes, maybe not UTF-8, never "/" or NUL.
    fn raw_name(&mut self, len: usize) -> Vec<u8> {
        let mut name: Vec<u8> = (0..len)
            .map(|_| self.byte())
            .filter(|&b| b != b'/' && b != 0)
            .collect();
        if name == b"." || name == b".." {
            name.push(b'~'); // ".." would walk out of the sandbox
        }
        name
    }
}

/// One call and its oracle.
fn step(op: u8, input: &mut Input, pool: &Pool) {
    match op % 8 {
        0 => {
            let (fd, what) = input.pick(&pool.fds);
            let flags = flags(input);
            let got = keeping_errno(|| unsafe { exec_check_fd(fd, flags) });
            let want = if flags & !1 != 0 {
                -libc::EINVAL
            } else {
                raw_check(fd)
            };
            assert_eq!(got, want, "exec_check_fd({what}, {flags:#x})");
        }
        1 => {
            let (fd, what) = input.pick(&pool.fds);
            let name = name(input);
            let ptr = name.as_ref().map_or(std::ptr::null(), |n| n.as_ptr());
            events();
            let got = keeping_errno(|| unsafe { exec_policy_allow_file(fd, ptr) });
            let verdict = raw_check(fd);
            let enforced = policy() & R != 0;
            let want = if enforced { verdict } else { 0 };
            assert_eq!(
                got,
                want,
                "exec_policy_allow_file({what}) under {:#x}",
                policy()
            );
            let want_events = match HANDLER_SET.load(Ordering::Relaxed) && verdict != 0 {
                true => vec![(1, enforced as c_int, -verdict, fd)],
                false => vec![],
            };
            assert_eq!(events(), want_events, "audit of allow_file({what})");
        }
        2 => {
            let (fd, what) = input.pick(&pool.fds);
            let source = input.pick(&[1, 2, 3, 3, 3, 0, 4, -1, i32::MIN, i32::MAX]);
            let got = keeping_errno(|| unsafe { exec_policy_allow_interactive(source, fd) });
            assert_eq!(
                got,
                interactive_oracle(source, fd),
                "exec_policy_allow_interactive({source}, {what}) under {:#x}",
                policy()
            );
        }
        3 => open_step(input, pool),
        4 => assert_eq!(
            keeping_errno(|| unsafe { exec_policy_get() }),
            policy() as c_int
        ),
        5 => {
            // Locks would stick for the rest of the run: keep them out.
            let mut bits = input.u32();
            if bits <= 15 {
                bits &= !LOCKS;
            }
            let before = policy();
            let got = keeping_errno(|| unsafe { exec_policy_set(bits) });
            if bits > 15 {
                assert_eq!((got, policy()), (-libc::EINVAL, before), "set({bits:#x})");
            } else {
                assert_eq!((got, policy()), (0, bits), "set({bits:#x})");
            }
        }
        6 => {
            // Forcing is for good: only the calls that must change nothing.
            let bits = input.u32();
            if bits != 0 && (R | D) & bits == bits {
                return;
            }
            let before = policy();
            let got = keeping_errno(|| unsafe { exec_policy_force(bits) });
            let want = if bits == 0 { 0 } else { -libc::EINVAL };
            assert_eq!((got, policy()), (want, before), "force({bits:#x})");
        }
        7 if input.byte() % 2 == 0 => {
            let set = input.byte() % 2 == 0;
            let handler = set.then_some(record as unsafe extern "C" fn(_, _));
            let got = keeping_errno(|| unsafe { exec_log_set_handler(handler, 42 as *mut _) });
            assert_eq!(got, 0, "exec_log_set_handler");
            HANDLER_SET.store(set, Ordering::Relaxed);
        }
        _ => {
            assert_eq!(keeping_errno(|| unsafe { exec_check_supported() }), 1);
            // SAFETY: the library returns a static C string.
            let version = unsafe { CStr::from_ptr(exec_check_version()) };
            assert_eq!(version.to_bytes(), b"0.1.0");
        }
    }
}

fn flags(input: &mut Input) -> c_uint {
    match input.byte() % 8 {
        0..=2 => 0,
        3 => 1,
        4 => 2,
        5 => 0x10000,
        6 => u32::MAX,
        _ => input.u32(),
    }
}

/// allow_file's name: NULL, empty, raw bytes, or longer than the kernel
/// takes for one argument (MAX_ARG_STRLEN, 128 KiB).
fn name(input: &mut Input) -> Option<CString> {
    match input.byte() % 4 {
        0 => None,
        1 => Some(CString::default()),
        2 => {
            let len = input.byte() as usize;
            Some(CString::new(input.raw_name(len)).unwrap())
        }
        _ => Some(CString::new(vec![b'n'; 1024 * input.byte() as usize]).unwrap()),
    }
}

fn open_step(input: &mut Input, pool: &Pool) {
    let (dirfd, depth) = input.pick(&pool.dirs);
    let path = path(input, pool, depth);
    // Mostly 0; one in eight any value (only 0 is valid).
    let flags = if input.byte() < 32 { input.u32() } else { 0 };
    let ptr = path.as_ref().map_or(std::ptr::null(), |p| p.as_ptr());
    let mut refused = -1;
    let fd = keeping_errno(|| unsafe { exec_policy_open(dirfd, ptr, flags, &mut refused) });
    let what = format!(
        "exec_policy_open({dirfd}, {path:?}, {flags:#x}) under {:#x}",
        policy()
    );
    let Some(path) = path.filter(|_| flags == 0) else {
        let want = if flags != 0 {
            -libc::EINVAL
        } else {
            -libc::EFAULT
        };
        assert_eq!((fd, refused), (want, 0), "{what}");
        return;
    };
    // The same open, raw, and the check of what it opened.
    let how = libc::O_RDONLY | libc::O_CLOEXEC | libc::O_NOCTTY;
    // SAFETY: a valid C string.
    let raw = unsafe { libc::openat(dirfd, path.as_ptr(), how) };
    if raw < 0 {
        assert_eq!((fd, refused), (-errno(), 0), "{what}: an open failure");
        return;
    }
    let verdict = raw_check(raw);
    let raw_id = identity(raw);
    // SAFETY: our own fd.
    unsafe { libc::close(raw) };
    if policy() & R != 0 && verdict != 0 {
        assert_eq!((fd, refused), (verdict, 1), "{what}: a refusal");
        return;
    }
    assert!(fd >= 0 && refused == 0, "{what}: {fd}, want an fd");
    // SAFETY: fcntl on the fd the library gave us, then closing it.
    unsafe {
        assert_eq!(libc::fcntl(fd, libc::F_GETFD), libc::FD_CLOEXEC, "{what}");
        assert_eq!(
            libc::fcntl(fd, libc::F_GETFL) & libc::O_ACCMODE,
            libc::O_RDONLY
        );
        assert_eq!(identity(fd), raw_id, "{what}: another file");
        libc::close(fd);
    }
}

/// A path: NULL, empty, or components (names from the sandbox, raw bytes,
/// ".", "..", empty, too long), maybe absolute or longer than PATH_MAX.
/// ".." is only used where it stays inside the sandbox.
fn path(input: &mut Input, pool: &Pool, mut depth: u32) -> Option<CString> {
    let kind = input.byte() % 8;
    if kind == 0 {
        return None;
    }
    let mut path = Vec::new();
    if kind == 1 {
        return Some(CString::default());
    }
    if kind == 2 {
        // Absolute: the sandbox is the working directory.
        path.extend(
            std::env::current_dir()
                .unwrap()
                .as_os_str()
                .as_encoded_bytes(),
        );
        path.push(b'/');
        depth = 0;
    }
    if kind == 3 {
        path.extend(b"./".repeat(2100)); // past PATH_MAX
    }
    for i in 0..input.byte() % 6 {
        if i > 0 {
            path.push(b'/');
        }
        match input.byte() % 8 {
            0 if depth > 0 => {
                path.extend(b"..");
                depth -= 1;
            }
            0 | 1 => path.push(b'.'),
            2 => {} // "//"
            3 => {
                let len = input.byte() as usize % 40;
                path.extend(input.raw_name(len));
                depth += 1;
            }
            4 => {
                path.extend(vec![b'l'; 256]); // past NAME_MAX
                depth += 1;
            }
            _ => {
                path.extend(input.pick(&pool.names));
                depth += 1;
            }
        }
    }
    Some(CString::new(path).unwrap())
}

/// What allow_interactive must answer, from the table.
fn interactive_oracle(source: c_int, fd: c_int) -> c_int {
    if !(1..=3).contains(&source) {
        return -libc::EINVAL;
    }
    if policy() & D == 0 {
        return 0;
    }
    if source != 3 {
        return -libc::EACCES;
    }
    // SAFETY: an all-zero stat is valid; fstat fills it in.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(fd, &mut st) } != 0 {
        return -errno();
    }
    if st.st_mode & libc::S_IFMT != libc::S_IFREG {
        return -libc::EACCES;
    }
    raw_check(fd)
}

/// The kernel's verdict, straight from the system call, as the C API
/// reports it: 0 or -errno.
fn raw_check(fd: c_int) -> c_int {
    -syscalls::raw_check(fd)
}

/// (device, inode) of an fd.
fn identity(fd: c_int) -> (u64, u64) {
    // SAFETY: as in interactive_oracle.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::fstat(fd, &mut st) }, 0);
    (st.st_dev, st.st_ino)
}

/// The calling thread's exec securebits, as EXEC_POLICY_* bits.
fn policy() -> u32 {
    // SAFETY: PR_GET_SECUREBITS takes no pointers.
    let bits = unsafe { libc::prctl(libc::PR_GET_SECUREBITS, 0, 0, 0, 0) };
    assert!(bits >= 0);
    (bits as u32 >> 8) & 0xf
}

fn set_securebits(exec_bits: u32) {
    // SAFETY: PR_GET/SET_SECUREBITS with plain integers.
    unsafe {
        let old = libc::prctl(libc::PR_GET_SECUREBITS, 0, 0, 0, 0) as libc::c_ulong;
        let new = (old & !0xf00) | ((exec_bits as libc::c_ulong) << 8);
        if new != old {
            assert_eq!(libc::prctl(libc::PR_SET_SECUREBITS, new, 0, 0, 0), 0);
        }
    }
}

fn errno() -> c_int {
    std::io::Error::last_os_error().raw_os_error().unwrap()
}

/// Run a library call with errno set to a sentinel; it must stay.
fn keeping_errno(call: impl FnOnce() -> c_int) -> c_int {
    // SAFETY: this thread's errno slot.
    unsafe { *libc::__errno_location() = ERRNO_SENTINEL };
    let ret = call();
    assert_eq!(errno(), ERRNO_SENTINEL, "errno changed");
    ret
}

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

/// The open fds and what they are, for a leak report.
fn open_fds() -> String {
    let entries = std::fs::read_dir("/proc/self/fd").unwrap();
    let links = entries.map(|e| {
        let path = e.unwrap().path();
        format!("{} -> {:?}", path.display(), std::fs::read_link(&path).ok())
    });
    links.collect::<Vec<_>>().join("\n")
}
