//! The real `fanzha-bot` binary under test, within time limits: its output is read as it comes
//! (so a test can await a log line instead of sleeping), and the process is killed when the test
//! ends, passed or failed, so a hang is a failure that shows the output rather than a stuck run.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use tokio::sync::mpsc;

/// How long a process under test may take to print what a test waits for, or to exit.
pub const PROCESS_LIMIT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stream {
    Stdout,
    Stderr,
}

/// A running child process, its standard output and error read line by line. Dropping it kills
/// the process (and, in a failing test, prints what it wrote).
pub struct Running {
    child: Child,
    lines: mpsc::UnboundedReceiver<(Stream, String)>,
    stdout: String,
    stderr: String,
}

/// What a process that exited wrote.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Running {
    /// Starts `command` with its standard output and error piped to the test.
    pub fn spawn(command: &mut Command) -> Running {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {command:?}: {err}"));
        let (sender, lines) = mpsc::unbounded_channel();
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        read_lines(stdout, Stream::Stdout, sender.clone());
        read_lines(stderr, Stream::Stderr, sender);
        Running {
            child,
            lines,
            stdout: String::new(),
            stderr: String::new(),
        }
    }

    /// Whether the process has not exited yet.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Stops the process as systemd or a container runtime would: SIGTERM.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -TERM failed");
    }

    /// Waits for a line of standard error containing `marker` and returns it. Panics, with the
    /// output so far, if the process ends its output or [`PROCESS_LIMIT`] passes first.
    pub async fn wait_for_stderr(&mut self, marker: &str) -> String {
        let deadline = tokio::time::Instant::now() + PROCESS_LIMIT;
        let waiting = format!("the process wrote no {marker:?}");
        loop {
            match self.next_line(deadline, &waiting).await {
                Some((Stream::Stderr, line)) if line.contains(marker) => return line,
                Some(_) => {}
                None => panic!("the process exited without writing {marker:?}"),
            }
        }
    }

    /// The next line of output, kept; `None` once both pipes have closed. Panics with
    /// "`waiting` within [`PROCESS_LIMIT`]" if `deadline` passes first.
    async fn next_line(
        &mut self,
        deadline: tokio::time::Instant,
        waiting: &str,
    ) -> Option<(Stream, String)> {
        match tokio::time::timeout_at(deadline, self.lines.recv()).await {
            Ok(Some((stream, line))) => {
                self.keep(stream, &line);
                Some((stream, line))
            }
            Ok(None) => None,
            Err(_) => panic!("{waiting} within {PROCESS_LIMIT:?}"),
        }
    }

    /// Waits for the process to exit and returns what it wrote. Panics (and the process is
    /// killed) if it is still running after [`PROCESS_LIMIT`].
    pub async fn finish(mut self) -> Finished {
        let deadline = tokio::time::Instant::now() + PROCESS_LIMIT;
        // Both pipes close when the process exits.
        while self
            .next_line(deadline, "the process did not exit")
            .await
            .is_some()
        {}
        Finished {
            status: self.child.wait().unwrap(),
            stdout: std::mem::take(&mut self.stdout),
            stderr: std::mem::take(&mut self.stderr),
        }
    }

    fn keep(&mut self, stream: Stream, line: &str) {
        let kept = match stream {
            Stream::Stdout => &mut self.stdout,
            Stream::Stderr => &mut self.stderr,
        };
        kept.push_str(line);
        kept.push('\n');
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            while let Ok((stream, line)) = self.lines.try_recv() {
                self.keep(stream, &line);
            }
            eprintln!(
                "--- the process's standard output:\n{}--- its standard error:\n{}---",
                self.stdout, self.stderr
            );
        }
    }
}

/// Reads `pipe` to its end on a thread of its own, sending each line (lossily decoded). It keeps
/// reading after the receiver is gone, so the process never blocks on a full pipe.
fn read_lines(
    pipe: impl Read + Send + 'static,
    stream: Stream,
    lines: mpsc::UnboundedSender<(Stream, String)>,
) {
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).split(b'\n') {
            let Ok(line) = line else { break };
            let _ = lines.send((stream, String::from_utf8_lossy(&line).into_owned()));
        }
    });
}
