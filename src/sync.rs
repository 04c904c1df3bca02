//! Locking shared state that must outlive a panic.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks `mutex` even if an earlier holder panicked. Every lock in this crate guards state that
/// stays consistent at any point a panic can stop it (a rebuild that panics leaves the state of
/// the rebuild before; the bot's counters and caches are usable as they are), and one failed
/// update or rebuild must not make every later one fail too.
pub fn unpoisoned<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
