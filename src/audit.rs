//! Audit (permissive) mode: report every failed check, enforced or not.
//!
//! Two listeners, both optional, and both can only add output:
//! - `EXECCHECK_LOG` (`stderr`, `syslog`, or both, comma-separated), read
//!   once with `secure_getenv` (so never in setuid/setgid programs): one line
//!   per failed check;
//! - a handler registered from C with `exec_log_set_handler()`.
//!
//! Cost: a successful check never comes here. A failed one costs two atomic
//! loads when nobody listens. When somebody does, it costs a few system calls
//! (`readlinkat`, `write` or `sendto`) and still no allocation and no lock:
//! the buffers are on the stack and the handler is published through an
//! atomic pointer to a static slot.
//!
//! The shared library's imports are audited (c-tests/check-hygiene): this
//! module adds only `secure_getenv`; the other system calls go through
//! `syscall`, and errno names come from a table here, not from libc.

use crate::ffi::{exec_log_event, ExecLogHandlerFn};
use crate::policy::{Policy, Source};
use crate::sys::Errno;
use libc::{c_char, c_int, c_uint, c_void};
use std::ffi::CStr;
use std::sync::atomic::{AtomicPtr, AtomicU8, AtomicUsize, Ordering};

/// Which library call saw the failure (`EXEC_LOG_CALL_*` in C).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Call {
    AllowFile = 1,
    AllowInteractive = 2,
    Open = 3,
}

/// One failed check, as the policy code saw it.
pub struct Failure {
    pub call: Call,
    /// The policy in force for the calling thread.
    pub policy: Policy,
    /// True when the caller is told to refuse; false in permissive mode.
    pub enforced: bool,
    pub errno: Errno,
    /// The descriptor that was checked, or -1 (inline code has no file).
    pub fd: c_int,
    pub source: Option<Source>,
    /// The caller's name for the file (NULL or a C string).
    pub name: *const c_char,
}

// ---------------------------------------------------------------------------
// Which sinks EXECCHECK_LOG asks for: read once, then cached.

const LOG_STDERR: u8 = 1 << 0;
const LOG_SYSLOG: u8 = 1 << 1;
/// Set once the environment has been read.
const LOG_READ: u8 = 1 << 7;
static LOG: AtomicU8 = AtomicU8::new(0);

extern "C" {
    // glibc and musl; the libc crate does not declare it for Linux.
    fn secure_getenv(name: *const c_char) -> *mut c_char;
}

/// The sinks `EXECCHECK_LOG` names: unset or empty means none; an unknown
/// word means stderr (whoever set the variable wants to see something).
fn parse_sinks(value: &[u8]) -> u8 {
    value
        .split(|&byte| byte == b',')
        .map(|word| match word {
            b"" => 0,
            b"syslog" => LOG_SYSLOG,
            _ => LOG_STDERR,
        })
        .fold(0, |sinks, sink| sinks | sink)
}

/// The cached sinks. The environment is read at the first failed check,
/// once; a racing first caller keeps whichever answer was stored first. (No
/// constructor reads it at load time: the library adds none, see
/// c-tests/check-hygiene.)
fn sinks() -> u8 {
    let cached = LOG.load(Ordering::Relaxed);
    if cached & LOG_READ != 0 {
        return cached & !LOG_READ;
    }
    // SAFETY: a valid C string; the answer is NULL or a C string in environ.
    let value = unsafe { secure_getenv(c"EXECCHECK_LOG".as_ptr()) };
    let fresh = if value.is_null() {
        0
    } else {
        // SAFETY: non-NULL and NUL-terminated.
        parse_sinks(unsafe { CStr::from_ptr(value) }.to_bytes())
    };
    match LOG.compare_exchange(0, fresh | LOG_READ, Ordering::Relaxed, Ordering::Relaxed) {
        Ok(_) => fresh,
        Err(first) => first & !LOG_READ,
    }
}

// ---------------------------------------------------------------------------
// The C handler: (handler, data) pairs live in static slots, each written
// once and never changed, so a thread still calling the previous handler
// never reads a torn or reused pair, and nothing is allocated.

/// How many distinct (handler, data) pairs a process may register.
pub const HANDLER_SLOTS: usize = 16;

const SLOT_FREE: u8 = 0;
const SLOT_WRITING: u8 = 1;
const SLOT_READY: u8 = 2;

struct Slot {
    state: AtomicU8,
    handler: AtomicUsize,
    data: AtomicPtr<c_void>,
}

