// SPDX-License-Identifier: MIT OR Apache-2.0
//! The policy on the real kernel: securebits set, locked, re-set, set without
//! privileges, forced, inherited across fork and exec; and the interpreter's
//! table (allow_file, allow_interactive, open). Every test that changes
//! credentials does it in a forked child (see support::in_child).

use execcheck_test_support as support;

use execcheck::{allow_file, allow_interactive, Policy, Source};
use std::fs::File;
use std::os::fd::{AsFd, AsRawFd};
use support::c_api::{
    exec_policy_allow_interactive, exec_policy_force, exec_policy_get, exec_policy_set,
};
use support::{errno, in_child, securebits, Tmpfs};

const R: Policy = Policy::RESTRICT_FILE;
const RL: Policy = Policy::RESTRICT_FILE_LOCKED;
const D: Policy = Policy::DENY_INTERACTIVE;
const DL: Policy = Policy::DENY_INTERACTIVE_LOCKED;
const SECBIT_KEEP_CAPS: i64 = 1 << 4;

fn install_errno(p: Policy) -> i32 {
    errno(p.install())
}

#[test]
fn install_sets_exactly_the_four_bits() {
    if !support::require_root("securebits in a child") {
        return;
    }
    in_child(|| {
        assert_eq!(Policy::current().unwrap(), Policy::empty());
        for p in [R, D, R | D, Policy::empty()] {
            p.install().unwrap();
            assert_eq!(Policy::current().unwrap(), p);
            assert_eq!(securebits(), (p.bits() as i64) << 8);
        }
        // Other securebits are left alone.
        // SAFETY: setting a plain securebit as root.
        let set = unsafe { libc::prctl(libc::PR_SET_SECUREBITS, SECBIT_KEEP_CAPS, 0, 0, 0) };
        assert_eq!(set, 0);
        (R | D).install().unwrap();
        assert_eq!(securebits(), SECBIT_KEEP_CAPS | 0x500);
        Policy::empty().install().unwrap();
        assert_eq!(securebits(), SECBIT_KEEP_CAPS);
    });
}

#[test]
fn locks_hold() {
    if !support::require_root("securebits in a child") {
        return;
    }
    in_child(|| {
        (R | RL).install().unwrap();
        assert_eq!(install_errno(R | RL), 0, "re-setting the same value");
        assert_eq!(
            install_errno(Policy::empty()),
            libc::EPERM,
            "clearing a locked bit"
        );
        assert_eq!(install_errno(R), libc::EPERM, "clearing a lock");
        assert_eq!(install_errno(R | RL | D), 0, "an unlocked bit still moves");
        assert_eq!(install_errno(R | RL | D | DL), 0);
        assert_eq!(install_errno(R | RL), libc::EPERM, "now both are locked");
        assert_eq!(Policy::current().unwrap(), R | RL | D | DL);
    });
}

#[test]
fn unknown_bits_are_refused() {
    // SAFETY: plain integers.
    unsafe {
        assert_eq!(exec_policy_set(16), -libc::EINVAL);
        assert_eq!(exec_policy_set(u32::MAX), -libc::EINVAL);
        assert_eq!(exec_policy_force(16), -libc::EINVAL);
    }
}

#[test]
fn unprivileged_callers_can_set_and_re_set() {
    if !support::require_root("dropping to another uid in a child") {
        return;
    }
    in_child(|| {
        // SAFETY: dropping all ids (and with them every capability) in a child.
        assert_eq!(unsafe { libc::setresuid(65534, 65534, 65534) }, 0);
        // The exec bits need no CAP_SETPCAP.
        R.install().unwrap();
        assert_eq!(securebits(), 0x100);
        // The kernel says EPERM to an unprivileged no-op; the library says 0.
        // SAFETY: a plain integer argument.
        let raw = unsafe { libc::prctl(libc::PR_SET_SECUREBITS, 0x100, 0, 0, 0) };
        assert_eq!(
            (raw, std::io::Error::last_os_error().raw_os_error()),
            (-1, Some(libc::EPERM))
        );
        assert_eq!(install_errno(R), 0);
        (R | RL).install().unwrap();
        assert_eq!(install_errno(R), libc::EPERM);
    });
}

