//! The progress bar `check` and `index` show on stderr while a big knowledge folder loads.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::live::refresh::LoadStep;

/// A progress bar on stderr while knowledge loads: shown only on a terminal, and for `check`
/// only when the folder is big enough to take a while.
pub struct LoadProgressBar {
    bar: ProgressBar,
    always: bool,
}

impl LoadProgressBar {
    /// Folders smaller than this load in well under a second: no bar for `check`.
    const BIG_FOLDER: usize = 500;

    /// A hidden bar, drawn once loading turns out to be worth watching (`always`: whatever the
    /// folder's size).
    pub fn new(always: bool) -> Self {
        Self {
            bar: ProgressBar::hidden(),
            always,
        }
    }

    /// Shows one step of the load.
    pub fn show(&self, step: LoadStep) {
        match step {
            LoadStep::Reading { files } => {
                if std::io::stderr().is_terminal() && (self.always || files >= Self::BIG_FOLDER) {
                    self.bar.set_draw_target(ProgressDrawTarget::stderr());
                }
                self.bar.set_length(files as u64);
                self.bar.set_style(
                    ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} articles ({eta})")
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                );
                self.bar.set_message("reading");
            }
            LoadStep::Read => self.bar.inc(1),
            LoadStep::Indexing { documents } => {
                self.bar.set_style(ProgressStyle::default_spinner());
                self.bar
                    .set_message(format!("indexing {documents} articles"));
                self.bar.enable_steady_tick(Duration::from_millis(120));
            }
        }
    }

    /// Clears the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
