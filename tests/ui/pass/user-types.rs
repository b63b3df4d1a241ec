//! Any `FromStr` type works, for plain and `#[kv]` fields, with every kind of default.

#![deny(warnings)]

use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;

use vault_settings::VaultSettings;

#[derive(Debug, Default, PartialEq)]
pub enum Level {
    #[default]
    Info,
    Debug,
}

#[derive(Debug)]
pub struct UnknownLevel;

impl fmt::Display for UnknownLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("expected `info` or `debug`")
    }
}

impl FromStr for Level {
    type Err = UnknownLevel;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "info" => Ok(Self::Info),
            "debug" => Ok(Self::Debug),
            _ => Err(UnknownLevel),
        }
    }
}

#[derive(VaultSettings)]
pub struct Settings {
    #[setting(default)]
    pub level: Level,
    #[setting(default = Level::Debug)]
    pub trace_level: Level,
    #[setting(default = "debug")]
    pub span_level: Level,
    #[setting(default = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    #[kv]
    pub api_port: u16,
    pub rate: Option<f64>,
}

fn main() {
    drop(Settings::load());
}
