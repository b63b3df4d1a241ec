//! The in-memory secret store: versions, soft delete, recovery and purge,
//! plus the public snapshot types used for assertions.

use std::collections::BTreeMap;
use std::fmt;

use time::OffsetDateTime;

use crate::random;

/// Describes a secret version to store without going through HTTP.
#[derive(Clone, PartialEq, Eq)]
pub struct NewSecret {
    pub(crate) value: String,
    pub(crate) content_type: Option<String>,
    pub(crate) enabled: bool,
    pub(crate) not_before: Option<OffsetDateTime>,
    pub(crate) expires: Option<OffsetDateTime>,
    pub(crate) tags: BTreeMap<String, String>,
}

impl fmt::Debug for NewSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewSecret")
            .field("value", &"<redacted>")
            .field("content_type", &self.content_type)
            .field("enabled", &self.enabled)
            .field("not_before", &self.not_before)
            .field("expires", &self.expires)
            .field("tags", &self.tags)
            .finish()
    }
}

impl NewSecret {
    /// Creates an enabled version with the given value and no other attributes.
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            content_type: None,
            enabled: true,
            not_before: None,
            expires: None,
            tags: BTreeMap::new(),
        }
    }

    /// Sets whether the version is enabled.
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.enabled = enabled;
        self
    }

    /// Sets the time before which the version is not meant to be used (`nbf`).
    pub fn not_before(mut self, at: OffsetDateTime) -> Self {
        self.not_before = Some(at);
        self
    }

    /// Sets the time after which the version is expired (`exp`).
    pub fn expires(mut self, at: OffsetDateTime) -> Self {
        self.expires = Some(at);
        self
    }

    /// Sets the content type, free text of at most 255 characters.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Adds a tag.
    pub fn tag(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(name.into(), value.into());
        self
    }
}

/// Holds one stored version of a secret, as a snapshot shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretVersion {
    /// The 32-hex-digit version id.
    pub version: String,
    /// The secret value.
    pub value: String,
    /// The content type, if any.
    pub content_type: Option<String>,
    /// Whether the version is enabled.
    pub enabled: bool,
    /// The `nbf` attribute, if set.
    pub not_before: Option<OffsetDateTime>,
    /// The `exp` attribute, if set.
    pub expires: Option<OffsetDateTime>,
    /// When the version was created.
    pub created: OffsetDateTime,
    /// When the version's attributes last changed.
    pub updated: OffsetDateTime,
    /// The version's tags.
    pub tags: BTreeMap<String, String>,
}

impl fmt::Debug for SecretVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretVersion")
            .field("version", &self.version)
            .field("value", &"<redacted>")
            .field("content_type", &self.content_type)
            .field("enabled", &self.enabled)
            .field("not_before", &self.not_before)
            .field("expires", &self.expires)
            .field("created", &self.created)
            .field("updated", &self.updated)
            .field("tags", &self.tags)
            .finish()
    }
}

/// Holds a secret's name and all its versions, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSecret {
    /// The name as first created (names compare case-insensitively).
    pub name: String,
    /// Every version, oldest first; the last one is "latest".
    pub versions: Vec<SecretVersion>,
}

impl StoredSecret {
    /// Returns the latest (most recently created) version.
    pub fn latest(&self) -> Option<&SecretVersion> {
        self.versions.last()
    }

    /// Returns the version with the given id (case-insensitive).
    pub fn version(&self, version: &str) -> Option<&SecretVersion> {
        self.versions
            .iter()
            .find(|v| v.version.eq_ignore_ascii_case(version))
    }
}

/// Holds a soft-deleted secret with its deletion times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedSecret {
    /// The secret as it was when deleted.
    pub secret: StoredSecret,
    /// When it was deleted.
    pub deleted_date: OffsetDateTime,
    /// When the service would purge it on its own (the emulator never does).
    pub scheduled_purge_date: OffsetDateTime,
}

