//! Configuration shared by every command: where the knowledge lives.

use std::path::PathBuf;

/// The knowledge folder: `--knowledge DIR`, else `KNOWLEDGE_DIR`, else `./knowledge`.
pub fn knowledge_dir(flag: Option<PathBuf>) -> PathBuf {
    flag.or_else(|| {
        std::env::var_os("KNOWLEDGE_DIR")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    })
    .unwrap_or_else(|| PathBuf::from("knowledge"))
}
