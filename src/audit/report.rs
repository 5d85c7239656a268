// SPDX-License-Identifier: MIT OR Apache-2.0
//! Reporting: a failed check described as a line for the sinks and as an
//! event for the C handler, and delivered to whoever listens.

use super::handlers;
use super::sinks::{sinks, LOG_STDERR, LOG_SYSLOG};
use super::text::{decimal, put, Line};
use super::transport;
use crate::c_types::exec_log_event;
use crate::sys::{self, Errno};
use crate::types::{Call, Policy, Source};
use libc::{c_char, c_int, c_uint};
use std::ffi::CStr;

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

/// Does anybody listen? Lets the policy skip work done only for the record.
pub fn wanted() -> bool {
    sinks() != 0 || handlers::current().is_some()
}

/// Report a failed check to whoever listens. Never changes the verdict.
pub fn failed(failure: &Failure) {
    let sinks = sinks();
    let handler = handlers::current();
    if sinks != 0 || handler.is_some() {
        report(failure, sinks, handler);
    }
}

#[cold]
#[inline(never)]
fn report(failure: &Failure, sinks: u8, handler: Option<handlers::Registered>) {
    let mut scratch = PathBuf::new();
    if sinks != 0 {
        let mut line = Line::new();
        describe(&mut line, failure, &mut scratch);
        if sinks & LOG_STDERR != 0 {
            transport::to_stderr(&mut line);
        }
        if sinks & LOG_SYSLOG != 0 {
            transport::to_syslog(&mut line, failure.enforced);
        }
    }
    if let Some(handler) = handler {
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
            pid: sys::getpid(),
            file,
            name: failure.name,
        };
        handler.call(&event);
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
    line.push_decimal(sys::getpid() as u64);
    let mut comm = [0u8; 17];
    if sys::thread_name(&mut comm).is_ok() {
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
/// (`link` is a raw C string, for the reason `sys::readlink` gives.)
fn readlink(link: *const c_char, buf: &mut PathBuf) -> Option<&[u8]> {
    let room = buf.bytes.len() - 1;
    // SAFETY: `link` is a C string (see above).
    buf.len = unsafe { sys::readlink(link, buf.bytes.get_mut(..room)?) }.ok()?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use libc::c_void;
    use std::sync::atomic::{AtomicUsize, Ordering};

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
        handlers::set_handler(Some(count), 1 as *mut c_void).unwrap();
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
                        report(&failure, 0, handlers::current());
                    }
                    reporters.fetch_sub(1, Ordering::Relaxed);
                });
            }
            // Swap for as long as the reporters run.
            let mut round = 0usize;
            while reporters.load(Ordering::Relaxed) > 0 {
                round += 1;
                handlers::set_handler(Some(count), (round % 2 + 1) as *mut c_void).unwrap();
            }
        });
        handlers::set_handler(None, std::ptr::null_mut()).unwrap();
        let used = handlers::SLOTS
            .iter()
            .filter(|slot| slot.state.load(Ordering::Acquire) == handlers::SLOT_READY);
        assert_eq!(used.count(), 2, "re-registering a pair takes no new slot");
        assert!(SEEN.load(Ordering::Relaxed) >= 40_000);
    }
}
