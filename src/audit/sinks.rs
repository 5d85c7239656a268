// SPDX-License-Identifier: MIT OR Apache-2.0
//! Which outputs `EXECCHECK_LOG` asks for: read once, then cached.

use crate::sys;
use std::sync::atomic::{AtomicU8, Ordering};

pub const LOG_STDERR: u8 = 1 << 0;
pub const LOG_SYSLOG: u8 = 1 << 1;
/// Set once the environment has been read.
const LOG_READ: u8 = 1 << 7;
static LOG: AtomicU8 = AtomicU8::new(0);

/// The sinks `EXECCHECK_LOG` names: unset or empty means none; an unknown
/// word means stderr (whoever set the variable wants to see something).
fn parse_sinks(value: &[u8]) -> u8 {
    value
        .split(|&byte| byte == b',')
        .map(|word| match word {
            b"" => 0,
            b"syslog" => LOG_SYSLOG,
            _ => LOG_STDERR,
        })
        .fold(0, |sinks, sink| sinks | sink)
}

/// The cached sinks. The environment is read at the first failed check,
/// once; a racing first caller keeps whichever answer was stored first. (No
/// constructor reads it at load time: the library adds none, see
/// c-tests/check-hygiene.)
pub fn sinks() -> u8 {
    let cached = LOG.load(Ordering::Relaxed);
    if cached & LOG_READ != 0 {
        return cached & !LOG_READ;
    }
    let fresh =
        sys::secure_getenv(c"EXECCHECK_LOG").map_or(0, |value| parse_sinks(value.to_bytes()));
    match LOG.compare_exchange(0, fresh | LOG_READ, Ordering::Relaxed, Ordering::Relaxed) {
        Ok(_) => fresh,
        Err(first) => first & !LOG_READ,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sinks_are_parsed_generously() {
        assert_eq!(parse_sinks(b""), 0);
        assert_eq!(parse_sinks(b"stderr"), LOG_STDERR);
        assert_eq!(parse_sinks(b"syslog"), LOG_SYSLOG);
        assert_eq!(parse_sinks(b"syslog,stderr"), LOG_SYSLOG | LOG_STDERR);
        assert_eq!(parse_sinks(b"journal"), LOG_STDERR);
    }
}
