//! The expansion names everything by absolute path, so it compiles without the prelude.

#![no_implicit_prelude]
#![deny(warnings)]

#[derive(::vault_settings::VaultSettings)]
#[settings(env_prefix = "APP_")]
struct Settings {
    #[kv]
    github_token: ::vault_settings::SecretString,
    #[setting(default = 8080)]
    port: u16,
    #[setting(default = "polyclaw")]
    bot_name: ::std::string::String,
    #[setting(default)]
    log: ::std::string::String,
    timeout_ms: ::std::option::Option<u64>,
}

fn main() {
    ::std::mem::drop(Settings::load());
}
