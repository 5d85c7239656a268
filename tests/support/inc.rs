// SPDX-License-Identifier: MIT OR Apache-2.0
//! The example interpreter (examples/inc/inc.c): build it against this cargo
//! build's static library, and run it the ways code reaches an interpreter.

use super::Tmpfs;
use execcheck::Policy;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// rustc's `--print native-static-libs` for this crate on glibc: what a
/// program linking libexeccheck.a needs (meson.build has the same list for
/// the pkg-config file; a missing entry fails the static links below).
pub const NATIVE_STATIC_LIBS: &[&str] = &[
    "-lgcc_s",
    "-lutil",
    "-lrt",
    "-lpthread",
    "-lm",
    "-ldl",
    "-lc",
];

/// The static library cargo built for the running test or example. It lives
/// in `<profile>/deps/`, two levels above the executable; the copy cargo
/// "uplifts" to `<profile>/` is refreshed by `cargo build` but not by
/// `cargo test`, so it may be stale.
pub fn static_library() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile = exe.parent().and_then(Path::parent).unwrap();
    profile.join("deps/libexeccheck.a")
}

/// The shared library cargo built for the running test (deps/, as above).
pub fn shared_library() -> PathBuf {
    static_library().with_file_name("libexeccheck.so")
}

/// Compile inc into `dir` with the C flags the project's C code must pass.
pub fn build(dir: &Path) -> PathBuf {
    // This crate lives in tests/support of the project's tree.
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let out = dir.join("inc");
    let status = Command::new("cc")
        .args([
            "-std=c99",
            "-O2",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            "-o",
        ])
        .arg(&out)
        .arg("-I")
        .arg(root.join("include"))
        .arg(root.join("examples/inc/inc.c"))
        .arg(static_library())
        .args(NATIVE_STATIC_LIBS)
        .status()
        .expect("cc (gcc) is needed to build the example interpreter");
    assert!(status.success(), "building examples/inc/inc.c failed");
    out
}

/// One way code reaches the interpreter.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Case {
    /// `./script` with a `#!inc` line, mode 0755.
    DirectExecutable,
    /// `./script`, mode 0644: the kernel's own execve refuses it.
    DirectNotExecutable,
    /// `inc FILE`, mode 0755.
    FileExecutable,
    /// `inc FILE`, mode 0644.
    FileNotExecutable,
    /// `inc FILE`, mode 0755 on a `noexec` tmpfs.
    FileOnNoexec,
    /// `inc < FILE`, mode 0755.
    StdinExecutableFile,
    /// `inc < FILE`, mode 0644.
    StdinNotExecutableFile,
    /// `echo code | inc`.
    StdinPipe,
    /// `inc -c CODE`.
    Argument,
    /// `INC_PRELUDE=CODE inc FILE` (FILE 0755).
    Environment,
}

impl Case {
    pub const ALL: [Case; 10] = [
        Case::DirectExecutable,
        Case::DirectNotExecutable,
        Case::FileExecutable,
        Case::FileNotExecutable,
        Case::FileOnNoexec,
        Case::StdinExecutableFile,
        Case::StdinNotExecutableFile,
        Case::StdinPipe,
        Case::Argument,
        Case::Environment,
    ];

    pub fn describe(self) -> &'static str {
        match self {
            Case::DirectExecutable => "./script        (0755)",
            Case::DirectNotExecutable => "./script        (0644)",
            Case::FileExecutable => "inc script      (0755)",
            Case::FileNotExecutable => "inc script      (0644)",
            Case::FileOnNoexec => "inc script      (noexec)",
            Case::StdinExecutableFile => "inc < script   (0755)",
            Case::StdinNotExecutableFile => "inc < script   (0644)",
            Case::StdinPipe => "echo code | inc",
            Case::Argument => "inc -c code",
            Case::Environment => "INC_PRELUDE=code",
        }
    }
}

/// What happened when a case ran.
#[derive(Debug)]
pub enum Outcome {
    /// The code ran (exit 0, printed its line).
    Ran,
    /// The interpreter refused it (exit 126), with its message.
    Refused(String),
    /// The interpreter could not open the script (exit 127), with its message.
    CannotOpen(String),
    /// The kernel's own execve refused to start it.
    ExecFailed(std::io::Error),
    /// Anything else: a bug.
    Unexpected(String),
}

/// Scripts on an exec tmpfs and a noexec tmpfs, and the interpreter.
pub struct Fixture {
    pub inc: PathBuf,
    exec: Tmpfs,
    noexec: Tmpfs,
}