/// Holds a copy of the whole store, for assertions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreSnapshot {
    /// Active secrets, by lower-cased name.
    pub secrets: BTreeMap<String, StoredSecret>,
    /// Soft-deleted secrets, by lower-cased name.
    pub deleted: BTreeMap<String, DeletedSecret>,
}

impl StoreSnapshot {
    /// Returns the active secret with the given name (case-insensitive).
    pub fn secret(&self, name: &str) -> Option<&StoredSecret> {
        self.secrets.get(&name.to_ascii_lowercase())
    }

    /// Returns the latest value of an active secret.
    pub fn latest_value(&self, name: &str) -> Option<&str> {
        self.secret(name)
            .and_then(StoredSecret::latest)
            .map(|v| v.value.as_str())
    }

    /// Returns the soft-deleted secret with the given name (case-insensitive).
    pub fn deleted_secret(&self, name: &str) -> Option<&DeletedSecret> {
        self.deleted.get(&name.to_ascii_lowercase())
    }

    /// Tells whether no secret, active or deleted, is stored.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty() && self.deleted.is_empty()
    }
}

/// Says why a store operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StoreError {
    /// No active secret (or version) has this name.
    NotFound {
        name: String,
        version: Option<String>,
    },
    /// No deleted secret has this name.
    DeletedNotFound { name: String },
    /// The name belongs to a soft-deleted secret, so it cannot be reused.
    DeletedButRecoverable { name: String },
}

/// The change a `PATCH` asks for; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub(crate) struct AttributePatch {
    pub content_type: Option<String>,
    pub enabled: Option<bool>,
    pub not_before: Option<OffsetDateTime>,
    pub expires: Option<OffsetDateTime>,
    pub tags: Option<BTreeMap<String, String>>,
}

/// The secrets of one vault.
#[derive(Debug)]
pub(crate) struct SecretStore {
    data: StoreSnapshot,
    recoverable_days: u32,
}

impl SecretStore {
    pub(crate) fn new(recoverable_days: u32) -> Self {
        Self {
            data: StoreSnapshot::default(),
            recoverable_days,
        }
    }

    pub(crate) fn recoverable_days(&self) -> u32 {
        self.recoverable_days
    }

