//! Start-up cost of loading eight secrets from a vault that takes 20 ms per
//! answer: concurrent fetches (the default) against one-at-a-time fetches,
//! side by side in one run. Each iteration builds a new loader, so it pays
//! for the authentication challenge as a starting application does.
//!
//! Run with `cargo bench --bench load`.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use vault_settings::{Loader, SecretString, VaultSettings};
use vault_settings_emulator::{Emulator, Fault, FaultRule};

#[derive(VaultSettings)]
#[allow(dead_code)]
struct Eight {
    #[kv]
    s1: SecretString,
    #[kv]
    s2: SecretString,
    #[kv]
    s3: SecretString,
    #[kv]
    s4: SecretString,
    #[kv]
    s5: SecretString,
    #[kv]
    s6: SecretString,
    #[kv]
    s7: SecretString,
    #[kv]
    s8: SecretString,
}

const LATENCY: Duration = Duration::from_millis(20);

fn loader(vault: &Emulator, concurrency: usize) -> Loader {
    let vars = (1..=8).map(|i| (format!("S{i}"), format!("@kv:s{i}")));
    Loader::new()
        .no_env_file()
        .env_vars(vars)
        .vault_url(vault.vault_url())
        .credential(vault.credential())
        .client_options(vault.client_options())
        .concurrency(concurrency)
}

fn load_eight_secrets(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let vault = runtime.block_on(async {
        let vault = Emulator::start().await.expect("the emulator starts");
        for i in 1..=8 {
            vault
                .put_secret(format!("s{i}"), format!("value-{i}"))
                .expect("stored");
        }
        vault.faults().push(FaultRule::new(Fault::latency(LATENCY)));
        vault
    });

    let mut group = c.benchmark_group("load 8 secrets, 20 ms per answer");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(4));
    for (label, concurrency) in [("concurrent (default 16)", 16), ("one at a time", 1)] {
        group.bench_function(label, |b| {
            b.iter(|| {
                runtime.block_on(async {
                    let loader = loader(&vault, concurrency);
                    Eight::load_with(&loader).await.expect("settings load")
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, load_eight_secrets);
criterion_main!(benches);
