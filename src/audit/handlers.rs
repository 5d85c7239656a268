// SPDX-License-Identifier: MIT OR Apache-2.0
//! The C handler registry: (handler, data) pairs live in static slots, each
//! written once and never changed, so a thread still calling the previous
//! handler never reads a torn or reused pair, and nothing is allocated.

use crate::c_types::{exec_log_event, exec_log_handler};
use crate::sys::Errno;
use libc::c_void;
use std::sync::atomic::{AtomicPtr, AtomicU8, AtomicUsize, Ordering};

/// A registered handler (`exec_log_handler` without its NULL).
type HandlerFn = unsafe extern "C" fn(*const exec_log_event, *mut c_void);

/// How many distinct (handler, data) pairs a process may register.
pub const HANDLER_SLOTS: usize = 16;

const SLOT_FREE: u8 = 0;
const SLOT_WRITING: u8 = 1;
pub(super) const SLOT_READY: u8 = 2;

pub(super) struct Slot {
    pub(super) state: AtomicU8,
    handler: AtomicUsize,
    data: AtomicPtr<c_void>,
}

#[allow(clippy::declare_interior_mutable_const)] // only the array's initialiser
const EMPTY_SLOT: Slot = Slot {
    state: AtomicU8::new(SLOT_FREE),
    handler: AtomicUsize::new(0),
    data: AtomicPtr::new(std::ptr::null_mut()),
};
pub(super) static SLOTS: [Slot; HANDLER_SLOTS] = [EMPTY_SLOT; HANDLER_SLOTS];
/// The slot in force, or NULL.
static CURRENT: AtomicPtr<Slot> = AtomicPtr::new(std::ptr::null_mut());

/// Deliver future events to `handler` (None: to nobody). `ENOSPC` once
/// HANDLER_SLOTS distinct pairs have been registered.
pub fn set_handler(handler: exec_log_handler, data: *mut c_void) -> Result<(), Errno> {
    let slot = match handler {
        None => std::ptr::null(),
        Some(handler) => slot_for(handler as usize, data)?,
    };
    CURRENT.store(slot as *mut Slot, Ordering::Release);
    Ok(())
}

/// The ready slot holding this pair, or a free slot filled with it.
fn slot_for(handler: usize, data: *mut c_void) -> Result<&'static Slot, Errno> {
    let holds = |slot: &Slot| {
        slot.state.load(Ordering::Acquire) == SLOT_READY
            && slot.handler.load(Ordering::Relaxed) == handler
            && slot.data.load(Ordering::Relaxed) == data
    };
    if let Some(slot) = SLOTS.iter().find(|slot| holds(slot)) {
        return Ok(slot);
    }
    let claimed = SLOTS.iter().find(|slot| {
        let state = &slot.state;
        state
            .compare_exchange(
                SLOT_FREE,
                SLOT_WRITING,
                Ordering::Acquire,
                Ordering::Relaxed,
            )
            .is_ok()
    });
    let slot = claimed.ok_or(libc::ENOSPC)?;
    slot.handler.store(handler, Ordering::Relaxed);
    slot.data.store(data, Ordering::Relaxed);
    slot.state.store(SLOT_READY, Ordering::Release);
    Ok(slot)
}

/// The registration in force, if any: a slot that never changes once
/// published.
#[derive(Clone, Copy)]
pub struct Registered(&'static Slot);

/// The handler registered now, if any.
pub fn current() -> Option<Registered> {
    let slot = CURRENT.load(Ordering::Acquire);
    // SAFETY: CURRENT is NULL or points into SLOTS, and a published slot
    // never changes.
    unsafe { slot.as_ref() }.map(Registered)
}

impl Registered {
    /// Call the handler with `event` and its registrant's data.
    pub fn call(self, event: &exec_log_event) {
        let slot = self.0;
        // SAFETY: only set_handler() stores into `handler`, and only the
        // address of a `HandlerFn`.
        let handler: HandlerFn = unsafe {
            std::mem::transmute::<usize, HandlerFn>(slot.handler.load(Ordering::Relaxed))
        };
        // SAFETY: the handler's contract is its registrant's; `event` and its
        // strings outlive the call.
        unsafe { handler(event, slot.data.load(Ordering::Relaxed)) };
    }
}