    /// Returns the service's recovery level for this vault's retention.
    pub(crate) fn recovery_level(&self) -> &'static str {
        if self.recoverable_days == 90 {
            "Recoverable+Purgeable"
        } else {
            "CustomizedRecoverable+Purgeable"
        }
    }

    /// Adds a new version, creating the secret if needed; names are assumed
    /// to be valid already. Fails only for names of soft-deleted secrets.
    pub(crate) fn set(
        &mut self,
        name: &str,
        spec: NewSecret,
        now: OffsetDateTime,
    ) -> Result<(&StoredSecret, &SecretVersion), StoreError> {
        let key = name.to_ascii_lowercase();
        if self.data.deleted.contains_key(&key) {
            return Err(StoreError::DeletedButRecoverable { name: name.into() });
        }
        let now = whole_seconds(now);
        let version = SecretVersion {
            version: random::version_id(),
            value: spec.value,
            content_type: spec.content_type,
            enabled: spec.enabled,
            not_before: spec.not_before.map(whole_seconds),
            expires: spec.expires.map(whole_seconds),
            created: now,
            updated: now,
            tags: spec.tags,
        };
        let secret = self
            .data
            .secrets
            .entry(key)
            .or_insert_with(|| StoredSecret {
                name: name.into(),
                versions: Vec::new(),
            });
        let index = secret.versions.len();
        secret.versions.push(version);
        let secret = &*secret;
        Ok((secret, &secret.versions[index]))
    }

    /// Finds an active secret and one of its versions (latest for `None`).
    pub(crate) fn get(
        &self,
        name: &str,
        version: Option<&str>,
    ) -> Result<(&StoredSecret, &SecretVersion), StoreError> {
        let not_found = || StoreError::NotFound {
            name: name.into(),
            version: version.map(str::to_owned),
        };
        let secret = self.data.secret(name).ok_or_else(not_found)?;
        let found = match version {
            None => secret.latest(),
            Some(v) => secret.version(v),
        };
        Ok((secret, found.ok_or_else(not_found)?))
    }

    /// Finds an active secret with all its versions.
    pub(crate) fn secret(&self, name: &str) -> Result<&StoredSecret, StoreError> {
        self.data.secret(name).ok_or_else(|| StoreError::NotFound {
            name: name.into(),
            version: None,
        })
    }

    /// Changes a version's attributes, content type or tags.
    pub(crate) fn update(
        &mut self,
        name: &str,
        version: Option<&str>,
        patch: AttributePatch,
        now: OffsetDateTime,
    ) -> Result<(&StoredSecret, &SecretVersion), StoreError> {
        let not_found = || StoreError::NotFound {
            name: name.into(),
            version: version.map(str::to_owned),
        };
        let secret = self
            .data
            .secrets
            .get_mut(&name.to_ascii_lowercase())
            .ok_or_else(not_found)?;
        let index = match version {
            None => secret.versions.len().checked_sub(1),
            Some(v) => secret
                .versions
                .iter()
                .position(|s| s.version.eq_ignore_ascii_case(v)),
        }
        .ok_or_else(not_found)?;
        let target = &mut secret.versions[index];
        if let Some(content_type) = patch.content_type {
            target.content_type = Some(content_type);
        }
        if let Some(enabled) = patch.enabled {
            target.enabled = enabled;
        }
        if let Some(nbf) = patch.not_before {
            target.not_before = Some(whole_seconds(nbf));
        }
        if let Some(exp) = patch.expires {
            target.expires = Some(whole_seconds(exp));
        }
        if let Some(tags) = patch.tags {
            target.tags = tags;
        }
        target.updated = whole_seconds(now);
        let secret = &*secret;
        Ok((secret, &secret.versions[index]))
    }

    /// Moves a secret with all its versions to the deleted list.
    pub(crate) fn delete(
        &mut self,
        name: &str,
        now: OffsetDateTime,
    ) -> Result<&DeletedSecret, StoreError> {
        let key = name.to_ascii_lowercase();
        let secret = self
            .data
            .secrets
            .remove(&key)
            .ok_or_else(|| StoreError::NotFound {
                name: name.into(),
                version: None,
            })?;
        let deleted_date = whole_seconds(now);
        let retention = time::Duration::days(i64::from(self.recoverable_days));
        let deleted = DeletedSecret {
            secret,
            deleted_date,
            scheduled_purge_date: deleted_date + retention,
        };
        Ok(self.data.deleted.entry(key).or_insert(deleted))
    }

    /// Finds a soft-deleted secret.
    pub(crate) fn get_deleted(&self, name: &str) -> Result<&DeletedSecret, StoreError> {
        self.data
            .deleted_secret(name)
            .ok_or_else(|| StoreError::DeletedNotFound { name: name.into() })
    }

    /// Removes a soft-deleted secret for good.
    pub(crate) fn purge(&mut self, name: &str) -> Result<(), StoreError> {
        self.data
            .deleted
            .remove(&name.to_ascii_lowercase())
            .map(drop)
            .ok_or_else(|| StoreError::DeletedNotFound { name: name.into() })
    }

    /// Brings a soft-deleted secret back with all its versions.
    pub(crate) fn recover(&mut self, name: &str) -> Result<&StoredSecret, StoreError> {
        let key = name.to_ascii_lowercase();
        let deleted = self
            .data
            .deleted
            .remove(&key)
            .ok_or_else(|| StoreError::DeletedNotFound { name: name.into() })?;
        Ok(self.data.secrets.entry(key).or_insert(deleted.secret))
    }

    /// Iterates active secrets in name order.
    pub(crate) fn secrets(&self) -> impl Iterator<Item = &StoredSecret> {
        self.data.secrets.values()
    }

    /// Iterates deleted secrets in name order.
    pub(crate) fn deleted(&self) -> impl Iterator<Item = &DeletedSecret> {
        self.data.deleted.values()
    }

    pub(crate) fn snapshot(&self) -> StoreSnapshot {
        self.data.clone()
    }
}

