// SPDX-License-Identifier: MIT OR Apache-2.0
//! The manual pages render without a single groff warning, and every
//! function of the C header has a page. Needs groff (Debian: groff-base,
//! which man-db depends on).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn man_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("man")
}

/// Every page, relative to man/ (where `.so man3/...` resolves).
fn pages() -> Vec<PathBuf> {
    let mut pages = Vec::new();
    for section in ["man1", "man3"] {
        for entry in std::fs::read_dir(man_dir().join(section)).unwrap() {
            pages.push(Path::new(section).join(entry.unwrap().file_name()));
        }
    }
    pages.sort();
    pages
}

/// groff with every warning on, as `man --warnings` would run it.
fn groff(args: &[&str], page: Option<&Path>, stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new("groff")
        .args(["-man", "-ww", "-Tutf8", "-P-cbou"]) // plain text, no overstriking
        .args(args)
        .args(page)
        .current_dir(man_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("groff (package groff-base) must be installed");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn every_page_renders_without_warnings() {
    let pages = pages();
    assert!(pages.len() >= 12, "{pages:?}");
    for page in &pages {
        let output = groff(&[], Some(page), "");
        let warnings = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success() && warnings.is_empty(),
            "{}:\n{warnings}",
            page.display()
        );
        // Something real came out: the NAME section, with the page's topic.
        let text = String::from_utf8_lossy(&output.stdout);
        let topic = page.file_stem().unwrap().to_str().unwrap();
        assert!(
            text.contains("NAME") && text.contains(topic),
            "{}:\n{text}",
            page.display()
        );
    }
}

#[test]
fn the_check_catches_a_broken_page() {
    // Control: the same groff invocation complains about a bad page.
    let broken = ".TH BROKEN 1\n.SH NAME\nbroken \\- a page\n.XX unknown macro\n\\f[Z]bad font\n";
    let output = groff(&["-z"], None, broken);
    assert!(!output.stderr.is_empty(), "groff found nothing wrong");
}

#[test]
fn every_function_in_the_header_has_a_page() {
    let header =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("include/execcheck.h"))
            .unwrap();
    let functions: Vec<&str> = header
        .lines()
        .filter(|line| !line.starts_with([' ', '*', '/', '#']) && line.contains('('))
        .filter_map(|line| line.split('(').next()?.split([' ', '*']).next_back())
        .filter(|name| name.starts_with("exec_"))
        .collect();
    assert!(functions.len() >= 10, "{functions:?}");
    for function in functions {
        let page = man_dir().join("man3").join(format!("{function}.3"));
        assert!(page.exists(), "no page for {function}()");
    }
}
