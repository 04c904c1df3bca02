//! The bot's configuration, read from the environment (after `.env`): the token, the Bot API
//! server, where knowledge and data live, who the admins are, and how updates arrive.

use std::fmt;
use std::path::PathBuf;

/// How to get a token, for every message that complains about one.
const BOTFATHER_HINT: &str = "talk to @BotFather in Telegram, send /newbot, and put the token it gives you in TELOXIDE_TOKEN (environment or .env)";

/// Why the configuration cannot be used. Messages never contain the token.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("TELOXIDE_TOKEN is not set: {BOTFATHER_HINT}")]
    MissingToken,
    #[error("TELOXIDE_TOKEN is not a bot token (it looks like 123456789:AAH…): {BOTFATHER_HINT}")]
    MalformedToken,
    #[error("{name}: {problem}")]
    Invalid { name: &'static str, problem: String },
}

/// A bot token. It never prints: `Debug` and `Display` show a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct BotToken(String);

impl BotToken {
    /// Accepts `digits:secret` where the secret is letters, digits, `_` or `-`.
    pub fn parse(text: &str) -> Result<BotToken, ConfigError> {
        let text = text.trim();
        let (id, secret) = text.split_once(':').ok_or(ConfigError::MalformedToken)?;
        let id_ok = !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
        let secret_ok = !secret.is_empty()
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if id_ok && secret_ok {
            Ok(BotToken(text.to_string()))
        } else {
            Err(ConfigError::MalformedToken)
        }
    }

    /// The token itself, for the one place that needs it: building the `Bot`.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for BotToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BotToken([redacted])")
    }
}

impl fmt::Display for BotToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted bot token]")
    }
}

/// Receive updates through a webhook instead of long polling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// The public HTTPS URL Telegram posts to.
    pub url: String,
    /// The local port the webhook server listens on.
    pub port: u16,
}

/// Everything `fanzha-bot run` needs.
#[derive(Clone)]
pub struct BotConfig {
    pub token: BotToken,
    /// A self-hosted Bot API server (`TELOXIDE_API_URL`), else Telegram's.
    pub api_url: Option<String>,
    pub knowledge_dir: PathBuf,
    pub data_dir: PathBuf,
    /// `postgres://…` to share one database between replicas; else SQLite under `data_dir`.
    pub database_url: Option<String>,
    /// Telegram user ids allowed to use admin commands.
    pub admin_ids: Vec<u64>,
    pub webhook: Option<Webhook>,
}

impl fmt::Debug for BotConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The database URL may hold a password: show only whether it is set.
        f.debug_struct("BotConfig")
            .field("token", &self.token)
            .field("api_url", &self.api_url)
            .field("knowledge_dir", &self.knowledge_dir)
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_ref().map(|_| "[redacted]"),
            )
            .field("admin_ids", &self.admin_ids)
            .field("webhook", &self.webhook)
            .finish()
    }
}

/// The port the webhook server listens on when `PORT` is not set.
pub const DEFAULT_WEBHOOK_PORT: u16 = 8443;

impl BotConfig {
    /// Reads the configuration from the process environment.
    pub fn from_env(knowledge_flag: Option<PathBuf>) -> Result<BotConfig, ConfigError> {
        BotConfig::from_lookup(knowledge_flag, |name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (a variable's value, if set). Empty values count
    /// as unset.
    pub fn from_lookup(
        knowledge_flag: Option<PathBuf>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<BotConfig, ConfigError> {
        let var = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let token = BotToken::parse(&var("TELOXIDE_TOKEN").ok_or(ConfigError::MissingToken)?)?;
        let admin_ids = match var("ADMIN_IDS") {
            None => Vec::new(),
            Some(list) => list
                .split([',', ' '])
                .filter(|id| !id.is_empty())
                .map(|id| {
                    id.parse().map_err(|_| ConfigError::Invalid {
                        name: "ADMIN_IDS",
                        problem: format!("{id:?} is not a Telegram user id (a number)"),
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        let webhook = match var("WEBHOOK_URL") {
            None => None,
            Some(url) => {
                if !url.starts_with("https://") && !url.starts_with("http://") {
                    return Err(ConfigError::Invalid {
                        name: "WEBHOOK_URL",
                        problem: "must be the public https:// URL Telegram posts updates to".into(),
                    });
                }
                let port = match var("PORT") {
                    None => DEFAULT_WEBHOOK_PORT,
                    Some(port) => port.trim().parse().map_err(|_| ConfigError::Invalid {
                        name: "PORT",
                        problem: format!("{port:?} is not a port number"),
                    })?,
                };
                Some(Webhook { url, port })
            }
        };
        Ok(BotConfig {
            token,
            api_url: var("TELOXIDE_API_URL"),
            knowledge_dir: knowledge_flag
                .or_else(|| var("KNOWLEDGE_DIR").map(PathBuf::from))
                .unwrap_or_else(|| PathBuf::from("knowledge")),
            data_dir: var("DATA_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("data")),
            database_url: var("DATABASE_URL"),
            admin_ids,
            webhook,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<BotConfig, ConfigError> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        BotConfig::from_lookup(None, |name| {
            vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn token_is_required_and_checked_and_never_printed() {
        assert!(matches!(config(&[]), Err(ConfigError::MissingToken)));
        assert!(matches!(
            config(&[("TELOXIDE_TOKEN", " ")]),
            Err(ConfigError::MissingToken)
        ));
        for bad in [
            "abc",
            "123",
            ":abc",
            "12a:abc",
            "123:",
            "123:a b",
            "123:秘密",
        ] {
            let err = config(&[("TELOXIDE_TOKEN", bad)]).unwrap_err();
            assert!(matches!(err, ConfigError::MalformedToken), "{bad}");
            assert!(err.to_string().contains("@BotFather"));
        }
        let config = config(&[("TELOXIDE_TOKEN", "123456:AAH-secret_x")]).unwrap();
        assert_eq!(config.token.expose(), "123456:AAH-secret_x");
        for shown in [format!("{config:?}"), config.token.to_string()] {
            assert!(!shown.contains("secret"), "{shown}");
        }
    }

    #[test]
    fn defaults_and_optional_settings() {
        let plain = config(&[("TELOXIDE_TOKEN", "1:a")]).unwrap();
        assert_eq!(plain.data_dir, PathBuf::from("data"));
        assert_eq!(plain.knowledge_dir, PathBuf::from("knowledge"));
        assert!(plain.webhook.is_none() && plain.admin_ids.is_empty());
        let full = config(&[
            ("TELOXIDE_TOKEN", "1:a"),
            ("ADMIN_IDS", "12, 34"),
            ("WEBHOOK_URL", "https://example.org/hook"),
            ("PORT", "8080"),
            ("DATA_DIR", "/var/lib/fanzha"),
        ])
        .unwrap();
        assert_eq!(full.admin_ids, vec![12, 34]);
        assert_eq!(full.webhook.unwrap().port, 8080);
        assert!(config(&[("TELOXIDE_TOKEN", "1:a"), ("ADMIN_IDS", "bob")]).is_err());
        assert!(config(&[("TELOXIDE_TOKEN", "1:a"), ("WEBHOOK_URL", "example.org")]).is_err());
    }
}
