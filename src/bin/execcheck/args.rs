// SPDX-License-Identifier: MIT OR Apache-2.0
//! A small GNU-style option parser: `-a`, `-ab` (clusters), `--long`,
//! `--` ends the options. Options take no values.

use std::ffi::OsString;

/// One option: its short letter (if any), its long name, its meaning.
pub struct Spec<O> {
    pub short: Option<char>,
    pub long: &'static str,
    pub option: O,
}

impl<O> Spec<O> {
    pub const fn new(short: Option<char>, long: &'static str, option: O) -> Spec<O> {
        Spec {
            short,
            long,
            option,
        }
    }
}

/// Options and operands of one command line.
pub struct Parsed<O> {
    pub options: Vec<O>,
    pub operands: Vec<OsString>,
}

/// Where options may appear.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Anywhere before `--` (GNU permutation): `check PATH -r` works.
    Anywhere,
    /// Before the first operand only: what follows belongs to the command
    /// (`run -f python3 -c ...`).
    StopAtOperand,
}

/// Parse `args`; the error is the message for `usage_error`.
pub fn parse<O: Copy>(
    args: &[OsString],
    specs: &[Spec<O>],
    order: Order,
) -> Result<Parsed<O>, String> {
    let mut parsed = Parsed {
        options: Vec::new(),
        operands: Vec::new(),
    };
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let bytes = arg.as_encoded_bytes();
        if bytes == b"--" {
            parsed.operands.extend(rest.by_ref().cloned());
        } else if let Some(long) = bytes.strip_prefix(b"--") {
            let spec = specs.iter().find(|spec| spec.long.as_bytes() == long);
            let spec =
                spec.ok_or_else(|| format!("unrecognized option '{}'", arg.to_string_lossy()))?;
            parsed.options.push(spec.option);
        } else if bytes.len() > 1 && bytes[0] == b'-' {
            for letter in arg.to_string_lossy()[1..].chars() {
                let spec = specs.iter().find(|spec| spec.short == Some(letter));
                parsed.options.push(
                    spec.ok_or_else(|| format!("invalid option -- '{letter}'"))?
                        .option,
                );
            }
        } else {
            parsed.operands.push(arg.clone());
            if order == Order::StopAtOperand {
                parsed.operands.extend(rest.by_ref().cloned());
            }
        }
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    enum O {
        A,
        B,
    }

    const SPECS: &[Spec<O>] = &[
        Spec::new(Some('a'), "all", O::A),
        Spec::new(Some('b'), "bee", O::B),
    ];

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn clusters_long_options_and_permutation() {
        let parsed = parse(&os(&["x", "-ab", "--all", "y"]), SPECS, Order::Anywhere).unwrap();
        assert_eq!(parsed.options, [O::A, O::B, O::A]);
        assert_eq!(parsed.operands, os(&["x", "y"]));
    }

    #[test]
    fn double_dash_and_stop_at_operand() {
        let parsed = parse(&os(&["-a", "--", "-b"]), SPECS, Order::Anywhere).unwrap();
        assert_eq!((parsed.options, parsed.operands), (vec![O::A], os(&["-b"])));
        let parsed = parse(&os(&["-a", "cmd", "-b", "--"]), SPECS, Order::StopAtOperand).unwrap();
        assert_eq!(
            (parsed.options, parsed.operands),
            (vec![O::A], os(&["cmd", "-b", "--"]))
        );
        let parsed = parse(&os(&["-"]), SPECS, Order::Anywhere).unwrap();
        assert_eq!(parsed.operands, os(&["-"]));
    }

    #[test]
    fn unknown_options_are_named() {
        let error = |args: &[&str]| parse(&os(args), SPECS, Order::Anywhere).err().unwrap();
        assert_eq!(error(&["--al"]), "unrecognized option '--al'");
        assert_eq!(error(&["-az"]), "invalid option -- 'z'");
    }
}
