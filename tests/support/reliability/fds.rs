// SPDX-License-Identifier: MIT OR Apache-2.0
//! Counting a process's fds, even under a filter that makes every open
//! fail (also used by the fuzz target).

use std::os::fd::{AsRawFd, OwnedFd};

/// Counts this process's fds through a directory opened in advance, so it
/// still works under a filter that makes every open fail.
pub struct FdCounter {
    dir: OwnedFd,
}

impl FdCounter {
    pub fn new() -> FdCounter {
        let dir = std::fs::File::open("/proc/self/fd").unwrap();
        FdCounter { dir: dir.into() }
    }

    /// Entries of /proc/self/fd, read with raw getdents64.
    pub fn count(&self) -> usize {
        let mut buf = [0u8; 16384];
        let mut entries = 0;
        // SAFETY: rewinding and reading a directory fd we own into our buffer.
        unsafe {
            assert_eq!(libc::lseek(self.dir.as_raw_fd(), 0, libc::SEEK_SET), 0);
            loop {
                let n = libc::syscall(
                    libc::SYS_getdents64,
                    self.dir.as_raw_fd(),
                    buf.as_mut_ptr(),
                    buf.len(),
                );
                assert!(n >= 0, "getdents64: {}", std::io::Error::last_os_error());
                if n == 0 {
                    return entries;
                }
                // struct linux_dirent64: d_ino u64, d_off i64, d_reclen u16, ...
                let mut at = 0;
                while at < n as usize {
                    entries += 1;
                    at += u16::from_ne_bytes([buf[at + 16], buf[at + 17]]) as usize;
                }
            }
        }
    }
}

impl Default for FdCounter {
    fn default() -> Self {
        Self::new()
    }
}
