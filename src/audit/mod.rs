// SPDX-License-Identifier: MIT OR Apache-2.0
//! Audit (permissive) mode: report every failed check, enforced or not.
//!
//! Two listeners, both optional, and both can only add output:
//! - `EXECCHECK_LOG` (`stderr`, `syslog`, or both, comma-separated), read
//!   once with `secure_getenv` (so never in setuid/setgid programs): one line
//!   per failed check;
//! - a handler registered from C with `exec_log_set_handler()`.
//!
//! Cost: a successful check never comes here. A failed one costs two atomic
//! loads when nobody listens. When somebody does, it costs a few system calls
//! (`readlinkat`, `write` or `sendto`) and still no allocation and no lock:
//! the buffers are on the stack and the handler is published through an
//! atomic pointer to a static slot.
//!
//! Nothing here may panic: the shipped library carries no panic machinery
//! (c-tests/check-hygiene), so no indexing, no checked constructors. The
//! system calls are in `sys` (through `syscall`: no new import), and errno
//! names come from a table here, not from libc.
//!
//! One idea per file:
//! - `sinks`: which outputs `EXECCHECK_LOG` asks for (read once, cached);
//! - `handlers`: the lock-free registry of C handlers;
//! - `report`: a failure turned into a line and an event, and delivered;
//! - `text`: the no-panic line formatter;
//! - `transport`: the line to stderr and to syslog.

mod handlers;
mod report;
mod sinks;
mod text;
mod transport;

pub use handlers::set_handler;
pub use report::{failed, wanted, Failure};
