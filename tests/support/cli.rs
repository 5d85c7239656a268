// SPDX-License-Identifier: MIT OR Apache-2.0
//! Helpers shared by the CLI and audit tests: run the real binary, make
//! scratch directories, and mount tmpfs in a mount namespace private to the
//! calling test thread (so nothing is left mounted on the host, even when a
//! test fails).

use crate::syscalls::{c_path, private_mount_namespace};
use crate::{temp_path, Tmpfs};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Run the command at `binary` with `args`, without the caller's audit log
/// setting. Only the test crate knows where cargo built the command
/// (`env!("CARGO_BIN_EXE_execcheck")`), so it passes the path.
pub fn execcheck_at<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(binary: &str, args: I) -> Output {
    run(Command::new(binary).args(args).env_remove("EXECCHECK_LOG"))
}

/// Run to completion; stdin is empty.
pub fn run(command: &mut Command) -> Output {
    command
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"))
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Assert the exit code, showing everything when it is wrong.
#[track_caller]
pub fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(output),
        stderr(output)
    );
}

/// A scratch directory, removed (with its contents) on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new() -> Scratch {
        let dir = temp_path("cli-test");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).unwrap();
        Scratch(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh tmpfs (`noexec` or not) at `name` in `scratch`, mounted in a
/// mount namespace private to the calling thread. Declare it after the
/// Scratch holding it: it is unmounted first.
pub fn private_tmpfs(scratch: &Scratch, name: &str, noexec: bool) -> Tmpfs {
    private_mount_namespace();
    Tmpfs::at(scratch.path(name), noexec)
}

/// A named pipe.
pub fn mkfifo(path: &Path) {
    // SAFETY: a valid C string.
    assert_eq!(unsafe { libc::mkfifo(c_path(path).as_ptr(), 0o644) }, 0);
}
