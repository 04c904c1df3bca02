//! The Telegram bot: handlers for private chats, groups and inline mode, on top of the engine.
