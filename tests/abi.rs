// SPDX-License-Identifier: MIT OR Apache-2.0
//! The ABI as consumers see it (the header's drift from the Rust source is
//! tests/header.rs): cargo's shared library passes the ABI check
//! (SONAME, versioned exports equal to the map and the header); the header's
//! version macros equal Cargo.toml's version.

use execcheck_test_support as support;

// Link the library, whose exec_* functions these tests call.
use execcheck as _;
use std::process::Command;
use support::c_api::exec_check_version;

const CHECKED_IN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/include/execcheck.h");

#[test]
fn version_macros_match_cargo() {
    let header = std::fs::read_to_string(CHECKED_IN).unwrap();
    for (name, value) in [
        ("MAJOR", env!("CARGO_PKG_VERSION_MAJOR")),
        ("MINOR", env!("CARGO_PKG_VERSION_MINOR")),
        ("PATCH", env!("CARGO_PKG_VERSION_PATCH")),
    ] {
        assert!(
            header.contains(&format!("#define EXECCHECK_VERSION_{name} {value}\n")),
            "{name}"
        );
    }
    assert!(header.contains(&format!(
        "#define EXECCHECK_VERSION \"{}\"\n",
        env!("CARGO_PKG_VERSION")
    )));
    // SAFETY: a static NUL-terminated string.
    let version = unsafe { std::ffi::CStr::from_ptr(exec_check_version()) };
    assert_eq!(version.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
}

/// The same checker meson runs on its library (c-tests/check-abi): SONAME,
/// exports equal to src/libexeccheck.map and in its version node, header.
#[test]
fn the_cargo_cdylib_passes_the_abi_check() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new(format!("{root}/c-tests/check-abi"))
        .arg(support::inc::shared_library())
        .arg(format!("{root}/src/libexeccheck.map"))
        .arg(CHECKED_IN)
        .arg(env!("CARGO_PKG_VERSION"))
        .output()
        .expect("c-tests/check-abi needs python3 and binutils");
    let tap = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && !tap.contains("not ok"), "{tap}");
}

#[test]
fn the_header_compiles_as_c99_and_cxx_without_warnings() {
    let dir = std::env::temp_dir().join(format!("execcheck-abi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let source =
        "#include \"execcheck.h\"\nint main(void) { return exec_check_supported() < 0; }\n";
    for (compiler, std, file) in [("cc", "-std=c99", "t.c"), ("c++", "-std=c++11", "t.cc")] {
        std::fs::write(dir.join(file), source).unwrap();
        let out = Command::new(compiler)
            .args([
                std,
                "-Wall",
                "-Wextra",
                "-Werror",
                "-pedantic",
                "-fsyntax-only",
                "-I",
            ])
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/include"))
            .arg(dir.join(file))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{compiler} {std}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
