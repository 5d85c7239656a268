// SPDX-License-Identifier: MIT OR Apache-2.0
//! Seccomp filters written by hand in classic BPF: make chosen system calls
//! fail with a chosen errno, or kill the calling thread. A filter applies to the
//! calling thread and everything it starts afterwards (threads, clone
//! children), and can never be removed: install it in a forked child.

use libc::{c_long, sock_filter};

/// What a matching system call gets.
#[derive(Clone, Copy, Debug)]
pub enum Action {
    /// Fails with this errno, without reaching the kernel.
    Errno(i32),
    /// The calling thread alone is killed by SIGSYS (when it is the last
    /// one, the process is).
    KillThread,
}

/// Narrow a rule to calls whose argument `index` (low 32 bits) ...
#[derive(Clone, Copy, Debug)]
pub enum Arg {
    /// ... equals this value.
    Equals(usize, u32),
    /// ... has any of these bits set.
    AnyBit(usize, u32),
}

#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH: u32 = 0xc000_003e; // EM_X86_64 | 64-bit | little-endian
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH: u32 = 0xc000_00b7; // EM_AARCH64 | 64-bit | little-endian

// Offsets in struct seccomp_data.
const NR: u32 = 0;
const ARCH: u32 = 4;
fn arg_low(index: usize) -> u32 {
    16 + 8 * index as u32 // args[] are u64, little-endian: low half first
}

fn stmt(code: u32, k: u32) -> sock_filter {
    sock_filter {
        code: code as u16,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump(code: u32, k: u32, jt: usize, jf: usize) -> sock_filter {
    sock_filter {
        code: (libc::BPF_JMP | code | libc::BPF_K) as u16,
        jt: jt.try_into().unwrap(),
        jf: jf.try_into().unwrap(),
        k,
    }
}

fn load(offset: u32) -> sock_filter {
    stmt(libc::BPF_LD | libc::BPF_W | libc::BPF_ABS, offset)
}

fn ret(value: u32) -> sock_filter {
    stmt(libc::BPF_RET | libc::BPF_K, value)
}

/// The program: native arch, one of `syscalls`, `arg` if given -> `action`;
/// anything else is allowed.
pub fn program(syscalls: &[c_long], arg: Option<Arg>, action: Action) -> Vec<sock_filter> {
    let action = match action {
        Action::Errno(errno) => libc::SECCOMP_RET_ERRNO | (errno as u32 & libc::SECCOMP_RET_DATA),
        Action::KillThread => libc::SECCOMP_RET_KILL_THREAD,
    };
    let n = syscalls.len();
    let arg_len = if arg.is_some() { 2 } else { 0 };
    // Layout: [0] ld arch, [1] jeq arch, [2] ld nr, [3..3+n] jeq nr_i,
    // [3+n] allow, then the match block: [ld arg, test arg], action, allow.
    let mut prog = vec![load(ARCH), jump(libc::BPF_JEQ, AUDIT_ARCH, 0, 0), load(NR)];
    let first_jeq = prog.len();
    let match_block = first_jeq + n + 1;
    prog[1].jf = (match_block + arg_len + 1 - 2) as u8; // wrong arch: last allow
    for (i, &nr) in syscalls.iter().enumerate() {
        let at = first_jeq + i;
        prog.push(jump(libc::BPF_JEQ, nr as u32, match_block - at - 1, 0));
    }
    prog.push(ret(libc::SECCOMP_RET_ALLOW));
    match arg {
        Some(Arg::Equals(index, value)) => {
            prog.push(load(arg_low(index)));
            prog.push(jump(libc::BPF_JEQ, value, 0, 1));
        }
        Some(Arg::AnyBit(index, bits)) => {
            prog.push(load(arg_low(index)));
            prog.push(jump(libc::BPF_JSET, bits, 0, 1));
        }
        None => {}
    }
    prog.push(ret(action));
    prog.push(ret(libc::SECCOMP_RET_ALLOW));
    prog
}

/// Install the filter on the calling thread (and with TSYNC on every thread
/// of the process, so the rule is the same wherever the library runs).
pub fn install(syscalls: &[c_long], arg: Option<Arg>, action: Action) {
    let program = program(syscalls, arg, action);
    if let Err(e) = install_program(&program) {
        panic!("seccomp filter: {e}");
    }
}

/// Install a program made by `program`. Neither allocates nor panics, so it
/// can run between fork and exec (`CommandExt::pre_exec`).
pub fn install_program(program: &[sock_filter]) -> std::io::Result<()> {
    let fprog = libc::sock_fprog {
        len: program.len() as u16,
        filter: program.as_ptr().cast_mut(),
    };
    // SAFETY: plain prctl and seccomp calls with a valid, live program (the
    // kernel copies it and does not write to it).
    let ret = unsafe {
        if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            libc::SECCOMP_FILTER_FLAG_TSYNC,
            &fprog,
        )
    };
    if ret == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}
