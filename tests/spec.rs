// SPDX-License-Identifier: MIT OR Apache-2.0
//! The interpreter's contract, specified once and run against every face of
//! the library: the Rust API, the C ABI as linked into a program (the
//! library's `exec_*` symbols in this test binary) and the C ABI of the
//! shared library (`libexeccheck.so`, loaded with dlopen). The static
//! archive is the same C ABI again; the C tests run against it (tier c).
//!
//! In the kernel selftests' fixture-variant style: one table of objects and
//! calls, the expected answer written out by hand for each of the four
//! policies, run as root and as an unprivileged user (the variants).

use execcheck_test_support as support;

use execcheck::{OpenError, Policy, Source};
use libc::{c_char, c_int, c_uint};
use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use support::c_api;
use support::{in_child, Tmpfs};

/// What one call answered.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Answer {
    /// Go ahead (0).
    Yes,
    /// `open` gave an fd.
    Fd,
    /// The policy said no, with this errno.
    No(c_int),
    /// `open` could not open the file (this errno): not a refusal.
    CannotOpen(c_int),
}
use Answer::*;

/// The things code can come from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Object {
    /// A script, mode 0755.
    Exe,
    /// A script, mode 0644.
    Plain,
    /// A script, mode 0755, on a `noexec` mount.
    Noexec,
    /// A script, mode 0000: readable by root only, executable by nobody.
    Unreadable,
    /// A directory.
    Directory,
    /// A path that does not exist (open only).
    Missing,
    /// A pipe (fd only).
    Pipe,
    /// No object: code from the command line.
    Inline,
}

/// The calls of the contract.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Call {
    /// `allow_file(fd)`.
    AllowFile,
    /// `open(path)`.
    Open,
    /// `allow_interactive(Stream, fd)`.
    Stream,
    /// `allow_interactive(Argument)`.
    Argument,
}

const ACCES: Answer = No(libc::EACCES);
/// Refused under RESTRICT_FILE only.
const FILE_RULE: [Answer; 4] = [Yes, ACCES, Yes, ACCES];
/// Refused under DENY_INTERACTIVE only.
const INLINE_RULE: [Answer; 4] = [Yes, Yes, ACCES, ACCES];
/// `open` of a file the check refuses.
const OPEN_RULE: [Answer; 4] = [Fd, ACCES, Fd, ACCES];

/// Columns: no bit, RESTRICT_FILE, DENY_INTERACTIVE, both; as root.
const SPEC: &[(Object, Call, [Answer; 4])] = &[
    (Object::Exe, Call::AllowFile, [Yes; 4]),
    (Object::Exe, Call::Open, [Fd; 4]),
    (Object::Exe, Call::Stream, [Yes; 4]),
    (Object::Plain, Call::AllowFile, FILE_RULE),
    (Object::Plain, Call::Open, OPEN_RULE),
    (Object::Plain, Call::Stream, INLINE_RULE),
    (Object::Noexec, Call::AllowFile, FILE_RULE),
    (Object::Noexec, Call::Open, OPEN_RULE),
    (Object::Noexec, Call::Stream, INLINE_RULE),
    (Object::Unreadable, Call::AllowFile, FILE_RULE),
    (Object::Unreadable, Call::Open, OPEN_RULE),
    (Object::Unreadable, Call::Stream, INLINE_RULE),
    (Object::Directory, Call::AllowFile, FILE_RULE),
    (Object::Directory, Call::Open, OPEN_RULE),
    (Object::Directory, Call::Stream, INLINE_RULE),
    (Object::Missing, Call::Open, [CannotOpen(libc::ENOENT); 4]),
    (Object::Pipe, Call::AllowFile, FILE_RULE),
    (Object::Pipe, Call::Stream, INLINE_RULE),
    (Object::Inline, Call::Argument, INLINE_RULE),
];

/// As nobody, the rows that differ: a mode-0000 file cannot be opened, and
/// that is not a refusal, whatever the policy.
const NOBODY: &[(Object, Call, [Answer; 4])] = &[(
    Object::Unreadable,
    Call::Open,
    [CannotOpen(libc::EACCES); 4],
)];

const POLICIES: [Policy; 4] = [
    Policy::empty(),
    Policy::RESTRICT_FILE,
    Policy::DENY_INTERACTIVE,
    Policy::RESTRICT_FILE.union(Policy::DENY_INTERACTIVE),
];

