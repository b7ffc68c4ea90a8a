//! The signal state of an export: SIGINT, SIGTERM or SIGHUP set a flag, the export stops at its
//! next write and removes what it had staged; the exit code is 128 + the signal.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::error::{Error, Result};

/// The signal state of an export: set when SIGINT, SIGTERM or SIGHUP arrives, the export stops
/// at its next write and removes what it had staged (see [`Staging::watch_signals`]); `which`
/// is the signal, for the exit code (128 + its number).
struct Signals {
    flag: Arc<AtomicBool>,
    which: Arc<AtomicUsize>,
}

fn signals() -> &'static Signals {
    static SIGNALS: std::sync::OnceLock<Signals> = std::sync::OnceLock::new();
    SIGNALS.get_or_init(|| Signals {
        flag: Arc::default(),
        which: Arc::default(),
    })
}

/// True once an export was asked to stop.
pub(crate) fn interrupted() -> bool {
    signals().flag.load(Ordering::Relaxed)
}

/// Fails with [`Error::Interrupted`] (naming the signal) once a signal asked the export to stop.
pub(crate) fn check_interrupted() -> Result<()> {
    if interrupted() {
        let which = signals().which.load(Ordering::Relaxed);
        Err(Error::Interrupted {
            signal: i32::try_from(which)
                .ok()
                .filter(|s| *s > 0)
                .unwrap_or(signal_hook::consts::SIGINT),
        })
    } else {
        Ok(())
    }
}

/// Turns SIGINT, SIGTERM and SIGHUP into a clean stop for the rest of the process: the export
/// stops at its next write, removes its staging folder and exits 128 + the signal (130, 143,
/// 129). A second signal ends the process at once, with the same code.
pub(crate) fn watch() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let s = signals();
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            // In this order on each signal: a second one, with the flag set, ends the
            // process; the first records which signal it was and sets the flag.
            let _ = signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, s.flag.clone());
            let _ = signal_hook::flag::register_usize(sig, s.which.clone(), sig as usize);
            let _ = signal_hook::flag::register(sig, s.flag.clone());
        }
    });
}