#[allow(clippy::declare_interior_mutable_const)] // only the array's initialiser
const EMPTY_SLOT: Slot = Slot {
    state: AtomicU8::new(SLOT_FREE),
    handler: AtomicUsize::new(0),
    data: AtomicPtr::new(std::ptr::null_mut()),
};
static SLOTS: [Slot; HANDLER_SLOTS] = [EMPTY_SLOT; HANDLER_SLOTS];
/// The slot in force, or NULL.
static CURRENT: AtomicPtr<Slot> = AtomicPtr::new(std::ptr::null_mut());

/// Deliver future events to `handler` (None: to nobody). `ENOSPC` once
/// HANDLER_SLOTS distinct pairs have been registered.
pub fn set_handler(handler: Option<ExecLogHandlerFn>, data: *mut c_void) -> Result<(), Errno> {
    let slot = match handler {
        None => std::ptr::null(),
        Some(handler) => slot_for(handler as usize, data)?,
    };
    CURRENT.store(slot as *mut Slot, Ordering::Release);
    Ok(())
}

/// The ready slot holding this pair, or a free slot filled with it.
fn slot_for(handler: usize, data: *mut c_void) -> Result<&'static Slot, Errno> {
    let holds = |slot: &Slot| {
        slot.state.load(Ordering::Acquire) == SLOT_READY
            && slot.handler.load(Ordering::Relaxed) == handler
            && slot.data.load(Ordering::Relaxed) == data
    };
    if let Some(slot) = SLOTS.iter().find(|slot| holds(slot)) {
        return Ok(slot);
    }
    let claimed = SLOTS.iter().find(|slot| {
        let state = &slot.state;
        state
            .compare_exchange(
                SLOT_FREE,
                SLOT_WRITING,
                Ordering::Acquire,
                Ordering::Relaxed,
            )
            .is_ok()
    });
    let slot = claimed.ok_or(libc::ENOSPC)?;
    slot.handler.store(handler, Ordering::Relaxed);
    slot.data.store(data, Ordering::Relaxed);
    slot.state.store(SLOT_READY, Ordering::Release);
    Ok(slot)
}

// ---------------------------------------------------------------------------
// Reporting.

/// Does anybody listen? Lets the policy skip work done only for the record.
pub fn wanted() -> bool {
    sinks() != 0 || !CURRENT.load(Ordering::Acquire).is_null()
}

/// Report a failed check to whoever listens. Never changes the verdict.
pub fn failed(failure: &Failure) {
    let sinks = sinks();
    let slot = CURRENT.load(Ordering::Acquire);
    if sinks != 0 || !slot.is_null() {
        report(failure, sinks, slot);
    }
}

#[cold]
#[inline(never)]
fn report(failure: &Failure, sinks: u8, slot: *const Slot) {
    let mut scratch = PathBuf::new();
    if sinks != 0 {
        let mut line = Line::new();
        describe(&mut line, failure, &mut scratch);
        if sinks & LOG_STDERR != 0 {
            line.write_to_stderr();
        }
        if sinks & LOG_SYSLOG != 0 {
            line.send_to_syslog(failure.enforced);
        }
    }
    if !slot.is_null() {
        let file = if fd_path(failure.fd, &mut scratch).is_some() {
            scratch.c_str()
        } else {
            std::ptr::null()
        };
        let event = exec_log_event {
            size: std::mem::size_of::<exec_log_event>() as c_uint,
            call: failure.call as c_int,
            enforced: failure.enforced as c_int,
            error: failure.errno,
            policy: failure.policy.bits(),
            source: failure.source.map_or(0, |source| source as c_int),
            fd: failure.fd,
            pid: getpid(),
            file,
            name: failure.name,
        };
        // SAFETY: `slot` points into SLOTS, and a published slot never changes.
        let slot = unsafe { &*slot };
        // SAFETY: only set_handler() stores into `handler`, and only the
        // address of an `ExecLogHandlerFn`.
        let handler: ExecLogHandlerFn = unsafe {
            std::mem::transmute::<usize, ExecLogHandlerFn>(slot.handler.load(Ordering::Relaxed))
        };
        // SAFETY: the handler's contract is its registrant's; `event` and its
        // strings outlive the call.
        unsafe { handler(&event, slot.data.load(Ordering::Relaxed)) };
    }
}

