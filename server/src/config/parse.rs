//! The settings written as text and used as something else: each one's parser, whose error names
//! the setting and the problem, and how serde reads and writes it. The file, the environment and
//! the flags all go through these, once, as the configuration is loaded; [`Config`](super::Config)
//! holds what they return, and nothing downstream parses a setting again.

use std::fmt::Display;
use std::net::SocketAddr;

use anyhow::Context as _;
use serde::de::Error as _;
use serde::{Deserialize as _, Deserializer, Serializer};

use super::PublicUrl;
use crate::clients::Network;
use crate::db::postgres::tls::SslMode;
use crate::db::postgres::Pooler;
use crate::db::DatabaseUrl;
use crate::uploads::Location;

pub fn database(text: &str) -> anyhow::Result<DatabaseUrl> {
    DatabaseUrl::parse(text)
}

pub fn bind(text: &str) -> anyhow::Result<SocketAddr> {
    text.parse().with_context(|| format!("bind {text:?}: expected IP:PORT"))
}

/// Empty: no metrics server.
pub fn metrics_bind(text: &str) -> anyhow::Result<Option<SocketAddr>> {
    if text.is_empty() {
        return Ok(None);
    }
    let addr = text.parse().with_context(|| format!("metrics_bind {text:?}: expected IP:PORT, or empty for none"))?;
    Ok(Some(addr))
}

pub fn upload_store(text: &str) -> anyhow::Result<Location> {
    Location::parse(text)
}

pub fn public_url(text: &str) -> anyhow::Result<PublicUrl> {
    let secure = text.starts_with("https://");
    anyhow::ensure!(secure || text.starts_with("http://"), "public_url {text:?}: expected http://… or https://…");
    Ok(PublicUrl { text: text.to_owned(), secure })
}

pub fn log_level(text: &str) -> anyhow::Result<slog::Level> {
    text.parse()
        .map_err(|()| anyhow::anyhow!("log_level {text:?}: expected trace, debug, info, warn, error or critical"))
}

pub fn db_sslmode(text: &str) -> anyhow::Result<SslMode> {
    SslMode::parse(text).context("db_sslmode")
}

pub fn db_pooler(text: &str) -> anyhow::Result<Pooler> {
    Pooler::parse(text)
}

/// One entry of `trusted_proxies`.
pub fn trusted_proxy(text: &str) -> anyhow::Result<Network> {
    text.parse().map_err(|e| anyhow::anyhow!("trusted_proxies: {text:?} is not an address or CIDR block: {e}"))
}

/// serde's side, named by the field (`#[serde(deserialize_with = …, serialize_with = …)]`): a
/// setting is read as text through its parser above, and written back as that text.
pub mod serde_text {
    use super::*;

    /// A string, through `parse`; its error, whole, is serde's.
    fn read<'de, D: Deserializer<'de>, T>(d: D, parse: fn(&str) -> anyhow::Result<T>) -> Result<T, D::Error> {
        parse(&String::deserialize(d)?).map_err(|e| D::Error::custom(format!("{e:#}")))
    }

    pub fn database<'de, D: Deserializer<'de>>(d: D) -> Result<DatabaseUrl, D::Error> {
        read(d, super::database)
    }

    pub fn bind<'de, D: Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
        read(d, super::bind)
    }

    pub fn metrics_bind<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SocketAddr>, D::Error> {
        read(d, super::metrics_bind)
    }

    pub fn upload_store<'de, D: Deserializer<'de>>(d: D) -> Result<Location, D::Error> {
        read(d, super::upload_store)
    }

    pub fn public_url<'de, D: Deserializer<'de>>(d: D) -> Result<PublicUrl, D::Error> {
        read(d, super::public_url)
    }

    pub fn log_level<'de, D: Deserializer<'de>>(d: D) -> Result<slog::Level, D::Error> {
        read(d, super::log_level)
    }

    pub fn db_sslmode<'de, D: Deserializer<'de>>(d: D) -> Result<SslMode, D::Error> {
        read(d, super::db_sslmode)
    }

    pub fn db_pooler<'de, D: Deserializer<'de>>(d: D) -> Result<Pooler, D::Error> {
        read(d, super::db_pooler)
    }

    pub fn trusted_proxies<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Network>, D::Error> {
        let list = Vec::<String>::deserialize(d)?;
        list.iter().map(|p| super::trusted_proxy(p).map_err(|e| D::Error::custom(format!("{e:#}")))).collect()
    }

    /// A value as its text (`Display` writes what its parser reads).
    pub fn display<T: Display, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(value)
    }

    /// No address as the empty text (a key TOML keeps, unlike a missing value).
    pub fn optional<T: Display, S: Serializer>(value: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => s.collect_str(value),
            None => s.serialize_str(""),
        }
    }

    /// A list, each item as its text.
    pub fn each<T: Display, S: Serializer>(values: &[T], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(values.iter().map(ToString::to_string))
    }

    pub fn level<S: Serializer>(level: &slog::Level, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&level.as_str().to_ascii_lowercase())
    }

    pub fn sslmode<S: Serializer>(mode: &SslMode, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(mode.name())
    }
}
