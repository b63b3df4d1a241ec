//! The official Rust `SecretClient` against the emulator: every operation,
//! the attributes, the paging and the error answers.

mod common;

use std::collections::HashMap;

use azure_security_keyvault_secrets::models::{
    SecretAttributes, SecretClientGetSecretOptions, SecretClientListSecretPropertiesOptions,
    SecretClientListSecretPropertiesVersionsOptions, SetSecretParameters,
    UpdateSecretPropertiesParameters,
};
use azure_security_keyvault_secrets::{ResourceExt, SecretClient, SecretClientOptions};
use common::{http_error, set, version_of};
use futures::TryStreamExt;
use time::OffsetDateTime;
use vault_settings_emulator::{Emulator, NewSecret, Operation};

fn version_options(version: &str) -> Option<SecretClientGetSecretOptions<'static>> {
    Some(SecretClientGetSecretOptions {
        secret_version: Some(version.to_owned()),
        ..Default::default()
    })
}

#[tokio::test]
async fn set_then_get_latest_and_by_version_after_the_challenge() {
    let emulator = Emulator::start().await.unwrap();
    let client = emulator.secret_client().unwrap();

    let v1 = set(&client, "db-password", "old-pw").await;
    let v2 = set(&client, "db-password", "new-pw").await;
    assert_ne!(v1, v2);
    assert_eq!(v1.len(), 32);

    let latest = client
        .get_secret("db-password", None)
        .await
        .unwrap()
        .into_model()
        .unwrap();
    assert_eq!(latest.value.as_deref(), Some("new-pw"));
    let id = latest.resource_id().unwrap();
    assert_eq!(id.vault_url, emulator.vault_url());
    assert_eq!(id.name, "db-password");
    assert_eq!(id.version.as_deref(), Some(v2.as_str()));
    let pinned = client
        .get_secret("db-password", version_options(&v1))
        .await
        .unwrap();
    assert_eq!(
        pinned.into_model().unwrap().value.as_deref(),
        Some("old-pw")
    );

    // One challenge round trip, then every request is authorized up front.
    let log = emulator.requests();
    assert_eq!(log[0].status, Some(401));
    assert!(!log[0].had_authorization);
    assert!(
        log[1..]
            .iter()
            .all(|r| r.authorized && r.status == Some(200))
    );
    assert_eq!(log.len(), 5);
    assert_eq!(emulator.credential().calls(), 1);
    assert_eq!(
        emulator.credential().scopes(),
        ["https://vault.localhost/.default"]
    );
    assert_eq!(
        emulator.snapshot().latest_value("DB-PASSWORD"),
        Some("new-pw")
    );
}

#[tokio::test]
async fn attributes_content_type_and_tags_round_trip() {
    let emulator = Emulator::start().await.unwrap();
    let client = emulator.secret_client().unwrap();
    let expires =
        OffsetDateTime::now_utc().replace_nanosecond(0).unwrap() + time::Duration::days(30);
    let params = SetSecretParameters {
        value: Some("v".into()),
        content_type: Some("text/plain".into()),
        tags: Some(HashMap::from([("env".to_owned(), "dev".to_owned())])),
        secret_attributes: Some(SecretAttributes {
            expires: Some(expires),
            ..Default::default()
        }),
    };
    let secret = client
        .set_secret("api-key", params.try_into().unwrap(), None)
        .await
        .unwrap()
        .into_model()
        .unwrap();
    assert_eq!(secret.content_type.as_deref(), Some("text/plain"));
    assert_eq!(
        secret.tags.unwrap().get("env").map(String::as_str),
        Some("dev")
    );
    let attributes = secret.attributes.unwrap();
    assert_eq!(attributes.expires, Some(expires));
    assert_eq!(attributes.enabled, Some(true));
    assert!(attributes.created.is_some() && attributes.updated.is_some());
    assert_eq!(attributes.recoverable_days, Some(90));
    assert!(format!("{:?}", attributes.recovery_level).contains("RecoverablePurgeable"));
}