#[test]
fn force_is_one_way_and_leaves_the_kernel_bits_alone() {
    in_child(|| {
        // SAFETY: plain integers.
        unsafe {
            assert_eq!(
                exec_policy_force(RL.bits()),
                -libc::EINVAL,
                "locks cannot be forced"
            );
            assert_eq!(exec_policy_force(DL.bits()), -libc::EINVAL);
            assert_eq!(exec_policy_get(), 0);
            assert_eq!(exec_policy_force(R.bits()), 0);
            assert_eq!(exec_policy_get(), R.bits() as i32);
            assert_eq!(exec_policy_force(0), 0, "forcing nothing changes nothing");
            assert_eq!(exec_policy_force(D.bits()), 0);
        }
        assert_eq!(Policy::current().unwrap(), R | D);
        assert_eq!(securebits() & 0xf00, 0, "the kernel's bits are untouched");
        // Clearing the kernel's bits cannot clear forced ones.
        Policy::empty().install().unwrap();
        assert_eq!(Policy::current().unwrap(), R | D);
        let dev_null = File::open("/dev/null").unwrap();
        assert_eq!(errno(allow_file(dev_null.as_fd(), None)), libc::EACCES);
        assert_eq!(
            errno(allow_interactive(Source::Argument, None)),
            libc::EACCES
        );
    });
}

#[test]
#[ignore = "helper: run by inherited_across_fork_and_exec"]
fn print_securebits_helper() {
    println!("securebits={}", securebits());
}

#[test]
fn inherited_across_fork_and_exec() {
    if !support::require_root("securebits in a child") {
        return;
    }
    in_child(|| {
        (R | D | DL).install().unwrap();
        in_child(|| assert_eq!(Policy::current().unwrap(), R | D | DL, "after fork"));
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "print_securebits_helper",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains(&format!("securebits={}", 0x500 | 0x800)),
            "after exec: {stdout}"
        );
    });
}

#[test]
fn allow_file_checks_always_and_refuses_only_under_restrict_file() {
    if !support::require_root("tmpfs and securebits") {
        return;
    }
    let exec = Tmpfs::new(false);
    let noexec = Tmpfs::new(true);
    let good = support::open(&exec.file("good", "x", 0o755));
    let plain = support::open(&exec.file("plain", "x", 0o644));
    let mounted = support::open(&noexec.file("mounted", "x", 0o755));
    let dir = File::open(&exec.path).unwrap();
    for policy in [Policy::empty(), R, D, R | D] {
        let enforced = policy.contains(R);
        let refused = |e: i32| if enforced { e } else { 0 };
        let (good, plain, mounted, dir) = (&good, &plain, &mounted, &dir);
        in_child(move || {
            policy.install().unwrap();
            assert_eq!(
                errno(allow_file(good.as_fd(), Some(c"good"))),
                0,
                "{policy:?}"
            );
            assert_eq!(
                errno(allow_file(plain.as_fd(), None)),
                refused(libc::EACCES),
                "{policy:?}"
            );
            assert_eq!(
                errno(allow_file(mounted.as_fd(), None)),
                refused(libc::EACCES),
                "{policy:?}"
            );
            assert_eq!(
                errno(allow_file(dir.as_fd(), None)),
                refused(libc::EACCES),
                "{policy:?}"
            );
            let writer = std::fs::OpenOptions::new()
                .write(true)
                .open(format!("/proc/self/fd/{}", good.as_raw_fd()))
                .unwrap();
            let busy = errno(allow_file(good.as_fd(), None));
            drop(writer);
            assert_eq!(busy, refused(libc::ETXTBSY), "{policy:?}");
        });
    }
}

