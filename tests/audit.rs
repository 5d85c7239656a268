// SPDX-License-Identifier: MIT OR Apache-2.0
//! Audit mode, end to end: a small C interpreter (tests/support/
//! mini-interp.c, built against include/execcheck.h and the static library)
//! checks files and inline code with EXECCHECK_LOG set or not, and with a
//! handler, under the policy `execcheck run` sets. Needs cc, root, python3
//! (tests/with-policy is not used here) and setpriv.

use execcheck_test_support as support;
use support::cli as common;

use common::*;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use support::syscalls::{mount, private_mount_namespace};
use support::{copy_file, hold_for_writing, inc, write_file, Mounted};

const EXECCHECK: &str = env!("CARGO_BIN_EXE_execcheck");

/// The mini interpreter, compiled once per test run.
fn mini_interp() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let binary = Path::new(env!("CARGO_TARGET_TMPDIR")).join("mini-interp");
        let output = run(Command::new("cc")
            .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-o"])
            .arg(&binary)
            .arg("-I")
            .arg(root.join("include"))
            .arg(root.join("tests/support/mini-interp.c"))
            .arg(inc::static_library())
            .args(inc::NATIVE_STATIC_LIBS));
        assert!(output.status.success(), "cc failed:\n{}", stderr(&output));
        binary
    })
}

/// How to run the interpreter.
struct Run<'a> {
    /// EXECCHECK_LOG, or None to unset it.
    log: Option<&'a str>,
    /// Options for `execcheck run` (empty: run directly, no policy).
    policy: &'a [&'a str],
    args: &'a [&'a str],
}

fn interp(how: Run) -> Output {
    let mut command = if how.policy.is_empty() {
        Command::new(mini_interp())
    } else {
        let mut command = Command::new(EXECCHECK);
        command
            .arg("run")
            .args(how.policy)
            .arg("--")
            .arg(mini_interp());
        command
    };
    command.args(how.args);
    match how.log {
        Some(value) => command.env("EXECCHECK_LOG", value),
        None => command.env_remove("EXECCHECK_LOG"),
    };
    run(&mut command)
}

/// A scratch directory with an executable script and a plain one whose name
/// needs escaping.
fn scripts() -> (Scratch, String, String) {
    let scratch = Scratch::new();
    let exec = scratch.path("exec.py");
    let plain = scratch.path("pla\"in\n.py");
    write_file(&exec, b"print(1)\n", 0o755);
    write_file(&plain, b"print(1)\n", 0o644);
    let (exec, plain) = (exec.display().to_string(), plain.display().to_string());
    (scratch, exec, plain)
}

/// The interpreter's stdout, as lines (raw names may hold newlines, so the
/// expectation is joined rather than the output split), ending with the
/// count of allocations made inside the library: none, logging or not.
fn expect_stdout(output: &Output, lines: &[String]) {
    let expected: String = lines.iter().map(|line| format!("{line}\n")).collect();
    assert_eq!(stdout(output), expected + "allocations: 0\n");
}

fn no_allocations(output: &Output) {
    assert!(
        stdout(output).ends_with("allocations: 0\n"),
        "{}",
        stdout(output)
    );
}

#[test]
fn nothing_is_logged_when_unset() {
    let (_scratch, exec, plain) = scripts();
    for policy in [&[][..], &["-f", "-i"]] {
        let output = interp(Run {
            log: None,
            policy,
            args: &[&exec, &plain, "--inline", "--stdin"],
        });
        assert_exit(&output, 0);
        assert_eq!(stderr(&output), "", "policy {policy:?}");
        assert!(stdout(&output).contains("inline: "), "{}", stdout(&output));
        no_allocations(&output);
    }
    let output = interp(Run {
        log: Some(""),
        policy: &[],
        args: &[&plain],
    });
    assert_eq!(stderr(&output), "", "an empty EXECCHECK_LOG logs nothing");
}

