// SPDX-License-Identifier: MIT OR Apache-2.0
//! The kernel's verdicts through the library, for every kind of object in the
//! errno table of the reference (exec-check.md), on the real host kernel.
//! Each verdict is also compared with a raw execveat made here, so the
//! library can neither invent nor hide an answer.

use execcheck_test_support as support;

use execcheck::{check_fd, CheckFlags};
use std::fs::{File, OpenOptions};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use support::c_api::exec_check_fd;
use support::syscalls::raw_check;
use support::{errno, Tmpfs};

/// Assert the library's verdict, with and without EMULATE (which changes
/// nothing on a kernel that has the feature), and that the raw call agrees.
fn assert_verdict(what: &str, fd: BorrowedFd<'_>, want: i32) {
    assert_eq!(errno(check_fd(fd, CheckFlags::empty())), want, "{what}");
    assert_eq!(
        errno(check_fd(fd, CheckFlags::EMULATE)),
        want,
        "{what} with EMULATE"
    );
    assert_eq!(
        raw_check(fd.as_raw_fd()),
        want,
        "{what}: the raw syscall disagrees"
    );
}

fn open_path(path: &std::path::Path) -> OwnedFd {
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_PATH)
        .open(path)
        .unwrap()
        .into()
}

fn memfd(flags: libc::c_uint) -> OwnedFd {
    // SAFETY: a valid name; the result is checked.
    let fd = unsafe { libc::memfd_create(c"execcheck-test".as_ptr(), flags) };
    assert!(fd >= 0, "memfd_create: {}", std::io::Error::last_os_error());
    // SAFETY: a fresh fd.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

#[test]
fn the_kernel_is_new_enough() {
    assert!(
        execcheck::is_supported(),
        "these machines run 6.18: AT_EXECVE_CHECK must be there"
    );
}

#[test]
fn regular_files_by_mode_and_mount() {
    if !support::require_root("tmpfs mounts") {
        return;
    }
    let exec = Tmpfs::new(false);
    let noexec = Tmpfs::new(true);
    let cases = [
        ("0755 on an exec mount", exec.file("a", "x", 0o755), 0),
        ("0100 (owner x only) as root", exec.file("b", "x", 0o100), 0),
        (
            "0644 on an exec mount",
            exec.file("c", "x", 0o644),
            libc::EACCES,
        ),
        (
            "0000 on an exec mount",
            exec.file("d", "x", 0o000),
            libc::EACCES,
        ),
        (
            "0755 on a noexec mount",
            noexec.file("e", "x", 0o755),
            libc::EACCES,
        ),
    ];
    for (what, path, want) in cases {
        assert_verdict(what, support::open(&path).as_fd(), want);
    }
    let path = exec.file("p", "x", 0o755);
    assert_verdict("O_PATH fd of an executable", open_path(&path).as_fd(), 0);
    let path = noexec.file("q", "x", 0o755);
    assert_verdict(
        "O_PATH fd on noexec",
        open_path(&path).as_fd(),
        libc::EACCES,
    );
}

#[test]
fn a_file_open_for_writing_is_busy() {
    if !support::require_root("tmpfs mounts") {
        return;
    }
    let exec = Tmpfs::new(false);
    let path = exec.file("busy", "x", 0o755);
    let reader = support::open(&path);
    assert_verdict("before any writer", reader.as_fd(), 0);
    let writer = OpenOptions::new().write(true).open(&path).unwrap();
    assert_verdict("while another fd writes", reader.as_fd(), libc::ETXTBSY);
    drop(writer);
    assert_verdict("after the writer closed", reader.as_fd(), 0);
    let rdwr: OwnedFd = OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .unwrap()
        .into();
    assert_verdict("the O_RDWR fd itself", rdwr.as_fd(), libc::ETXTBSY);
}

#[test]
fn things_that_are_not_regular_files() {
    let dir = File::open("/").unwrap();
    assert_verdict("a directory", dir.as_fd(), libc::EACCES);
    let null = File::open("/dev/null").unwrap();
    assert_verdict("a char device", null.as_fd(), libc::EACCES);
    let proc_file = File::open("/proc/self/status").unwrap();
    assert_verdict("a /proc file", proc_file.as_fd(), libc::EACCES);
    let (r, w) = std::io::pipe().unwrap();
    assert_verdict("a pipe (read end)", r.as_fd(), libc::EACCES);
    assert_verdict("a pipe (write end)", w.as_fd(), libc::EACCES);
    let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    assert_verdict("a socket", a.as_fd(), libc::EACCES);
    // SAFETY: posix_openpt returns a new fd or -1.
    let pty = unsafe { libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY) };
    assert!(pty >= 0);
    // SAFETY: a fresh fd.
    let pty = unsafe { OwnedFd::from_raw_fd(pty) };
    assert_verdict("a terminal (pty master)", pty.as_fd(), libc::EACCES);
}

#[test]
fn fifos_and_block_devices() {
    if !support::require_root("mknod on a tmpfs") {
        return;
    }
    let exec = Tmpfs::new(false);
    let fifo = exec.path.join("fifo");
    let blk = exec.path.join("blk");
    let c = |p: &std::path::Path| std::ffi::CString::new(p.to_str().unwrap()).unwrap();
    // SAFETY: valid paths; mode and device numbers are plain integers.
    unsafe {
        assert_eq!(libc::mkfifo(c(&fifo).as_ptr(), 0o755), 0);
        assert_eq!(
            libc::mknod(
                c(&blk).as_ptr(),
                libc::S_IFBLK | 0o755,
                libc::makedev(7, 200)
            ),
            0
        );
    }
    // O_PATH opens neither blocks on the FIFO nor needs the device driver.
    assert_verdict("a FIFO, mode 0755", open_path(&fifo).as_fd(), libc::EACCES);
    assert_verdict(
        "a block device node, mode 0755",
        open_path(&blk).as_fd(),
        libc::EACCES,
    );
}

#[test]
fn memfds() {
    assert_verdict("a memfd (mode 0777)", memfd(0).as_fd(), 0);
    const MFD_NOEXEC_SEAL: libc::c_uint = 0x8;
    assert_verdict(
        "a memfd with MFD_NOEXEC_SEAL",
        memfd(MFD_NOEXEC_SEAL).as_fd(),
        libc::EACCES,
    );
}

#[test]
fn bad_fds_and_flags_through_the_c_face() {
    let file = File::open("/bin/sh").unwrap();
    // A closed fd: a number far above what the tests' threads ever open
    // (a just-closed low number could be reused by a parallel test).
    let closed = 987;
    // SAFETY: F_GETFD on any number is harmless.
    assert_eq!(unsafe { libc::fcntl(closed, libc::F_GETFD) }, -1);
    // SAFETY: exec_check_fd takes plain integers.
    unsafe {
        assert_eq!(exec_check_fd(-1, 0), -libc::EBADF);
        assert_eq!(exec_check_fd(closed, 0), -libc::EBADF);
        assert_eq!(exec_check_fd(i32::MAX, 0), -libc::EBADF);
        assert_eq!(exec_check_fd(file.as_raw_fd(), 0), 0);
        assert_eq!(exec_check_fd(file.as_raw_fd(), 2), -libc::EINVAL);
        assert_eq!(exec_check_fd(file.as_raw_fd(), u32::MAX), -libc::EINVAL);
    }
}
