//! The bot's configuration, read from the environment (after `.env`): the token, the Bot API
//! server, where knowledge and data live, who the admins are, and how updates arrive.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use teloxide::update_listeners::webhooks;

use crate::db::vote_key::VoteKey;

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
        let secret_ok = !secret.is_empty() && secret.bytes().all(is_secret_byte);
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
#[derive(Clone, PartialEq, Eq)]
pub struct Webhook {
    /// The public HTTPS URL Telegram posts to; its path is also the path the bot serves.
    pub url: String,
    /// The local address the webhook server listens on (`HOST`; all interfaces when unset):
    /// `127.0.0.1` when the reverse proxy is on the same host keeps the port off the network.
    pub host: IpAddr,
    /// The local port the webhook server listens on; 0 lets the system pick a free one, which
    /// the bot logs once it is bound.
    pub port: u16,
    /// The secret Telegram sends in `X-Telegram-Bot-Api-Secret-Token` with every update
    /// (`WEBHOOK_SECRET`). Unset: teloxide makes up a new one at each start, which is enough
    /// for a single instance; replicas behind one URL need the same one.
    pub secret: Option<String>,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The secret is what tells Telegram's posts from forgeries: show only whether it is set.
        f.debug_struct("Webhook")
            .field("url", &self.url)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("secret", &self.secret.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// What `WEBHOOK_URL` must look like, for every message that complains about one.
const WEBHOOK_URL_HINT: &str = "set it to the public https:// address Telegram should post updates to, e.g. https://bot.example.org/telegram";

impl Webhook {
    /// teloxide's webhook options: listen on all interfaces at `port`, on the path of `url`,
    /// checking `secret` when one is set.
    pub fn options(&self) -> Result<webhooks::Options, ConfigError> {
        let invalid_url = |problem: String| ConfigError::Invalid {
            name: "WEBHOOK_URL",
            problem: format!("{problem}: {WEBHOOK_URL_HINT}"),
        };
        let text = self.url.trim();
        if !text.starts_with("https://") && !text.starts_with("http://") {
            return Err(invalid_url(format!(
                "{text:?} does not start with https://"
            )));
        }
        // The URL type is teloxide's (the `url` crate's), inferred rather than named here.
        let url = text
            .parse()
            .map_err(|err| invalid_url(format!("{text:?} is not a URL ({err})")))?;
        let mut options = webhooks::Options::new(SocketAddr::new(self.host, self.port), url);
        if options.url.host_str().is_none_or(str::is_empty) {
            return Err(invalid_url(format!("{text:?} names no host")));
        }
        // Set directly: `Options::secret_token` panics on a bad secret, and ours is checked.
        options.secret_token = self.secret.clone();
        Ok(options)
    }
}

/// Whether a byte may stand in a Telegram secret (a bot token's or a webhook's): `A-Z a-z 0-9 _ -`.
fn is_secret_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-'
}

/// Checks a webhook secret as Telegram defines it: 1 to 256 of `A-Z a-z 0-9 _ -`.
fn check_webhook_secret(secret: &str) -> Result<(), ConfigError> {
    if (1..=256).contains(&secret.len()) && secret.bytes().all(is_secret_byte) {
        Ok(())
    } else {
        Err(ConfigError::Invalid {
            name: "WEBHOOK_SECRET",
            problem: "must be 1 to 256 characters, only letters A-Z a-z, digits, _ and - (e.g. the output of `openssl rand -hex 32`)".into(),
        })
    }
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
    /// The key votes are deduplicated with (`VOTE_KEY`); unset: the key file under `data_dir`.
    pub vote_key: Option<VoteKey>,
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
            .field("vote_key", &self.vote_key)
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
                let port = match var("PORT") {
                    None => DEFAULT_WEBHOOK_PORT,
                    Some(port) => port.trim().parse().map_err(|_| ConfigError::Invalid {
                        name: "PORT",
                        problem: format!(
                            "{port:?} is not a port number (1-65535, or 0 for any free one): the local port the webhook server listens on"
                        ),
                    })?,
                };
                let host = match var("HOST") {
                    None => IpAddr::from([0, 0, 0, 0]),
                    Some(host) => host.trim().parse().map_err(|_| ConfigError::Invalid {
                        name: "HOST",
                        problem: format!(
                            "{host:?} is not an IP address (e.g. 127.0.0.1, or 0.0.0.0 for every interface): the local address the webhook server listens on"
                        ),
                    })?,
                };
                let secret = var("WEBHOOK_SECRET").map(|secret| secret.trim().to_string());
                if let Some(secret) = &secret {
                    check_webhook_secret(secret)?;
                }
                let webhook = Webhook {
                    url,
                    host,
                    port,
                    secret,
                };
                // Checked now, so a bad URL is reported before anything is loaded.
                webhook.options().map(drop)?;
                Some(webhook)
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
            vote_key: var("VOTE_KEY")
                .map(|key| VoteKey::from_setting(&key))
                .transpose()
                .map_err(|err| ConfigError::Invalid {
                    name: "VOTE_KEY",
                    problem: err.to_string().trim_start_matches("VOTE_KEY: ").to_string(),
                })?,
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
        let any_port = config(&[
            ("TELOXIDE_TOKEN", "1:a"),
            ("WEBHOOK_URL", "https://example.org/hook"),
            ("PORT", "0"),
        ])
        .unwrap();
        assert_eq!(any_port.webhook.unwrap().port, 0, "the system picks one");
        assert!(config(&[("TELOXIDE_TOKEN", "1:a"), ("ADMIN_IDS", "bob")]).is_err());
        let key = "k".repeat(40);
        let keyed = config(&[("TELOXIDE_TOKEN", "1:a"), ("VOTE_KEY", &key)]).unwrap();
        assert!(keyed.vote_key.is_some() && plain.vote_key.is_none());
        assert!(
            !format!("{keyed:?}").contains(&key),
            "the key is never shown"
        );
        let short = config(&[("TELOXIDE_TOKEN", "1:a"), ("VOTE_KEY", "short")]).unwrap_err();
        assert!(
            short.to_string().starts_with("VOTE_KEY: must be at least"),
            "{short}"
        );
        assert!(config(&[("TELOXIDE_TOKEN", "1:a"), ("WEBHOOK_URL", "example.org")]).is_err());
    }