/// The line's fields, short ones first: only the last two (paths) can be
/// long enough to be cut.
fn describe(line: &mut Line, failure: &Failure, scratch: &mut PathBuf) {
    line.push(b"verdict=");
    line.push(if failure.enforced {
        b"refused"
    } else {
        b"would-be-refused"
    });
    line.push(b" reason=");
    push_errno_name(line, failure.errno);
    line.push(b" policy=");
    push_policy(line, failure.policy);
    line.push(b" call=");
    line.push(match failure.call {
        Call::AllowFile => b"exec_policy_allow_file",
        Call::AllowInteractive => b"exec_policy_allow_interactive",
        Call::Open => b"exec_policy_open",
    });
    if let Some(source) = failure.source {
        line.push(b" source=");
        line.push(match source {
            Source::Argument => b"argument",
            Source::Environment => b"environment",
            Source::Stream => b"stream",
        });
    }
    line.push(b" pid=");
    line.push_decimal(getpid() as u64);
    let mut comm = [0u8; 17];
    // SAFETY: PR_GET_NAME writes at most 16 bytes, NUL-terminated.
    if unsafe { libc::prctl(libc::PR_GET_NAME, comm.as_mut_ptr(), 0, 0, 0) } == 0 {
        line.push(b" comm=");
        line.push_quoted(until_nul(&comm));
    }
    if let Some(exe) = readlink(c"/proc/self/exe".as_ptr(), scratch) {
        line.push(b" exe=");
        line.push_quoted(exe);
    }
    if let Some(file) = fd_path(failure.fd, scratch) {
        line.push(b" file=");
        line.push_quoted(file);
    } else if !failure.name.is_null() {
        line.push(b" name=");
        // SAFETY: the caller passed a C string.
        line.push_quoted(unsafe { CStr::from_ptr(failure.name) }.to_bytes());
    }
}

fn until_nul(bytes: &[u8]) -> &[u8] {
    bytes.split(|&byte| byte == 0).next().unwrap_or_default()
}

/// The policy as `none` or names joined by commas.
fn push_policy(line: &mut Line, policy: Policy) {
    let names: [(Policy, &[u8]); 4] = [
        (Policy::RESTRICT_FILE, b"restrict-file"),
        (Policy::RESTRICT_FILE_LOCKED, b"restrict-file-locked"),
        (Policy::DENY_INTERACTIVE, b"deny-interactive"),
        (Policy::DENY_INTERACTIVE_LOCKED, b"deny-interactive-locked"),
    ];
    if policy.is_empty() {
        line.push(b"none");
    }
    let mut first = true;
    for (bit, name) in names {
        if policy.contains(bit) {
            if !first {
                line.push(b",");
            }
            line.push(name);
            first = false;
        }
    }
}

/// `EACCES`, `ETXTBSY`, ...: the errors a check, an fstat or a seccomp
/// filter can give, by name; any other as `errno-N`.
fn push_errno_name(line: &mut Line, errno: Errno) {
    const NAMES: &[(Errno, &[u8])] = &[
        (libc::EPERM, b"EPERM"),
        (libc::ENOENT, b"ENOENT"),
        (libc::EINTR, b"EINTR"),
        (libc::EIO, b"EIO"),
        (libc::E2BIG, b"E2BIG"),
        (libc::ENOEXEC, b"ENOEXEC"),
        (libc::EBADF, b"EBADF"),
        (libc::ECHILD, b"ECHILD"),
        (libc::EAGAIN, b"EAGAIN"),
        (libc::ENOMEM, b"ENOMEM"),
        (libc::EACCES, b"EACCES"),
        (libc::EFAULT, b"EFAULT"),
        (libc::ENOTDIR, b"ENOTDIR"),
        (libc::EISDIR, b"EISDIR"),
        (libc::EINVAL, b"EINVAL"),
        (libc::ENFILE, b"ENFILE"),
        (libc::EMFILE, b"EMFILE"),
        (libc::ETXTBSY, b"ETXTBSY"),
        (libc::ENAMETOOLONG, b"ENAMETOOLONG"),
        (libc::ENOSYS, b"ENOSYS"),
        (libc::ELOOP, b"ELOOP"),
        (libc::ELIBBAD, b"ELIBBAD"),
        (libc::ENOTRECOVERABLE, b"ENOTRECOVERABLE"),
    ];
    match NAMES.iter().find(|(value, _)| *value == errno) {
        Some((_, name)) => line.push(name),
        None => {
            line.push(b"errno-");
            line.push_decimal(errno as u64);
        }
    }
}

