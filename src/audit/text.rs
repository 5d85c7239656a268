// SPDX-License-Identifier: MIT OR Apache-2.0
//! The no-panic text formatter: a line built once on the stack, fields
//! appended whole or the line marked cut, bytes outside printable ASCII
//! escaped. No indexing, no allocation: the shipped library carries no
//! panic machinery.

/// Write `value` in decimal at the start of `out`; returns the digit count.
pub fn decimal(value: u64, out: &mut [u8]) -> usize {
    let mut digits = [0u8; 20];
    let mut rest = value;
    let mut count = 0;
    for slot in digits.iter_mut().rev() {
        *slot = b'0' + (rest % 10) as u8;
        rest /= 10;
        count += 1;
        if rest == 0 {
            break;
        }
    }
    let digits = digits.get(digits.len() - count..).unwrap_or_default();
    put(out, 0, digits)
}

/// Copy `bytes` into `buf` at `at`, as far as they fit; returns where the
/// copy ended. (No indexing: see the module's comment.)
pub fn put(buf: &mut [u8], at: usize, bytes: &[u8]) -> usize {
    let room = buf.get_mut(at..).unwrap_or_default();
    let mut copied = 0;
    for (slot, byte) in room.iter_mut().zip(bytes) {
        *slot = *byte;
        copied += 1;
    }
    at + copied
}

/// PIPE_BUF: a `write` of at most this many bytes to a pipe is atomic, so
/// lines from concurrent threads and processes never interleave.
pub const LINE_MAX: usize = 4096;
/// Room kept in front of the fields for `<PRI>execcheck[PID]: `.
pub const HEADER_ROOM: usize = 48;
/// Marks a line cut short (a path near PATH_MAX, escaped).
const CUT: &[u8] = b"...";

pub struct Line {
    buf: [u8; LINE_MAX],
    /// End of the fields (they start at HEADER_ROOM).
    end: usize,
    cut: bool,
}

impl Line {
    pub fn new() -> Line {
        Line {
            buf: [0; LINE_MAX],
            end: HEADER_ROOM,
            cut: false,
        }
    }

    /// Appends `bytes` whole, or marks the line cut.
    pub fn push(&mut self, bytes: &[u8]) {
        // One byte stays free for the newline, and room for the cut mark.
        let limit = LINE_MAX - 1 - CUT.len();
        if self.cut || self.end + bytes.len() > limit {
            self.cut = true;
            return;
        }
        self.end = put(&mut self.buf, self.end, bytes);
    }

    pub fn push_decimal(&mut self, value: u64) {
        let mut digits = [0u8; 20];
        let count = decimal(value, &mut digits);
        self.push(&digits[..count]);
    }

    /// `"..."` with `"` and `\` escaped and every byte outside printable
    /// ASCII as `\xHH`: one line whatever a file name holds.
    pub fn push_quoted(&mut self, bytes: &[u8]) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        self.push(b"\"");
        for &byte in bytes {
            match byte {
                b'"' | b'\\' => self.push(&[b'\\', byte]),
                0x20..=0x7e => self.push(&[byte]),
                _ => self.push(&[
                    b'\\',
                    b'x',
                    HEX[usize::from(byte >> 4) & 0xf],
                    HEX[usize::from(byte & 0xf)],
                ]),
            }
        }
        self.push(b"\"");
    }

    /// The fields, with the cut mark if they did not fit.
    pub fn fields(&mut self) -> &[u8] {
        if self.cut {
            self.end = put(&mut self.buf, self.end, CUT);
            self.cut = false;
        }
        self.buf.get(HEADER_ROOM..self.end).unwrap_or_default()
    }

    /// `header` + the fields + `trailer`, in place; `header` must fit in
    /// HEADER_ROOM (it is dropped otherwise).
    pub fn message(&mut self, header: &[u8], trailer: &[u8]) -> &[u8] {
        self.fields();
        let start = HEADER_ROOM.checked_sub(header.len()).unwrap_or(HEADER_ROOM);
        put(
            &mut self.buf,
            start,
            header.get(..HEADER_ROOM - start).unwrap_or_default(),
        );
        let end = put(&mut self.buf, self.end, trailer);
        self.buf.get(start..end).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_keeps_one_line() {
        let mut line = Line::new();
        line.push_quoted(b"a b\n\"\\\xff\xc3\xa9");
        assert_eq!(line.fields(), b"\"a b\\x0a\\\"\\\\\\xff\\xc3\\xa9\"");
    }

    #[test]
    fn long_lines_are_cut_and_marked() {
        let mut line = Line::new();
        line.push(b"verdict=refused file=");
        line.push_quoted(&[b'a'; 5000]);
        assert!(line.fields().ends_with(b"aaa..."));
        let message = line.message(b"execcheck: ", b"\n");
        assert_eq!(message.len(), LINE_MAX - HEADER_ROOM + b"execcheck: ".len());
        assert!(message.starts_with(b"execcheck: verdict=refused file=\"aaa"));
        assert!(message.ends_with(b"aaa...\n"));
        let message = line.message(b"<12>execcheck[4194304]: ", b"");
        assert!(message.starts_with(b"<12>execcheck[4194304]: verdict=refused"));
    }

    #[test]
    fn decimals() {
        let mut out = [0u8; 24];
        assert_eq!(decimal(0, &mut out), 1);
        assert_eq!(&out[..1], b"0");
        assert_eq!(decimal(u64::MAX, &mut out), 20);
        assert_eq!(&out[..20], b"18446744073709551615");
        assert_eq!(decimal(12345, &mut out[..3]), 3, "cut to what fits");
        assert_eq!(&out[..3], b"123");
    }
}
