// SPDX-License-Identifier: MIT OR Apache-2.0
//! The `execcheck` command on the real kernel: every subcommand and exit
//! code. Needs root (mounts in private mount namespaces) and python3 (to
//! validate JSON, and tests/with-policy).

use execcheck_test_support as support;
use support::cli as common;
use support::reliability;

use common::*;
use reliability::seccomp;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::Command;
use support::landlock::execute_only_beneath;
use support::syscalls::{mount, private_mount_namespace};
use support::{hold_for_writing, write_file, Mounted};

const EXECCHECK: &str = env!("CARGO_BIN_EXE_execcheck");

/// `execcheck ARGS...`
fn execcheck<I: IntoIterator<Item = S>, S: AsRef<std::ffi::OsStr>>(
    args: I,
) -> std::process::Output {
    execcheck_at(EXECCHECK, args)
}

/// `execcheck check ARGS...`
fn check<I: IntoIterator<Item = S>, S: AsRef<std::ffi::OsStr>>(args: I) -> std::process::Output {
    let mut all = vec![std::ffi::OsString::from("check")];
    all.extend(args.into_iter().map(|arg| arg.as_ref().to_owned()));
    execcheck(all)
}

/// `VERDICT REASON PATH` lines of `check`, as (verdict, reason, path).
fn records(output: &std::process::Output) -> Vec<(String, String, String)> {
    stdout(output)
        .lines()
        .map(|line| {
            let (verdict, rest) = line.split_once(' ').unwrap();
            let (reason, path) = rest.trim_start().split_once(' ').unwrap();
            (verdict.into(), reason.into(), path.trim_start().into())
        })
        .collect()
}