// ---------------------------------------------------------------------------
// Paths, resolved into a stack buffer.

/// A path as the kernel gives it, NUL-terminated for C.
struct PathBuf {
    bytes: [u8; libc::PATH_MAX as usize + 1],
    len: usize,
}

impl PathBuf {
    fn new() -> PathBuf {
        PathBuf {
            bytes: [0; libc::PATH_MAX as usize + 1],
            len: 0,
        }
    }

    fn c_str(&self) -> *const c_char {
        self.bytes.as_ptr() as *const c_char
    }
}

/// `readlink(link)` into `buf`; None if it fails. A target that fills the
/// buffer may be cut short; the kernel limits paths to PATH_MAX anyway.
/// (`link` is a raw C string: CStr's checked constructors are not inlined
/// and could unwind, which would bring std's panic runtime into the library.)
fn readlink(link: *const c_char, buf: &mut PathBuf) -> Option<&[u8]> {
    let room = buf.bytes.len() - 1;
    // SAFETY: `link` is a C string; the buffer has `room` writable bytes.
    let len = unsafe {
        libc::syscall(
            libc::SYS_readlinkat,
            libc::AT_FDCWD,
            link,
            buf.bytes.as_mut_ptr(),
            room,
        )
    };
    if len < 0 {
        return None;
    }
    buf.len = len as usize;
    *buf.bytes.get_mut(buf.len)? = 0;
    buf.bytes.get(..buf.len)
}

/// What `/proc/self/fd/FD` points to: a path, `pipe:[...]`, `/memfd:...`.
fn fd_path(fd: c_int, buf: &mut PathBuf) -> Option<&[u8]> {
    if fd < 0 {
        return None;
    }
    let mut link = [0u8; 32]; // stays NUL-terminated: 14 + at most 10 digits
    let end = put(&mut link, 0, b"/proc/self/fd/");
    decimal(fd as u64, link.get_mut(end..)?);
    readlink(link.as_ptr() as *const c_char, buf)
}

/// Write `value` in decimal at the start of `out`; returns the digit count.
fn decimal(value: u64, out: &mut [u8]) -> usize {
    let mut digits = [0u8; 20];
    let mut rest = value;
    let mut count = 0;
    for slot in digits.iter_mut().rev() {
        *slot = b'0' + (rest % 10) as u8;
        rest /= 10;
        count += 1;
        if rest == 0 {
            break;
        }
    }
    let digits = digits.get(digits.len() - count..).unwrap_or_default();
    put(out, 0, digits)
}

/// Copy `bytes` into `buf` at `at`, as far as they fit; returns where the
/// copy ended. (No indexing: nothing in this module may panic, so the shipped
/// library carries no panic machinery.)
fn put(buf: &mut [u8], at: usize, bytes: &[u8]) -> usize {
    let room = buf.get_mut(at..).unwrap_or_default();
    let mut copied = 0;
    for (slot, byte) in room.iter_mut().zip(bytes) {
        *slot = *byte;
        copied += 1;
    }
    at + copied
}

// ---------------------------------------------------------------------------
// The line: built once on the stack, written with one system call.

/// PIPE_BUF: a `write` of at most this many bytes to a pipe is atomic, so
/// lines from concurrent threads and processes never interleave.
const LINE_MAX: usize = 4096;
/// Room kept in front of the fields for `<PRI>execcheck[PID]: `.
const HEADER_ROOM: usize = 48;
/// Marks a line cut short (a path near PATH_MAX, escaped).
const CUT: &[u8] = b"...";

struct Line {
    buf: [u8; LINE_MAX],
    /// End of the fields (they start at HEADER_ROOM).
    end: usize,
    cut: bool,
}

impl Line {
    fn new() -> Line {
        Line {
            buf: [0; LINE_MAX],
            end: HEADER_ROOM,
            cut: false,
        }
    }

    /// Appends `bytes` whole, or marks the line cut.
    fn push(&mut self, bytes: &[u8]) {
        // One byte stays free for the newline, and room for the cut mark.
        let limit = LINE_MAX - 1 - CUT.len();
        if self.cut || self.end + bytes.len() > limit {
            self.cut = true;
            return;
        }
        self.end = put(&mut self.buf, self.end, bytes);
    }

    fn push_decimal(&mut self, value: u64) {
        let mut digits = [0u8; 20];
        let count = decimal(value, &mut digits);
        self.push(&digits[..count]);
    }

