// SPDX-License-Identifier: MIT OR Apache-2.0
//! Gives the shared library its SONAME and its symbol versions. It needs
//! nothing but std: a packager's build depends on libc and bitflags alone.
//! The C header is not generated here: include/execcheck.h is checked in,
//! and tests/header.rs regenerates it with cbindgen (a dev-dependency) and
//! fails when it differs; `EXECCHECK_UPDATE_HEADER=1 cargo test --test
//! header` rewrites it.

use std::env;
use std::path::PathBuf;

fn main() {
    let major = env::var("CARGO_PKG_VERSION_MAJOR").unwrap();
    // Cargo gives a cdylib no SONAME; consumers must bind to the ABI major.
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libexeccheck.so.{major}");
    version_symbols(&PathBuf::from(env::var("OUT_DIR").unwrap()));
    println!("cargo:rerun-if-changed=build.rs");
}

/// Put every exported function in its version node, from the one list in
/// src/libexeccheck.map. rustc hands the linker a version script of its own
/// (without nodes) that wins over ours, so the node is also attached in the
/// object code with `.symver`; our script still has to define the node.
fn version_symbols(out_dir: &std::path::Path) {
    let map_path =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("src/libexeccheck.map");
    let map = std::fs::read_to_string(&map_path).unwrap();
    let mut node = "";
    let mut directives = Vec::new();
    for line in map.lines().map(str::trim) {
        if let Some(name) = line.strip_suffix(" {") {
            node = name;
        } else if let Some(symbol) = line.strip_suffix(';').filter(|s| s.starts_with("exec_")) {
            directives.push(format!("\".symver {symbol}, {symbol}@@@{node}\""));
        }
    }
    assert!(
        !directives.is_empty(),
        "no exec_* names in {}",
        map_path.display()
    );
    let code = format!(
        "core::arch::global_asm!(\n    {}\n);\n",
        directives.join(",\n    ")
    );
    std::fs::write(out_dir.join("symver.rs"), code).unwrap();
    println!(
        "cargo:rustc-cdylib-link-arg=-Wl,--version-script={}",
        map_path.display()
    );
    println!("cargo:rerun-if-changed=src/libexeccheck.map");
}