/// Fails unless python3 parses `text` as JSON; returns what `expr` (on the
/// parsed value `d`) prints.
fn json_query(text: &str, expr: &str) -> String {
    use std::io::Write;
    let mut child = Command::new("python3")
        .args([
            "-c",
            &format!("import json,sys; d=json.load(sys.stdin); print({expr})"),
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "not JSON ({expr}):\n{text}");
    stdout(&output).trim_end().to_string()
}

#[test]
fn check_gives_the_kernel_verdict_and_the_reason() {
    let scratch = Scratch::new();
    let exec = scratch.path("exec.py");
    let plain = scratch.path("plain.py");
    let fifo = scratch.path("fifo");
    write_file(&exec, b"print(1)\n", 0o755);
    write_file(&plain, b"print(1)\n", 0o644);
    mkfifo(&fifo);

    let output = check([&exec]);
    assert_exit(&output, 0);
    assert_eq!(
        records(&output),
        [("allowed".into(), "-".into(), exec.display().to_string())]
    );

    let output = check([&exec, &plain, &fifo]);
    assert_exit(&output, 1);
    let reasons: Vec<_> = records(&output)
        .into_iter()
        .map(|(v, r, _)| (v, r))
        .collect();
    assert_eq!(
        reasons,
        [
            ("allowed".into(), "-".into()),
            ("refused".into(), "no-exec-permission".into()),
            ("refused".into(), "not-regular-file".into()) // and opening it did not block
        ]
    );
    assert!(
        stderr(&output).contains("3 files checked")
            && stderr(&output).contains("1 allowed, 2 refused"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_file_open_for_writing_is_busy_not_refused() {
    let scratch = Scratch::new();
    let script = scratch.path("busy.py");
    write_file(&script, b"print(1)\n", 0o755);
    let writer = hold_for_writing(&script);
    let output = check([&script]);
    assert_exit(&output, 1);
    assert_eq!(records(&output)[0].0, "busy");
    assert_eq!(records(&output)[0].1, "open-for-writing");
    drop(writer); // control: the same file once nobody writes it
    assert_exit(&check([&script]), 0);
}

#[test]
fn noexec_mounts_are_refused_as_such() {
    let scratch = Scratch::new();
    let noexec = private_tmpfs(&scratch, "noexec", true);
    let script = noexec.path.join("script.py");
    write_file(&script, b"print(1)\n", 0o755);
    let output = check([&script]);
    assert_exit(&output, 1);
    assert_eq!(records(&output)[0].1, "noexec-mount");
    // Control: the same file on an exec tmpfs is allowed.
    let exec = private_tmpfs(&scratch, "exec", false);
    let script = exec.path.join("script.py");
    write_file(&script, b"print(1)\n", 0o755);
    assert_exit(&check([&script]), 0);
}

#[test]
fn a_security_module_refusal_is_named_as_such() {
    use std::os::unix::process::CommandExt;
    let scratch = Scratch::new();
    let script = scratch.path("script.py");
    write_file(&script, b"print(1)\n", 0o755);
    let own_dir = Path::new(EXECCHECK).parent().unwrap();
    let mut command = Command::new(EXECCHECK);
    command
        .arg("check")
        .arg(&script)
        .env_remove("EXECCHECK_LOG");
    // Landlock grants execute only beneath the directories execcheck needs.
    let domain = execute_only_beneath(&[own_dir, Path::new("/usr")]);
    // SAFETY: the closure makes only system calls.
    unsafe { command.pre_exec(domain) };
    let output = run(&mut command);
    assert_exit(&output, 1);
    assert_eq!(records(&output)[0].1, "security-module");
    // Control: outside the domain, the same file is allowed.
    assert_exit(&check([&script]), 0);
}

#[test]
fn paths_that_cannot_be_checked_exit_2() {
    let scratch = Scratch::new();
    let exec = scratch.path("exec.py");
    write_file(&exec, b"", 0o755);
    let missing = scratch.path("missing.py");
    let output = check([&exec, &missing]);
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("missing.py: No such file or directory"),
        "{}",
        stderr(&output)
    );
    assert_eq!(records(&output).len(), 1, "errors go to stderr, not stdout");

    let output = check([&scratch.0]);
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("Is a directory (use -r"),
        "{}",
        stderr(&output)
    );
}

/// A tree with everything a walk meets: subdirectories, links in and out,
/// special files, and names that are not UTF-8 or hold a newline.
fn make_tree(scratch: &Scratch) -> (std::path::PathBuf, std::path::PathBuf) {
    let tree = scratch.path("tree");
    let outside = scratch.path("outside");
    std::fs::create_dir_all(tree.join("sub")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    write_file(&tree.join("a.py"), b"", 0o755);
    write_file(&tree.join("sub/b.py"), b"", 0o644);
    write_file(&outside.join("far.py"), b"", 0o644);
    write_file(&outside.join("hidden.py"), b"", 0o755);
    std::os::unix::fs::symlink(outside.join("far.py"), tree.join("link-to-file")).unwrap();
    std::os::unix::fs::symlink(&outside, tree.join("link-to-dir")).unwrap();
    std::os::unix::fs::symlink(&tree, tree.join("sub/loop")).unwrap();
    std::os::unix::fs::symlink("nowhere", tree.join("dangling")).unwrap();
    mkfifo(&tree.join("fifo"));
    let odd = std::ffi::OsStr::from_bytes(b"odd\xff\nname.py");
    write_file(&tree.join(odd), b"", 0o755);
    (tree, outside)
}

#[test]
fn recursive_walks_stay_in_the_tree() {
    let scratch = Scratch::new();
    let (tree, _) = make_tree(&scratch);
    let output = check([Path::new("-r"), &tree]);
    assert_exit(&output, 1);
    let t = tree.display().to_string();
    let got: Vec<_> = records(&output)
        .into_iter()
        .map(|(v, _, p)| (v, p))
        .collect();
    // Sorted by name; the link to a file has the verdict of its target; the
    // links to directories, the dangling link and the FIFO are skipped.
    assert_eq!(
        got,
        [
            ("allowed".into(), format!("{t}/a.py")),
            ("refused".into(), format!("{t}/link-to-file")),
            ("allowed".into(), format!("{t}/odd\\xff\\nname.py")),
            ("refused".into(), format!("{t}/sub/b.py")),
        ]
    );
    assert!(stderr(&output).contains("4 skipped"), "{}", stderr(&output));

    // -q lists only what is not allowed, without the summary.
    let output = check([Path::new("-rq"), &tree]);
    assert_exit(&output, 1);
    assert_eq!(records(&output).len(), 2);
    assert_eq!(stderr(&output), "");
}

#[test]
fn json_is_valid_and_keeps_exact_names() {
    let scratch = Scratch::new();
    let (tree, _) = make_tree(&scratch);
    let output = check([Path::new("--json"), Path::new("-r"), &tree]);
    assert_exit(&output, 1);
    assert_eq!(stderr(&output), "", "no summary on stderr with --json");
    let json = stdout(&output);
    assert_eq!(json_query(&json, "len(d['files'])"), "4");
    assert_eq!(
        json_query(&json, "[(f['verdict'], f.get('reason')) for f in d['files']]"),
        "[('allowed', None), ('refused', 'no-exec-permission'), ('allowed', None), ('refused', 'no-exec-permission')]"
    );
    assert_eq!(json_query(&json, "d['files'][3]['errno']"), "EACCES");
    // The odd name: readable (U+FFFD) in "path", exact in "path_bytes".
    let exact = json_query(
        &json,
        "bytes(d['files'][2]['path_bytes']).endswith(b'/odd\\xff\\nname.py')",
    );
    assert_eq!(exact, "True");
    assert_eq!(json_query(&json, "'path_bytes' in d['files'][0]"), "False");
    assert_eq!(
        json_query(&json, "sorted(d['summary'].items())[:-2]"),
        "[('allowed', 2), ('busy', 0), ('checked', 4), ('errors', 0), ('refused', 2)]"
    );
    assert_eq!(json_query(&json, "d['summary']['skipped']"), "4");

    // Errors are records too in JSON, and still exit 2.
    let output = check([Path::new("--json"), &scratch.path("missing")]);
    assert_exit(&output, 2);
    assert_eq!(
        json_query(&stdout(&output), "d['files'][0]['errno']"),
        "ENOENT"
    );
}

#[test]
fn one_file_system_does_not_enter_mounts() {
    let scratch = Scratch::new();
    let tree = scratch.path("tree");
    std::fs::create_dir_all(&tree).unwrap();
    write_file(&tree.join("top.py"), b"", 0o755);
    let inner = private_tmpfs(&scratch, "tree/mnt", false);
    write_file(&inner.path.join("inner.py"), b"", 0o644);
    let output = check([Path::new("-r"), &tree]);
    assert_exit(&output, 1);
    assert_eq!(records(&output).len(), 2);
    let output = check([Path::new("-rx"), &tree]);
    assert_exit(&output, 0);
    assert_eq!(records(&output).len(), 1);
    assert!(stderr(&output).contains("1 skipped"), "{}", stderr(&output));
}

#[test]
fn a_large_tree_is_checked_in_seconds() {
    // The whole of /usr/lib/python3* (about 4,700 files here) takes well
    // under a second; this bound only catches a pathological slowdown.
    let started = std::time::Instant::now();
    let output = check(["-rq", "/usr/lib/python3"]);
    assert!(output.status.code() == Some(0) || output.status.code() == Some(1));
    assert!(
        started.elapsed().as_secs() < 20,
        "took {:?}",
        started.elapsed()
    );
}

// ---------------------------------------------------------------------------
// status

#[test]
fn status_reports_support_and_bits() {
    let output = execcheck(["status"]);
    assert_exit(&output, 0);
    let text = stdout(&output);
    assert!(text.contains("exec-check:       supported\n"), "{text}");
    assert!(text.contains("restrict-file:    off\n"), "{text}");
    assert!(text.contains("execcheck-log:    unset\n"), "{text}");
    let json = stdout(&execcheck(["status", "--json"]));
    assert_eq!(
        json_query(
            &json,
            "d['exec_check_supported'], d['securebits']['restrict_file']"
        ),
        "True False"
    );
}

#[test]
fn status_reads_securityfs_when_mounted() {
    private_mount_namespace();
    let securityfs = Path::new("/sys/kernel/security");
    // Unmounted (in this namespace): said so, not guessed.
    // SAFETY: a valid C string; EINVAL when nothing is mounted there is fine.
    unsafe { libc::umount2(c"/sys/kernel/security".as_ptr(), libc::MNT_DETACH) };
    let text = stdout(&execcheck(["status"]));
    assert!(
        text.contains("lsm:              unknown (securityfs is not mounted"),
        "{text}"
    );
    assert!(
        text.contains("ima-appraisal:    unknown (securityfs is not mounted"),
        "{text}"
    );

    mount("securityfs", securityfs, 0);
    let _unmount = Mounted(securityfs.into());
    let lsm = std::fs::read_to_string(securityfs.join("lsm")).unwrap();
    let text = stdout(&execcheck(["status"]));
    assert!(
        text.contains(&format!("lsm:              {}\n", lsm.trim())),
        "{text}"
    );
    let ima_line = text
        .lines()
        .find(|line| line.starts_with("ima-appraisal:"))
        .unwrap();
    if securityfs.join("ima").exists() {
        assert!(!ima_line.contains("unknown (securityfs"), "{ima_line}");
    } else {
        assert_eq!(
            ima_line,
            "ima-appraisal:    inactive (this kernel has no IMA)"
        );
    }
    let json = stdout(&execcheck(["status", "--json"]));
    assert_eq!(json_query(&json, "','.join(d['lsm'])"), lsm.trim());
}

// ---------------------------------------------------------------------------
// run

/// The securebits `execcheck status --json` sees, as four booleans.
fn bits_seen_under(args: &[&str]) -> String {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--", EXECCHECK, "status", "--json"]);
    let output = execcheck(&all);
    assert_exit(&output, 0);
    json_query(
        &stdout(&output),
        "[int(v) for v in d['securebits'].values()]",
    )
}

#[test]
fn run_sets_each_bit_for_the_command() {
    // Order: restrict_file, its lock, deny_interactive, its lock.
    assert_eq!(bits_seen_under(&["run", "--restrict-file"]), "[1, 0, 0, 0]");
    assert_eq!(
        bits_seen_under(&["run", "--deny-interactive"]),
        "[0, 0, 1, 0]"
    );
    assert_eq!(bits_seen_under(&["run", "-fi"]), "[1, 0, 1, 0]");
    assert_eq!(bits_seen_under(&["run", "-f", "--lock"]), "[1, 1, 0, 0]");
    assert_eq!(
        bits_seen_under(&["run", "-f", "-i", "--lock"]),
        "[1, 1, 1, 1]"
    );
}

#[test]
fn bits_and_locks_are_inherited() {
    // A grandchild sees the bits, and a nested run adds to them.
    let nested = ["run", "-f", "--lock", "--", EXECCHECK, "run", "-i"];
    assert_eq!(bits_seen_under(&nested), "[1, 1, 1, 0]");
    // A locked bit cannot be cleared by a descendant...
    let with_policy = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/with-policy");
    let output = execcheck(["run", "-f", "--lock", "--", with_policy, "0", "true"]);
    assert_exit(&output, 1);
    assert!(
        stderr(&output).contains("Operation not permitted"),
        "{}",
        stderr(&output)
    );
    // ... an unlocked one can (control).
    assert_exit(&execcheck(["run", "-f", "--", with_policy, "0", "true"]), 0);
}

#[test]
fn a_locked_bit_in_the_way_is_explained() {
    let with_policy = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/with-policy");
    // 2 = RESTRICT_FILE_LOCKED alone: restrict-file is locked off.
    let output = run(Command::new(with_policy).args(["2", EXECCHECK, "run", "-f", "--", "true"]));
    assert_exit(&output, 125);
    assert!(
        stderr(&output).contains("restrict-file is locked off"),
        "{}",
        stderr(&output)
    );
    // deny-interactive is not in the way (control).
    let output = run(Command::new(with_policy).args(["2", EXECCHECK, "run", "-i", "--", "true"]));
    assert_exit(&output, 0);
}

#[test]
fn run_exit_codes() {
    assert_exit(&execcheck(["run", "-f", "--", "sh", "-c", "exit 7"]), 7);
    let output = execcheck(["run", "-f", "--", "/nonexistent/command"]);
    assert_exit(&output, 127);
    assert!(stderr(&output).contains("failed to execute /nonexistent/command: No such file"));
    let scratch = Scratch::new();
    let plain = scratch.path("plain");
    write_file(&plain, b"#!/bin/sh\n", 0o644);
    let output = execcheck([Path::new("run"), Path::new("-f"), &plain]);
    assert_exit(&output, 126);
    assert!(
        stderr(&output).contains("Permission denied"),
        "{}",
        stderr(&output)
    );
}

// ---------------------------------------------------------------------------
// A kernel without the feature, as a seccomp filter makes it look: execveat
// answers EINVAL, exactly what a kernel older than 6.14 says to the flag.

fn without_exec_check(args: &[&str]) -> std::process::Output {
    use std::os::unix::process::CommandExt;
    let execveat_einval = seccomp::program(
        &[libc::SYS_execveat],
        None,
        seccomp::Action::Errno(libc::EINVAL),
    );
    let mut command = Command::new(EXECCHECK);
    command.args(args).env_remove("EXECCHECK_LOG");
    // SAFETY: between fork and exec, only prctl and seccomp calls on a
    // program made beforehand.
    unsafe { command.pre_exec(move || seccomp::install_program(&execveat_einval)) };
    run(&mut command)
}

#[test]
fn a_kernel_without_the_feature_is_reported_clearly() {
    let output = without_exec_check(&["status"]);
    assert_exit(&output, 0);
    assert!(
        stdout(&output).contains("exec-check:       not supported"),
        "{}",
        stdout(&output)
    );

    let output = without_exec_check(&["check", "/bin/sh"]);
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("AT_EXECVE_CHECK needs Linux 6.14"),
        "{}",
        stderr(&output)
    );

    let output = without_exec_check(&["run", "-f", "--", "true"]);
    assert_exit(&output, 125);
    assert!(
        stderr(&output).contains("Linux 6.14 or later is needed"),
        "{}",
        stderr(&output)
    );
    // Control: the same commands without the filter work.
    assert_exit(&check(["/bin/sh"]), 0);
    assert_exit(&execcheck(["run", "-f", "--", "true"]), 0);
}

// ---------------------------------------------------------------------------
// Usage

#[test]
fn usage_errors_exit_2_with_a_message_on_stderr() {
    let cases: &[&[&str]] = &[
        &[],
        &["frobnicate"],
        &["--bogus"],
        &["check"],
        &["check", "--bogus", "/bin/sh"],
        &["check", "-rz", "/bin/sh"],
        &["status", "extra"],
        &["run", "--", "true"],
        &["run", "-f"],
        &["run", "-f", "--"],
        &["run", "--lock", "true"],
    ];
    for args in cases {
        let output = execcheck(*args);
        assert_exit(&output, 2);
        assert_eq!(stdout(&output), "", "{args:?}");
        let message = stderr(&output);
        assert!(
            message.starts_with("execcheck: ") && message.contains("Try 'execcheck --help'"),
            "{args:?}: {message}"
        );
    }
}

#[test]
fn help_and_version_go_to_stdout() {
    for args in [
        &["--help"][..],
        &["-h"],
        &["help"],
        &["check", "--help"],
        &["status", "-h"],
        &["run", "--help"],
    ] {
        let output = execcheck(args);
        assert_exit(&output, 0);
        assert!(stdout(&output).starts_with("Usage: execcheck"), "{args:?}");
        assert_eq!(stderr(&output), "");
    }
    let output = execcheck(["--version"]);
    assert_exit(&output, 0);
    assert_eq!(
        stdout(&output),
        format!("execcheck {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn output_ends_quietly_on_a_closed_pipe() {
    // `execcheck check -r ... | head -1`: ended by SIGPIPE like a C tool, not
    // a "Broken pipe" error. The listing is far larger than a pipe's buffer.
    let tree = "/usr/lib/python3";
    let script = format!("\"$0\" check -r {tree} {tree} {tree} {tree} | head -1");
    let output = run(Command::new("sh").args(["-c", &script, EXECCHECK]));
    assert_eq!(stdout(&output).lines().count(), 1);
    assert_eq!(
        stderr(&output),
        "",
        "the summary is not reached, and no write error either"
    );
}
