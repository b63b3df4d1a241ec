//! The identity server's request log: one entry per token request, for
//! assertions such as "fifty loads cost one token".

use std::time::Instant;

/// Names the endpoint a token request reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdentityEndpoint {
    /// The Entra ID v2 token endpoint, `POST /{tenant}/oauth2/v2.0/token`.
    Entra,
    /// The App Service style managed identity endpoint, `GET /msi/token`.
    AppService,
    /// The instance metadata service, `GET /metadata/identity/oauth2/token`.
    Imds,
    /// A path the server does not serve.
    Unknown,
}

/// Names how a client authenticated at the Entra ID endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Grant {
    /// `client_secret`.
    ClientSecret,
    /// A `client_assertion` signed with a registered certificate.
    ClientCertificate,
    /// A `client_assertion` that is a registered federated token.
    FederatedToken,
}

/// Describes one request to the identity server and its answer.
///
/// It never holds a secret, an assertion or a token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IdentityRequest {
    /// The endpoint the request reached.
    pub endpoint: IdentityEndpoint,
    /// How the client authenticated, for Entra ID requests that got that far.
    pub grant: Option<Grant>,
    /// The client id sent (`client_id` form field or query parameter), if any.
    pub client_id: Option<String>,
    /// The scope or resource asked for, if any.
    pub resource: Option<String>,
    /// Whether the managed identity `Metadata: true` header was present.
    pub metadata_header: bool,
    /// The status sent.
    pub status: u16,
    /// Whether a token was issued.
    pub issued: bool,
    /// The error code sent (`invalid_client`, `AADSTS7000215`, ...), if any.
    pub error: Option<String>,
    /// When the request arrived.
    pub received: Instant,
}

impl IdentityRequest {
    pub(crate) fn new(endpoint: IdentityEndpoint) -> Self {
        Self {
            endpoint,
            grant: None,
            client_id: None,
            resource: None,
            metadata_header: false,
            status: 0,
            issued: false,
            error: None,
            received: Instant::now(),
        }
    }
}