#[tokio::test]
async fn disabled_secret_gives_403_secret_disabled_without_retries() {
    let emulator = Emulator::builder()
        .seed("db-password", "pw")
        .start()
        .await
        .unwrap();
    let client = emulator.secret_client().unwrap();
    let params = UpdateSecretPropertiesParameters {
        secret_attributes: Some(SecretAttributes {
            enabled: Some(false),
            ..Default::default()
        }),
        ..Default::default()
    };
    let updated = client
        .update_secret_properties("db-password", params.try_into().unwrap(), None)
        .await
        .unwrap()
        .into_model()
        .unwrap();
    assert_eq!(updated.value, None, "PATCH answers without the value");
    assert_eq!(updated.attributes.unwrap().enabled, Some(false));

    emulator.clear_requests();
    let error = client.get_secret("db-password", None).await.unwrap_err();
    assert_eq!(
        http_error(&error),
        (403, Some("Forbidden".into()), Some("SecretDisabled".into()))
    );
    assert_eq!(emulator.requests().len(), 1, "403 is not retried");
    assert!(!error.to_string().contains("pw"));
}

#[tokio::test]
async fn expired_and_not_yet_valid_secrets_still_answer_200() {
    let yesterday = OffsetDateTime::now_utc() - time::Duration::days(1);
    let tomorrow = OffsetDateTime::now_utc() + time::Duration::days(1);
    let emulator = Emulator::builder()
        .seed_with("api-key", NewSecret::new("k1").expires(yesterday))
        .seed_with("future", NewSecret::new("f1").not_before(tomorrow))
        .start()
        .await
        .unwrap();
    let client = emulator.secret_client().unwrap();
    let expired = client
        .get_secret("api-key", None)
        .await
        .unwrap()
        .into_model()
        .unwrap();
    assert_eq!(expired.value.as_deref(), Some("k1"));
    assert_eq!(
        expired
            .attributes
            .unwrap()
            .expires
            .map(OffsetDateTime::unix_timestamp),
        Some(yesterday.unix_timestamp())
    );
    let future = client
        .get_secret("future", None)
        .await
        .unwrap()
        .into_model()
        .unwrap();
    assert_eq!(future.value.as_deref(), Some("f1"));
}

#[tokio::test]
async fn unknown_secret_version_and_bad_name_errors() {
    let emulator = Emulator::builder()
        .seed("known", "x")
        .start()
        .await
        .unwrap();
    let client = emulator.secret_client().unwrap();

    let error = client.get_secret("missing", None).await.unwrap_err();
    assert_eq!(
        http_error(&error),
        (404, Some("SecretNotFound".into()), None)
    );
    assert!(
        error
            .to_string()
            .contains("(name/id) missing was not found"),
        "{error}"
    );

    let unknown = "0".repeat(32);
    let error = client
        .get_secret("known", version_options(&unknown))
        .await
        .unwrap_err();
    assert_eq!(http_error(&error).0, 404);
    assert!(
        error.to_string().contains(&format!("known/{unknown}")),
        "{error}"
    );

    let error = client.get_secret("my_secret", None).await.unwrap_err();
    assert_eq!(http_error(&error), (400, Some("BadParameter".into()), None));
    assert!(
        error.to_string().contains("invalid name: my_secret"),
        "{error}"
    );
}

#[tokio::test]
async fn values_over_25_kib_are_refused() {
    let emulator = Emulator::start().await.unwrap();
    let client = emulator.secret_client().unwrap();
    let at_limit = "a".repeat(25 * 1024);
    set(&client, "big", &at_limit).await;
    let params = SetSecretParameters {
        value: Some(format!("{at_limit}b")),
        ..Default::default()
    };
    let error = client
        .set_secret("big", params.try_into().unwrap(), None)
        .await
        .unwrap_err();
    assert_eq!(http_error(&error), (400, Some("BadParameter".into()), None));
    assert_eq!(emulator.snapshot().secret("big").unwrap().versions.len(), 1);
}

#[tokio::test]
async fn unsupported_api_version_is_a_bad_parameter() {
    let emulator = Emulator::builder().seed("a", "x").start().await.unwrap();
    let options = SecretClientOptions {
        api_version: "1999-01-01".into(),
        ..emulator.client_options()
    };
    let client =
        SecretClient::new(&emulator.vault_url(), emulator.credential(), Some(options)).unwrap();
    let error = client.get_secret("a", None).await.unwrap_err();
    assert_eq!(http_error(&error), (400, Some("BadParameter".into()), None));
    assert!(
        error.to_string().contains("(1999-01-01) is not recognized"),
        "{error}"
    );
}