    fn webhook_config(vars: &[(&str, &str)]) -> Result<BotConfig, ConfigError> {
        let mut all = vec![("TELOXIDE_TOKEN", "1:a")];
        all.extend_from_slice(vars);
        config(&all)
    }

    #[test]
    fn webhook_options_listen_on_port_and_url_path_with_the_secret() {
        let config = webhook_config(&[
            ("WEBHOOK_URL", " https://bot.example.org/telegram/hook "),
            ("PORT", "8080"),
            ("WEBHOOK_SECRET", "s3cret_-X"),
        ])
        .unwrap();
        let webhook = config.webhook.clone().unwrap();
        let options = webhook.options().unwrap();
        assert_eq!(options.address, SocketAddr::from(([0, 0, 0, 0], 8080)));
        assert_eq!(options.path, "/telegram/hook");
        assert_eq!(
            options.url.as_str(),
            "https://bot.example.org/telegram/hook"
        );
        assert_eq!(options.secret_token.as_deref(), Some("s3cret_-X"));
        for shown in [format!("{config:?}"), format!("{webhook:?}")] {
            assert!(!shown.contains("s3cret"), "{shown}");
        }
        let generated = webhook_config(&[("WEBHOOK_URL", "https://bot.example.org")]).unwrap();
        let options = generated.webhook.unwrap().options().unwrap();
        assert_eq!(options.address.port(), DEFAULT_WEBHOOK_PORT);
        let local = webhook_config(&[
            ("WEBHOOK_URL", "https://bot.example.org"),
            ("HOST", " 127.0.0.1 "),
        ])
        .unwrap();
        let options = local.webhook.unwrap().options().unwrap();
        assert_eq!(options.address, SocketAddr::from(([127, 0, 0, 1], 8443)));
        let wrong = webhook_config(&[
            ("WEBHOOK_URL", "https://bot.example.org"),
            ("HOST", "localhost"),
        ]);
        assert!(wrong.unwrap_err().to_string().starts_with("HOST: "));
        assert_eq!(options.path, "/");
        assert!(options.secret_token.is_none(), "left to teloxide");
    }

    #[test]
    fn malformed_webhook_settings_say_which_variable_and_what_to_put() {
        let cases = [
            (("WEBHOOK_URL", "bot.example.org/hook"), "WEBHOOK_URL"),
            (("WEBHOOK_URL", "https://"), "WEBHOOK_URL"),
            (("WEBHOOK_URL", "https://bot example.org/"), "WEBHOOK_URL"),
            (
                ("WEBHOOK_URL", "https://bot.example.org:99999/"),
                "WEBHOOK_URL",
            ),
            (("WEBHOOK_SECRET", "has space"), "WEBHOOK_SECRET"),
            (("WEBHOOK_SECRET", "秘密"), "WEBHOOK_SECRET"),
            (("PORT", "http"), "PORT"),
            (("PORT", "-1"), "PORT"),
            (("PORT", "70000"), "PORT"),
        ];
        for ((name, value), blamed) in cases {
            let mut vars = vec![
                ("WEBHOOK_URL", "https://bot.example.org/hook"),
                (name, value),
            ];
            if name == "WEBHOOK_URL" {
                vars.remove(0);
            }
            let err = webhook_config(&vars).unwrap_err();
            let message = err.to_string();
            assert!(
                matches!(err, ConfigError::Invalid { name, .. } if name == blamed),
                "{name}={value}: {message}"
            );
            assert!(message.starts_with(blamed), "{message}");
            assert_eq!(message.lines().count(), 1, "{message}");
        }
        let url_message = webhook_config(&[("WEBHOOK_URL", "https://")])
            .unwrap_err()
            .to_string();
        assert!(
            url_message.contains("https://bot.example.org"),
            "{url_message}"
        );
    }
}
