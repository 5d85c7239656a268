// SPDX-License-Identifier: MIT OR Apache-2.0
//! Faults from the kernel, injected for real: a seccomp filter in a forked
//! child makes one system call fail (execveat, prctl(PR_GET_SECUREBITS),
//! clone, rt_sigprocmask, openat, stat) with a chosen errno, or kills the
//! thread making the check, and every C entry point is called under every
//! policy, in the single-threaded (direct) and the multithreaded (helper
//! thread) paths, with the kernel-support probe
//! either already cached or still to run, and with audit logging off or on
//! (EXECCHECK_LOG=stderr,syslog and a handler).
//!
//! The rule: under an enforced policy every fault is a refusal carrying the
//! fault's errno; without one the allow functions still say yes; if the
//! policy itself cannot be read they refuse everything but a file that
//! passed the check (allowed under every policy). Never a crash, a hang, a leaked
//! fd, a changed errno or signal mask. The rows without a fault are the
//! control: the same calls give the real verdicts there.

use execcheck_test_support as support;
use support::reliability;

use libc::{c_int, c_long, c_void};
use reliability::fds::FdCounter;
use reliability::seccomp::{self, Action, Arg};
use reliability::{in_child_reporting, Ending};
use std::ffi::CString;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use support::c_api::*;

const R: u32 = EXEC_POLICY_RESTRICT_FILE;
const D: u32 = EXEC_POLICY_DENY_INTERACTIVE;
const ALL_LOCKED: u32 = 0xf;
const AT_EXECVE_CHECK: u32 = 0x10000;
/// Set before every call: the library must leave errno as it found it.
const ERRNO_SENTINEL: c_int = 4242;

/// One system call made to fail.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Fault {
    None,
    /// Every execveat answers this errno.
    Execveat(i32),
    /// Only execveat with AT_EXECVE_CHECK: exactly what a kernel older than
    /// 6.14 looks like, when the errno is EINVAL.
    CheckFlag(i32),
    /// prctl(PR_GET_SECUREBITS): the policy cannot be read.
    GetSecurebits(i32),
    /// clone and clone3: the check child cannot be started.
    Clone(i32),
    /// rt_sigprocmask: the helper thread could not start with every signal
    /// blocked.
    SignalMask(i32),
    /// execveat kills the thread making it (SIGSYS).
    KillCheck,
    /// open, openat, openat2.
    Open(i32),
    /// fstat, stat, newfstatat, statx.
    Stat(i32),
    /// unshare (as container runtimes deny it), and clone with EAGAIN: a
    /// lone thread must still find the direct path (through the thread
    /// count in /proc), and only a threaded caller meets the clone fault.
    UnshareAndClone(i32),
    /// write to fd 2 (the audit log's stderr sink).
    WriteStderr(i32),
    /// socket and sendto (the audit log's syslog sink).
    Syslog(i32),
    /// readlinkat (the audit log's file names).
    Readlink(i32),
}