/// The objects on real mounts, and fds opened on them (as root).
struct Objects {
    exec: Tmpfs,
    noexec: Tmpfs,
}

impl Objects {
    fn new() -> Objects {
        let exec = Tmpfs::new(false);
        let noexec = Tmpfs::new(true);
        exec.file("exe", "print hi\n", 0o755);
        exec.file("plain", "print hi\n", 0o644);
        exec.file("unreadable", "print hi\n", 0o000);
        noexec.file("exe", "print hi\n", 0o755);
        Objects { exec, noexec }
    }

    fn path(&self, object: Object) -> Option<PathBuf> {
        match object {
            Object::Exe => Some(self.exec.path.join("exe")),
            Object::Plain => Some(self.exec.path.join("plain")),
            Object::Noexec => Some(self.noexec.path.join("exe")),
            Object::Unreadable => Some(self.exec.path.join("unreadable")),
            Object::Directory => Some(self.exec.path.clone()),
            Object::Missing => Some(self.exec.path.join("missing")),
            Object::Pipe | Object::Inline => None,
        }
    }

    /// An fd on the object, opened now (call before dropping privileges).
    fn fd(&self, object: Object) -> Option<OwnedFd> {
        if object == Object::Pipe {
            let mut fds = [0; 2];
            // SAFETY: a valid array of two ints.
            assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
            // SAFETY: fresh fds that are ours; the write end closes at once.
            return Some(unsafe {
                libc::close(fds[1]);
                std::os::fd::FromRawFd::from_raw_fd(fds[0])
            });
        }
        let path = self.path(object).filter(|_| object != Object::Missing)?;
        Some(support::open(&path))
    }
}

/// One face of the library: how it answers each call.
trait Face {
    fn name(&self) -> &'static str;
    fn allow_file(&self, fd: c_int) -> Answer;
    fn open(&self, path: &CString) -> Answer;
    fn allow_interactive(&self, source: Source, fd: c_int) -> Answer;
}

/// The Rust API.
struct Rust;

impl Face for Rust {
    fn name(&self) -> &'static str {
        "Rust"
    }

    fn allow_file(&self, fd: c_int) -> Answer {
        // SAFETY: the fd stays open for the call (the caller owns it).
        let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
        from_io(execcheck::allow_file(fd, None))
    }

    fn open(&self, path: &CString) -> Answer {
        match execcheck::open(path) {
            Ok(_) => Fd,
            Err(OpenError::Open(e)) => CannotOpen(e.raw_os_error().unwrap()),
            Err(OpenError::Refused(e)) => No(e.raw_os_error().unwrap()),
        }
    }

    fn allow_interactive(&self, source: Source, fd: c_int) -> Answer {
        // SAFETY: as in allow_file.
        let fd = (fd >= 0).then(|| unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) });
        from_io(execcheck::allow_interactive(source, fd))
    }
}

fn from_io(result: std::io::Result<()>) -> Answer {
    match result {
        Ok(()) => Yes,
        Err(e) => No(e.raw_os_error().unwrap()),
    }
}

type AllowFileFn = unsafe extern "C" fn(c_int, *const c_char) -> c_int;
type OpenFn = unsafe extern "C" fn(c_int, *const c_char, c_uint, *mut c_int) -> c_int;
type AllowInteractiveFn = unsafe extern "C" fn(c_int, c_int) -> c_int;

/// The C ABI: the three `exec_*` functions of the contract.
struct C {
    name: &'static str,
    allow_file: AllowFileFn,
    open: OpenFn,
    allow_interactive: AllowInteractiveFn,
}

impl C {
    /// The functions linked into this binary.
    fn linked() -> C {
        C {
            name: "C, linked",
            allow_file: c_api::exec_policy_allow_file,
            open: c_api::exec_policy_open,
            allow_interactive: c_api::exec_policy_allow_interactive,
        }
    }

