//! `rainforest-local`: the local system's command line.
//!
//! - `up [--port P] [--no-seed] [--queue-retry-seconds N]`: the whole system on localhost (see
//!   `up.rs`), against the emulators the standard AWS settings point at.
//! - `provision --prefix P [--env-out FILE]`: only create the template's resources.
//! - `token --user U [--groups a,b] [--hours H]`: a dev-issuer token for a demo user.
//! - `check`: the template checks the linters miss; exits 1 on any problem.
//! - `openapi`: the API's OpenAPI document (committed as openapi.json).
//!
//! Every command takes `--template T` (default template.yaml) and `--local-dir D` (default .local).

use anyhow::{Context, bail};
use rainforest_local::auth::{DEV_AUDIENCE, DevIssuer};
use rainforest_local::{Template, check, provision, up};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1).peekable();
    let command = args.next().unwrap_or_default();
    let mut options = BTreeMap::new();
    while let Some(flag) = args.next() {
        let value = match args.peek() {
            Some(next) if !next.starts_with("--") => args.next().expect("peeked"),
            _ => "true".to_owned(),
        };
        options.insert(flag, value);
    }
    let option = |name: &str, default: &str| {
        options
            .get(name)
            .cloned()
            .unwrap_or_else(|| default.to_owned())
    };
    let template_path = PathBuf::from(option("--template", "template.yaml"));
    let local_dir = PathBuf::from(option("--local-dir", ".local"));
    match command.as_str() {
        "check" => {
            let template = Template::load(&template_path)?;
            let problems = check::problems(&template, &check::workspace_binaries(&template.dir)?);
            for problem in &problems {
                eprintln!("template check: {problem}");
            }
            if !problems.is_empty() {
                std::process::exit(1);
            }
            println!(
                "template check: {} resources, no problems",
                template.resources.len()
            );
        }
        "provision" => {
            let template = Template::load(&template_path)?;
            let prefix = options.get("--prefix").context("--prefix is required")?;
            let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
            let stack = provision(&sdk, &template, prefix).await?;
            let mut environment = BTreeMap::new();
            for (id, _) in template.of_kind("AWS::Serverless::Function") {
                for (name, value) in stack.function_environment(&template, id)? {
                    if let Some(other) = environment
                        .insert(name.clone(), value.clone())
                        .filter(|o| *o != value)
                    {
                        bail!("{name} is {other} for one function and {value} for {id}");
                    }
                }
            }
            let text: String = environment
                .iter()
                .map(|(k, v)| format!("{k}={v}\n"))
                .collect();
            match options.get("--env-out") {
                Some(path) => {
                    std::fs::write(path, text).with_context(|| format!("writing {path}"))?
                }
                None => print!("{text}"),
            }
            eprintln!(
                "created {} resources under prefix {prefix}",
                stack.created()
            );
        }
        "openapi" => print!("{}", rainforest_local::openapi::document_text()),
        "token" => {
            let issuer = DevIssuer::load_or_create(&local_dir.join("dev-issuer.pem"))?;
            let user = options.get("--user").context("--user is required")?;
            let groups = option("--groups", "customer");
            let groups: Vec<&str> = groups.split(',').filter(|g| !g.is_empty()).collect();
            let hours: i64 = option("--hours", "12").parse().context("--hours")?;
            println!(
                "{}",
                issuer.mint(user, &groups, DEV_AUDIENCE, hours * 3600)?
            );
        }
        "up" => {
            rainforest_local::logs::init();
            let queue_retry_delay = options
                .get("--queue-retry-seconds")
                .map(|s| s.parse().map(Duration::from_secs))
                .transpose()
                .context("--queue-retry-seconds")?;
            up::up(up::Options {
                template: template_path,
                port: option("--port", "8080").parse().context("--port")?,
                seed: !options.contains_key("--no-seed"),
                local_dir,
                prefix: option("--prefix", "rainforest"),
                queue_retry_delay,
            })
            .await?;
        }
        other => bail!("unknown command {other:?}; use up, provision, token, check or openapi"),
    }
    Ok(())
}
