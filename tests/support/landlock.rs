// SPDX-License-Identifier: MIT OR Apache-2.0
//! Landlock, a security module the check consults: domains that grant
//! execute only beneath chosen directories.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;

const ACCESS_FS_EXECUTE: u64 = 1 << 0; // LANDLOCK_ACCESS_FS_EXECUTE
const RULE_PATH_BENEATH: libc::c_int = 1; // LANDLOCK_RULE_PATH_BENEATH

#[repr(C)]
struct RulesetAttr {
    handled_access_fs: u64,
}

#[repr(C, packed)]
struct PathBeneathAttr {
    allowed_access: u64,
    parent_fd: i32,
}

/// What restricts the calling thread (and what it starts afterwards) to
/// executing files beneath `allowed` only. The directories are opened now:
/// the returned closure makes only system calls, so it can also run between
/// fork and exec (`CommandExt::pre_exec`).
pub fn execute_only_beneath(allowed: &[&Path]) -> impl Fn() -> std::io::Result<()> {
    let dirs: Vec<OwnedFd> = allowed
        .iter()
        .map(|dir| std::fs::File::open(dir).unwrap().into())
        .collect();
    move || {
        let fail = || Err(std::io::Error::last_os_error());
        let attr = RulesetAttr {
            handled_access_fs: ACCESS_FS_EXECUTE,
        };
        // SAFETY: the Landlock and prctl system calls, with valid, correctly
        // sized structures; the ruleset fd is ours.
        unsafe {
            let ruleset = libc::syscall(
                libc::SYS_landlock_create_ruleset,
                &attr,
                size_of::<RulesetAttr>(),
                0,
            );
            if ruleset < 0 {
                return fail();
            }
            let ruleset = OwnedFd::from_raw_fd(ruleset as libc::c_int);
            for dir in &dirs {
                let rule = PathBeneathAttr {
                    allowed_access: ACCESS_FS_EXECUTE,
                    parent_fd: dir.as_raw_fd(),
                };
                let add = libc::syscall(
                    libc::SYS_landlock_add_rule,
                    ruleset.as_raw_fd(),
                    RULE_PATH_BENEATH,
                    &rule,
                    0,
                );
                if add != 0 {
                    return fail();
                }
            }
            if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0
                || libc::syscall(libc::SYS_landlock_restrict_self, ruleset.as_raw_fd(), 0) != 0
            {
                return fail();
            }
        }
        Ok(())
    }
}
