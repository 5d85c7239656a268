// SPDX-License-Identifier: MIT OR Apache-2.0
//! `execcheck status`: what the kernel offers and what is in force here.

use crate::args::{self, Order, Spec};
use crate::{text, EXIT_OK, EXIT_TROUBLE};
use execcheck::Policy;
use std::ffi::OsString;
use std::fs;
use std::io::{self, Write};
use std::path::Path;

const HELP: &str = "\
Usage: execcheck status [--json]

Show whether the kernel supports AT_EXECVE_CHECK, this process's exec
securebits (inherited from the caller), the active LSMs, whether IMA
appraisal appears to be active, and EXECCHECK_LOG.

Options:
      --json               print one JSON object instead
  -h, --help               show this help and exit
";

#[derive(Clone, Copy)]
enum Opt {
    Json,
    Help,
}

const SPECS: &[Spec<Opt>] = &[
    Spec::new(None, "json", Opt::Json),
    Spec::new(Some('h'), "help", Opt::Help),
];

const SECURITYFS: &str = "/sys/kernel/security";

pub fn main(args: &[OsString]) -> u8 {
    let parsed = match args::parse(args, SPECS, Order::Anywhere) {
        Ok(parsed) => parsed,
        Err(message) => return crate::usage_error(&message),
    };
    let mut json = false;
    for option in parsed.options {
        match option {
            Opt::Json => json = true,
            Opt::Help => return crate::print_help(HELP),
        }
    }
    if let Some(extra) = parsed.operands.first() {
        return crate::usage_error(&format!(
            "status: unexpected argument '{}'",
            extra.to_string_lossy()
        ));
    }
    let policy = match Policy::current() {
        Ok(policy) => policy,
        Err(error) => {
            let message = format!("cannot read the securebits: {}", text::describe_io(&error));
            return crate::fail(&message, EXIT_TROUBLE);
        }
    };
    let status = Status {
        kernel: kernel_release(),
        supported: execcheck::is_supported(),
        policy,
        lsm: fs::read_to_string(Path::new(SECURITYFS).join("lsm")).ok(),
        ima: ima_appraisal(
            Path::new(SECURITYFS),
            &fs::read_to_string("/proc/cmdline").unwrap_or_default(),
        ),
        log: std::env::var_os("EXECCHECK_LOG"),
    };
    let shown = if json { status.json() } else { status.text() };
    let mut out = io::stdout().lock();
    match out.write_all(shown.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => EXIT_OK,
        Err(error) => crate::fail(
            &format!("write error: {}", text::describe_io(&error)),
            EXIT_TROUBLE,
        ),
    }
}

struct Status {
    kernel: String,
    supported: bool,
    policy: Policy,
    /// /sys/kernel/security/lsm, if securityfs is mounted.
    lsm: Option<String>,
    ima: Ima,
    log: Option<OsString>,
}

fn kernel_release() -> String {
    let Ok(release) = execcheck::command_support::kernel_release() else {
        return "unknown".into();
    };
    let bytes: Vec<u8> = release.iter().map(|&c| c as u8).collect();
    std::ffi::CStr::from_bytes_until_nul(&bytes).map_or("unknown".into(), |release| {
        release.to_string_lossy().into_owned()
    })
}

/// "off", "on", "off, locked", "on, locked".
fn bit_state(policy: Policy, bit: Policy, lock: Policy) -> &'static str {
    match (policy.contains(bit), policy.contains(lock)) {
        (false, false) => "off",
        (true, false) => "on",
        (false, true) => "off, locked",
        (true, true) => "on, locked",
    }
}

impl Status {
    fn text(&self) -> String {
        let support = if self.supported {
            "supported"
        } else {
            "not supported (Linux 6.14 or later is needed; or a seccomp filter blocks execveat)"
        };
        let lsm = match &self.lsm {
            Some(list) => list.trim().to_string(),
            None => format!("unknown (securityfs is not mounted on {SECURITYFS})"),
        };
        let log = match &self.log {
            Some(value) => text::for_line(value.as_encoded_bytes()),
            None => "unset".into(),
        };
        let rows = [
            ("kernel", self.kernel.clone()),
            ("exec-check", support.to_string()),
            (
                "restrict-file",
                bit_state(
                    self.policy,
                    Policy::RESTRICT_FILE,
                    Policy::RESTRICT_FILE_LOCKED,
                )
                .into(),
            ),
            (
                "deny-interactive",
                bit_state(
                    self.policy,
                    Policy::DENY_INTERACTIVE,
                    Policy::DENY_INTERACTIVE_LOCKED,
                )
                .into(),
            ),
            ("lsm", lsm),
            (
                "ima-appraisal",
                format!("{} ({})", self.ima.state, self.ima.detail),
            ),
            ("execcheck-log", log),
            ("version", execcheck::VERSION.to_string()),
        ];
        rows.iter()
            .map(|(key, value)| format!("{:<17} {value}\n", format!("{key}:")))
            .collect()
    }

