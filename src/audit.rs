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
//! (`readlink`, `write` or `sendto`) and still no allocation and no lock: the
//! buffers are on the stack and the handler is published through an atomic
//! pointer.

use crate::ffi::{exec_log_event, ExecLogHandlerFn};
use crate::policy::{Policy, Source};
use crate::sys::Errno;
use libc::{c_char, c_int, c_uint, c_void};
use std::ffi::CStr;
use std::sync::atomic::{AtomicPtr, AtomicU8, Ordering};

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

/// The cached sinks. The first caller reads the environment; a racing first
/// caller keeps whichever answer was stored first.
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
        // SAFETY: non-NULL, NUL-terminated, read before anything can change it.
        parse_sinks(unsafe { CStr::from_ptr(value) }.to_bytes())
    };
    match LOG.compare_exchange(0, fresh | LOG_READ, Ordering::Relaxed, Ordering::Relaxed) {
        Ok(_) => fresh,
        Err(first) => first & !LOG_READ,
    }
}

/// Read `EXECCHECK_LOG` when the library is loaded, before the program can
/// change its environment or start threads; `sinks()` also reads it lazily
/// should this not run.
#[used]
#[link_section = ".init_array"]
static READ_LOG_SETTING_AT_LOAD: extern "C" fn() = read_log_setting_at_load;

extern "C" fn read_log_setting_at_load() {
    sinks();
}

// ---------------------------------------------------------------------------
// The C handler. Every registration ever made stays allocated and linked
// from `REGISTERED`, so a thread still calling the previous handler never
// reads freed memory, and registering the same pair again costs nothing.

struct Registration {
    handler: ExecLogHandlerFn,
    data: *mut c_void,
    next: *mut Registration,
}

/// Every registration, newest first (push-only).
static REGISTERED: AtomicPtr<Registration> = AtomicPtr::new(std::ptr::null_mut());
/// The registration in force, or NULL.
static CURRENT: AtomicPtr<Registration> = AtomicPtr::new(std::ptr::null_mut());

/// Deliver future events to `handler` (None: to nobody). `ENOMEM` if a new
/// registration cannot be allocated.
pub fn set_handler(handler: Option<ExecLogHandlerFn>, data: *mut c_void) -> Result<(), Errno> {
    let registration = match handler {
        None => std::ptr::null_mut(),
        Some(handler) => find_or_register(handler, data)?,
    };
    CURRENT.store(registration, Ordering::Release);
    Ok(())
}

fn find_or_register(
    handler: ExecLogHandlerFn,
    data: *mut c_void,
) -> Result<*mut Registration, Errno> {
    let mut node = REGISTERED.load(Ordering::Acquire);
    while !node.is_null() {
        // SAFETY: registrations are never freed nor changed once published.
        let known = unsafe { &*node };
        if known.handler as usize == handler as usize && known.data == data {
            return Ok(node);
        }
        node = known.next;
    }
    let layout = std::alloc::Layout::new::<Registration>();
    // SAFETY: a non-zero-sized layout. A NULL answer is reported, not aborted on.
    let node = unsafe { std::alloc::alloc(layout) } as *mut Registration;
    if node.is_null() {
        return Err(libc::ENOMEM);
    }
    let mut head = REGISTERED.load(Ordering::Relaxed);
    loop {
        // SAFETY: `node` is ours until the exchange below publishes it.
        unsafe {
            node.write(Registration {
                handler,
                data,
                next: head,
            })
        };
        match REGISTERED.compare_exchange_weak(head, node, Ordering::Release, Ordering::Relaxed) {
            Ok(_) => return Ok(node),
            Err(newer) => head = newer,
        }
    }
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
    let registration = CURRENT.load(Ordering::Acquire);
    if sinks != 0 || !registration.is_null() {
        report(failure, sinks, registration);
    }
}