#[test]
fn allow_interactive_follows_the_table() {
    if !support::require_root("tmpfs and securebits") {
        return;
    }
    let exec = Tmpfs::new(false);
    let script = support::open(&exec.file("script", "x", 0o755));
    let plain = support::open(&exec.file("plain", "x", 0o644));
    let (pipe, _w) = std::io::pipe().unwrap();
    let null = File::open("/dev/null").unwrap();
    for policy in [Policy::empty(), R, D, R | D] {
        let denied = |e: i32| if policy.contains(D) { e } else { 0 };
        let (script, plain, pipe, null) = (&script, &plain, &pipe, &null);
        in_child(move || {
            policy.install().unwrap();
            assert_eq!(
                errno(allow_interactive(Source::Argument, None)),
                denied(libc::EACCES)
            );
            assert_eq!(
                errno(allow_interactive(Source::Environment, None)),
                denied(libc::EACCES)
            );
            assert_eq!(
                errno(allow_interactive(Source::Stream, Some(script.as_fd()))),
                0
            );
            assert_eq!(
                errno(allow_interactive(Source::Stream, Some(plain.as_fd()))),
                denied(libc::EACCES)
            );
            assert_eq!(
                errno(allow_interactive(Source::Stream, Some(pipe.as_fd()))),
                denied(libc::EACCES)
            );
            assert_eq!(
                errno(allow_interactive(Source::Stream, Some(null.as_fd()))),
                denied(libc::EACCES)
            );
            assert_eq!(
                errno(allow_interactive(Source::Stream, None)),
                denied(libc::EBADF)
            );
        });
    }
}

#[test]
fn unknown_sources_are_refused_in_every_mode() {
    for source in [0, 4, -1, i32::MAX, i32::MIN] {
        // SAFETY: plain integers.
        let answer = unsafe { exec_policy_allow_interactive(source, 0) };
        assert_eq!(answer, -libc::EINVAL, "source {source}");
    }
}

#[test]
fn open_returns_a_checked_cloexec_fd_or_nothing() {
    if !support::require_root("tmpfs and securebits") {
        return;
    }
    let exec = Tmpfs::new(false);
    exec.file("good", "content", 0o755);
    exec.file("plain", "content", 0o644);
    let dir = exec.path.clone();
    in_child(move || {
        R.install().unwrap();
        let fds_before = std::fs::read_dir("/proc/self/fd").unwrap().count();
        let fd =
            execcheck::open(&std::ffi::CString::new(dir.join("good").to_str().unwrap()).unwrap())
                .unwrap();
        // SAFETY: F_GETFD/F_GETFL on a valid fd.
        unsafe {
            assert_eq!(
                libc::fcntl(fd.as_raw_fd(), libc::F_GETFD) & libc::FD_CLOEXEC,
                libc::FD_CLOEXEC
            );
            assert_eq!(
                libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) & libc::O_ACCMODE,
                libc::O_RDONLY
            );
        }
        drop(fd);
        let dirfd = File::open(&dir).unwrap();
        let refused = execcheck::open_at(dirfd.as_fd(), c"plain");
        assert!(
            matches!(&refused, Err(execcheck::OpenError::Refused(e)) if e.raw_os_error() == Some(libc::EACCES)),
            "a 0644 file is a refusal: {refused:?}"
        );
        let missing = execcheck::open_at(dirfd.as_fd(), c"missing");
        assert!(
            matches!(&missing, Err(execcheck::OpenError::Open(e)) if e.raw_os_error() == Some(libc::ENOENT)),
            "a missing file is not a refusal: {missing:?}"
        );
        drop(dirfd);
        assert_eq!(
            std::fs::read_dir("/proc/self/fd").unwrap().count(),
            fds_before,
            "an fd leaked"
        );
    });
}