impl Fault {
    fn install(self) {
        let (calls, arg, action): (&[c_long], _, _) = match self {
            Fault::None => return,
            Fault::Execveat(e) => (&[libc::SYS_execveat], None, Action::Errno(e)),
            Fault::CheckFlag(e) => (
                &[libc::SYS_execveat],
                Some(Arg::AnyBit(4, AT_EXECVE_CHECK)),
                Action::Errno(e),
            ),
            Fault::GetSecurebits(e) => (
                &[libc::SYS_prctl],
                Some(Arg::Equals(0, libc::PR_GET_SECUREBITS as u32)),
                Action::Errno(e),
            ),
            Fault::Clone(e) => (&[libc::SYS_clone, libc::SYS_clone3], None, Action::Errno(e)),
            Fault::SignalMask(e) => (&[libc::SYS_rt_sigprocmask], None, Action::Errno(e)),
            Fault::KillCheck => (&[libc::SYS_execveat], None, Action::KillThread),
            Fault::Open(e) => (
                &[libc::SYS_open, libc::SYS_openat, libc::SYS_openat2],
                None,
                Action::Errno(e),
            ),
            Fault::Stat(e) => (
                &[
                    libc::SYS_fstat,
                    libc::SYS_stat,
                    libc::SYS_newfstatat,
                    libc::SYS_statx,
                ],
                None,
                Action::Errno(e),
            ),
            Fault::UnshareAndClone(e) => {
                seccomp::install(&[libc::SYS_unshare], None, Action::Errno(e));
                Fault::Clone(libc::EAGAIN).install();
                return;
            }
            Fault::WriteStderr(e) => (
                &[libc::SYS_write],
                Some(Arg::Equals(0, 2)),
                Action::Errno(e),
            ),
            Fault::Syslog(e) => (
                &[libc::SYS_socket, libc::SYS_sendto],
                None,
                Action::Errno(e),
            ),
            Fault::Readlink(e) => (
                &[libc::SYS_readlink, libc::SYS_readlinkat],
                None,
                Action::Errno(e),
            ),
        };
        seccomp::install(calls, arg, action);
    }
}

const FAULTS: &[Fault] = &[
    Fault::None,
    Fault::Execveat(libc::EPERM),
    Fault::Execveat(libc::ENOSYS),
    Fault::Execveat(libc::EINTR),
    Fault::Execveat(libc::ENOMEM),
    Fault::Execveat(libc::EAGAIN),
    Fault::Execveat(libc::EINVAL),
    Fault::CheckFlag(libc::EINVAL),
    Fault::CheckFlag(libc::EPERM),
    Fault::GetSecurebits(libc::EPERM),
    Fault::GetSecurebits(libc::EINVAL),
    Fault::Clone(libc::EAGAIN),
    Fault::Clone(libc::ENOMEM),
    Fault::Clone(libc::EPERM),
    Fault::SignalMask(libc::EPERM),
    Fault::SignalMask(libc::EINVAL),
    Fault::KillCheck,
    Fault::Open(libc::EINTR),
    Fault::Open(libc::EACCES),
    Fault::Open(libc::EMFILE),
    Fault::Stat(libc::EIO),
    Fault::Stat(libc::EINTR),
    Fault::UnshareAndClone(libc::EPERM),
    Fault::UnshareAndClone(libc::ENOSYS),
    Fault::WriteStderr(libc::EINTR),
    Fault::WriteStderr(libc::EPIPE),
    Fault::Syslog(libc::EMFILE),
    Fault::Syslog(libc::EAGAIN),
    Fault::Readlink(libc::EACCES),
];

/// Where the policy comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Enforce {
    Nothing,
    /// The thread's securebits (set with a raw prctl: the library's own
    /// setter would run the support probe too early).
    Securebits(u32),
    /// exec_policy_force().
    Forced(u32),
}

const POLICIES: &[Enforce] = &[
    Enforce::Nothing,
    Enforce::Securebits(R),
    Enforce::Securebits(D),
    Enforce::Securebits(ALL_LOCKED),
    Enforce::Forced(R | D),
];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Threads {
    /// One thread: the library checks directly.
    One,
    /// A second thread is alive: the library checks in a helper thread.
    Two,
}

/// Has the library already probed the kernel when the fault starts?
#[derive(Clone, Copy, Debug, PartialEq)]
enum Probe {
    Cached,
    Fresh,
}

#[derive(Clone, Copy, Debug)]
struct Case {
    fault: Fault,
    enforce: Enforce,
    threads: Threads,
    probe: Probe,
    /// EXECCHECK_LOG=stderr,syslog and a handler from exec_log_set_handler.
    audit: bool,
}

/// The objects every case works on, made before the children fork.
struct Objects {
    _mount: support::Tmpfs,
    exe: OwnedFd,
    plain: OwnedFd,
    exe_path: CString,
    plain_path: CString,
    pipe: std::fs::File,
    _pipe_writer: std::fs::File,
}

