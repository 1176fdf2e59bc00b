//! The panic hook that gives a caught panic its source location and backtrace.
//!
//! `catch_unwind` hands its caller only the panic's payload (the message). The
//! location and the stack exist only while the panic hook runs, on the panicking
//! thread, before unwinding starts. So [`install_panic_hook`] installs, once per
//! process, a hook that:
//!
//! 1. checks a thread-local depth counter that is non-zero only while the thread is
//!    inside one of this crate's catch sites (a `call`, a future poll or a body poll);
//! 2. if so, stores the location and a freshly captured [`Backtrace`] in a
//!    thread-local slot, which the catch site takes right after `catch_unwind`
//!    returns;
//! 3. always calls the hook that was installed before it, so the usual
//!    `thread '...' panicked at ...` line (or your own hook) still runs.
//!
//! Panics outside a catch site cost nothing extra: no backtrace is captured for them.
//! A hook installed later that does not chain to ours only loses the location and
//! the backtrace; the message is still caught and reported.

use std::backtrace::Backtrace;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

/// Where a panic happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLocation {
    /// The source file, as the compiler recorded it.
    pub file: String,
    /// The 1-based line.
    pub line: u32,
    /// The 1-based column.
    pub column: u32,
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

struct Captured {
    location: Option<SourceLocation>,
    backtrace: Backtrace,
}

thread_local! {
    static CATCH_DEPTH: Cell<u32> = const { Cell::new(0) };
    static CAPTURED: RefCell<Option<Captured>> = const { RefCell::new(None) };
}

static INSTALL: Once = Once::new();

/// Installs the crate's panic hook, once per process, chained to the previous hook.
///
/// Building an [`ErrorCatcherLayer`](crate::ErrorCatcherLayer) calls this; call it
/// yourself only if you set your own hook afterwards and want to chain to ours.
pub fn install_panic_hook() {
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let catching = CATCH_DEPTH.try_with(Cell::get).unwrap_or(0) > 0;
            if catching {
                let location = info.location().map(|l| SourceLocation {
                    file: l.file().to_owned(),
                    line: l.line(),
                    column: l.column(),
                });
                let captured = Captured {
                    location,
                    backtrace: Backtrace::force_capture(),
                };
                let _ = CAPTURED.try_with(|slot| *slot.borrow_mut() = Some(captured));
            }
            previous(info);
        }));
    });
}

/// A panic caught at one of this crate's catch sites.
#[derive(Debug)]
pub(crate) struct CaughtPanic {
    pub(crate) message: String,
    pub(crate) location: Option<SourceLocation>,
    pub(crate) backtrace: Option<String>,
}

/// Runs `f`, turning a panic into a [`CaughtPanic`] with what the hook stored.
///
/// The success path is two thread-local increments around `catch_unwind`; the
/// panic is boxed so that the result stays the size of `R`.
#[inline]
pub(crate) fn catch<R>(f: impl FnOnce() -> R) -> Result<R, Box<CaughtPanic>> {
    CATCH_DEPTH.with(|d| d.set(d.get() + 1));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CATCH_DEPTH.with(|d| d.set(d.get() - 1));
    result.map_err(caught)
}

/// The panic's message, with the location and backtrace the hook stored.
#[cold]
#[inline(never)]
fn caught(payload: Box<dyn std::any::Any + Send>) -> Box<CaughtPanic> {
    let captured = CAPTURED.with(|slot| slot.borrow_mut().take());
    let message = payload_message(&*payload);
    // A payload whose destructor panics must not escape either.
    let _ = panic::catch_unwind(AssertUnwindSafe(move || drop(payload)));
    let (location, backtrace) = match captured {
        Some(c) => (c.location, Some(c.backtrace.to_string())),
        None => (None, None),
    };
    Box::new(CaughtPanic {
        message,
        location,
        backtrace,
    })
}

/// The text of a panic payload: `panic!("...")` gives a `&str` or a `String`.
pub(crate) fn payload_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "Box<dyn Any> (a panic payload that is not a string)".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caught_panic_has_message_location_and_backtrace() {
        install_panic_hook();
        let line = line!() + 1;
        let caught = catch(|| panic!("boom {}", 42)).unwrap_err();
        assert_eq!(caught.message, "boom 42");
        let location = caught.location.expect("the hook stored a location");
        assert!(location.file.ends_with("panic_hook.rs"), "{location}");
        assert_eq!(location.line, line);
        assert!(caught.backtrace.unwrap().contains("panic_hook"));
    }

    #[test]
    fn a_value_passes_through_and_leaves_nothing_behind() {
        install_panic_hook();
        assert_eq!(catch(|| 7).unwrap(), 7);
        assert!(CAPTURED.with(|slot| slot.borrow().is_none()));
        assert_eq!(CATCH_DEPTH.with(Cell::get), 0);
    }

    #[test]
    fn panics_outside_a_catch_site_store_nothing() {
        install_panic_hook();
        let _ = panic::catch_unwind(|| panic!("elsewhere"));
        assert!(CAPTURED.with(|slot| slot.borrow().is_none()));
    }

    #[test]
    fn non_string_payloads_are_named() {
        install_panic_hook();
        let caught = catch(|| std::panic::panic_any(5_u8)).unwrap_err();
        assert!(caught.message.contains("not a string"));
    }
}
