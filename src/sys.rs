// SPDX-License-Identifier: MIT OR Apache-2.0
//! The raw system calls, and nothing else: every `libc` call of the library
//! is here, so the import inventory (c-tests/check-hygiene) has one place to
//! look at.
//!
//! Every function here is a thin, allocation-free wrapper that returns the
//! kernel's answer as `Result<_, Errno>`. Policy and fallbacks live elsewhere.
//! The ones audit logging uses go through `syscall` (no new import) and
//! must not panic (the shipped library carries no panic machinery).

use libc::{c_char, c_int, c_long};
use std::ffi::CStr;

/// A positive errno value, as the kernel reports it.
pub type Errno = c_int;

/// How many times an EINTR from the kernel is retried before it is reported
/// (bounded: a seccomp filter may answer EINTR forever).
pub const MAX_EINTR_RETRIES: u32 = 8;

/// `AT_EXECVE_CHECK` (Linux >= 6.14): run every check of an exec, execute nothing.
pub const AT_EXECVE_CHECK: c_int = 0x10000;

/// The four exec securebits (include/uapi/linux/securebits.h, Linux >= 6.14).
pub const SECBIT_EXEC_RESTRICT_FILE: c_long = 1 << 8;
pub const SECBIT_EXEC_RESTRICT_FILE_LOCKED: c_long = 1 << 9;
pub const SECBIT_EXEC_DENY_INTERACTIVE: c_long = 1 << 10;
pub const SECBIT_EXEC_DENY_INTERACTIVE_LOCKED: c_long = 1 << 11;
/// All four, in their securebits positions.
pub const SECBIT_EXEC_MASK: c_long = 0xf << 8;
/// Shift between a securebit and its `Policy` bit.
pub const SECBIT_EXEC_SHIFT: u32 = 8;

/// The argv a check passes to the kernel: one name. The kernel copies argv and
/// envp exactly as for a real exec, so anything longer only costs time.
pub struct CheckArgs {
    argv: [*const c_char; 2],
}

/// An empty environment (see `CheckArgs`).
static EMPTY_ENVP: [usize; 1] = [0];

/// Longest argv[0] passed to the kernel. Past MAX_ARG_STRLEN (32 pages) the
/// kernel would answer E2BIG, and the name is only cosmetic, so a longer name
/// is cut to its tail (which keeps the file name) without copying it.
const MAX_NAME: usize = 4096;

impl CheckArgs {
    /// `name` must be NUL-terminated and outlive the check; NULL means "".
    pub fn new(name: *const c_char) -> CheckArgs {
        let name = if name.is_null() {
            c"".as_ptr()
        } else {
            // SAFETY: the caller guarantees a NUL-terminated string.
            let len = unsafe { libc::strlen(name) };
            // SAFETY: the offset stays inside the string, before its NUL.
            unsafe { name.add(len.saturating_sub(MAX_NAME - 1)) }
        };
        CheckArgs {
            argv: [name, std::ptr::null()],
        }
    }
}

/// One `execveat(fd, "", {name}, {}, AT_EMPTY_PATH | AT_EXECVE_CHECK)`.
///
/// Safe to call in a `CLONE_VM` child: a raw syscall, no allocation, no
/// thread-local state (the errno it leaves behind belongs to the caller).
pub fn execve_check(fd: c_int, args: &CheckArgs) -> Result<(), Errno> {
    // SAFETY: the path is a valid empty string, argv and envp are
    // NULL-terminated arrays of valid strings that outlive the call.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_execveat,
            fd,
            c"".as_ptr(),
            args.argv.as_ptr(),
            EMPTY_ENVP.as_ptr(),
            libc::AT_EMPTY_PATH | AT_EXECVE_CHECK,
        )
    };
    if ret == 0 {
        Ok(())
    } else {
        Err(last_errno())
    }
}

/// `prctl(PR_GET_SECUREBITS)`: the calling thread's securebits.
pub fn get_securebits() -> Result<c_long, Errno> {
    // SAFETY: PR_GET_SECUREBITS takes no pointer arguments.
    let ret = unsafe { libc::prctl(libc::PR_GET_SECUREBITS, 0, 0, 0, 0) };
    if ret < 0 {
        Err(last_errno())
    } else {
        Ok(ret as c_long)
    }
}

