//! Executes routed requests against the store and builds the service's
//! answers.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use hyper::StatusCode;
use time::OffsetDateTime;

use crate::limits;
use crate::model::{
    AttributesIn, AttributesOut, Deleted, Page, SecretBundle, SecretItem, SetRequest, UpdateRequest,
};
use crate::responses::{self, Answer};
use crate::routes::{Operation, RouteMatch};
use crate::store::{
    AttributePatch, DeletedSecret, NewSecret, SecretStore, SecretVersion, StoreError, StoredSecret,
};

/// The page size when `maxresults` is absent, and its largest value.
const MAX_RESULTS: usize = 25;

/// What an operation needs from the request besides its route.
pub(crate) struct RequestContext<'a> {
    /// `https://{Host header}`, the base of every id and link.
    pub base_url: &'a str,
    /// The request's api-version, echoed in `nextLink`.
    pub api_version: &'a str,
    /// The `maxresults` query value.
    pub max_results: Option<&'a str>,
    /// The `$skiptoken` query value.
    pub skip_token: Option<&'a str>,
    /// The request body.
    pub body: &'a [u8],
}

/// Runs one operation.
pub(crate) fn execute(
    store: &Mutex<SecretStore>,
    route: &RouteMatch,
    ctx: &RequestContext,
) -> Answer {
    let name = route.name.as_deref().unwrap_or_default();
    if route.name.is_some() && !limits::is_valid_secret_name(name) {
        return responses::invalid_name(name);
    }
    let mut store = store.lock().unwrap_or_else(PoisonError::into_inner);
    let writer = Writer {
        base_url: ctx.base_url,
        recovery_level: store.recovery_level(),
        recoverable_days: store.recoverable_days(),
    };
    let version = route.version.as_deref();
    match route.operation {
        Operation::SetSecret => set_secret(&mut store, &writer, name, ctx.body),
        Operation::GetSecret => match store.get(name, version) {
            Ok((_, v)) if !v.enabled => responses::disabled("get"),
            Ok((secret, v)) => writer.bundle(secret, v, true),
            Err(e) => store_error(&e),
        },
        Operation::UpdateSecret => update_secret(&mut store, &writer, name, version, ctx.body),
        Operation::DeleteSecret => match store.delete(name, OffsetDateTime::now_utc()) {
            Ok(deleted) => writer.deleted_bundle(deleted),
            Err(e) => store_error(&e),
        },
        Operation::ListSecrets => {
            let items: Vec<_> = store
                .secrets()
                .filter_map(|s| s.latest().map(|v| writer.item(s, v, false)))
                .collect();
            writer.page(items, "secrets", ctx)
        }
        Operation::ListVersions => {
            // Unknown secrets list as empty, not as 404; the real service's
            // answer here was not confirmed.
            let items: Vec<_> = store
                .secret(name)
                .map(|s| s.versions.iter().map(|v| writer.item(s, v, true)).collect())
                .unwrap_or_default();
            writer.page(items, &format!("secrets/{name}/versions"), ctx)
        }
        Operation::GetDeletedSecret => match store.get_deleted(name) {
            Ok(deleted) => writer.deleted_bundle(deleted),
            Err(e) => store_error(&e),
        },
        Operation::ListDeletedSecrets => {
            let items: Vec<_> = store
                .deleted()
                .filter_map(|d| writer.deleted_item(d))
                .collect();
            writer.page(items, "deletedsecrets", ctx)
        }
        Operation::PurgeDeletedSecret => match store.purge(name) {
            Ok(()) => Answer::empty(StatusCode::NO_CONTENT),
            Err(e) => store_error(&e),
        },
        Operation::RecoverDeletedSecret => match store.recover(name) {
            Ok(secret) => match secret.latest() {
                Some(v) => writer.bundle(secret, v, false),
                None => responses::secret_not_found(name, None),
            },
            Err(e) => store_error(&e),
        },
        Operation::BackupSecret => responses::not_implemented("backup"),
        Operation::RestoreSecret => responses::not_implemented("restore"),
    }
}