#[tokio::test]
async fn list_secrets_and_versions_follow_next_link_pages() {
    let mut builder = Emulator::builder();
    for i in 0..30 {
        builder = builder.seed(format!("secret-{i:02}"), "x");
    }
    for i in 0..5 {
        builder = builder.seed("rotated", format!("v{i}"));
    }
    let emulator = builder.start().await.unwrap();
    let client = emulator.secret_client().unwrap();

    let options = SecretClientListSecretPropertiesOptions {
        maxresults: Some(7),
        ..Default::default()
    };
    let items: Vec<_> = client
        .list_secret_properties(Some(options))
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let names: Vec<String> = items
        .iter()
        .map(|p| p.resource_id().unwrap().name)
        .collect();
    assert_eq!(names.len(), 31);
    assert!(names.contains(&"secret-29".to_owned()) && names.contains(&"rotated".to_owned()));
    assert!(
        items
            .iter()
            .all(|p| p.resource_id().unwrap().version.is_none())
    );
    let pages = emulator
        .requests()
        .iter()
        .filter(|r| r.operation == Some(Operation::ListSecrets) && r.status == Some(200))
        .count();
    assert_eq!(pages, 5, "31 items at 7 per page");

    let options = SecretClientListSecretPropertiesVersionsOptions {
        maxresults: Some(2),
        ..Default::default()
    };
    let versions: Vec<_> = client
        .list_secret_properties_versions("rotated", Some(options))
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(versions.len(), 5);
    let listed: Vec<String> = versions
        .iter()
        .map(|v| version_of(v.id.as_deref().unwrap()))
        .collect();
    let stored: Vec<String> = emulator
        .snapshot()
        .secret("rotated")
        .unwrap()
        .versions
        .iter()
        .map(|v| v.version.clone())
        .collect();
    assert_eq!(listed, stored);
}

#[tokio::test]
async fn delete_recover_purge_and_conflict() {
    let emulator = Emulator::builder()
        .seed("temp", "t1")
        .start()
        .await
        .unwrap();
    let client = emulator.secret_client().unwrap();

    let deleted = client
        .delete_secret("temp", None)
        .await
        .unwrap()
        .into_model()
        .unwrap();
    assert_eq!(deleted.value, None);
    assert!(
        deleted
            .recovery_id
            .unwrap()
            .ends_with("/deletedsecrets/temp")
    );
    let (deleted_on, purge_on) = (
        deleted.deleted_date.unwrap(),
        deleted.scheduled_purge_date.unwrap(),
    );
    assert_eq!(purge_on - deleted_on, time::Duration::days(90));
    assert_eq!(
        http_error(&client.get_secret("temp", None).await.unwrap_err()).0,
        404
    );

    let listed: Vec<_> = client
        .list_deleted_secret_properties(None)
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    client.get_deleted_secret("temp", None).await.unwrap();

    let params = SetSecretParameters {
        value: Some("t2".into()),
        ..Default::default()
    };
    let error = client
        .set_secret("temp", params.try_into().unwrap(), None)
        .await
        .unwrap_err();
    assert_eq!(
        http_error(&error),
        (
            409,
            Some("Conflict".into()),
            Some("ObjectIsDeletedButRecoverable".into())
        )
    );

    let recovered = client
        .recover_deleted_secret("temp", None)
        .await
        .unwrap()
        .into_model()
        .unwrap();
    assert_eq!(recovered.value, None);
    let back = client
        .get_secret("temp", None)
        .await
        .unwrap()
        .into_model()
        .unwrap();
    assert_eq!(back.value.as_deref(), Some("t1"));

    client.delete_secret("temp", None).await.unwrap();
    let purged = client.purge_deleted_secret("temp", None).await.unwrap();
    assert_eq!(u16::from(purged.status()), 204);
    let error = client.get_deleted_secret("temp", None).await.unwrap_err();
    assert_eq!(
        http_error(&error),
        (404, Some("SecretNotFound".into()), None)
    );
    assert!(emulator.snapshot().is_empty());
    set(&client, "temp", "fresh").await;
}

#[tokio::test]
async fn backup_is_reported_as_not_implemented() {
    let emulator = Emulator::builder().seed("a", "x").start().await.unwrap();
    let client = emulator.secret_client().unwrap();
    let error = client.backup_secret("a", None).await.unwrap_err();
    assert_eq!(http_error(&error).0, 501);
}