/// `prctl(PR_SET_SECUREBITS, bits)`: changes the calling thread only.
pub fn set_securebits(bits: c_long) -> Result<(), Errno> {
    // SAFETY: PR_SET_SECUREBITS takes a plain integer.
    let ret = unsafe { libc::prctl(libc::PR_SET_SECUREBITS, bits, 0, 0, 0) };
    if ret < 0 {
        Err(last_errno())
    } else {
        Ok(())
    }
}

/// `fstat(fd)`.
pub fn fstat(fd: c_int) -> Result<libc::stat, Errno> {
    // SAFETY: an all-zero `stat` is a valid value; the kernel fills it in.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is a valid, writable `stat`.
    if unsafe { libc::fstat(fd, &mut st) } == 0 {
        Ok(st)
    } else {
        Err(last_errno())
    }
}

/// `stat(path)`.
pub fn stat(path: &CStr) -> Result<libc::stat, Errno> {
    // SAFETY: an all-zero `stat` is a valid value; the kernel fills it in.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: a valid C string and a valid, writable `stat`.
    if unsafe { libc::stat(path.as_ptr(), &mut st) } == 0 {
        Ok(st)
    } else {
        Err(last_errno())
    }
}

/// `unshare(CLONE_THREAD)`: unshares nothing, and fails with EINVAL when
/// the thread group has other threads (documented in unshare(2)). That makes
/// it a ~0.2 us "am I the only thread?" question.
pub fn unshare_thread() -> Result<(), Errno> {
    // SAFETY: unsharing the thread group is not implemented: the kernel only
    // answers 0 (nothing to do) or EINVAL; no state changes.
    if unsafe { libc::syscall(libc::SYS_unshare, libc::CLONE_THREAD) } == 0 {
        Ok(())
    } else {
        Err(last_errno())
    }
}

/// `uname()`'s release field, NUL-terminated (e.g. "6.18.4-amd64").
pub fn kernel_release() -> Result<[c_char; 65], Errno> {
    // SAFETY: an all-zero `utsname` is a valid value; the kernel fills it in.
    let mut uts: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `uts` is a valid, writable `utsname`.
    if unsafe { libc::uname(&mut uts) } == 0 {
        Ok(uts.release)
    } else {
        Err(last_errno())
    }
}

/// The `ST_*` mount flags of the filesystem holding `fd` (`fstatvfs`).
pub fn mount_flags(fd: c_int) -> Result<libc::c_ulong, Errno> {
    // SAFETY: an all-zero `statvfs` is a valid value; the kernel fills it in.
    let mut svfs: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `svfs` is a valid, writable `statvfs`.
    if unsafe { libc::fstatvfs(fd, &mut svfs) } == 0 {
        Ok(svfs.f_flag)
    } else {
        Err(last_errno())
    }
}

/// Exec permission of the file at `fd` for the caller's *effective* ids
/// (`faccessat2(fd, "", X_OK, AT_EMPTY_PATH | AT_EACCESS)`, Linux >= 5.8).
pub fn may_exec_effective(fd: c_int) -> Result<(), Errno> {
    // SAFETY: a raw syscall with a valid empty path.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_faccessat2,
            fd,
            c"".as_ptr(),
            libc::X_OK,
            libc::AT_EMPTY_PATH | libc::AT_EACCESS,
        )
    };
    if ret == 0 {
        Ok(())
    } else {
        Err(last_errno())
    }
}

/// `openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY)`.
///
/// # Safety
/// `path` must be a valid NUL-terminated string.
pub unsafe fn open_read(dirfd: c_int, path: *const c_char) -> Result<c_int, Errno> {
    let mut interrupted = 0;
    loop {
        // SAFETY: the caller guarantees `path`.
        let fd = unsafe {
            libc::openat(
                dirfd,
                path,
                libc::O_RDONLY | libc::O_CLOEXEC | libc::O_NOCTTY,
            )
        };
        match fd {
            -1 if last_errno() == libc::EINTR && interrupted < MAX_EINTR_RETRIES => {
                interrupted += 1
            }
            -1 => return Err(last_errno()),
            fd => return Ok(fd),
        }
    }
}

/// `close(fd)`, ignoring the result: used only on fds this library opened.
pub fn close(fd: c_int) {
    // SAFETY: closing an fd this library opened and owns.
    unsafe { libc::close(fd) };
}

