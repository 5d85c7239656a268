// SPDX-License-Identifier: MIT OR Apache-2.0
//! `execcheck run`: set exec securebits, then execute a command, as a
//! session or service manager would. Like the kernel's
//! samples/check-exec/set-exec.c, but the bits are only locked on request,
//! and like setpriv(1), the command is looked up in PATH and exit codes
//! 126/127 say why it could not run.

use crate::args::{self, Order, Spec};
use crate::text::describe_io;
use crate::{EXIT_CANNOT_EXECUTE, EXIT_NOT_FOUND, EXIT_RUN_FAILED};
use execcheck::Policy;
use std::ffi::OsString;
use std::os::unix::process::CommandExt;

const HELP: &str = "\
Usage: execcheck run [OPTIONS] [--] COMMAND [ARG...]

Set exec securebits, then execute COMMAND. The bits are inherited by
COMMAND and everything it starts; bits already set stay set.

Options:
  -f, --restrict-file      set SECBIT_EXEC_RESTRICT_FILE: interpreters refuse
                           script files the kernel would not execute
  -i, --deny-interactive   set SECBIT_EXEC_DENY_INTERACTIVE: interpreters
                           refuse inline code (-c, -e, stdin, terminals)
      --lock               lock the bits set (SECBIT_EXEC_*_LOCKED), so no
                           descendant can clear them
  -h, --help               show this help and exit

Exit status: COMMAND's; 125 if the bits could not be set, 126 if COMMAND
could not be executed, 127 if it was not found; 2 on a usage error.
";

#[derive(Clone, Copy)]
enum Opt {
    RestrictFile,
    DenyInteractive,
    Lock,
    Help,
}

const SPECS: &[Spec<Opt>] = &[
    Spec::new(Some('f'), "restrict-file", Opt::RestrictFile),
    Spec::new(Some('i'), "deny-interactive", Opt::DenyInteractive),
    Spec::new(None, "lock", Opt::Lock),
    Spec::new(Some('h'), "help", Opt::Help),
];

/// Each bit, its lock, and its name in messages.
const BITS: [(Policy, Policy, &str); 2] = [
    (
        Policy::RESTRICT_FILE,
        Policy::RESTRICT_FILE_LOCKED,
        "restrict-file",
    ),
    (
        Policy::DENY_INTERACTIVE,
        Policy::DENY_INTERACTIVE_LOCKED,
        "deny-interactive",
    ),
];

pub fn main(args: &[OsString]) -> u8 {
    let parsed = match args::parse(args, SPECS, Order::StopAtOperand) {
        Ok(parsed) => parsed,
        Err(message) => return crate::usage_error(&message),
    };
    let (mut requested, mut lock) = (Policy::empty(), false);
    for option in parsed.options {
        match option {
            Opt::RestrictFile => requested |= Policy::RESTRICT_FILE,
            Opt::DenyInteractive => requested |= Policy::DENY_INTERACTIVE,
            Opt::Lock => lock = true,
            Opt::Help => return crate::print_help(HELP),
        }
    }
    if requested.is_empty() {
        return crate::usage_error(
            "run: nothing to set: give --restrict-file and/or --deny-interactive",
        );
    }
    let Some((command, command_args)) = parsed.operands.split_first() else {
        return crate::usage_error("run: no command given");
    };
    if let Err(message) = install(requested, lock) {
        return crate::fail(&message, EXIT_RUN_FAILED);
    }
    let error = std::process::Command::new(command)
        .args(command_args)
        .exec();
    let code = if error.kind() == std::io::ErrorKind::NotFound {
        EXIT_NOT_FOUND
    } else {
        EXIT_CANNOT_EXECUTE
    };
    let message = format!(
        "failed to execute {}: {}",
        command.to_string_lossy(),
        describe_io(&error)
    );
    crate::fail(&message, code)
}

/// Add the requested bits (and their locks) to this thread's securebits,
/// which the command inherits across exec.
fn install(requested: Policy, lock: bool) -> Result<(), String> {
    if !execcheck::is_supported() {
        return Err("the kernel has no exec securebits: Linux 6.14 or later is needed".into());
    }
    let current = Policy::current()
        .map_err(|error| format!("cannot read the securebits: {}", describe_io(&error)))?;
    let mut wanted = current | requested;
    for (bit, bit_lock, name) in BITS {
        if !requested.contains(bit) {
            continue;
        }
        if current.contains(bit_lock) && !current.contains(bit) {
            return Err(format!(
                "{name} is locked off in this process (by a parent): it cannot be set"
            ));
        }
        if lock {
            wanted |= bit_lock;
        }
    }
    wanted
        .install()
        .map_err(|error| format!("cannot set the exec securebits: {}", describe_io(&error)))
}