/// Drops sub-second precision: the service keeps times in whole seconds.
fn whole_seconds(at: OffsetDateTime) -> OffsetDateTime {
    at.replace_nanosecond(0).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

    #[test]
    fn each_set_adds_a_version_and_latest_is_the_newest() {
        let mut store = SecretStore::new(90);
        let v1 = store
            .set("Db-Password", NewSecret::new("old"), now())
            .unwrap()
            .1
            .version
            .clone();
        let v2 = store
            .set("db-password", NewSecret::new("new"), now())
            .unwrap()
            .1
            .version
            .clone();
        assert_ne!(v1, v2);
        let (secret, latest) = store.get("DB-PASSWORD", None).unwrap();
        assert_eq!(secret.name, "Db-Password");
        assert_eq!(latest.value, "new");
        assert_eq!(store.get("db-password", Some(&v1)).unwrap().1.value, "old");
        assert_eq!(
            store
                .get("db-password", Some(&v1.to_uppercase()))
                .unwrap()
                .1
                .value,
            "old"
        );
        assert_eq!(secret.versions.len(), 2);
    }

    #[test]
    fn unknown_names_and_versions_are_not_found() {
        let mut store = SecretStore::new(90);
        store.set("a", NewSecret::new("x"), now()).unwrap();
        assert!(matches!(
            store.get("b", None),
            Err(StoreError::NotFound { version: None, .. })
        ));
        let missing = "0".repeat(32);
        assert_eq!(
            store.get("a", Some(&missing)),
            Err(StoreError::NotFound {
                name: "a".into(),
                version: Some(missing)
            })
        );
    }

    #[test]
    fn update_changes_only_what_is_given() {
        let mut store = SecretStore::new(90);
        let spec = NewSecret::new("x")
            .content_type("text/plain")
            .tag("env", "dev");
        store.set("a", spec, now()).unwrap();
        let patch = AttributePatch {
            enabled: Some(false),
            ..Default::default()
        };
        let (_, v) = store.update("a", None, patch, now()).unwrap();
        assert!(!v.enabled);
        assert_eq!(v.content_type.as_deref(), Some("text/plain"));
        assert_eq!(v.tags.get("env").map(String::as_str), Some("dev"));
        assert_eq!(v.value, "x");
    }

    #[test]
    fn delete_recover_and_purge_follow_soft_delete() {
        let mut store = SecretStore::new(7);
        store.set("a", NewSecret::new("x"), now()).unwrap();
        let deleted = store.delete("a", now()).unwrap();
        assert_eq!(
            deleted.scheduled_purge_date - deleted.deleted_date,
            time::Duration::days(7)
        );
        assert!(store.get("a", None).is_err());
        assert_eq!(
            store.set("a", NewSecret::new("y"), now()).unwrap_err(),
            StoreError::DeletedButRecoverable { name: "a".into() }
        );
        assert_eq!(store.recover("a").unwrap().versions.len(), 1);
        assert_eq!(store.get("a", None).unwrap().1.value, "x");
        store.delete("a", now()).unwrap();
        store.purge("a").unwrap();
        assert!(store.snapshot().is_empty());
        assert_eq!(
            store.purge("a"),
            Err(StoreError::DeletedNotFound { name: "a".into() })
        );
        assert_eq!(store.recovery_level(), "CustomizedRecoverable+Purgeable");
    }

    #[test]
    fn debug_output_redacts_values() {
        let mut store = SecretStore::new(90);
        store.set("a", NewSecret::new("hunter2"), now()).unwrap();
        let shown = format!("{:?} {:?}", store.snapshot(), NewSecret::new("hunter2"));
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
