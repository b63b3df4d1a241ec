//! Azure credentials: [`DefaultCredential`], a chain that finds a token
//! wherever the program runs (a laptop after `az login`, a CI job with a
//! service principal or federated token, a VM or container with a managed
//! identity).
//!
//! The Rust Azure SDK ships the single credentials but no chain. This module
//! reuses `azure_identity`'s credentials where they fit (client secret,
//! client assertion, workload identity, Azure CLI, Azure Developer CLI) and
//! supplies what it lacks: the chain and its cache, reading variables from an
//! explicit map, a certificate credential without OpenSSL, a managed identity
//! step that probes and takes a configurable metadata address, and timeouts
//! for the CLI tools.
//!
//! The steps, in order, with where each serves and what it reads:
//!
//! - **environment**, for CI and servers with a service principal:
//!   `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, and `AZURE_CLIENT_SECRET` or
//!   `AZURE_CLIENT_CERTIFICATE_PATH` (a PEM file) with
//!   `AZURE_CLIENT_SEND_CERTIFICATE_CHAIN`; `AZURE_AUTHORITY_HOST`.
//! - **workload identity**, for AKS workload identity and CI with OIDC
//!   federation: `AZURE_FEDERATED_TOKEN_FILE`, `AZURE_CLIENT_ID`,
//!   `AZURE_TENANT_ID`; `AZURE_AUTHORITY_HOST`.
//! - **managed identity**, for App Service, Functions and Container Apps
//!   (`IDENTITY_ENDPOINT`, `IDENTITY_HEADER`) and for VMs and AKS nodes (the
//!   instance metadata service, moved with `AZURE_POD_IDENTITY_AUTHORITY_HOST`);
//!   `AZURE_CLIENT_ID` picks a user-assigned identity.
//! - **azure cli**, for a laptop after `az login`: `PATH`.
//! - **azure developer cli**, for a laptop after `azd auth login`: `PATH`.

mod azure_cli;
mod azure_developer_cli;
mod cache;
mod chain;
mod cli;
mod client_certificate;
mod environment;
mod error;
mod kind;
mod managed_identity;
mod step;
mod vars;
mod workload_identity;

pub use chain::{DefaultCredential, DefaultCredentialBuilder};
pub use error::{ChainError, StepReport, StepStatus};
pub use kind::{CredentialKind, CredentialSelection, SelectionError};
pub use vars::EnvVars;