    fn json(&self) -> String {
        let bit = |flag: Policy| self.policy.contains(flag);
        let lsm = match &self.lsm {
            Some(list) => {
                let names: Vec<String> = list.trim().split(',').map(text::json_string).collect();
                format!("[{}]", names.join(","))
            }
            None => "null".into(),
        };
        let log = match &self.log {
            Some(value) => format!("{{{}}}", text::json_path("value", value.as_encoded_bytes())),
            None => "null".into(),
        };
        format!(
            "{{\"kernel\":{},\"exec_check_supported\":{},\"securebits\":{{\"restrict_file\":{},\
             \"restrict_file_locked\":{},\"deny_interactive\":{},\"deny_interactive_locked\":{}}},\
             \"lsm\":{lsm},\"ima_appraisal\":{{\"state\":\"{}\",\"detail\":{}}},\
             \"execcheck_log\":{log},\"version\":\"{}\"}}\n",
            text::json_string(&self.kernel),
            self.supported,
            bit(Policy::RESTRICT_FILE),
            bit(Policy::RESTRICT_FILE_LOCKED),
            bit(Policy::DENY_INTERACTIVE),
            bit(Policy::DENY_INTERACTIVE_LOCKED),
            self.ima.state,
            text::json_string(&self.ima.detail),
            execcheck::VERSION,
        )
    }
}

/// Whether IMA appraisal appears to refuse files at exec (BPRM_CHECK, the
/// hook AT_EXECVE_CHECK runs), and why we think so.
#[derive(Debug, PartialEq, Eq)]
struct Ima {
    /// "active", "log-only", "inactive" or "unknown".
    state: &'static str,
    detail: String,
}

fn ima(state: &'static str, detail: impl Into<String>) -> Ima {
    Ima {
        state,
        detail: detail.into(),
    }
}

/// Decide from what the system shows: securityfs, the IMA policy (readable
/// by root with CONFIG_IMA_READ_POLICY), and the kernel command line.
fn ima_appraisal(securityfs: &Path, cmdline: &str) -> Ima {
    if !securityfs.join("lsm").exists() {
        return ima(
            "unknown",
            format!("securityfs is not mounted on {}", securityfs.display()),
        );
    }
    if !securityfs.join("ima").exists() {
        return ima("inactive", "this kernel has no IMA");
    }
    decide_ima(fs::read_to_string(securityfs.join("ima/policy")), cmdline)
}

fn decide_ima(policy: io::Result<String>, cmdline: &str) -> Ima {
    let mut mode = "enforce"; // the kernel's default with CONFIG_IMA_APPRAISE
    let mut builtin = None;
    for word in cmdline.split_whitespace() {
        if let Some(value) = word.strip_prefix("ima_appraise=") {
            mode = value;
        } else if let Some(value) = word.strip_prefix("ima_policy=") {
            if value
                .split('|')
                .any(|name| name == "appraise_tcb" || name == "secure_boot")
            {
                builtin = Some(word);
            }
        } else if word == "ima_appraise_tcb" {
            builtin = Some(word);
        }
    }
    if mode == "off" {
        return ima("inactive", "ima_appraise=off on the kernel command line");
    }
    let enforcing = |found: String| match mode {
        "fix" | "log" => ima(
            "log-only",
            format!("{found}, but ima_appraise={mode}: failures are logged, not refused"),
        ),
        _ => ima("active", format!("{found}, ima_appraise={mode}")),
    };
    match policy.map_err(|error| text::describe_io(&error)) {
        Ok(rules) => match rules.lines().filter(|rule| appraises_exec(rule)).count() {
            0 => ima("inactive", "the IMA policy has no appraise rule for BPRM_CHECK"),
            count => enforcing(format!("{count} appraise rule(s) for BPRM_CHECK in the IMA policy")),
        },
        Err(error) => match builtin {
            Some(word) => enforcing(format!("{word} on the kernel command line (policy not readable: {error})")),
            None => ima(
                "unknown",
                format!(
                    "the IMA policy is not readable ({error}; it needs root and CONFIG_IMA_READ_POLICY) \
                     and the command line names no built-in appraise policy"
                ),
            ),
        },
    }
}

/// An IMA policy rule that appraises files at exec: `appraise` with
/// `func=BPRM_CHECK`, or with no `func=` (every hook).
fn appraises_exec(rule: &str) -> bool {
    let mut words = rule.split_whitespace();
    if words.next() != Some("appraise") {
        return false;
    }
    let func = words.find_map(|word| word.strip_prefix("func="));
    matches!(func, None | Some("BPRM_CHECK"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = "dont_appraise fsmagic=0x9fa0\nappraise func=MODULE_CHECK\n\
                          appraise func=BPRM_CHECK fowner=1000 appraise_type=imasig\n";

    #[test]
    fn policy_rules_decide() {
        assert_eq!(decide_ima(Ok(POLICY.into()), "quiet").state, "active");
        assert_eq!(
            decide_ima(Ok(POLICY.into()), "ima_appraise=log").state,
            "log-only"
        );
        assert_eq!(
            decide_ima(Ok(POLICY.into()), "ima_appraise=off").state,
            "inactive"
        );
        assert_eq!(
            decide_ima(Ok("appraise func=MODULE_CHECK\n".into()), "").state,
            "inactive"
        );
        assert_eq!(
            decide_ima(Ok("appraise fowner=0\n".into()), "").state,
            "active"
        );
    }

    #[test]
    fn unreadable_policy_falls_back_on_the_command_line() {
        let denied = || Err(io::Error::from_raw_os_error(libc::EACCES));
        assert_eq!(
            decide_ima(denied(), "ima_policy=tcb|appraise_tcb").state,
            "active"
        );
        assert_eq!(
            decide_ima(denied(), "ima_appraise_tcb ima_appraise=fix").state,
            "log-only"
        );
        assert_eq!(decide_ima(denied(), "ima_policy=tcb").state, "unknown");
    }
}