impl Objects {
    fn new() -> Objects {
        let mount = support::Tmpfs::new(false);
        let exe = mount.file("exe", "#!/bin/sh\n", 0o755);
        let plain = mount.file("plain", "#!/bin/sh\n", 0o644);
        let (pipe, writer) = reliability::pipe();
        Objects {
            exe: support::open(&exe),
            plain: support::open(&plain),
            exe_path: CString::new(exe.as_os_str().as_bytes()).unwrap(),
            plain_path: CString::new(plain.as_os_str().as_bytes()).unwrap(),
            pipe,
            _pipe_writer: writer,
            _mount: mount,
        }
    }
}

/// What each case reports, in order.
const CALLS: &[&str] = &[
    "exec_check_fd(exe, 0)",
    "exec_check_fd(exe, EMULATE)",
    "exec_check_fd(plain, 0)",
    "exec_policy_allow_file(exe)",
    "exec_policy_allow_file(plain)",
    "exec_policy_allow_interactive(ARGUMENT)",
    "exec_policy_allow_interactive(STREAM, exe)",
    "exec_policy_allow_interactive(STREAM, pipe)",
    "exec_policy_open(exe) (fd as 0)",
    "exec_policy_open(plain) (fd as 0)",
    "exec_policy_get()",
    "exec_check_supported()",
    "fds leaked",
    "errno kept (1)",
    "signal mask kept (1)",
    "audit events seen (1)",
];

/// Runs in the forked child: set up the case, install the fault, call.
fn run_case(case: Case, objects: &Objects) -> Vec<i32> {
    let no_core = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: a plain rlimit: no core files from the cases that kill.
    unsafe { libc::setrlimit(libc::RLIMIT_CORE, &no_core) };
    let _second = (case.threads == Threads::Two).then(reliability::second_thread);
    match case.enforce {
        Enforce::Nothing => {}
        Enforce::Securebits(bits) => {
            // SAFETY: PR_SET_SECUREBITS with the exec bits only.
            let ret = unsafe { libc::prctl(libc::PR_SET_SECUREBITS, (bits << 8) as c_long) };
            assert_eq!(ret, 0, "PR_SET_SECUREBITS");
        }
        Enforce::Forced(bits) => {
            // SAFETY: a plain integer.
            let ret = unsafe { exec_policy_force(bits) };
            assert_eq!(ret, 0);
        }
    }
    if case.probe == Probe::Cached {
        // SAFETY: no arguments.
        let supported = unsafe { exec_check_supported() };
        assert_eq!(supported, 1);
    }
    if case.audit {
        std::env::set_var("EXECCHECK_LOG", "stderr,syslog");
        // SAFETY: a function of the right type; no data.
        let set = unsafe { exec_log_set_handler(Some(count_event), std::ptr::null_mut()) };
        assert_eq!(set, 0);
        // The log lines would only clutter the test's output.
        let null = std::fs::File::open("/dev/null").unwrap();
        // SAFETY: replacing fd 2 with /dev/null in this child.
        let dup = unsafe { libc::dup2(null.as_raw_fd(), 2) };
        assert_eq!(dup, 2);
    }
    let counter = FdCounter::new();
    let fds_before = counter.count();
    let mask_before = reliability::signal_mask();
    case.fault.install();

    let mut errno_kept = 1;
    let mut call = |f: &dyn Fn() -> c_int| {
        support_errno::set(ERRNO_SENTINEL);
        let ret = f();
        if support_errno::get() != ERRNO_SENTINEL {
            errno_kept = 0;
        }
        ret
    };
    let (exe, plain, pipe) = (
        objects.exe.as_raw_fd(),
        objects.plain.as_raw_fd(),
        objects.pipe.as_raw_fd(),
    );
    let open = |path: &CString| {
        let mut refused = 0;
        // SAFETY: a valid C string and a valid out-pointer.
        let fd = unsafe { exec_policy_open(libc::AT_FDCWD, path.as_ptr(), 0, &mut refused) };
        if fd >= 0 {
            // SAFETY: the fd returned is ours to close.
            unsafe { libc::close(fd) };
            0
        } else {
            fd
        }
    };
    let mut results = vec![
        // SAFETY: plain integers and valid C strings.
        call(&|| unsafe { exec_check_fd(exe, 0) }),
        // SAFETY: plain integers and valid C strings.
        call(&|| unsafe { exec_check_fd(exe, EXEC_CHECK_EMULATE) }),
        // SAFETY: plain integers and valid C strings.
        call(&|| unsafe { exec_check_fd(plain, 0) }),
        // SAFETY: plain integers and valid C strings.
        call(&|| unsafe { exec_policy_allow_file(exe, c"exe".as_ptr()) }),
        // SAFETY: plain integers and valid C strings.
        call(&|| unsafe { exec_policy_allow_file(plain, std::ptr::null()) }),
        // SAFETY: plain integers and valid C strings.
        call(&|| unsafe { exec_policy_allow_interactive(EXEC_SOURCE_ARGUMENT, -1) }),
        // SAFETY: plain integers and valid C strings.
        call(&|| unsafe { exec_policy_allow_interactive(EXEC_SOURCE_STREAM, exe) }),
        // SAFETY: plain integers and valid C strings.
        call(&|| unsafe { exec_policy_allow_interactive(EXEC_SOURCE_STREAM, pipe) }),
        call(&|| open(&objects.exe_path)),
        call(&|| open(&objects.plain_path)),
        // SAFETY: plain integers and valid C strings.
        call(&|| unsafe { exec_policy_get() }),
        // SAFETY: plain integers and valid C strings.
        call(&|| unsafe { exec_check_supported() }),
    ];
    results.push(counter.count() as i32 - fds_before as i32);
    results.push(errno_kept);
    results.push((reliability::signal_mask() == mask_before) as i32);
    results.push((EVENTS.load(Ordering::Relaxed) > 0) as i32);
    results
}

