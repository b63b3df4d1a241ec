//! The state one running emulator shares between its connections.

use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;

use crate::faults::FaultHandle;
use crate::log::RequestLog;
use crate::store::SecretStore;
use crate::token::TokenIssuer;

/// The resource the bearer challenge names; clients ask for `{resource}/.default`.
pub const CHALLENGE_RESOURCE: &str = "https://vault.localhost";

/// The token audiences the emulator accepts: its own resource and the
/// public cloud's, so tokens minted for real Key Vault code paths work too.
pub const ACCEPTED_AUDIENCES: [&str; 2] = [CHALLENGE_RESOURCE, "https://vault.azure.net"];

/// Everything a request handler needs.
#[derive(Debug)]
pub(crate) struct VaultState {
    pub store: Mutex<SecretStore>,
    pub log: RequestLog<crate::log::RecordedRequest>,
    pub faults: FaultHandle,
    pub issuer: TokenIssuer,
    /// `host:port` used when a request carries no `Host` header.
    pub default_authority: String,
    /// The vault's name, as 403 messages show it.
    pub vault_name: String,
    /// The address reported as the caller's instead of the real peer.
    pub reported_client_address: Option<IpAddr>,
}

impl VaultState {
    /// Returns the caller's address as the vault reports it: the configured
    /// one, else the peer's (v4-mapped IPv6 shown as IPv4).
    pub(crate) fn client_address(&self, peer: SocketAddr) -> IpAddr {
        if let Some(ip) = self.reported_client_address {
            return ip;
        }
        match peer.ip() {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        }
    }

    /// Returns the `WWW-Authenticate` value of every 401 answer.
    pub(crate) fn challenge(&self) -> String {
        format!(
            "Bearer authorization=\"https://login.microsoftonline.com/{}\", resource=\"{CHALLENGE_RESOURCE}\"",
            self.issuer.tenant_id()
        )
    }
}
