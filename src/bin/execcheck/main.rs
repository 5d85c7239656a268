// SPDX-License-Identifier: MIT OR Apache-2.0
//! `execcheck`: ask the kernel whether it would execute files, show the exec
//! securebits, and run commands with them set. See man/man1/execcheck.1.
//!
//! Conventions (those of setpriv, getcap, systemd-analyze): results on
//! stdout, one record per line (or one JSON document with `--json`);
//! messages on stderr, prefixed `execcheck:`; the exit codes below never
//! change meaning. The program stays single-threaded, so the library checks
//! directly instead of through a child process (see src/check.rs).

mod args;
mod check;
mod run;
mod status;
mod text;

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

/// Every check allowed; `status` and `--help` succeeded.
pub const EXIT_OK: u8 = 0;
/// `check`: some file would be refused (or is busy).
pub const EXIT_REFUSED: u8 = 1;
/// Usage error, or `check` could not check some path.
pub const EXIT_TROUBLE: u8 = 2;
/// `run`: the exec securebits could not be set (as env(1), nice(1)).
pub const EXIT_RUN_FAILED: u8 = 125;
/// `run`: the command was found but could not be executed.
pub const EXIT_CANNOT_EXECUTE: u8 = 126;
/// `run`: the command was not found.
pub const EXIT_NOT_FOUND: u8 = 127;

const HELP: &str = "\
Usage: execcheck COMMAND [OPTIONS] [ARGS]

Ask the Linux kernel whether it would execute files (AT_EXECVE_CHECK), show
the exec securebits, and run commands with them set.

Commands:
  status                   kernel support, exec securebits, LSMs, IMA appraisal
  check [-r] PATH...       the kernel's verdict for each file, with the reason
  run [OPTIONS] -- CMD...  run CMD with exec securebits set

Options:
  -h, --help               show this help and exit
  -V, --version            show the version and exit

'execcheck COMMAND --help' shows a command's options; see execcheck(1).
";

fn main() -> ExitCode {
    // Like a C tool: `execcheck check -r / | head` ends quietly on SIGPIPE
    // instead of failing on EPIPE. `run` hands the default on to the command.
    // SAFETY: setting a signal disposition, before anything else runs.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let code = match args.first().and_then(|arg| arg.to_str()) {
        None => usage_error("no command given"),
        Some("-h" | "--help" | "help") => print_help(HELP),
        Some("-V" | "--version") => print_help(&format!("execcheck {}\n", execcheck::VERSION)),
        Some("status") => status::main(&args[1..]),
        Some("check") => check::main(&args[1..]),
        Some("run") => run::main(&args[1..]),
        Some(option) if option.starts_with('-') => {
            usage_error(&format!("unrecognized option '{option}'"))
        }
        Some(command) => usage_error(&format!("unknown command '{command}'")),
    };
    ExitCode::from(code)
}

/// Print `text` on stdout (help, version): success unless stdout fails.
pub fn print_help(text: &str) -> u8 {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => EXIT_OK,
        Err(error) => fail(
            &format!("write error: {}", text::describe_io(&error)),
            EXIT_TROUBLE,
        ),
    }
}

/// A usage error, reported as util-linux does.
pub fn usage_error(message: &str) -> u8 {
    eprintln!("execcheck: {message}\nTry 'execcheck --help' for more information.");
    EXIT_TROUBLE
}

/// A message on stderr, then `code`.
pub fn fail(message: &str, code: u8) -> u8 {
    eprintln!("execcheck: {message}");
    code
}
