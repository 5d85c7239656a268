//! Landlock speaks through the check: a domain that does not grant
//! LANDLOCK_ACCESS_FS_EXECUTE on a directory makes the kernel refuse files in
//! it. The domain belongs to the calling thread's credentials, so it must be
//! seen both by a direct check and by a check run in the library's child
//! (the path taken once the process has threads).

mod support;

use execcheck::{allow_file, check_fd, CheckFlags, Policy};
use std::os::fd::{AsFd, AsRawFd};
use support::{errno, in_child, Tmpfs};

const LANDLOCK_ACCESS_FS_EXECUTE: u64 = 1 << 0;
const LANDLOCK_RULE_PATH_BENEATH: libc::c_int = 1;

#[repr(C)]
struct RulesetAttr {
    handled_access_fs: u64,
}

#[repr(C, packed)]
struct PathBeneathAttr {
    allowed_access: u64,
    parent_fd: i32,
}

/// Restrict the calling thread: execute only beneath `allowed`.
fn allow_execute_only_beneath(allowed: &std::path::Path) {
    let attr = RulesetAttr {
        handled_access_fs: LANDLOCK_ACCESS_FS_EXECUTE,
    };
    let dir = std::fs::File::open(allowed).unwrap();
    let rule = PathBeneathAttr {
        allowed_access: LANDLOCK_ACCESS_FS_EXECUTE,
        parent_fd: dir.as_raw_fd(),
    };
    // SAFETY: the Landlock system calls with valid, correctly sized structs.
    unsafe {
        let ruleset = libc::syscall(
            libc::SYS_landlock_create_ruleset,
            &attr,
            size_of::<RulesetAttr>(),
            0,
        );
        assert!(
            ruleset >= 0,
            "landlock_create_ruleset: {}",
            std::io::Error::last_os_error()
        );
        let rule_ptr = &rule as *const PathBeneathAttr;
        assert_eq!(
            libc::syscall(
                libc::SYS_landlock_add_rule,
                ruleset,
                LANDLOCK_RULE_PATH_BENEATH,
                rule_ptr,
                0
            ),
            0
        );
        assert_eq!(libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
        assert_eq!(
            libc::syscall(libc::SYS_landlock_restrict_self, ruleset, 0),
            0
        );
        libc::close(ruleset as libc::c_int);
    }
}

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
        allow_execute_only_beneath(&tmp.path.join("allowed"));
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