const CODE: &str = "print hello from inc\n";

impl Fixture {
    pub fn new() -> Fixture {
        let exec = Tmpfs::new(false);
        let noexec = Tmpfs::new(true);
        let inc = build(&exec.path);
        let script = format!("#!{}\n{CODE}", inc.display());
        exec.file("x.inc", &script, 0o755);
        exec.file("r.inc", &script, 0o644);
        noexec.file("x.inc", &script, 0o755);
        Fixture { inc, exec, noexec }
    }

    /// Run `case` with the exec securebits set to `policy` in the child.
    pub fn run(&self, case: Case, policy: Policy) -> Outcome {
        let executable = self.exec.path.join("x.inc");
        let readable = self.exec.path.join("r.inc");
        let (mut cmd, stdin): (Command, Option<Stdio>) = match case {
            Case::DirectExecutable => (Command::new(&executable), None),
            Case::DirectNotExecutable => (Command::new(&readable), None),
            Case::FileExecutable => (self.inc_with(&executable), None),
            Case::FileNotExecutable => (self.inc_with(&readable), None),
            Case::FileOnNoexec => (self.inc_with(&self.noexec.path.join("x.inc")), None),
            Case::StdinExecutableFile => (Command::new(&self.inc), Some(file_stdin(&executable))),
            Case::StdinNotExecutableFile => (Command::new(&self.inc), Some(file_stdin(&readable))),
            Case::StdinPipe => (Command::new(&self.inc), Some(Stdio::piped())),
            Case::Argument => {
                let mut cmd = Command::new(&self.inc);
                cmd.args(["-c", CODE.trim_end()]);
                (cmd, None)
            }
            Case::Environment => {
                let mut cmd = self.inc_with(&executable);
                cmd.env("INC_PRELUDE", "print prelude");
                (cmd, None)
            }
        };
        cmd.stdin(stdin.unwrap_or(Stdio::null()));
        // SAFETY: prctl is async-signal-safe; nothing here allocates.
        unsafe { cmd.pre_exec(move || policy.install()) };
        outcome(cmd)
    }

    /// `inc FILE` run by nobody (uid and gid 65534) with `policy`, FILE a
    /// fresh script of mode `mode` on the exec mount. (std drops root's
    /// supplementary groups with the uid.)
    pub fn run_unprivileged(&self, mode: u32, policy: Policy) -> Outcome {
        let script = self.exec.file(&format!("nobody-{mode:o}.inc"), CODE, mode);
        let mut cmd = self.inc_with(&script);
        cmd.stdin(Stdio::null()).uid(65534).gid(65534);
        // SAFETY: prctl is async-signal-safe; nothing here allocates.
        unsafe { cmd.pre_exec(move || policy.install()) };
        outcome(cmd)
    }

    /// The objects the cases use, for showing verdicts without running them.
    pub fn objects(&self) -> [(&'static str, PathBuf); 4] {
        [
            ("script, mode 0755", self.exec.path.join("x.inc")),
            ("script, mode 0644", self.exec.path.join("r.inc")),
            (
                "script, 0755, on a noexec mount",
                self.noexec.path.join("x.inc"),
            ),
            ("a directory", self.exec.path.clone()),
        ]
    }

    fn inc_with(&self, script: &Path) -> Command {
        let mut cmd = Command::new(&self.inc);
        cmd.arg(script);
        cmd
    }
}

/// Run `cmd` (stdin set up, policy installed) and classify what happened.
fn outcome(mut cmd: Command) -> Outcome {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => return Outcome::ExecFailed(e),
    };
    if let Some(mut pipe) = child.stdin.take() {
        let _ = pipe.write_all(CODE.as_bytes());
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).trim_end().to_string();
    match out.status.code() {
        Some(0) if stdout.contains("hello from inc") => Outcome::Ran,
        Some(126) => Outcome::Refused(stderr),
        Some(127) => Outcome::CannotOpen(stderr),
        code => Outcome::Unexpected(format!(
            "exit {code:?}, stdout {stdout:?}, stderr {stderr:?}"
        )),
    }
}

fn file_stdin(path: &Path) -> Stdio {
    Stdio::from(std::fs::File::open(path).unwrap())
}

/// The four combinations of the two securebits.
pub const POLICIES: [Policy; 4] = [
    Policy::empty(),
    Policy::RESTRICT_FILE,
    Policy::DENY_INTERACTIVE,
    Policy::RESTRICT_FILE.union(Policy::DENY_INTERACTIVE),
];
