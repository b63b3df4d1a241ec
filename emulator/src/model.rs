//! JSON shapes of the Key Vault secrets REST API, as the emulator sends and
//! receives them (camelCase, times in integer unix seconds).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `SecretAttributes` as sent by the service.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AttributesOut {
    pub enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    pub created: i64,
    pub updated: i64,
    pub recovery_level: &'static str,
    pub recoverable_days: u32,
}

/// `SecretBundle`: one version, with or without its value.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SecretBundle<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<&'a str>,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<&'a str>,
    pub attributes: AttributesOut,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<&'a BTreeMap<String, String>>,
}

/// `SecretItem`: a list entry, never with a value.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SecretItem<'a> {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<&'a str>,
    pub attributes: AttributesOut,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<&'a BTreeMap<String, String>>,
}

/// The fields a deleted secret adds to a bundle or an item.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Deleted<T> {
    pub recovery_id: String,
    pub deleted_date: i64,
    pub scheduled_purge_date: i64,
    #[serde(flatten)]
    pub inner: T,
}

/// One page of a list answer; `nextLink` is `null` on the last page.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Page<T> {
    pub value: Vec<T>,
    pub next_link: Option<String>,
}

/// The error body: `{"error":{"code","message","innererror"?}}`.
#[derive(Serialize)]
pub(crate) struct ErrorBody<'a> {
    pub error: ErrorDetail<'a>,
}

/// The `error` member of an error body.
#[derive(Serialize)]
pub(crate) struct ErrorDetail<'a> {
    pub code: &'a str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub innererror: Option<InnerError<'a>>,
}

/// The `innererror` member of an error body.
#[derive(Serialize)]
pub(crate) struct InnerError<'a> {
    pub code: &'a str,
}

/// Attributes a client may send on set and update.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AttributesIn {
    pub enabled: Option<bool>,
    pub nbf: Option<i64>,
    pub exp: Option<i64>,
}

/// `SecretSetParameters`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SetRequest {
    pub value: Option<String>,
    pub content_type: Option<String>,
    pub attributes: Option<AttributesIn>,
    pub tags: Option<BTreeMap<String, String>>,
}

/// `SecretUpdateParameters`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UpdateRequest {
    pub content_type: Option<String>,
    pub attributes: Option<AttributesIn>,
    pub tags: Option<BTreeMap<String, String>>,
}
