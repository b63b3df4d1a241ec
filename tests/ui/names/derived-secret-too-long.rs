use vault_settings::{SecretString, VaultSettings};

#[derive(VaultSettings)]
#[settings(
    secret_prefix = "a-prefix-that-is-long-enough-to-push-derived-names-past-the-limit-of-key-vault-"
)]
struct Settings {
    #[kv]
    a_field_name_that_is_long_enough_to_cross_that_limit: SecretString,
}

fn main() {}
