//! Splitting a job across the cores: the calling thread takes a share itself instead of waiting idle.

use std::thread::ScopedJoinHandle;

/// `work` on each item: the first on the calling thread, every other on a scoped thread of its own. Results
/// come back in the items' order; a panic on any thread is raised again here.
pub fn on_threads<T: Send, R: Send>(items: Vec<T>, work: impl Fn(T) -> R + Sync) -> Vec<R> {
    let mut items = items.into_iter();
    let Some(first) = items.next() else { return Vec::new() };
    std::thread::scope(|scope| {
        let work = &work;
        let others: Vec<_> = items.map(|item| scope.spawn(move || work(item))).collect();
        let mut results = vec![work(first)];
        results.extend(others.into_iter().map(join));
        results
    })
}

/// A scoped thread's result, its panic raised again on the joining thread.
pub fn join<T>(handle: ScopedJoinHandle<'_, T>) -> T {
    handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}