    /// The shared library's, through dlopen (kept loaded for the process).
    fn shared() -> C {
        let path = CString::new(support::inc::shared_library().as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid C string; the library has no constructors of its own.
        let handle = unsafe { libc::dlopen(path.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        assert!(!handle.is_null(), "dlopen {path:?}");
        let symbol = |name: &std::ffi::CStr| {
            // SAFETY: a valid handle and C string.
            let address = unsafe { libc::dlsym(handle, name.as_ptr()) };
            assert!(!address.is_null(), "dlsym {name:?}");
            address
        };
        // SAFETY: each symbol is the function of that name in
        // include/execcheck.h, with the signature declared here.
        unsafe {
            C {
                name: "C, libexeccheck.so",
                allow_file: std::mem::transmute::<*mut libc::c_void, AllowFileFn>(symbol(
                    c"exec_policy_allow_file",
                )),
                open: std::mem::transmute::<*mut libc::c_void, OpenFn>(symbol(c"exec_policy_open")),
                allow_interactive: std::mem::transmute::<*mut libc::c_void, AllowInteractiveFn>(
                    symbol(c"exec_policy_allow_interactive"),
                ),
            }
        }
    }
}

fn from_c(ret: c_int) -> Answer {
    if ret == 0 {
        Yes
    } else {
        No(-ret)
    }
}

impl Face for C {
    fn name(&self) -> &'static str {
        self.name
    }

    fn allow_file(&self, fd: c_int) -> Answer {
        // SAFETY: plain integers and a NULL name.
        from_c(unsafe { (self.allow_file)(fd, std::ptr::null()) })
    }

    fn open(&self, path: &CString) -> Answer {
        let mut refused = -1;
        // SAFETY: a valid C string and a valid out-pointer.
        let fd = unsafe { (self.open)(libc::AT_FDCWD, path.as_ptr(), 0, &mut refused) };
        match (fd, refused) {
            (0.., 0) => {
                // SAFETY: the fd is ours to close.
                unsafe { libc::close(fd) };
                Fd
            }
            (..0, 1) => No(-fd),
            (..0, 0) => CannotOpen(-fd),
            _ => panic!("{}: open gave {fd} with refused = {refused}", self.name),
        }
    }

    fn allow_interactive(&self, source: Source, fd: c_int) -> Answer {
        // SAFETY: plain integers.
        from_c(unsafe { (self.allow_interactive)(source as c_int, fd) })
    }
}

/// What `face` answers for `call` on `object` (fd opened as root).
fn ask(face: &dyn Face, objects: &Objects, object: Object, call: Call, fd: c_int) -> Answer {
    match call {
        Call::AllowFile => face.allow_file(fd),
        Call::Open => {
            let path = objects.path(object).expect("open needs a path");
            face.open(&CString::new(path.as_os_str().as_bytes()).unwrap())
        }
        Call::Stream => face.allow_interactive(Source::Stream, fd),
        Call::Argument => face.allow_interactive(Source::Argument, -1),
    }
}

/// Run the whole table for one variant; every mismatch is listed.
fn run_variant(objects: &Objects, nobody: bool) {
    let faces: [&dyn Face; 3] = [&Rust, &C::linked(), &C::shared()];
    for (column, policy) in POLICIES.into_iter().enumerate() {
        in_child(|| {
            let fds: Vec<_> = SPEC.iter().map(|row| objects.fd(row.0)).collect();
            policy.install().unwrap();
            if nobody {
                // SAFETY: dropping to nobody in this child.
                assert_eq!(unsafe { libc::setresuid(65534, 65534, 65534) }, 0);
            }
            let mut wrong = Vec::new();
            for ((object, call, wants), fd) in SPEC.iter().zip(&fds) {
                let want = NOBODY
                    .iter()
                    .find(|row| nobody && row.0 == *object && row.1 == *call)
                    .map_or(wants[column], |row| row.2[column]);
                let fd = fd.as_ref().map_or(-1, |fd| fd.as_fd().as_raw_fd());
                for face in faces {
                    let got = ask(face, objects, *object, *call, fd);
                    if got != want {
                        wrong.push(format!(
                            "{}: {call:?}({object:?}) under {policy:?}{}: want {want:?}, got {got:?}",
                            face.name(),
                            if nobody { " as nobody" } else { "" }
                        ));
                    }
                }
            }
            assert!(
                wrong.is_empty(),
                "{} answers wrong:\n{}",
                wrong.len(),
                wrong.join("\n")
            );
        });
    }
}

#[test]
fn every_face_answers_the_spec_as_root_and_as_nobody() {
    if !support::require_root("tmpfs mounts and an unprivileged child") {
        return;
    }
    assert!(
        execcheck::is_supported(),
        "the host kernel must have AT_EXECVE_CHECK"
    );
    let objects = Objects::new();
    run_variant(&objects, false);
    run_variant(&objects, true);
}