/// `openat(dirfd, path, flags | O_CLOEXEC)`, once (no EINTR retry: for the
/// `execcheck` command, which opens with `O_PATH` and for directories).
pub fn openat(dirfd: c_int, path: &CStr, flags: c_int) -> Result<c_int, Errno> {
    // SAFETY: a valid C string; the answer is a new descriptor or -1.
    let fd = unsafe { libc::openat(dirfd, path.as_ptr(), flags | libc::O_CLOEXEC) };
    if fd < 0 {
        Err(last_errno())
    } else {
        Ok(fd)
    }
}

/// `fstatat(dirfd, path, AT_SYMLINK_NOFOLLOW)`: the entry itself.
pub fn lstat_at(dirfd: c_int, path: &CStr) -> Result<libc::stat, Errno> {
    // SAFETY: an all-zero `stat` is a valid value; the kernel fills it in.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: a valid C string and a valid, writable `stat`.
    let ret = unsafe { libc::fstatat(dirfd, path.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) };
    if ret == 0 {
        Ok(st)
    } else {
        Err(last_errno())
    }
}

/// glibc's `__libc_single_threaded` (>= 2.32): nonzero until the process
/// first creates a thread, and never again after that. False elsewhere.
#[cfg(target_env = "gnu")]
pub fn libc_single_threaded() -> bool {
    extern "C" {
        static __libc_single_threaded: c_char;
    }
    // SAFETY: a byte glibc owns and keeps valid for the life of the process.
    unsafe { std::ptr::read_volatile(&raw const __libc_single_threaded) != 0 }
}

#[cfg(not(target_env = "gnu"))]
pub fn libc_single_threaded() -> bool {
    false
}

/// `secure_getenv(name)`: NULL in setuid/setgid programs, so an environment
/// variable never changes what a privileged program logs.
pub fn secure_getenv(name: &CStr) -> Option<&'static CStr> {
    extern "C" {
        // glibc and musl; the libc crate does not declare it for Linux.
        fn secure_getenv(name: *const c_char) -> *mut c_char;
    }
    // SAFETY: a valid C string; the answer is NULL or a C string in environ,
    // which this library never changes.
    let value = unsafe { secure_getenv(name.as_ptr()) };
    // SAFETY: non-NULL and NUL-terminated.
    (!value.is_null()).then(|| unsafe { CStr::from_ptr(value) })
}

/// The calling thread's name (`PR_GET_NAME`), NUL-terminated in `name`.
pub fn thread_name(name: &mut [u8; 17]) -> Result<(), Errno> {
    // SAFETY: PR_GET_NAME writes at most 16 bytes, NUL-terminated.
    if unsafe { libc::prctl(libc::PR_GET_NAME, name.as_mut_ptr(), 0, 0, 0) } == 0 {
        Ok(())
    } else {
        Err(last_errno())
    }
}

/// `readlinkat(AT_FDCWD, link, buf)`: the length of the target written into
/// `buf` (not NUL-terminated, cut to `buf`'s length). (`link` is a raw C
/// string: CStr's checked constructors are not inlined and could unwind,
/// which would bring std's panic runtime into the library.)
///
/// # Safety
/// `link` must be a valid NUL-terminated string.
pub unsafe fn readlink(link: *const c_char, buf: &mut [u8]) -> Result<usize, Errno> {
    // SAFETY: `link` is a C string by contract; `buf` is writable for its length.
    let len = unsafe {
        libc::syscall(
            libc::SYS_readlinkat,
            libc::AT_FDCWD,
            link,
            buf.as_mut_ptr(),
            buf.len(),
        )
    };
    if len < 0 {
        Err(last_errno())
    } else {
        Ok(len as usize)
    }
}

/// The process id.
pub fn getpid() -> libc::pid_t {
    // SAFETY: getpid cannot fail.
    unsafe { libc::syscall(libc::SYS_getpid) as libc::pid_t }
}

/// One `write(fd, bytes)`: how many bytes went out.
pub fn write(fd: c_int, bytes: &[u8]) -> Result<usize, Errno> {
    // SAFETY: a valid buffer of that length.
    let written = unsafe { libc::syscall(libc::SYS_write, fd, bytes.as_ptr(), bytes.len()) };
    if written < 0 {
        Err(last_errno())
    } else {
        Ok(written as usize)
    }
}

