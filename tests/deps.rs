// SPDX-License-Identifier: MIT OR Apache-2.0
//! A packager's build needs only libc and bitflags: every crate a build
//! pulls in is one more package a distribution must carry first. cbindgen
//! is a dev-dependency (tests/header.rs) and must stay one.

use std::collections::BTreeSet;
use std::process::Command;

#[test]
fn the_build_needs_only_libc_and_bitflags() {
    let out = Command::new(env!("CARGO"))
        .args(["tree", "--locked", "--target", "all"])
        .args(["-e", "normal,build", "--prefix", "none", "--format", "{p}"])
        .arg("--manifest-path")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .output()
        .expect("cargo tree");
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{tree}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let crates: BTreeSet<&str> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != env!("CARGO_PKG_NAME"))
        .collect();
    assert_eq!(crates, BTreeSet::from(["bitflags", "libc"]), "{tree}");
}