fn set_secret(store: &mut SecretStore, writer: &Writer, name: &str, body: &[u8]) -> Answer {
    let request: SetRequest = match serde_json::from_slice(body) {
        Ok(r) => r,
        Err(_) => {
            return responses::bad_parameter(
                "The request body is not valid JSON for a secret.".into(),
            );
        }
    };
    let Some(value) = request.value else {
        return responses::bad_parameter("The property 'value' is required.".into());
    };
    if value.len() > limits::MAX_VALUE_BYTES {
        return responses::value_too_large(value.len(), limits::MAX_VALUE_BYTES);
    }
    let mut spec = NewSecret::new(value);
    if let Err(answer) = check_metadata(request.content_type.as_deref(), request.tags.as_ref()) {
        return answer;
    }
    spec.content_type = request.content_type;
    spec.tags = request.tags.unwrap_or_default();
    let attributes = request.attributes.unwrap_or_default();
    let (nbf, exp) = match times(&attributes) {
        Ok(t) => t,
        Err(answer) => return answer,
    };
    spec.enabled = attributes.enabled.unwrap_or(true);
    spec.not_before = nbf;
    spec.expires = exp;
    match store.set(name, spec, OffsetDateTime::now_utc()) {
        Ok((secret, version)) => writer.bundle(secret, version, true),
        Err(e) => store_error(&e),
    }
}

fn update_secret(
    store: &mut SecretStore,
    writer: &Writer,
    name: &str,
    version: Option<&str>,
    body: &[u8],
) -> Answer {
    let request: UpdateRequest = if body.is_empty() {
        UpdateRequest {
            content_type: None,
            attributes: None,
            tags: None,
        }
    } else {
        match serde_json::from_slice(body) {
            Ok(r) => r,
            Err(_) => {
                return responses::bad_parameter(
                    "The request body is not valid JSON for secret attributes.".into(),
                );
            }
        }
    };
    if let Err(answer) = check_metadata(request.content_type.as_deref(), request.tags.as_ref()) {
        return answer;
    }
    let attributes = request.attributes.unwrap_or_default();
    let (not_before, expires) = match times(&attributes) {
        Ok(t) => t,
        Err(answer) => return answer,
    };
    let patch = AttributePatch {
        content_type: request.content_type,
        enabled: attributes.enabled,
        not_before,
        expires,
        tags: request.tags,
    };
    match store.update(name, version, patch, OffsetDateTime::now_utc()) {
        Ok((secret, v)) => writer.bundle(secret, v, false),
        Err(e) => store_error(&e),
    }
}

/// Checks the content type and tags against the service's limits.
fn check_metadata(
    content_type: Option<&str>,
    tags: Option<&BTreeMap<String, String>>,
) -> Result<(), Answer> {
    if content_type.is_some_and(|c| c.chars().count() > limits::MAX_CONTENT_TYPE_LEN) {
        return Err(responses::bad_parameter(format!(
            "The content type is longer than {} characters.",
            limits::MAX_CONTENT_TYPE_LEN
        )));
    }
    let Some(tags) = tags else { return Ok(()) };
    if tags.len() > limits::MAX_TAGS {
        return Err(responses::bad_parameter(format!(
            "A secret may have at most {} tags; {} were given.",
            limits::MAX_TAGS,
            tags.len()
        )));
    }
    let too_long = tags.iter().any(|(k, v)| {
        k.chars().count() > limits::MAX_TAG_NAME_LEN
            || v.chars().count() > limits::MAX_TAG_VALUE_LEN
    });
    if too_long {
        return Err(responses::bad_parameter(format!(
            "Tag names are limited to {} characters and tag values to {}.",
            limits::MAX_TAG_NAME_LEN,
            limits::MAX_TAG_VALUE_LEN
        )));
    }
    Ok(())
}

type Window = (Option<OffsetDateTime>, Option<OffsetDateTime>);

/// Converts `nbf` and `exp` from unix seconds.
fn times(attributes: &AttributesIn) -> Result<Window, Answer> {
    let convert = |field: &str, seconds: Option<i64>| match seconds {
        None => Ok(None),
        Some(s) => OffsetDateTime::from_unix_timestamp(s)
            .map(Some)
            .map_err(|_| {
                responses::bad_parameter(format!("The attribute '{field}' is out of range."))
            }),
    };
    Ok((
        convert("nbf", attributes.nbf)?,
        convert("exp", attributes.exp)?,
    ))
}

fn store_error(error: &StoreError) -> Answer {
    match error {
        StoreError::NotFound { name, version } => {
            responses::secret_not_found(name, version.as_deref())
        }
        StoreError::DeletedNotFound { name } => responses::deleted_secret_not_found(name),
        StoreError::DeletedButRecoverable { name } => responses::deleted_but_recoverable(name),
    }
}