    /// `"..."` with `"` and `\` escaped and every byte outside printable
    /// ASCII as `\xHH`: one line whatever a file name holds.
    fn push_quoted(&mut self, bytes: &[u8]) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        self.push(b"\"");
        for &byte in bytes {
            match byte {
                b'"' | b'\\' => self.push(&[b'\\', byte]),
                0x20..=0x7e => self.push(&[byte]),
                _ => self.push(&[
                    b'\\',
                    b'x',
                    HEX[usize::from(byte >> 4) & 0xf],
                    HEX[usize::from(byte & 0xf)],
                ]),
            }
        }
        self.push(b"\"");
    }

    /// The fields, with the cut mark if they did not fit.
    fn fields(&mut self) -> &[u8] {
        if self.cut {
            self.end = put(&mut self.buf, self.end, CUT);
            self.cut = false;
        }
        self.buf.get(HEADER_ROOM..self.end).unwrap_or_default()
    }

    /// `header` + the fields + `trailer`, in place; `header` must fit in
    /// HEADER_ROOM (it is dropped otherwise).
    fn message(&mut self, header: &[u8], trailer: &[u8]) -> &[u8] {
        self.fields();
        let start = HEADER_ROOM.checked_sub(header.len()).unwrap_or(HEADER_ROOM);
        put(
            &mut self.buf,
            start,
            header.get(..HEADER_ROOM - start).unwrap_or_default(),
        );
        let end = put(&mut self.buf, self.end, trailer);
        self.buf.get(start..end).unwrap_or_default()
    }

    /// `execcheck: FIELDS\n` on stderr, in one write.
    fn write_to_stderr(&mut self) {
        write_all(libc::STDERR_FILENO, self.message(b"execcheck: ", b"\n"));
    }

    /// `<PRI>execcheck[PID]: FIELDS` to /dev/log, facility user, severity
    /// warning when refused, notice when it only would have been.
    fn send_to_syslog(&mut self, enforced: bool) {
        let priority: &[u8] = if enforced { b"<12>" } else { b"<13>" };
        let mut header = [0u8; HEADER_ROOM];
        let mut end = put(&mut header, 0, priority);
        end = put(&mut header, end, b"execcheck[");
        end += decimal(getpid() as u64, header.get_mut(end..).unwrap_or_default());
        end = put(&mut header, end, b"]: ");
        let message = self.message(header.get(..end).unwrap_or_default(), b"");
        send_datagram(b"/dev/log", message);
    }
}

/// The process id (a raw system call: no new import).
fn getpid() -> libc::pid_t {
    // SAFETY: getpid cannot fail.
    unsafe { libc::syscall(libc::SYS_getpid) as libc::pid_t }
}

fn write_all(fd: c_int, mut bytes: &[u8]) {
    let mut interrupted = 0;
    while !bytes.is_empty() {
        // SAFETY: a valid buffer of that length.
        let written = unsafe { libc::syscall(libc::SYS_write, fd, bytes.as_ptr(), bytes.len()) };
        if written > 0 {
            bytes = bytes.get(written as usize..).unwrap_or_default();
        } else if written < 0
            && crate::sys::last_errno() == libc::EINTR
            && interrupted < crate::sys::MAX_EINTR_RETRIES
        {
            interrupted += 1; // bounded: a write that always fails with EINTR must not hang the host
        } else {
            return; // logging only adds output: a closed stderr is not an error
        }
    }
}

