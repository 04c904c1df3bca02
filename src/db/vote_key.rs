//! The key votes are deduplicated with. A vote keeps its voter only as an HMAC of the user id
//! under this key, and the key is never in the database: a copy of the database alone cannot
//! tell who voted (user ids are few enough to try them all against a plain or salted hash).
//!
//! The key is `VOTE_KEY` when set — replicas sharing one PostgreSQL database must all be given
//! the same one, or a vote given through one replica and changed through another counts twice —
//! else the file `DATA_DIR/vote-key`, created once (readable by its owner only) and kept.
//! Losing the key only means that people may vote once more on questions asked before.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The key file under `DATA_DIR` when `VOTE_KEY` is not set.
pub const VOTE_KEY_FILE: &str = "vote-key";
/// The shortest `VOTE_KEY` accepted.
const MIN_KEY_LEN: usize = 32;

/// The key votes are hashed with. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct VoteKey(Vec<u8>);

impl fmt::Debug for VoteKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VoteKey([redacted])")
    }
}

/// Why the vote key cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum VoteKeyError {
    #[error(
        "VOTE_KEY: must be at least {MIN_KEY_LEN} characters (e.g. the output of `openssl rand -hex 32`)"
    )]
    TooShort,
    #[error("{}: cannot read or create the vote key ({source}): check DATA_DIR's permissions, or set VOTE_KEY", path.display())]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl VoteKey {
    /// The key given as a setting (`VOTE_KEY`).
    pub fn from_setting(text: &str) -> Result<VoteKey, VoteKeyError> {
        let text = text.trim();
        if text.len() < MIN_KEY_LEN {
            return Err(VoteKeyError::TooShort);
        }
        Ok(VoteKey(text.as_bytes().to_vec()))
    }

    /// A key of this process only: votes are deduplicated until it ends (tests, one-off tools).
    pub fn random() -> VoteKey {
        VoteKey(random_hex().into_bytes())
    }

    /// The key in `data_dir/vote-key`, created (owner-only) when there is none. Processes
    /// sharing `data_dir` that start together agree on one: the file appears whole or not at all.
    pub fn in_data_dir(data_dir: &Path) -> Result<VoteKey, VoteKeyError> {
        let path = data_dir.join(VOTE_KEY_FILE);
        let error = |source| VoteKeyError::File {
            path: path.clone(),
            source,
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => return VoteKey::from_setting(&text).map_err(|_| error(short_file())),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(error(err)),
        }
        std::fs::create_dir_all(data_dir).map_err(error)?;
        let temporary = data_dir.join(format!("{VOTE_KEY_FILE}.{}.tmp", &random_hex()[..8]));
        write_private(&temporary, random_hex().as_bytes()).map_err(error)?;
        // A hard link never replaces an existing file: the first process to link wins.
        let linked = std::fs::hard_link(&temporary, &path);
        let _ = std::fs::remove_file(&temporary);
        match linked {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(err) => return Err(error(err)),
        }
        let text = std::fs::read_to_string(&path).map_err(error)?;
        VoteKey::from_setting(&text).map_err(|_| error(short_file()))
    }

    /// The keyed hash a voter is stored as.
    pub fn voter_hash(&self, user: u64) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(b"vote ");
        mac.update(&user.to_le_bytes());
        let digest = mac.finalize().into_bytes();
        digest[..16].iter().map(|b| format!("{b:02x}")).collect()
    }
}

fn short_file() -> std::io::Error {
    std::io::Error::other("the file holds no key: delete it to have a new one made")
}

fn random_hex() -> String {
    (0..32)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect()
}

/// Writes a new file only its owner may read.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_is_made_once_for_its_owner_only_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let key = VoteKey::in_data_dir(dir.path()).unwrap();
        assert_eq!(VoteKey::in_data_dir(dir.path()).unwrap(), key);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(VOTE_KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let files = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(files, 1, "no temporary file left");
        assert_ne!(
            key,
            VoteKey::in_data_dir(tempfile::tempdir().unwrap().path()).unwrap()
        );
    }

    #[test]
    fn voters_hash_by_key() {
        let key = VoteKey::from_setting(&"k".repeat(32)).unwrap();
        let other = VoteKey::from_setting(&"j".repeat(32)).unwrap();
        assert_eq!(key.voter_hash(42), key.voter_hash(42));
        assert_ne!(key.voter_hash(42), key.voter_hash(43));
        assert_ne!(key.voter_hash(42), other.voter_hash(42));
        assert!(matches!(
            VoteKey::from_setting("short"),
            Err(VoteKeyError::TooShort)
        ));
        assert!(!format!("{key:?}").contains('k'));
    }
}
