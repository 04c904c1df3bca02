//! Configuration shared by every command: where the knowledge and the bot's data live.

use std::path::PathBuf;

/// The knowledge folder: `--knowledge DIR`, else `KNOWLEDGE_DIR`, else `./knowledge`.
pub fn knowledge_dir(flag: Option<PathBuf>) -> PathBuf {
    flag_or_env(flag, "KNOWLEDGE_DIR", "knowledge")
}

/// Where the bot keeps its state (the persistent index, the database): `--data-dir DIR`, else
/// `DATA_DIR`, else `./data`.
pub fn data_dir(flag: Option<PathBuf>) -> PathBuf {
    flag_or_env(flag, "DATA_DIR", "data")
}

/// The flag, else the non-empty environment variable, else the default.
fn flag_or_env(flag: Option<PathBuf>, variable: &str, default: &str) -> PathBuf {
    flag.or_else(|| {
        std::env::var_os(variable)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    })
    .unwrap_or_else(|| PathBuf::from(default))
}