/// A close-on-exec `AF_UNIX` datagram socket.
pub fn unix_datagram_socket() -> Result<c_int, Errno> {
    // SAFETY: plain socket creation.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_socket,
            libc::AF_UNIX,
            libc::SOCK_DGRAM | libc::SOCK_CLOEXEC,
            0,
        )
    };
    if fd < 0 {
        Err(last_errno())
    } else {
        Ok(fd as c_int)
    }
}

/// One `sendto(fd, message, MSG_NOSIGNAL, to)`; the result is ignored by
/// design (logging only adds output).
pub fn send_to(fd: c_int, message: &[u8], to: &libc::sockaddr_un) {
    // SAFETY: valid buffer and address of the given sizes.
    unsafe {
        libc::syscall(
            libc::SYS_sendto,
            fd,
            message.as_ptr(),
            message.len(),
            libc::MSG_NOSIGNAL,
            to as *const libc::sockaddr_un,
            std::mem::size_of::<libc::sockaddr_un>(),
        );
    }
}

/// The calling thread's errno.
pub fn last_errno() -> Errno {
    // SAFETY: __errno_location always returns this thread's errno slot.
    unsafe { *libc::__errno_location() }
}

/// Set the calling thread's errno (used to give it back to C callers intact).
pub fn set_errno(value: Errno) {
    // SAFETY: __errno_location always returns this thread's errno slot.
    unsafe { *libc::__errno_location() = value };
}

/// A thread's signal mask as the kernel keeps it (`_NSIG` bits).
#[derive(Clone, Copy)]
pub struct SignalMask([u64; SIGSET_WORDS]);

#[cfg(any(target_arch = "mips", target_arch = "mips64"))]
const SIGSET_WORDS: usize = 2;
#[cfg(not(any(target_arch = "mips", target_arch = "mips64")))]
const SIGSET_WORDS: usize = 1;

/// `rt_sigprocmask(SIG_SETMASK, every signal)`: block all that a thread can
/// block, glibc's internal SIGCANCEL and SIGSETXID too (its wrappers never
/// block those); returns the mask to restore. The kernel leaves SIGKILL and
/// SIGSTOP unblocked.
pub fn block_all_signals() -> Result<SignalMask, Errno> {
    let all = SignalMask([!0; SIGSET_WORDS]);
    let mut old = SignalMask([0; SIGSET_WORDS]);
    // SAFETY: two valid kernel-sized sigsets.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_rt_sigprocmask,
            libc::SIG_SETMASK,
            all.0.as_ptr(),
            old.0.as_mut_ptr(),
            std::mem::size_of::<SignalMask>(),
        )
    };
    if ret == 0 {
        Ok(old)
    } else {
        Err(last_errno())
    }
}

/// `rt_sigprocmask(SIG_SETMASK, mask)`: give back a mask saved by
/// `block_all_signals` (it cannot fail where that succeeded).
pub fn set_signal_mask(mask: &SignalMask) {
    // SAFETY: a valid kernel-sized sigset; no old mask wanted.
    unsafe {
        libc::syscall(
            libc::SYS_rt_sigprocmask,
            libc::SIG_SETMASK,
            mask.0.as_ptr(),
            std::ptr::null_mut::<u64>(),
            std::mem::size_of::<SignalMask>(),
        )
    };
}

/// `clone(flags)` running `run(arg)` on the stack that ends at `stack_top`
/// (glibc's wrapper: the child calls `run`, then the `exit` system call with
/// its result). Returns the child's id.
///
/// # Safety
/// `stack_top` must be 16-byte aligned and stay valid while the child runs;
/// with `CLONE_VM` the child shares the caller's memory, thread-local storage
/// and errno, so `run` must only make raw system calls.
pub unsafe fn clone(
    run: extern "C" fn(*mut libc::c_void) -> c_int,
    stack_top: *mut libc::c_void,
    flags: c_int,
    arg: *mut libc::c_void,
) -> Result<libc::pid_t, Errno> {
    // SAFETY: forwarded from our caller's contract.
    let pid = unsafe { libc::clone(run, stack_top, flags, arg) };
    if pid < 0 {
        Err(last_errno())
    } else {
        Ok(pid)
    }
}
