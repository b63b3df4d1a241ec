//! `vault-settings-emulator`: runs the local Key Vault emulator standalone
//! until the process is stopped.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use vault_settings_emulator::{Emulator, FaultPlan};

const USAGE: &str = "\
usage: vault-settings-emulator [--port N] [--vault-name NAME] [--seed FILE]
                               [--faults FILE] [--ca-out FILE]

Serves a local Azure Key Vault (secrets) over HTTPS on 127.0.0.1 until stopped.

  --port N           listen on this port (default: a free one)
  --vault-name NAME  vault name (default: emulator)
  --seed FILE        load secrets from a JSON or .env-like file (repeatable)
  --faults FILE      load a JSON fault plan
  --ca-out FILE      write the per-run CA certificate (PEM) to FILE

Prints the vault URLs, the CA file and a bearer token valid for 12 hours.";

/// Lifetime of the token printed at start.
const TOKEN_LIFETIME: Duration = Duration::from_secs(12 * 3600);

#[derive(Debug, Default)]
struct Options {
    port: u16,
    vault_name: Option<String>,
    seeds: Vec<PathBuf>,
    faults: Option<PathBuf>,
    ca_out: Option<PathBuf>,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut options = Options::default();
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("`{flag}` needs a value"));
        match flag.as_str() {
            "--port" => {
                let raw = value()?;
                options.port = raw.parse().map_err(|_| format!("invalid port `{raw}`"))?;
            }
            "--vault-name" => options.vault_name = Some(value()?),
            "--seed" => options.seeds.push(value()?.into()),
            "--faults" => options.faults = Some(value()?.into()),
            "--ca-out" => options.ca_out = Some(value()?.into()),
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(Some(options))
}

async fn run(options: Options) -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = Emulator::builder()
        .bind(SocketAddr::new(
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            options.port,
        ))
        .token_lifetime(TOKEN_LIFETIME);
    if let Some(name) = options.vault_name {
        builder = builder.vault_name(name);
    }
    for seed in options.seeds {
        builder = builder.seed_file(seed);
    }
    if let Some(path) = options.faults {
        builder = builder.faults(FaultPlan::from_file(path)?);
    }
    let emulator = builder.start().await?;
    if let Some(path) = &options.ca_out {
        std::fs::write(path, emulator.ca_pem())?;
    }
    println!("vault url: {}", emulator.vault_url());
    println!(
        "  (map {} to 127.0.0.1, or use https://127.0.0.1:{} with challenge verification off)",
        emulator.host(),
        emulator.addr().port()
    );
    match &options.ca_out {
        Some(path) => println!("ca file:   {}", path.display()),
        None => println!("ca:\n{}", emulator.ca_pem()),
    }
    println!("token:     {}", emulator.token().token);
    std::future::pending::<()>().await;
    Ok(())
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            let mut source = error.source();
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> impl Iterator<Item = String> {
        list.iter()
            .map(|s| (*s).to_owned())
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn flags_parse() {
        let options = parse(args(&[
            "--port",
            "8443",
            "--vault-name",
            "v1",
            "--seed",
            "a.json",
            "--seed",
            "b.env",
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(options.port, 8443);
        assert_eq!(options.vault_name.as_deref(), Some("v1"));
        assert_eq!(options.seeds.len(), 2);
        assert!(parse(args(&["--help"])).unwrap().is_none());
        assert!(
            parse(args(&["--port"]))
                .unwrap_err()
                .contains("needs a value")
        );
        assert!(
            parse(args(&["--port", "x"]))
                .unwrap_err()
                .contains("invalid port")
        );
        assert!(
            parse(args(&["--bogus"]))
                .unwrap_err()
                .contains("unknown argument")
        );
    }
}