#[cold]
#[inline(never)]
fn report(failure: &Failure, sinks: u8, registration: *const Registration) {
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
    if !registration.is_null() {
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
            // SAFETY: getpid cannot fail.
            pid: unsafe { libc::getpid() },
            file,
            name: failure.name,
        };
        // SAFETY: registrations are never freed; the handler's contract is
        // the caller's (see exec_log_set_handler).
        let registration = unsafe { &*registration };
        // SAFETY: as above; `event` and the strings outlive the call.
        unsafe { (registration.handler)(&event, registration.data) };
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
    // SAFETY: getpid cannot fail.
    line.push_decimal(unsafe { libc::getpid() } as u64);
    let mut comm = [0u8; 17];
    // SAFETY: PR_GET_NAME writes at most 16 bytes, NUL-terminated.
    if unsafe { libc::prctl(libc::PR_GET_NAME, comm.as_mut_ptr(), 0, 0, 0) } == 0 {
        line.push(b" comm=");
        line.push_quoted(until_nul(&comm));
    }
    if let Some(exe) = readlink(c"/proc/self/exe", scratch) {
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
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    &bytes[..end]
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

/// `EACCES`, `ETXTBSY`, ...: the symbolic name where libc knows it.
fn push_errno_name(line: &mut Line, errno: Errno) {
    #[cfg(target_env = "gnu")]
    {
        extern "C" {
            // glibc >= 2.32: a static string, or NULL for an unknown value.
            fn strerrorname_np(errnum: c_int) -> *const c_char;
        }
        // SAFETY: returns NULL or a static C string.
        let name = unsafe { strerrorname_np(errno) };
        if !name.is_null() {
            // SAFETY: non-NULL static C string.
            line.push(unsafe { CStr::from_ptr(name) }.to_bytes());
            return;
        }
    }
    line.push(b"errno-");
    line.push_decimal(errno as u64);
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
fn readlink<'a>(link: &CStr, buf: &'a mut PathBuf) -> Option<&'a [u8]> {
    let room = buf.bytes.len() - 1;
    // SAFETY: `link` is a C string; the buffer has `room` writable bytes.
    let len = unsafe { libc::readlink(link.as_ptr(), buf.bytes.as_mut_ptr() as *mut c_char, room) };
    if len < 0 {
        return None;
    }
    buf.len = len as usize;
    buf.bytes[buf.len] = 0;
    Some(&buf.bytes[..buf.len])
}

/// What `/proc/self/fd/FD` points to: a path, `pipe:[...]`, `/memfd:...`.
fn fd_path(fd: c_int, buf: &mut PathBuf) -> Option<&[u8]> {
    if fd < 0 {
        return None;
    }
    let mut link = [0u8; 32];
    let prefix = b"/proc/self/fd/";
    link[..prefix.len()].copy_from_slice(prefix);
    let digits = decimal(fd as u64, &mut link[prefix.len()..]);
    link[prefix.len() + digits] = 0;
    let link = CStr::from_bytes_until_nul(&link).ok()?;
    readlink(link, buf)
}

/// Write `value` in decimal at the start of `out`; returns the digit count.
fn decimal(mut value: u64, out: &mut [u8]) -> usize {
    let mut digits = [0u8; 20];
    let mut count = 0;
    loop {
        digits[count] = b'0' + (value % 10) as u8;
        count += 1;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    for (slot, digit) in out.iter_mut().zip(digits[..count].iter().rev()) {
        *slot = *digit;
    }
    count
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
        self.buf[self.end..self.end + bytes.len()].copy_from_slice(bytes);
        self.end += bytes.len();
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
                    HEX[usize::from(byte >> 4)],
                    HEX[usize::from(byte & 0xf)],
                ]),
            }
        }
        self.push(b"\"");
    }

    /// The fields, with the cut mark if they did not fit.
    fn fields(&mut self) -> (usize, usize) {
        if self.cut {
            self.buf[self.end..self.end + CUT.len()].copy_from_slice(CUT);
            self.end += CUT.len();
            self.cut = false;
        }
        (HEADER_ROOM, self.end)
    }

    /// Put `header` just before the fields; returns where the message starts.
    fn prepend(&mut self, header: &[u8]) -> usize {
        let (start, _) = self.fields();
        let start = start - header.len();
        self.buf[start..start + header.len()].copy_from_slice(header);
        start
    }

    /// `execcheck: FIELDS\n` on stderr, in one write.
    fn write_to_stderr(&mut self) {
        let start = self.prepend(b"execcheck: ");
        let end = self.end;
        self.buf[end] = b'\n';
        write_all(libc::STDERR_FILENO, &self.buf[start..=end]);
    }

    /// `<PRI>execcheck[PID]: FIELDS` to /dev/log, facility user, severity
    /// warning when refused, notice when it only would have been.
    fn send_to_syslog(&mut self, enforced: bool) {
        let priority: &[u8] = if enforced { b"<12>" } else { b"<13>" };
        let mut header = [0u8; HEADER_ROOM];
        let mut len = 0;
        for part in [priority, b"execcheck["] {
            header[len..len + part.len()].copy_from_slice(part);
            len += part.len();
        }
        // SAFETY: getpid cannot fail.
        len += decimal(unsafe { libc::getpid() } as u64, &mut header[len..]);
        header[len..len + 3].copy_from_slice(b"]: ");
        len += 3;
        let start = self.prepend(&header[..len]);
        send_datagram(c"/dev/log", &self.buf[start..self.end]);
    }
}

