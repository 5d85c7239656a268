// SPDX-License-Identifier: MIT OR Apache-2.0
//! `execcheck check [-r] PATH...`: the kernel's verdict for files and trees.
//!
//! Files are opened with `O_PATH`: the check accepts such descriptors, and
//! an `O_PATH` open reads nothing, so it cannot block on a FIFO, start a
//! device, trigger fanotify access decisions (fapolicyd) or IMA's FILE_CHECK
//! measurement, or touch access times. Each check briefly denies writers to
//! the file (as any exec does): a program opening it for writing during
//! those ~20 us gets ETXTBSY, so scans of files being written are best
//! avoided. Trees are walked with `openat` relative to each directory (no
//! path is resolved twice, no symlink is followed on the way down).

use crate::args::{self, Order, Spec};
use crate::{text, EXIT_OK, EXIT_REFUSED, EXIT_TROUBLE};
use execcheck::command_support::{self as lib, Seen};
use execcheck::CheckFlags;
use std::ffi::{CStr, CString, OsString};
use std::io::{self, BufWriter, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::time::Instant;

const HELP: &str = "\
Usage: execcheck check [OPTIONS] PATH...

Print the kernel's verdict for each file: would it execute it
(execveat with AT_EXECVE_CHECK)? One line per file: VERDICT REASON PATH.

Options:
  -r, --recursive          check every file under each directory
  -x, --one-file-system    with -r, do not enter other file systems
  -q, --quiet              list only files that would not be allowed; no summary
      --json               print one JSON document instead
  -h, --help               show this help and exit

Symbolic links named as PATH are followed. Under a directory, a link to a
regular file gets the verdict of that file; links to directories are not
followed, and dangling links, FIFOs, sockets and devices are skipped.

Exit status: 0 all allowed, 1 some refused or busy, 2 usage error or some
path could not be checked.
";

#[derive(Clone, Copy)]
enum Opt {
    Recursive,
    OneFileSystem,
    Quiet,
    Json,
    Help,
}

const SPECS: &[Spec<Opt>] = &[
    Spec::new(Some('r'), "recursive", Opt::Recursive),
    Spec::new(Some('x'), "one-file-system", Opt::OneFileSystem),
    Spec::new(Some('q'), "quiet", Opt::Quiet),
    Spec::new(None, "json", Opt::Json),
    Spec::new(Some('h'), "help", Opt::Help),
];

#[derive(Default)]
struct Settings {
    recursive: bool,
    one_file_system: bool,
    quiet: bool,
    json: bool,
}

pub fn main(args: &[OsString]) -> u8 {
    let parsed = match args::parse(args, SPECS, Order::Anywhere) {
        Ok(parsed) => parsed,
        Err(message) => return crate::usage_error(&message),
    };
    let mut settings = Settings::default();
    for option in parsed.options {
        match option {
            Opt::Recursive => settings.recursive = true,
            Opt::OneFileSystem => settings.one_file_system = true,
            Opt::Quiet => settings.quiet = true,
            Opt::Json => settings.json = true,
            Opt::Help => return crate::print_help(HELP),
        }
    }
    if parsed.operands.is_empty() {
        return crate::usage_error("check: no PATH given");
    }
    if !execcheck::is_supported() {
        return crate::fail(
            "the kernel cannot run the check: AT_EXECVE_CHECK needs Linux 6.14 or later \
             (or a seccomp filter blocks execveat)",
            EXIT_TROUBLE,
        );
    }
    let mut checker = Checker {
        out: BufWriter::new(io::stdout().lock()),
        settings,
        tally: Tally::default(),
        records: 0,
    };
    let started = Instant::now();
    let written = checker.run(&parsed.operands);
    let seconds = started.elapsed().as_secs_f64();
    if let Err(error) = written.and_then(|()| checker.finish(seconds)) {
        return crate::fail(
            &format!("write error: {}", text::describe_io(&error)),
            EXIT_TROUBLE,
        );
    }
    checker.tally.exit_code()
}

/// The kernel's answer for one file, explained.
enum Verdict {
    Allowed,
    /// `reason` says why, as far as file metadata can tell.
    Refused {
        errno: i32,
        reason: String,
    },
    /// Open for writing by some process (ETXTBSY): not a policy decision.
    Busy,
    /// Not checked at all.
    Error {
        errno: i32,
        reason: &'static str,
    },
}

impl Verdict {
    fn name(&self) -> &'static str {
        match self {
            Verdict::Allowed => "allowed",
            Verdict::Refused { .. } => "refused",
            Verdict::Busy => "busy",
            Verdict::Error { .. } => "error",
        }
    }

    fn errno(&self) -> Option<i32> {
        match self {
            Verdict::Allowed => None,
            Verdict::Refused { errno, .. } | Verdict::Error { errno, .. } => Some(*errno),
            Verdict::Busy => Some(libc::ETXTBSY),
        }
    }

    fn reason(&self) -> &str {
        match self {
            Verdict::Allowed => "-",
            Verdict::Refused { reason, .. } => reason,
            Verdict::Busy => "open-for-writing",
            Verdict::Error { reason, .. } => reason,
        }
    }
}