#[test]
fn permissive_mode_logs_what_would_be_refused() {
    let (_scratch, exec, plain) = scripts();
    let output = interp(Run {
        log: Some("stderr"),
        policy: &[],
        args: &[&exec, &plain, "--inline", "--stdin"],
    });
    assert_exit(&output, 0);
    // Logging only adds: everything is still allowed.
    expect_stdout(
        &output,
        &[
            format!("open {exec}: 0"),
            format!("open {plain}: 0"),
            "inline: 0".into(),
            "stdin: 0".into(),
        ],
    );
    let log = stderr(&output);
    let log: Vec<&str> = log.lines().collect();
    assert_eq!(
        log.len(),
        3,
        "one line per failed check, none for exec.py: {log:#?}"
    );
    let escaped = plain.replace('"', "\\\"").replace('\n', "\\x0a");
    let common = "execcheck: verdict=would-be-refused reason=EACCES policy=none";
    let exe = format!("comm=\"mini-interp\" exe=\"{}\"", mini_interp().display());
    let expected = [
        format!("{common} call=exec_policy_open pid=PID {exe} file=\"{escaped}\""),
        format!("{common} call=exec_policy_allow_interactive source=argument pid=PID {exe}"),
        format!("{common} call=exec_policy_allow_interactive source=stream pid=PID {exe} file=\"/dev/null\""),
    ];
    for (line, expected) in log.iter().zip(expected) {
        assert_eq!(without_pid(line), expected);
    }
}

/// The line with its pid=N replaced by pid=PID (after checking N is a number).
fn without_pid(line: &str) -> String {
    let start = line.find(" pid=").expect("pid field") + 5;
    let end = start + line[start..].find(' ').unwrap_or(line.len() - start);
    assert!(line[start..end].parse::<u32>().is_ok(), "{line}");
    format!("{}PID{}", &line[..start], &line[end..])
}

#[test]
fn enforced_mode_logs_refusals() {
    let (_scratch, exec, plain) = scripts();
    let args = [exec.as_str(), &plain, "--inline", "--stdin"];
    let output = interp(Run {
        log: Some("stderr"),
        policy: &["-f", "-i"],
        args: &args,
    });
    expect_stdout(
        &output,
        &[
            format!("open {exec}: 0"),
            format!("open {plain}: -13 (refused)"),
            "inline: -13".into(),
            "stdin: -13".into(),
        ],
    );
    let log = stderr(&output);
    assert_eq!(log.lines().count(), 3, "{log}");
    for line in log.lines() {
        assert!(
            line.starts_with("execcheck: verdict=refused reason=EACCES policy=restrict-file,deny-interactive call="),
            "{line}"
        );
    }
}

#[test]
fn a_busy_file_is_logged_with_its_reason() {
    let (_scratch, exec, _) = scripts();
    let _writer = hold_for_writing(Path::new(&exec));
    let output = interp(Run {
        log: Some("stderr"),
        policy: &[],
        args: &[&exec],
    });
    assert!(
        stderr(&output).starts_with("execcheck: verdict=would-be-refused reason=ETXTBSY "),
        "{}",
        stderr(&output)
    );
}

#[test]
fn handlers_receive_events() {
    let (_scratch, exec, plain) = scripts();
    let args = ["--handler", exec.as_str(), &plain, "--inline"];
    let output = interp(Run {
        log: None,
        policy: &[],
        args: &args,
    });
    assert_eq!(
        stderr(&output),
        "",
        "EXECCHECK_LOG is unset: the handler alone hears"
    );
    expect_stdout(
        &output,
        &[
            format!("open {exec}: 0"),
            format!("event data=mini call=3 enforced=0 error=13 policy=0 source=0 fd=3 pid_ok=1 file={plain} name={plain}"),
            format!("open {plain}: 0"),
            "event data=mini call=2 enforced=0 error=13 policy=0 source=1 fd=-1 pid_ok=1 file=(null) name=(null)".into(),
            "inline: 0".into(),
        ],
    );
    // Enforced, with EXECCHECK_LOG too: both listeners hear.
    let output = interp(Run {
        log: Some("stderr"),
        policy: &["-f", "-i"],
        args: &args,
    });
    assert!(
        stdout(&output).contains("call=3 enforced=1 error=13 policy=5 "),
        "{}",
        stdout(&output)
    );
    assert!(stdout(&output).contains(&format!("open {plain}: -13 (refused)")));
    assert_eq!(stderr(&output).lines().count(), 2, "{}", stderr(&output));
    no_allocations(&output);
}

