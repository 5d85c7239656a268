//! The ABI as consumers see it: the checked-in header equals what cbindgen
//! generates from src/ffi.rs; the shared library exports only `exec_*`,
//! has SONAME libexeccheck.so.0, and exports every function the header
//! declares; the header's version macros equal Cargo.toml's version.

// Link the library, whose exec_* functions these tests call.
use execcheck as _;
use std::path::{Path, PathBuf};
use std::process::Command;

const CHECKED_IN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/include/execcheck.h");

fn generated() -> String {
    std::fs::read_to_string(env!("EXECCHECK_GENERATED_HEADER")).unwrap()
}

/// The shared library cargo built for this test run (see tests/support/inc.rs
/// on why deps/ and not the uplifted copy).
fn shared_library() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent()
        .and_then(Path::parent)
        .unwrap()
        .join("deps/libexeccheck.so")
}

fn tool(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e} (binutils needed)"));
    assert!(out.status.success(), "{cmd} {args:?} failed");
    String::from_utf8(out.stdout).unwrap()
}

/// Function names declared in a header: `type name(args);` lines.
fn declared_functions(header: &str) -> Vec<String> {
    header
        .lines()
        .filter(|l| l.ends_with(");") && !l.starts_with(' ') && !l.starts_with('#'))
        .filter_map(|l| {
            l.split('(')
                .next()?
                .split([' ', '*'])
                .next_back()
                .map(String::from)
        })
        .collect()
}

#[test]
fn the_checked_in_header_is_the_generated_one() {
    let generated = generated();
    if std::env::var_os("EXECCHECK_UPDATE_HEADER").is_some() {
        std::fs::write(CHECKED_IN, &generated).unwrap();
    }
    let checked_in = std::fs::read_to_string(CHECKED_IN).unwrap();
    assert!(
        checked_in == generated,
        "include/execcheck.h differs from what src/ffi.rs generates; \
         run EXECCHECK_UPDATE_HEADER=1 cargo test --test abi and commit it"
    );
}

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
    extern "C" {
        fn exec_check_version() -> *const libc::c_char;
    }
    // SAFETY: a static NUL-terminated string.
    let version = unsafe { std::ffi::CStr::from_ptr(exec_check_version()) };
    assert_eq!(version.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
}

#[test]
fn the_shared_library_exports_exactly_the_header() {
    let lib = shared_library();
    let lib = lib.to_str().unwrap();
    let mut exported: Vec<String> = tool("nm", &["-D", "--defined-only", "--format=posix", lib])
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            l.split_whitespace()
                .next()
                .unwrap()
                .split('@')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    exported.sort();
    let mut declared = declared_functions(&std::fs::read_to_string(CHECKED_IN).unwrap());
    declared.sort();
    assert!(
        declared.len() >= 9,
        "the header parser found too little: {declared:?}"
    );
    assert_eq!(
        exported, declared,
        "exports of {lib} vs functions in the header"
    );
}

#[test]
fn the_shared_library_has_its_soname() {
    let dynamic = tool("readelf", &["-d", shared_library().to_str().unwrap()]);
    let want = format!(
        "Library soname: [libexeccheck.so.{}]",
        env!("CARGO_PKG_VERSION_MAJOR")
    );
    assert!(dynamic.contains(&want), "{dynamic}");
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