/// Ask the kernel about the file open at `fd`.
fn verdict(fd: BorrowedFd<'_>) -> Verdict {
    let error = match execcheck::check_fd(fd, CheckFlags::empty()) {
        Ok(()) => return Verdict::Allowed,
        Err(error) => error.raw_os_error().unwrap_or(libc::EIO),
    };
    match error {
        libc::ETXTBSY => Verdict::Busy,
        libc::EACCES => Verdict::Refused {
            errno: error,
            reason: explain_eacces(fd).into(),
        },
        // EPERM or ENOSYS from a seccomp filter, EBADF, ...: refused all the
        // same, as an interpreter under RESTRICT_FILE would refuse it.
        _ => Verdict::Refused {
            errno: error,
            reason: text::errno_name(error),
        },
    }
}

/// Why EACCES, in the order the kernel tests: the file type, the mount, the
/// exec permission for our effective ids (the library's emulation reads
/// them); else a security module said no (IMA appraisal, IPE, Landlock,
/// SELinux, AppArmor).
fn explain_eacces(fd: BorrowedFd<'_>) -> &'static str {
    match lib::inspect(fd.as_raw_fd()) {
        Ok(Some(Seen::NotRegularFile)) => "not-regular-file",
        Ok(Some(Seen::NoexecMount)) => "noexec-mount",
        Ok(Some(Seen::NoExecPermission(_))) => "no-exec-permission",
        Ok(None) | Err(_) => "security-module",
    }
}

#[derive(Default)]
struct Tally {
    allowed: u64,
    refused: u64,
    busy: u64,
    errors: u64,
    skipped: u64,
}

impl Tally {
    fn count(&mut self, verdict: &Verdict) {
        match verdict {
            Verdict::Allowed => self.allowed += 1,
            Verdict::Refused { .. } => self.refused += 1,
            Verdict::Busy => self.busy += 1,
            Verdict::Error { .. } => self.errors += 1,
        }
    }

    fn checked(&self) -> u64 {
        self.allowed + self.refused + self.busy
    }

    fn exit_code(&self) -> u8 {
        if self.errors > 0 {
            EXIT_TROUBLE
        } else if self.refused + self.busy > 0 {
            EXIT_REFUSED
        } else {
            EXIT_OK
        }
    }
}

struct Checker<W: Write> {
    out: W,
    settings: Settings,
    tally: Tally,
    /// Records written so far (JSON needs commas between them).
    records: u64,
}

/// `openat(dir, name, flags | O_CLOEXEC)`, owned.
fn open_at(dir: Option<BorrowedFd<'_>>, name: &CStr, flags: libc::c_int) -> Result<OwnedFd, i32> {
    let dir = dir.map_or(libc::AT_FDCWD, |dir| dir.as_raw_fd());
    // SAFETY: a fresh descriptor that nothing else owns.
    lib::openat(dir, name, flags).map(|fd| unsafe { OwnedFd::from_raw_fd(fd) })
}

fn fstat(fd: BorrowedFd<'_>) -> Result<libc::stat, i32> {
    lib::fstat(fd.as_raw_fd())
}

fn is_dir(st: &libc::stat) -> bool {
    st.st_mode & libc::S_IFMT == libc::S_IFDIR
}

/// The entries of a directory, sorted by name (stable output for diffs
/// between machines), without `.` and `..`.
fn read_entries(dir: BorrowedFd<'_>) -> Result<Vec<(CString, u8)>, i32> {
    // fdopendir takes its descriptor: give it a duplicate, keep `dir` for openat.
    let stream_fd = dir
        .try_clone_to_owned()
        .map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))?;
    // SAFETY: a valid directory descriptor, owned by the stream from now on.
    let stream = unsafe { libc::fdopendir(stream_fd.as_raw_fd()) };
    if stream.is_null() {
        return Err(io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO));
    }
    std::mem::forget(stream_fd);
    let mut entries = Vec::new();
    let result = loop {
        // Reset errno, to tell the end from an error.
        lib::set_errno(0);
        // SAFETY: a valid open stream.
        let entry = unsafe { libc::readdir(stream) };
        if entry.is_null() {
            let errno = io::Error::last_os_error().raw_os_error().unwrap_or(0);
            break if errno == 0 { Ok(()) } else { Err(errno) };
        }
        // SAFETY: readdir returned a valid entry with a NUL-terminated name.
        let (name, kind) = unsafe { (CStr::from_ptr((*entry).d_name.as_ptr()), (*entry).d_type) };
        if name != c"." && name != c".." {
            entries.push((name.to_owned(), kind));
        }
    };
    // SAFETY: closing the stream we opened (and its descriptor).
    unsafe { libc::closedir(stream) };
    result?;
    entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    Ok(entries)
}