static EVENTS: AtomicU32 = AtomicU32::new(0);

unsafe extern "C" fn count_event(_: *const c_void, _: *mut c_void) {
    EVENTS.fetch_add(1, Ordering::Relaxed);
}

mod support_errno {
    pub fn set(value: i32) {
        // SAFETY: this thread's errno slot.
        unsafe { *libc::__errno_location() = value };
    }
    pub fn get() -> i32 {
        // SAFETY: this thread's errno slot.
        unsafe { *libc::__errno_location() }
    }
}

/// What the library must answer: the contract, written independently of
/// the library's code.
fn expected(case: Case) -> Vec<i32> {
    let threaded = case.threads == Threads::Two;
    // The check's verdict on a file whose real verdict is `real`.
    let verdict = |real: i32| match case.fault {
        Fault::Execveat(e) | Fault::CheckFlag(e) => -e,
        Fault::KillCheck => -libc::ECHILD, // the helper thread died: no verdict
        Fault::Clone(e) | Fault::SignalMask(e) if threaded => -e,
        Fault::UnshareAndClone(_) if threaded => -libc::EAGAIN,
        _ => real,
    };
    let policy: Result<u32, i32> = match (case.fault, case.enforce) {
        (Fault::GetSecurebits(e), _) => Err(-e),
        (_, Enforce::Nothing) => Ok(0),
        (_, Enforce::Securebits(bits) | Enforce::Forced(bits)) => Ok(bits),
    };
    // A passing check allows under every policy: the policy is read (and
    // its fault met) only after a failed one.
    let allow_file = |real: i32| match policy {
        _ if verdict(real) == 0 => 0,
        Err(e) => e,
        Ok(p) if p & R != 0 => verdict(real),
        Ok(_) => 0,
    };
    let stream = |real_if_regular: Option<i32>| match (policy, case.fault) {
        (Err(e), _) => e,
        (Ok(p), _) if p & D == 0 => 0,
        (Ok(_), Fault::Stat(e)) => -e,
        (Ok(_), _) => real_if_regular.map_or(-libc::EACCES, verdict),
    };
    let open = |real: i32| match case.fault {
        Fault::Open(e) => -e,
        _ => allow_file(real),
    };
    let probe_fails = match case.fault {
        Fault::Execveat(_) | Fault::CheckFlag(_) | Fault::KillCheck => true,
        Fault::Clone(_) | Fault::SignalMask(_) | Fault::UnshareAndClone(_) => threaded,
        _ => false,
    };
    vec![
        verdict(0),
        verdict(0),
        verdict(-libc::EACCES),
        allow_file(0),
        allow_file(-libc::EACCES),
        match policy {
            Err(e) => e,
            Ok(p) if p & D != 0 => -libc::EACCES,
            Ok(_) => 0,
        },
        stream(Some(0)),
        stream(None),
        open(0),
        open(-libc::EACCES),
        policy.map_or_else(|e| e, |p| p as i32),
        (case.probe == Probe::Cached || !probe_fails) as i32,
        0,
        1,
        1,
        // Every case fails a check in allow_file(plain), unless the policy
        // cannot be read at all.
        (case.audit && !matches!(case.fault, Fault::GetSecurebits(_))) as i32,
    ]
}