#[test]
fn the_allocation_count_counts() {
    let output = interp(Run {
        log: None,
        policy: &[],
        args: &["--allocate"],
    });
    assert_eq!(stdout(&output), "allocations: 1\n");
}

#[test]
fn sixteen_handler_registrations_then_enospc() {
    let output = interp(Run {
        log: None,
        policy: &[],
        args: &["--handler-limit"],
    });
    let zeros = " 0".repeat(16);
    let expected = format!("handler-limit:{zeros} -{}, again: 0", libc::ENOSPC);
    expect_stdout(&output, &[expected]);
}

#[test]
fn syslog_gets_one_datagram_per_failure() {
    let (_scratch, _, plain) = scripts();
    mini_interp(); // built before /dev is replaced
                   // A /dev of our own in a private mount namespace, with a /dev/log we
                   // read: the host's logging is not touched.
    let dev = Path::new("/dev");
    private_mount_namespace();
    mount("tmpfs", dev, 0);
    let _unmount = Mounted(dev.into());
    // SAFETY: a valid C string; /dev/null as on any system (1, 3).
    let null = unsafe {
        libc::mknod(
            c"/dev/null".as_ptr(),
            libc::S_IFCHR | 0o666,
            libc::makedev(1, 3),
        )
    };
    assert_eq!(
        null,
        0,
        "mknod /dev/null: {}",
        std::io::Error::last_os_error()
    );
    let socket = std::os::unix::net::UnixDatagram::bind("/dev/log").unwrap();
    socket
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut datagram = [0u8; 8192];

    for (log, policy, priority, verdict) in [
        ("syslog", &[][..], "<13>", "would-be-refused"),
        ("stderr,syslog", &["-f"], "<12>", "refused"),
    ] {
        let output = interp(Run {
            log: Some(log),
            policy,
            args: &[&plain],
        });
        let len = socket.recv(&mut datagram).expect("a datagram on /dev/log");
        let message = String::from_utf8_lossy(&datagram[..len]);
        let header = message.split_once(": ").unwrap().0;
        assert!(
            header.starts_with(&format!("{priority}execcheck[")),
            "{message}"
        );
        assert!(
            message.contains(&format!(": verdict={verdict} reason=EACCES ")),
            "{message}"
        );
        assert_eq!(
            stderr(&output).lines().count(),
            usize::from(log.contains("stderr")),
            "{log}"
        );
        no_allocations(&output);
    }
}

#[test]
fn setuid_programs_ignore_execcheck_log() {
    // secure_getenv: a setuid-root program run by an unprivileged user must
    // not let that user's environment steer its output.
    let scratch = Scratch::new();
    std::fs::set_permissions(&scratch.0, std::fs::Permissions::from_mode(0o755)).unwrap();
    let plain = scratch.path("plain.py");
    write_file(&plain, b"", 0o644);
    let copy = scratch.path("mini-interp");
    copy_file(mini_interp(), &copy);
    let as_nobody = |mode| {
        std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(mode)).unwrap();
        run(Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(&copy)
            .arg(&plain)
            .env("EXECCHECK_LOG", "stderr"))
    };
    let output = as_nobody(0o755); // control: an ordinary program logs
    assert!(
        stderr(&output).contains("verdict=would-be-refused"),
        "{}",
        stderr(&output)
    );
    let output = as_nobody(0o4755);
    assert_exit(&output, 0);
    assert_eq!(stderr(&output), "");
}
