// SPDX-License-Identifier: MIT OR Apache-2.0
//! Landlock speaks through the check: a domain that does not grant
//! LANDLOCK_ACCESS_FS_EXECUTE on a directory makes the kernel refuse files in
//! it. The domain belongs to the calling thread's credentials, so it must be
//! seen both by a direct check and by a check run in the library's child
//! (the path taken once the process has threads).

use execcheck_test_support as support;

use execcheck::{allow_file, check_fd, CheckFlags, Policy};
use std::os::fd::AsFd;
use support::landlock::execute_only_beneath;
use support::{errno, in_child, Tmpfs};

fn landlock_refuses_outside_the_allowed_directory(with_threads: bool) {
    let tmp = Tmpfs::new(false);
    std::fs::create_dir(tmp.path.join("allowed")).unwrap();
    std::fs::create_dir(tmp.path.join("other")).unwrap();
    let inside = tmp.file("allowed/x", "x", 0o755);
    let outside = tmp.file("other/x", "x", 0o755);
    in_child(|| {
        let opened_before = support::open(&outside);
        let _idle = with_threads.then(|| std::thread::spawn(std::thread::park));
        assert_eq!(
            support::thread_count() > 1,
            with_threads,
            "the path under test"
        );
        let allowed = tmp.path.join("allowed");
        execute_only_beneath(&[&allowed])().unwrap();
        let inside = support::open(&inside);
        let outside = support::open(&outside);
        assert_eq!(errno(check_fd(inside.as_fd(), CheckFlags::empty())), 0);
        assert_eq!(
            errno(check_fd(outside.as_fd(), CheckFlags::empty())),
            libc::EACCES
        );
        assert_eq!(
            errno(check_fd(opened_before.as_fd(), CheckFlags::empty())),
            libc::EACCES
        );
        Policy::RESTRICT_FILE.install().unwrap();
        assert_eq!(errno(allow_file(inside.as_fd(), None)), 0);
        assert_eq!(errno(allow_file(outside.as_fd(), None)), libc::EACCES);
    });
}

#[test]
fn direct_check_sees_the_domain() {
    if support::require_root("tmpfs mounts") {
        landlock_refuses_outside_the_allowed_directory(false);
    }
}

#[test]
fn check_in_a_child_sees_the_domain() {
    if support::require_root("tmpfs mounts") {
        landlock_refuses_outside_the_allowed_directory(true);
    }
}