/// `DT_*` for an entry whose type readdir did not give.
fn entry_type(dir: BorrowedFd<'_>, name: &CStr) -> u8 {
    let Ok(st) = lib::lstat_at(dir.as_raw_fd(), name) else {
        return libc::DT_UNKNOWN;
    };
    match st.st_mode & libc::S_IFMT {
        libc::S_IFDIR => libc::DT_DIR,
        libc::S_IFREG => libc::DT_REG,
        libc::S_IFLNK => libc::DT_LNK,
        _ => libc::DT_UNKNOWN,
    }
}

impl<W: Write> Checker<W> {
    fn run(&mut self, operands: &[OsString]) -> io::Result<()> {
        if self.settings.json {
            self.out.write_all(b"{\"files\":[")?;
        }
        for operand in operands {
            self.check_operand(operand)?;
        }
        Ok(())
    }

    /// A PATH from the command line: followed if it is a symlink, as ls and
    /// getcap do; a directory only with -r.
    fn check_operand(&mut self, operand: &OsString) -> io::Result<()> {
        let path = operand.as_bytes();
        let Ok(name) = CString::new(path) else {
            return self.error(path, libc::EINVAL, "cannot-open");
        };
        let fd = match open_at(None, &name, libc::O_PATH) {
            Ok(fd) => fd,
            Err(errno) => return self.error(path, errno, "cannot-open"),
        };
        match fstat(fd.as_fd()) {
            Ok(st) if is_dir(&st) && self.settings.recursive => {
                match open_at(Some(fd.as_fd()), c".", libc::O_RDONLY | libc::O_DIRECTORY) {
                    Ok(dir) => self.walk(dir.as_fd(), &mut path.to_vec(), st.st_dev),
                    Err(errno) => self.error(path, errno, "cannot-read-directory"),
                }
            }
            Ok(st) if is_dir(&st) => self.error(path, libc::EISDIR, "directory-without-r"),
            _ => self.record(path, &verdict(fd.as_fd())),
        }
    }

    /// Every file under `dir`, depth first, in name order. `path` is the
    /// directory's name for the output; `device` its file system.
    fn walk(
        &mut self,
        dir: BorrowedFd<'_>,
        path: &mut Vec<u8>,
        device: libc::dev_t,
    ) -> io::Result<()> {
        let entries = match read_entries(dir) {
            Ok(entries) => entries,
            Err(errno) => return self.error(path, errno, "cannot-read-directory"),
        };
        for (name, kind) in entries {
            let parent_len = path.len();
            if !path.ends_with(b"/") {
                path.push(b'/');
            }
            path.extend_from_slice(name.as_bytes());
            let kind = if kind == libc::DT_UNKNOWN {
                entry_type(dir, &name)
            } else {
                kind
            };
            let done = match kind {
                libc::DT_DIR => self.enter(dir, &name, path, device),
                libc::DT_REG => match open_at(Some(dir), &name, libc::O_PATH | libc::O_NOFOLLOW) {
                    Ok(fd) => self.record(path, &verdict(fd.as_fd())),
                    Err(errno) => self.error(path, errno, "cannot-open"),
                },
                libc::DT_LNK => self.follow_link(dir, &name, path),
                _ => {
                    self.tally.skipped += 1; // FIFOs, sockets, devices: not scripts
                    Ok(())
                }
            };
            path.truncate(parent_len);
            done?;
        }
        Ok(())
    }