/// One datagram to a local socket, through a socket of its own: nothing stays
/// open (a program that closes every descriptor cannot be surprised), and
/// the program's own `openlog` settings are left alone.
fn send_datagram(path: &[u8], message: &[u8]) {
    // SAFETY: plain socket creation.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_socket,
            libc::AF_UNIX,
            libc::SOCK_DGRAM | libc::SOCK_CLOEXEC,
            0,
        )
    };
    if fd < 0 {
        return;
    }
    let fd = fd as c_int;
    // SAFETY: an all-zero sockaddr_un is valid.
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    for (slot, &byte) in addr.sun_path.iter_mut().zip(path) {
        *slot = byte as c_char;
    }
    // SAFETY: valid buffer and address of the given sizes.
    unsafe {
        libc::syscall(
            libc::SYS_sendto,
            fd,
            message.as_ptr(),
            message.len(),
            libc::MSG_NOSIGNAL,
            &addr as *const libc::sockaddr_un,
            std::mem::size_of::<libc::sockaddr_un>(),
        );
        libc::close(fd);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sinks_are_parsed_generously() {
        assert_eq!(parse_sinks(b""), 0);
        assert_eq!(parse_sinks(b"stderr"), LOG_STDERR);
        assert_eq!(parse_sinks(b"syslog"), LOG_SYSLOG);
        assert_eq!(parse_sinks(b"syslog,stderr"), LOG_SYSLOG | LOG_STDERR);
        assert_eq!(parse_sinks(b"journal"), LOG_STDERR);
    }

    #[test]
    fn quoting_keeps_one_line() {
        let mut line = Line::new();
        line.push_quoted(b"a b\n\"\\\xff\xc3\xa9");
        assert_eq!(line.fields(), b"\"a b\\x0a\\\"\\\\\\xff\\xc3\\xa9\"");
    }

    #[test]
    fn long_lines_are_cut_and_marked() {
        let mut line = Line::new();
        line.push(b"verdict=refused file=");
        line.push_quoted(&[b'a'; 5000]);
        assert!(line.fields().ends_with(b"aaa..."));
        let message = line.message(b"execcheck: ", b"\n");
        assert_eq!(message.len(), LINE_MAX - HEADER_ROOM + b"execcheck: ".len());
        assert!(message.starts_with(b"execcheck: verdict=refused file=\"aaa"));
        assert!(message.ends_with(b"aaa...\n"));
        let message = line.message(b"<12>execcheck[4194304]: ", b"");
        assert!(message.starts_with(b"<12>execcheck[4194304]: verdict=refused"));
    }

    #[test]
    fn decimals() {
        let mut out = [0u8; 24];
        assert_eq!(decimal(0, &mut out), 1);
        assert_eq!(&out[..1], b"0");
        assert_eq!(decimal(u64::MAX, &mut out), 20);
        assert_eq!(&out[..20], b"18446744073709551615");
        assert_eq!(decimal(12345, &mut out[..3]), 3, "cut to what fits");
        assert_eq!(&out[..3], b"123");
    }

    #[test]
    fn policy_names() {
        let mut line = Line::new();
        push_policy(&mut line, Policy::empty());
        line.push(b" ");
        push_policy(
            &mut line,
            Policy::RESTRICT_FILE | Policy::DENY_INTERACTIVE_LOCKED,
        );
        assert_eq!(line.fields(), b"none restrict-file,deny-interactive-locked");
    }

    static SEEN: AtomicUsize = AtomicUsize::new(0);

    unsafe extern "C" fn count(event: *const exec_log_event, data: *mut c_void) {
        // SAFETY: the library passes a valid event; `data` is what we gave.
        let (event, tag) = unsafe { (&*event, data as usize) };
        assert_eq!(event.size as usize, std::mem::size_of::<exec_log_event>());
        assert!(tag == 1 || tag == 2, "torn registration: data {tag}");
        SEEN.fetch_add(1, Ordering::Relaxed);
    }

    /// Handlers swapped while other threads report: every event reaches a
    /// whole registration, and re-registering a pair takes no new slot. (The
    /// only test of this binary that registers handlers: it counts slots.)
    #[test]
    fn handler_swaps_race_with_events() {
        let reporters = AtomicUsize::new(2);
        set_handler(Some(count), 1 as *mut c_void).unwrap();
        std::thread::scope(|scope| {
            for _ in 0..2 {
                scope.spawn(|| {
                    let failure = Failure {
                        call: Call::AllowFile,
                        policy: Policy::empty(),
                        enforced: false,
                        errno: libc::EACCES,
                        fd: -1,
                        source: None,
                        name: std::ptr::null(),
                    };
                    for _ in 0..20_000 {
                        report(&failure, 0, CURRENT.load(Ordering::Acquire));
                    }
                    reporters.fetch_sub(1, Ordering::Relaxed);
                });
            }
            // Swap for as long as the reporters run.
            let mut round = 0usize;
            while reporters.load(Ordering::Relaxed) > 0 {
                round += 1;
                set_handler(Some(count), (round % 2 + 1) as *mut c_void).unwrap();
            }
        });
        set_handler(None, std::ptr::null_mut()).unwrap();
        let used = SLOTS
            .iter()
            .filter(|slot| slot.state.load(Ordering::Acquire) == SLOT_READY);
        assert_eq!(used.count(), 2, "re-registering a pair takes no new slot");
        assert!(SEEN.load(Ordering::Relaxed) >= 40_000);
    }
}