fn write_all(fd: c_int, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        // SAFETY: a valid buffer of that length.
        let written = unsafe { libc::write(fd, bytes.as_ptr() as *const c_void, bytes.len()) };
        if written > 0 {
            bytes = &bytes[written as usize..];
        } else if written < 0 && crate::sys::last_errno() == libc::EINTR {
            continue;
        } else {
            return; // logging only adds output: a closed stderr is not an error
        }
    }
}

/// One datagram to a local socket, through a socket of its own: nothing stays
/// open (a program that closes every descriptor cannot be surprised), and
/// the program's own `openlog` settings are left alone.
fn send_datagram(path: &CStr, message: &[u8]) {
    // SAFETY: plain socket creation.
    let fd = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return;
    }
    // SAFETY: an all-zero sockaddr_un is valid.
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    let path = path.to_bytes();
    for (slot, &byte) in addr.sun_path.iter_mut().zip(path) {
        *slot = byte as c_char;
    }
    // SAFETY: valid buffer and address of the given sizes.
    unsafe {
        libc::sendto(
            fd,
            message.as_ptr() as *const c_void,
            message.len(),
            libc::MSG_NOSIGNAL,
            &addr as *const libc::sockaddr_un as *const libc::sockaddr,
            std::mem::size_of::<libc::sockaddr_un>() as libc::socklen_t,
        );
        libc::close(fd);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

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
        let (start, end) = line.fields();
        assert_eq!(
            &line.buf[start..end],
            b"\"a b\\x0a\\\"\\\\\\xff\\xc3\\xa9\""
        );
    }

    #[test]
    fn long_lines_are_cut_and_marked() {
        let mut line = Line::new();
        line.push(b"verdict=refused file=");
        line.push_quoted(&[b'a'; 5000]);
        let (start, end) = line.fields();
        assert!(end < LINE_MAX);
        assert!(line.buf[start..end].ends_with(b"aaa..."));
        let start = line.prepend(b"<12>execcheck[4194304]: ");
        assert!(line.buf[start..].starts_with(b"<12>execcheck[4194304]: verdict=refused"));
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
        let (start, end) = line.fields();
        assert_eq!(
            &line.buf[start..end],
            b"none restrict-file,deny-interactive-locked"
        );
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
    /// whole registration, and re-registering a pair allocates nothing new.
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
        let mut registrations = 0;
        let mut node = REGISTERED.load(Ordering::Acquire);
        while !node.is_null() {
            registrations += 1;
            node = unsafe { (*node).next };
        }
        assert_eq!(registrations, 2);
        assert!(SEEN.load(Ordering::Relaxed) >= 40_000);
    }
}
