//! Batch mode for the command line: one input per line in, one output per input out, in input
//! order, with the work spread over several threads.
//!
//! A reader thread hands numbered lines to the workers; the calling thread writes the results
//! back in order. Output is flushed whenever every line read so far has been answered, so a
//! program that writes one question and waits for its answer is served at once, while a large
//! batch (read far ahead of the answers) is written in big chunks.

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;

/// Lines handed over at once when more are already waiting: passing each line alone between
/// threads costs more than answering it.
const CHUNK: usize = 32;
/// Chunks waiting for a worker, per worker: enough to keep every worker busy, few enough that a
/// huge input is not read into memory ahead of the answers.
const QUEUE_PER_WORKER: usize = 4;

/// Numbered lines.
type Chunk = Vec<(u64, String)>;

/// The results of a chunk, which holds consecutive lines: the first line's number, how many
/// lines, and their results, each followed by a line end. One string per chunk rather than per
/// line: the writer reorders and writes chunks, and the worker that made a result frees it.
struct Answered {
    first: u64,
    lines: u64,
    text: String,
}

/// The number of worker threads to use when the user does not say: one per core.
pub fn default_workers() -> usize {
    thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// Reads `input` line by line (line endings removed, invalid UTF-8 replaced), maps each line
/// with `handle` on `workers` threads and writes the results to `output`, one per line, in input
/// order. Returns when the input ends, or quietly when `output` can no longer be written (say,
/// piped into `head`); a read error is returned, after everything before it was written.
pub fn map_lines<F>(
    input: impl Read + Send + 'static,
    output: &mut impl Write,
    workers: usize,
    handle: F,
) -> io::Result<()>
where
    F: Fn(&str) -> String + Send + Sync + 'static,
{
    let workers = workers.max(1);
    let (job_sender, jobs) = mpsc::sync_channel::<Chunk>(workers * QUEUE_PER_WORKER);
    let (result_sender, results) = mpsc::channel::<Answered>();
    let lines_read = Arc::new(AtomicU64::new(0));
    let reader = {
        let lines_read = Arc::clone(&lines_read);
        thread::spawn(move || read_lines(input, &job_sender, &lines_read))
    };
    let jobs = Arc::new(Mutex::new(jobs));
    // Written chunks' buffers go back to the workers: a fresh 100 KB buffer per chunk, freed on
    // another thread, costs the allocator new pages from the kernel, zeroed, every time (a sixth
    // of a large batch's time before).
    let (spare_sender, spare) = mpsc::channel::<String>();
    let spare = Arc::new(Mutex::new(spare));
    let handle = Arc::new(handle);
    for _ in 0..workers {
        let jobs = Arc::clone(&jobs);
        let spare = Arc::clone(&spare);
        let results = result_sender.clone();
        let handle = Arc::clone(&handle);
        thread::spawn(move || {
            // The last chunk's output size: the next chunk's buffer starts that big instead of
            // growing (and copying itself) step by step.
            let mut expected_len = 0;
            loop {
                // The lock is held only while taking a job, never while answering it.
                let job = jobs
                    .lock()
                    .map_err(|_| ())
                    .and_then(|jobs| jobs.recv().map_err(|_| ()));
                let Ok(lines) = job else { return };
                let Some(&(first, _)) = lines.first() else {
                    continue;
                };
                let mut text = spare
                    .lock()
                    .ok()
                    .and_then(|spare| spare.try_recv().ok())
                    .unwrap_or_default();
                text.reserve(expected_len);
                for (_, line) in &lines {
                    text.push_str(&handle(line));
                    text.push('\n');
                }
                expected_len = text.len();
                let answered = Answered {
                    first,
                    lines: lines.len() as u64,
                    text,
                };
                if results.send(answered).is_err() {
                    return;
                }
            }
        });
    }
    drop(result_sender);

    let mut ready = BTreeMap::new();
    let mut next = 0u64;
    while let Ok(answered) = results.recv() {
        ready.insert(answered.first, answered);
        let mut wrote = false;
        while let Some(answered) = ready.remove(&next) {
            if output.write_all(answered.text.as_bytes()).is_err() {
                return Ok(());
            }
            next += answered.lines;
            wrote = true;
            let mut text = answered.text;
            text.clear();
            // No worker left to take it back only when they have all stopped.
            let _ = spare_sender.send(text);
        }
        // Nothing read is waiting for an answer: whoever sent the input may be waiting for
        // this output. (A line read just now only costs an early flush.)
        if wrote && next >= lines_read.load(Ordering::Acquire) && output.flush().is_err() {
            return Ok(());
        }
    }
    // Every worker has stopped: what is left follows a line no worker answered (it panicked).
    for answered in ready.into_values() {
        if output.write_all(answered.text.as_bytes()).is_err() {
            return Ok(());
        }
    }
    if output.flush().is_err() {
        return Ok(());
    }
    reader
        .join()
        .unwrap_or_else(|_| Err(io::Error::other("the input reader stopped unexpectedly")))
}

/// Sends the lines of `input` with their numbers, in chunks, counting them in `lines_read`;
/// stops at the end of the input, on a read error (returned), or when nobody takes lines any
/// more. A chunk goes out as soon as no further complete line is already buffered, so a line
/// typed alone is answered alone.
fn read_lines(
    input: impl Read,
    jobs: &mpsc::SyncSender<Chunk>,
    lines_read: &AtomicU64,
) -> io::Result<()> {
    let mut reader = BufReader::new(input);
    let mut line = Vec::new();
    let mut chunk = Chunk::new();
    for number in 0.. {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        let text = String::from_utf8_lossy(&line)
            .trim_end_matches(['\n', '\r'])
            .to_string();
        chunk.push((number, text));
        if chunk.len() < CHUNK && reader.buffer().contains(&b'\n') {
            continue;
        }
        // Counted before they are sent, so the writer never thinks everything is answered
        // while lines are on their way.
        lines_read.store(number + 1, Ordering::Release);
        if jobs.send(std::mem::take(&mut chunk)).is_err() {
            return Ok(());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(input: &'static [u8], workers: usize) -> String {
        let mut output = Vec::new();
        map_lines(input, &mut output, workers, |line| {
            // Uneven work, so results come back out of order.
            let spin = (line.len() * 7919) % 20_000;
            for i in 0..spin {
                std::hint::black_box(i);
            }
            format!("<{line}>")
        })
        .unwrap();
        String::from_utf8(output).unwrap()
    }

    #[test]
    fn keeps_input_order_on_many_workers() {
        let input: String = (0..2000)
            .map(|i| format!("{}\n", "x".repeat(i % 37)))
            .collect();
        let input: &'static [u8] = Box::leak(input.into_bytes().into_boxed_slice());
        let expected: String = (0..2000)
            .map(|i| format!("<{}>\n", "x".repeat(i % 37)))
            .collect();
        assert_eq!(run(input, 4), expected);
        assert_eq!(run(input, 1), expected);
    }

    #[test]
    fn strips_line_endings_and_replaces_bad_utf8() {
        assert_eq!(
            run(b"a\r\nb\n\xff\xfe\nlast", 2),
            "<a>\n<b>\n<\u{fffd}\u{fffd}>\n<last>\n"
        );
        assert_eq!(run(b"", 2), "");
    }

    /// A writer that fails after a few lines, like a pipe closed by `head`.
    struct ClosesAfter(usize);

    impl Write for ClosesAfter {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.0 == 0 {
                return Err(io::Error::from(io::ErrorKind::BrokenPipe));
            }
            self.0 -= buf.iter().filter(|&&b| b == b'\n').count().min(self.0);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_output_ends_quietly() {
        let input: &'static [u8] = Box::leak("q\n".repeat(10_000).into_bytes().into_boxed_slice());
        let result = map_lines(input, &mut ClosesAfter(3), 2, str::to_string);
        assert!(result.is_ok());
    }
}
