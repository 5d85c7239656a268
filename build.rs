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
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    // Cargo gives a cdylib no SONAME; consumers must bind to the ABI major.
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libexeccheck.so.{major}");
    if linker_merges_version_scripts(&out_dir) {
        version_symbols(&out_dir);
    } else {
        // meson links the shipped library itself, with the map alone.
        std::fs::write(out_dir.join("symver.rs"), "").unwrap();
        println!(
            "cargo:warning=this linker rejects a version script next to rustc's: \
             cargo's cdylib gets no symbol versions (the meson-built library has them)"
        );
    }
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
}

/// rustc links a cdylib with an anonymous version script of its own. LLD
/// (rustc's default linker on x86_64 Linux since 1.90) merges a second
/// script with named nodes into it; GNU ld refuses ("anonymous version tag
/// cannot be combined with other version tags"): Debian's rustc, other
/// architectures, older toolchains. Ask the toolchain's own linker, with a
/// cdylib of one function.
fn linker_merges_version_scripts(out_dir: &std::path::Path) -> bool {
    let dir = out_dir.join("probe");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("probe.map"),
        "PROBE_1 { global: probe; local: *; };\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("probe.rs"),
        "#[no_mangle]\npub extern \"C\" fn probe() {}\n",
    )
    .unwrap();
    let mut rustc = std::process::Command::new(env::var("RUSTC").unwrap());
    rustc
        .args([
            "--crate-type=cdylib",
            "--crate-name=probe",
            "--edition=2021",
        ])
        .args(["--target", &env::var("TARGET").unwrap()])
        .arg("-Clink-arg=-Wl,--version-script=probe.map")
        .args(
            env::var("CARGO_ENCODED_RUSTFLAGS")
                .unwrap_or_default()
                .split('\x1f')
                .filter(|f| !f.is_empty()),
        )
        .args(["-o", "libprobe.so", "probe.rs"])
        .current_dir(&dir);
    if let Ok(linker) = env::var("RUSTC_LINKER") {
        rustc.arg(format!("-Clinker={linker}"));
    }
    let merged = rustc.output().is_ok_and(|out| out.status.success());
    std::fs::remove_dir_all(&dir).ok();
    merged
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