    /// A subdirectory, entered without following a symlink swapped in.
    fn enter(
        &mut self,
        dir: BorrowedFd<'_>,
        name: &CStr,
        path: &mut Vec<u8>,
        device: libc::dev_t,
    ) -> io::Result<()> {
        let sub = match open_at(
            Some(dir),
            name,
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW,
        ) {
            Ok(sub) => sub,
            Err(errno) => return self.error(path, errno, "cannot-read-directory"),
        };
        if self.settings.one_file_system
            && fstat(sub.as_fd()).map_or(true, |st| st.st_dev != device)
        {
            self.tally.skipped += 1;
            return Ok(());
        }
        self.walk(sub.as_fd(), path, device)
    }

    /// A link under a tree: what an interpreter opening this name would get,
    /// if it leads to a regular file; links to anything else are skipped, so
    /// the walk never leaves the tree nor loops.
    fn follow_link(&mut self, dir: BorrowedFd<'_>, name: &CStr, path: &[u8]) -> io::Result<()> {
        let target = open_at(Some(dir), name, libc::O_PATH).ok();
        match target {
            Some(fd)
                if fstat(fd.as_fd()).is_ok_and(|st| st.st_mode & libc::S_IFMT == libc::S_IFREG) =>
            {
                self.record(path, &verdict(fd.as_fd()))
            }
            _ => {
                self.tally.skipped += 1;
                Ok(())
            }
        }
    }

    fn error(&mut self, path: &[u8], errno: i32, reason: &'static str) -> io::Result<()> {
        self.record(path, &Verdict::Error { errno, reason })
    }

    fn record(&mut self, path: &[u8], verdict: &Verdict) -> io::Result<()> {
        self.tally.count(verdict);
        if let Verdict::Error { errno, .. } = verdict {
            let why = text::describe(*errno);
            let hint = if *errno == libc::EISDIR {
                " (use -r for the files under it)"
            } else {
                ""
            };
            eprintln!("execcheck: {}: {why}{hint}", text::for_line(path));
        }
        let listed = !self.settings.quiet || !matches!(verdict, Verdict::Allowed);
        if !listed {
            return Ok(());
        }
        if self.settings.json {
            let separator = if self.records == 0 { "\n" } else { ",\n" };
            let mut record = format!(
                "{separator}{{{},\"verdict\":\"{}\"",
                text::json_path("path", path),
                verdict.name()
            );
            if let Some(errno) = verdict.errno() {
                record += &format!(
                    ",\"errno\":\"{}\",\"reason\":\"{}\"",
                    text::errno_name(errno),
                    verdict.reason()
                );
            }
            record.push('}');
            self.out.write_all(record.as_bytes())?;
        } else if !matches!(verdict, Verdict::Error { .. }) {
            // Errors went to stderr above; stdout lists verdicts only.
            writeln!(
                self.out,
                "{:<7} {:<18} {}",
                verdict.name(),
                verdict.reason(),
                text::for_line(path)
            )?;
        }
        self.records += 1;
        Ok(())
    }

    /// The summary: in the JSON document, or one line on stderr.
    fn finish(&mut self, seconds: f64) -> io::Result<()> {
        let t = &self.tally;
        let rate = if seconds > 0.0 {
            t.checked() as f64 / seconds
        } else {
            0.0
        };
        if self.settings.json {
            writeln!(
                self.out,
                "\n],\n\"summary\":{{\"checked\":{},\"allowed\":{},\"refused\":{},\"busy\":{},\"errors\":{},\"skipped\":{},\"seconds\":{:.6}}}}}",
                t.checked(), t.allowed, t.refused, t.busy, t.errors, t.skipped, seconds
            )?;
        }
        self.out.flush()?;
        if !self.settings.json && !self.settings.quiet {
            eprintln!(
                "execcheck: {} files checked in {:.3} s ({:.0} files/s): {} allowed, {} refused, {} busy; {} errors, {} skipped",
                t.checked(), seconds, rate, t.allowed, t.refused, t.busy, t.errors, t.skipped
            );
        }
        Ok(())
    }
}