/// Builds ids, bundles, items and pages for one request.
struct Writer<'a> {
    base_url: &'a str,
    recovery_level: &'static str,
    recoverable_days: u32,
}

impl Writer<'_> {
    fn secret_id(&self, secret: &StoredSecret, version: Option<&SecretVersion>) -> String {
        match version {
            Some(v) => format!("{}/secrets/{}/{}", self.base_url, secret.name, v.version),
            None => format!("{}/secrets/{}", self.base_url, secret.name),
        }
    }

    fn attributes(&self, v: &SecretVersion) -> AttributesOut {
        AttributesOut {
            enabled: v.enabled,
            nbf: v.not_before.map(OffsetDateTime::unix_timestamp),
            exp: v.expires.map(OffsetDateTime::unix_timestamp),
            created: v.created.unix_timestamp(),
            updated: v.updated.unix_timestamp(),
            recovery_level: self.recovery_level,
            recoverable_days: self.recoverable_days,
        }
    }

    fn bundle_of<'v>(
        &self,
        secret: &StoredSecret,
        v: &'v SecretVersion,
        with_value: bool,
    ) -> SecretBundle<'v> {
        SecretBundle {
            value: with_value.then_some(v.value.as_str()),
            id: self.secret_id(secret, Some(v)),
            content_type: v.content_type.as_deref(),
            attributes: self.attributes(v),
            tags: (!v.tags.is_empty()).then_some(&v.tags),
        }
    }

    fn bundle(&self, secret: &StoredSecret, v: &SecretVersion, with_value: bool) -> Answer {
        Answer::json(StatusCode::OK, &self.bundle_of(secret, v, with_value))
    }

    fn item<'v>(
        &self,
        secret: &StoredSecret,
        v: &'v SecretVersion,
        versioned: bool,
    ) -> SecretItem<'v> {
        SecretItem {
            id: self.secret_id(secret, versioned.then_some(v)),
            content_type: v.content_type.as_deref(),
            attributes: self.attributes(v),
            tags: (!v.tags.is_empty()).then_some(&v.tags),
        }
    }

    fn deleted_fields<T>(&self, deleted: &DeletedSecret, inner: T) -> Deleted<T> {
        Deleted {
            recovery_id: format!("{}/deletedsecrets/{}", self.base_url, deleted.secret.name),
            deleted_date: deleted.deleted_date.unix_timestamp(),
            scheduled_purge_date: deleted.scheduled_purge_date.unix_timestamp(),
            inner,
        }
    }

    fn deleted_bundle(&self, deleted: &DeletedSecret) -> Answer {
        match deleted.secret.latest() {
            Some(v) => {
                let bundle = self.bundle_of(&deleted.secret, v, false);
                Answer::json(StatusCode::OK, &self.deleted_fields(deleted, bundle))
            }
            None => responses::deleted_secret_not_found(&deleted.secret.name),
        }
    }

    fn deleted_item<'v>(&self, deleted: &'v DeletedSecret) -> Option<Deleted<SecretItem<'v>>> {
        let v = deleted.secret.latest()?;
        Some(self.deleted_fields(deleted, self.item(&deleted.secret, v, false)))
    }

    /// Cuts one page from `items` and links the next page, if any.
    fn page<T: serde::Serialize>(&self, items: Vec<T>, path: &str, ctx: &RequestContext) -> Answer {
        let size = match ctx.max_results.map(str::parse::<usize>) {
            None => MAX_RESULTS,
            Some(Ok(n)) if (1..=MAX_RESULTS).contains(&n) => n,
            Some(_) => {
                return responses::bad_parameter(format!(
                    "The value of maxresults must be an integer from 1 to {MAX_RESULTS}."
                ));
            }
        };
        let offset = match ctx.skip_token.map(str::parse::<usize>) {
            None => 0,
            Some(Ok(n)) => n,
            Some(Err(_)) => return responses::bad_parameter("The $skiptoken is not valid.".into()),
        };
        let total = items.len();
        let value: Vec<T> = items.into_iter().skip(offset).take(size).collect();
        let next = offset.saturating_add(size);
        let next_link = (next < total).then(|| {
            format!(
                "{}/{path}?api-version={}&$skiptoken={next}&maxresults={size}",
                self.base_url, ctx.api_version
            )
        });
        Answer::json(StatusCode::OK, &Page { value, next_link })
    }
}
