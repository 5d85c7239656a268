// SPDX-License-Identifier: MIT OR Apache-2.0
//! Turning bytes into output: file names in text lines and in JSON, errno
//! names. File names are arbitrary bytes; every record must stay one line
//! and every JSON document valid.

use std::ffi::CStr;
use std::fmt::Write;

/// `EACCES`, `ETXTBSY`, ...: glibc's symbolic name, else `errno-N`.
pub fn errno_name(errno: i32) -> String {
    extern "C" {
        // glibc >= 2.32: a static string, or NULL for an unknown value.
        fn strerrorname_np(errnum: libc::c_int) -> *const libc::c_char;
    }
    // SAFETY: returns NULL or a static C string.
    let name = unsafe { strerrorname_np(errno) };
    if name.is_null() {
        format!("errno-{errno}")
    } else {
        // SAFETY: non-NULL static C string.
        unsafe { CStr::from_ptr(name) }
            .to_string_lossy()
            .into_owned()
    }
}

/// The message for `errno` ("No such file or directory"), without the
/// "(os error N)" that `io::Error` adds.
pub fn describe(errno: i32) -> String {
    let mut buf = [0 as libc::c_char; 256];
    // SAFETY: the XSI strerror_r writes a NUL-terminated message into `buf`.
    if unsafe { libc::strerror_r(errno, buf.as_mut_ptr(), buf.len()) } != 0 {
        return errno_name(errno);
    }
    // SAFETY: NUL-terminated by strerror_r.
    unsafe { CStr::from_ptr(buf.as_ptr()) }
        .to_string_lossy()
        .into_owned()
}

/// The message of an `io::Error`, in the same form.
pub fn describe_io(error: &std::io::Error) -> String {
    match error.raw_os_error() {
        Some(errno) => describe(errno),
        None => error.to_string(),
    }
}

/// A file name for a text line: UTF-8 as is; `\` doubled; control
/// characters and bytes that are not UTF-8 as `\n`, `\t`, `\xHH`.
pub fn for_line(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                c if c.is_control() => {
                    let mut utf8 = [0u8; 4];
                    for byte in c.encode_utf8(&mut utf8).bytes() {
                        let _ = write!(out, "\\x{byte:02x}");
                    }
                }
                c => out.push(c),
            }
        }
        for byte in chunk.invalid() {
            let _ = write!(out, "\\x{byte:02x}");
        }
    }
    out
}

/// A JSON string literal for `text`.
pub fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `"KEY":"NAME"` for a file name; a name that is not UTF-8 gets U+FFFD in
/// that string (for people) and its exact bytes in `"KEY_bytes":[...]`.
pub fn json_path(key: &str, bytes: &[u8]) -> String {
    let mut out = format!("\"{key}\":{}", json_string(&String::from_utf8_lossy(bytes)));
    if std::str::from_utf8(bytes).is_err() {
        let numbers: Vec<String> = bytes.iter().map(u8::to_string).collect();
        let _ = write!(out, ",\"{key}_bytes\":[{}]", numbers.join(","));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_names() {
        assert_eq!(errno_name(libc::EACCES), "EACCES");
        assert_eq!(errno_name(libc::ETXTBSY), "ETXTBSY");
        assert_eq!(errno_name(100_000), "errno-100000");
        assert_eq!(describe(libc::ENOENT), "No such file or directory");
    }

    #[test]
    fn lines_stay_lines() {
        assert_eq!(for_line(b"a b/\xc3\xa9.py"), "a b/\u{e9}.py");
        assert_eq!(
            for_line(b"x\ny\t\\z\x1b\xff\xc2\x85"),
            "x\\ny\\t\\\\z\\x1b\\xff\\xc2\\x85"
        );
    }

    #[test]
    fn json_escapes_and_raw_bytes() {
        assert_eq!(
            json_string("a\"b\\c\n\u{1}\u{e9}"),
            "\"a\\\"b\\\\c\\n\\u0001\u{e9}\""
        );
        assert_eq!(json_path("path", b"/t/\xc3\xa9"), "\"path\":\"/t/\u{e9}\"");
        assert_eq!(
            json_path("path", b"/\xff"),
            "\"path\":\"/\u{fffd}\",\"path_bytes\":[47,255]"
        );
    }
}
