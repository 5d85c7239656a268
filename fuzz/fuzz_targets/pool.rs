// SPDX-License-Identifier: MIT OR Apache-2.0
//! The real objects the fuzzer points the C API at: files of every mode, on
//! an exec and a `noexec` tmpfs (in a private mount namespace, so nothing
//! outlives the process), directories, a busy file, symlinks, a FIFO, pipes,
//! sockets, memfds, devices, and fd numbers that are closed or invalid.

use crate::fds::FdCounter;
use crate::syscalls::{c_path, mount, private_mount_namespace};
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd};
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};

/// A number that is never an open fd here.
pub const CLOSED_FD: i32 = 1000;

pub struct Pool {
    /// Every fd to try, with what it is (for crash reports).
    pub fds: Vec<(i32, &'static str)>,
    /// Directory fds to resolve relative paths from, with their depth below
    /// the sandbox root (so that ".." never leaves the sandbox).
    pub dirs: Vec<(i32, u32)>,
    /// Names that exist in the sandbox, for paths.
    pub names: Vec<&'static [u8]>,
    /// Counts this process's fds.
    pub counter: FdCounter,
}

/// The sandbox: the fuzzer's working directory, so relative paths from
/// AT_FDCWD stay inside. EXECCHECK_FUZZ_SANDBOX names it (fuzz/run passes a
/// temporary directory); as root it gets two fresh tmpfs mounts.
fn sandbox() -> PathBuf {
    let dir = match std::env::var_os("EXECCHECK_FUZZ_SANDBOX") {
        Some(dir) => PathBuf::from(dir),
        None => std::env::temp_dir().join(format!("execcheck-fuzz-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).unwrap();
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        // A mount namespace for this process (one thread so far): its
        // mounts go away with it.
        private_mount_namespace();
        mount("tmpfs", &dir, 0);
        std::fs::create_dir(dir.join("noexec")).unwrap();
        mount("tmpfs", &dir.join("noexec"), libc::MS_NOEXEC);
    } else {
        eprintln!("fuzz: not root: no tmpfs, no noexec mount, no device node");
        std::fs::create_dir_all(dir.join("noexec")).unwrap();
    }
    dir
}

fn file(path: &Path, mode: u32) {
    std::fs::write(path, "#!/bin/sh\necho fuzz\n").unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn open(path: &Path, flags: libc::c_int) -> OwnedFd {
    // SAFETY: a valid C string.
    let fd = unsafe { libc::open(c_path(path).as_ptr(), flags | libc::O_CLOEXEC) };
    assert!(
        fd >= 0,
        "open {}: {}",
        path.display(),
        std::io::Error::last_os_error()
    );
    // SAFETY: a fresh fd.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

fn raw(fd: libc::c_int) -> OwnedFd {
    assert!(fd >= 0, "{}", std::io::Error::last_os_error());
    // SAFETY: a fresh fd.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

impl Pool {
    pub fn new() -> Pool {
        let root = sandbox();
        std::env::set_current_dir(&root).unwrap();
        let at = |name: &str| root.join(name);
        for (name, mode) in [
            ("exe", 0o755),
            ("plain", 0o644),
            ("none", 0o000),
            ("xonly", 0o111),
            ("suid", 0o4755),
            ("busy", 0o755),
            ("unlinked", 0o755),
            ("noexec/exe", 0o755),
            ("noexec/plain", 0o644),
        ] {
            file(&at(name), mode);
        }
        std::fs::create_dir(at("sub")).unwrap();
        file(&at("sub/exe"), 0o755);
        symlink("exe", at("link")).unwrap();
        symlink("nothere", at("dangling")).unwrap();
        symlink("loop", at("loop")).unwrap();
        symlink("/bin/sh", at("abs")).unwrap(); // a file: "abs/.." is ENOTDIR
        let (fifo, null) = (c_path(&at("fifo")), c_path(&at("null")));
        // SAFETY: valid C strings. The device node needs root; its absence
        // only makes its name missing.
        unsafe {
            assert_eq!(libc::mkfifo(fifo.as_ptr(), 0o644), 0);
            libc::mknod(null.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3));
        }

        let mut keep: Vec<(OwnedFd, &'static str)> = vec![
            (open(&at("exe"), libc::O_RDONLY), "exe 0755"),
            (open(&at("plain"), libc::O_RDONLY), "plain 0644"),
            (open(&at("none"), libc::O_RDONLY), "none 0000"),
            (open(&at("xonly"), libc::O_RDONLY), "xonly 0111"),
            (open(&at("suid"), libc::O_RDONLY), "suid 04755"),
            (
                open(&at("busy"), libc::O_RDONLY),
                "busy (open for writing elsewhere)",
            ),
            (open(&at("busy"), libc::O_RDWR), "busy, the writer itself"),
            (open(&at("unlinked"), libc::O_RDONLY), "unlinked 0755"),
            (
                open(&at("noexec/exe"), libc::O_RDONLY),
                "noexec mount, 0755",
            ),
            (
                open(&at("noexec/plain"), libc::O_RDONLY),
                "noexec mount, 0644",
            ),
            (open(&at("exe"), libc::O_PATH), "O_PATH exe"),
            (
                open(&at("link"), libc::O_PATH | libc::O_NOFOLLOW),
                "O_PATH symlink",
            ),
            // A FIFO open for reading and writing: O_RDONLY opens of it
            // elsewhere do not block.
            (open(&at("fifo"), libc::O_RDWR), "fifo"),
            (open(Path::new("/dev/null"), libc::O_RDONLY), "/dev/null"),
            (
                open(Path::new("/proc/self/status"), libc::O_RDONLY),
                "/proc file",
            ),
        ];
        std::fs::remove_file(at("unlinked")).unwrap();
        let mut pipe = [0; 2];
        let mut pair = [0; 2];
        // SAFETY: valid arrays; plain calls creating fresh fds.
        unsafe {
            assert_eq!(libc::pipe2(pipe.as_mut_ptr(), libc::O_CLOEXEC), 0);
            let stream = libc::SOCK_STREAM | libc::SOCK_CLOEXEC;
            assert_eq!(
                libc::socketpair(libc::AF_UNIX, stream, 0, pair.as_mut_ptr()),
                0
            );
            keep.push((raw(pipe[0]), "pipe, read end"));
            keep.push((raw(pipe[1]), "pipe, write end"));
            keep.push((raw(pair[0]), "unix socket"));
            keep.push((raw(libc::memfd_create(c"fuzz".as_ptr(), 0)), "memfd"));
            const MFD_NOEXEC_SEAL: libc::c_uint = 8;
            let sealed = libc::memfd_create(c"fuzz".as_ptr(), MFD_NOEXEC_SEAL);
            keep.push((raw(sealed), "memfd MFD_NOEXEC_SEAL"));
            keep.push((raw(libc::eventfd(0, libc::EFD_CLOEXEC)), "eventfd"));
            keep.push((raw(libc::epoll_create1(libc::EPOLL_CLOEXEC)), "epoll"));
            libc::close(pair[1]);
        }
        let dir_fds = [
            (
                open(&root, libc::O_RDONLY | libc::O_DIRECTORY),
                "sandbox dir",
                0,
            ),
            (
                open(&root, libc::O_PATH | libc::O_DIRECTORY),
                "O_PATH sandbox dir",
                0,
            ),
            (
                open(&at("sub"), libc::O_RDONLY | libc::O_DIRECTORY),
                "sub dir",
                1,
            ),
            (
                open(&at("noexec"), libc::O_RDONLY | libc::O_DIRECTORY),
                "noexec dir",
                1,
            ),
        ];
        let mut dirs: Vec<(i32, u32)> = vec![(libc::AT_FDCWD, 0)];
        for (fd, what, depth) in dir_fds {
            dirs.push((fd.as_raw_fd(), depth));
            keep.push((fd, what));
        }
        // SAFETY: F_GETFD on a number only tells whether it is open.
        assert_eq!(unsafe { libc::fcntl(CLOSED_FD, libc::F_GETFD) }, -1);

        // The pool's fds stay open for the life of the process.
        let mut fds: Vec<(i32, &'static str)> = keep
            .into_iter()
            .map(|(fd, what)| (fd.into_raw_fd(), what))
            .collect();
        // Non-directories and bad numbers as dirfds too (ENOTDIR, EBADF).
        let fd_of = |what: &str| fds.iter().find(|(_, w)| *w == what).unwrap().0;
        dirs.extend([
            (fd_of("exe 0755"), 0),
            (fd_of("O_PATH symlink"), 0),
            (CLOSED_FD, 0),
            (-1, 0),
        ]);
        fds.extend([
            (CLOSED_FD, "closed"),
            (-1, "-1"),
            (libc::AT_FDCWD, "AT_FDCWD"),
            (i32::MAX, "INT_MAX"),
            (i32::MIN, "INT_MIN"),
            (0, "stdin"),
        ]);
        Pool {
            fds,
            dirs,
            names: vec![
                b"exe",
                b"plain",
                b"none",
                b"xonly",
                b"suid",
                b"busy",
                b"sub",
                b"noexec",
                b"link",
                b"dangling",
                b"loop",
                b"abs",
                b"fifo",
                b"null",
                b"unlinked",
            ],
            counter: FdCounter::new(),
        }
    }
}
