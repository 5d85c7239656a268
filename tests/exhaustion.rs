// SPDX-License-Identifier: MIT OR Apache-2.0
//! Resources running out, for real (rlimits in forked children): no fd left,
//! no address space left, no process left for the check child. The library
//! answers with the kernel's errno, refuses when enforcing, and leaks
//! nothing; in both paths (direct, and the clone child of a multithreaded
//! caller).

use execcheck_test_support as support;
use support::reliability;

use execcheck::{allow_file, check_fd, CheckFlags, Policy};
use reliability::fds::FdCounter;
use reliability::in_child_within;
use std::ffi::CString;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::time::Duration;
use support::errno;

const DEADLINE: Duration = Duration::from_secs(10);

fn set_soft_limit(resource: libc::__rlimit_resource_t, value: libc::rlim_t) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: valid rlimit pointers.
    unsafe {
        assert_eq!(libc::getrlimit(resource, &mut limit), 0);
        limit.rlim_cur = value;
        assert_eq!(
            libc::setrlimit(resource, &limit),
            0,
            "setrlimit: {}",
            std::io::Error::last_os_error()
        );
    }
}

/// exec_policy_open's answer, with an fd it returned closed again.
fn open_errno(path: &CString) -> i32 {
    match execcheck::open(path) {
        Ok(fd) => {
            drop(fd);
            0
        }
        Err(e) => e.error().raw_os_error().unwrap(),
    }
}

struct Files {
    _mount: support::Tmpfs,
    exe: CString,
    plain: CString,
}

fn files() -> Files {
    let mount = support::Tmpfs::new(false);
    let path = |p: std::path::PathBuf| CString::new(p.as_os_str().as_bytes()).unwrap();
    Files {
        exe: path(mount.file("exe", "#!/bin/sh\n", 0o755)),
        plain: path(mount.file("plain", "#!/bin/sh\n", 0o644)),
        _mount: mount,
    }
}

/// Run `body(threads, policy)` in a child for one and two threads (the
/// direct check and the clone child) and each policy, the policy installed.
fn in_each_child(policies: &[Policy], body: impl Fn(u32, Policy)) {
    for threads in [1, 2] {
        for &policy in policies {
            in_child_within(DEADLINE, || {
                let _second = (threads == 2).then(reliability::second_thread);
                policy.install().unwrap();
                body(threads, policy);
            });
        }
    }
}

fn open_exe(files: &Files) -> std::fs::File {
    std::fs::File::open(std::ffi::OsStr::from_bytes(files.exe.as_bytes())).unwrap()
}

#[test]
fn open_at_the_fd_limit_is_emfile_and_leaks_nothing() {
    if !support::require_root("tmpfs") {
        return;
    }
    let files = files();
    in_each_child(&[Policy::empty(), Policy::RESTRICT_FILE], |_, policy| {
        let counter = FdCounter::new();
        set_soft_limit(libc::RLIMIT_NOFILE, 64);
        // Fill the table: keep the last free slot in `spare`.
        let null = std::fs::File::open("/dev/null").unwrap();
        let mut filler: Vec<OwnedFd> = Vec::new();
        while let Ok(fd) = null.as_fd().try_clone_to_owned() {
            filler.push(fd);
        }
        let spare = filler.pop().unwrap();
        let exe = std::fs::File::open(std::ffi::OsStr::from_bytes(files.exe.as_bytes()))
            .map(OwnedFd::from);
        assert!(exe.is_err(), "control: the table is not full");
        let full = counter.count();

        drop(spare); // one slot for the checked opens
        let exe = execcheck::open(&files.exe).unwrap();
        assert_eq!(errno(check_fd(exe.as_fd(), CheckFlags::empty())), 0);
        assert_eq!(open_errno(&files.exe), libc::EMFILE, "{policy:?}");
        assert_eq!(open_errno(&files.plain), libc::EMFILE, "{policy:?}");
        assert_eq!(
            errno(allow_file(exe.as_fd(), None)),
            0,
            "the check needs no fd"
        );
        drop(exe);
        let refused = if policy.is_empty() { 0 } else { libc::EACCES };
        assert_eq!(open_errno(&files.plain), refused, "{policy:?}");
        assert_eq!(counter.count(), full - 1, "an fd leaked at the limit");
    });
}

/// VmSize of this process, in bytes.
fn address_space_size() -> libc::rlim_t {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmSize:")).unwrap();
    let kib: libc::rlim_t = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

#[test]
fn no_address_space_left_changes_nothing() {
    if !support::require_root("tmpfs") {
        return;
    }
    let files = files();
    in_each_child(&[Policy::RESTRICT_FILE], |threads, _| {
        let exe = open_exe(&files);
        let mut answers = Vec::with_capacity(8);
        set_soft_limit(libc::RLIMIT_AS, address_space_size());
        // Control: nothing more can be mapped.
        // SAFETY: an anonymous mapping request; unmapped if it succeeds.
        let map = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                1 << 20,
                libc::PROT_READ,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        let mapped = map != libc::MAP_FAILED;
        answers.push(errno(check_fd(exe.as_fd(), CheckFlags::empty())));
        answers.push(errno(allow_file(exe.as_fd(), None)));
        answers.push(open_errno(&files.exe));
        answers.push(open_errno(&files.plain));
        set_soft_limit(libc::RLIMIT_AS, libc::RLIM_INFINITY);
        assert!(!mapped, "control: RLIMIT_AS did not bite");
        assert_eq!(answers, [0, 0, 0, libc::EACCES], "threads: {threads}");
    });
}

#[test]
fn no_process_left_for_the_check_child_is_a_refusal() {
    if !support::require_root("dropping to another uid") {
        return;
    }
    let files = files();
    in_each_child(
        &[Policy::empty(), Policy::RESTRICT_FILE],
        |threads, policy| {
            let exe = open_exe(&files);
            let counter = FdCounter::new(); // /proc/self/fd is root's after the drop
            let before = counter.count();
            // Without privileges, RLIMIT_NPROC 0 makes every clone fail.
            // SAFETY: dropping every id (and capability) in a child.
            assert_eq!(unsafe { libc::setresuid(65534, 65534, 65534) }, 0);
            set_soft_limit(libc::RLIMIT_NPROC, 0);
            let verdict = if threads == 1 { 0 } else { libc::EAGAIN };
            let enforced = |e: i32| if policy.is_empty() { 0 } else { e };
            assert_eq!(errno(check_fd(exe.as_fd(), CheckFlags::empty())), verdict);
            assert_eq!(errno(allow_file(exe.as_fd(), None)), enforced(verdict));
            assert_eq!(open_errno(&files.exe), enforced(verdict));
            assert_eq!(
                open_errno(&files.plain),
                enforced(if threads == 1 {
                    libc::EACCES
                } else {
                    libc::EAGAIN
                })
            );
            assert_eq!(counter.count(), before, "an fd leaked");
            // Control: the limit is real for this uid.
            // SAFETY: a fork whose child leaves at once.
            let pid = unsafe { libc::fork() };
            if pid == 0 {
                // SAFETY: leaving the forked child at once.
                unsafe { libc::_exit(0) };
            }
            assert_eq!(pid, -1, "control: RLIMIT_NPROC did not bite");
        },
    );
}
