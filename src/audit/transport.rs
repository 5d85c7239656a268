// SPDX-License-Identifier: MIT OR Apache-2.0
//! Where a line goes: stderr in one `write`, or one datagram to syslog.

use super::text::{decimal, put, Line, HEADER_ROOM};
use crate::sys;
use libc::{c_char, c_int};

/// `execcheck: FIELDS\n` on stderr, in one write.
pub fn to_stderr(line: &mut Line) {
    write_all(libc::STDERR_FILENO, line.message(b"execcheck: ", b"\n"));
}

/// `<PRI>execcheck[PID]: FIELDS` to /dev/log, facility user, severity
/// warning when refused, notice when it only would have been.
pub fn to_syslog(line: &mut Line, enforced: bool) {
    let priority: &[u8] = if enforced { b"<12>" } else { b"<13>" };
    let mut header = [0u8; HEADER_ROOM];
    let mut end = put(&mut header, 0, priority);
    end = put(&mut header, end, b"execcheck[");
    end += decimal(
        sys::getpid() as u64,
        header.get_mut(end..).unwrap_or_default(),
    );
    end = put(&mut header, end, b"]: ");
    let message = line.message(header.get(..end).unwrap_or_default(), b"");
    send_datagram(b"/dev/log", message);
}

fn write_all(fd: c_int, mut bytes: &[u8]) {
    let mut interrupted = 0;
    while !bytes.is_empty() {
        let written = sys::write(fd, bytes);
        if let Ok(written @ 1..) = written {
            bytes = bytes.get(written..).unwrap_or_default();
        } else if written == Err(libc::EINTR) && interrupted < sys::MAX_EINTR_RETRIES {
            interrupted += 1; // bounded: a write that always fails with EINTR must not hang the host
        } else {
            return; // logging only adds output: a closed stderr is not an error
        }
    }
}

/// One datagram to a local socket, through a socket of its own: nothing stays
/// open (a program that closes every descriptor cannot be surprised), and
/// the program's own `openlog` settings are left alone.
fn send_datagram(path: &[u8], message: &[u8]) {
    let Ok(fd) = sys::unix_datagram_socket() else {
        return;
    };
    // SAFETY: an all-zero sockaddr_un is valid.
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    for (slot, &byte) in addr.sun_path.iter_mut().zip(path) {
        *slot = byte as c_char;
    }
    sys::send_to(fd, message, &addr);
    sys::close(fd);
}