fn errno_name(value: i32) -> String {
    let names = [
        (libc::EPERM, "EPERM"),
        (libc::EINTR, "EINTR"),
        (libc::EIO, "EIO"),
        (libc::EBADF, "EBADF"),
        (libc::ECHILD, "ECHILD"),
        (libc::EAGAIN, "EAGAIN"),
        (libc::ENOMEM, "ENOMEM"),
        (libc::EACCES, "EACCES"),
        (libc::EINVAL, "EINVAL"),
        (libc::EMFILE, "EMFILE"),
        (libc::ENOSYS, "ENOSYS"),
    ];
    match names.iter().find(|(e, _)| -e == value) {
        Some((_, name)) => format!("-{name}"),
        None => value.to_string(),
    }
}

/// The cases: every fault under every policy, both paths, both probe states
/// (a killed check takes the whole caller with it on the direct path: that
/// is seccomp's doing, not a case for the library).
fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for &fault in FAULTS {
        for &enforce in POLICIES {
            for threads in [Threads::One, Threads::Two] {
                for (probe, audit) in [Probe::Cached, Probe::Fresh]
                    .into_iter()
                    .flat_map(|p| [(p, false), (p, true)])
                {
                    if fault == Fault::KillCheck && threads == Threads::One {
                        continue;
                    }
                    cases.push(Case {
                        fault,
                        enforce,
                        threads,
                        probe,
                        audit,
                    });
                }
            }
        }
    }
    cases
}

/// Set in the re-executed test process: the library has never run in it, so
/// children forked from it start with the support probe still to run.
const FRESH_PROCESS: &str = "EXECCHECK_FAULTS_FRESH_PROCESS";

#[test]
fn every_fault_fails_closed() {
    if !support::require_root("faults: tmpfs") {
        return;
    }
    if std::env::var_os(FRESH_PROCESS).is_none() {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "every_fault_fails_closed",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(FRESH_PROCESS, "1")
            .output()
            .unwrap();
        eprint!("{}", String::from_utf8_lossy(&out.stdout));
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "the fault matrix failed (above)");
        return;
    }
    let objects = Objects::new();
    let mut failures = Vec::new();
    let cases = cases();
    for &case in &cases {
        let want = expected(case);
        match in_child_reporting(Duration::from_secs(5), || run_case(case, &objects)) {
            Ending::Reported(got) if got == want => {}
            Ending::Reported(got) => {
                for ((call, got), want) in CALLS.iter().zip(&got).zip(&want) {
                    if got != want {
                        failures.push(format!(
                            "{case:?}: {call} = {} (want {})",
                            errno_name(*got),
                            errno_name(*want)
                        ));
                    }
                }
            }
            ending => failures.push(format!("{case:?}: {ending:?}")),
        }
    }
    eprintln!(
        "{} fault cases, {} calls each: {} wrong answers",
        cases.len(),
        CALLS.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
