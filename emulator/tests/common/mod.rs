//! Helpers shared by the emulator's integration tests.

#![allow(dead_code, reason = "each test file uses a different subset")]

use azure_core::error::{ErrorKind, ErrorResponse};
use azure_security_keyvault_secrets::SecretClient;
use azure_security_keyvault_secrets::models::SetSecretParameters;

/// Returns the status, top-level code and inner code of an HTTP error.
pub fn http_error(error: &azure_core::Error) -> (u16, Option<String>, Option<String>) {
    let ErrorKind::HttpResponse {
        status,
        error_code,
        raw_response,
    } = error.kind()
    else {
        panic!("expected an HTTP error, got {:?}", error.kind());
    };
    let inner = raw_response.as_ref().and_then(|raw| {
        let body: ErrorResponse = serde_json::from_slice(raw.body().as_ref()).ok()?;
        body.error?.inner_error?.code
    });
    (u16::from(*status), error_code.clone(), inner)
}

/// Sets a secret through the official client and returns its version id.
pub async fn set(client: &SecretClient, name: &str, value: &str) -> String {
    let params = SetSecretParameters {
        value: Some(value.to_owned()),
        ..Default::default()
    };
    let secret = client
        .set_secret(name, params.try_into().unwrap(), None)
        .await
        .unwrap()
        .into_model()
        .unwrap();
    version_of(secret.id.as_deref().unwrap())
}

/// Returns the last path segment of a secret id.
pub fn version_of(id: &str) -> String {
    id.rsplit('/').next().unwrap().to_owned()
}
