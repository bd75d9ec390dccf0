//! `rainforest-local`: the local stack's command line.
//!
//! - `provision --template T --prefix P --env-out FILE`: create the template's resources in the
//!   emulator the standard AWS settings point at, and write the functions' environment to FILE.
//! - `check --template T`: the template checks the linters miss; exits 1 on any problem.

use anyhow::{Context, bail};
use rainforest_local::{Template, check, provision};
use std::collections::BTreeMap;
use std::path::PathBuf;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let mut options = BTreeMap::new();
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .with_context(|| format!("{flag} needs a value"))?;
        options.insert(flag, value);
    }
    let template_path = PathBuf::from(
        options
            .get("--template")
            .map_or("template.yaml", String::as_str),
    );
    let template = Template::load(&template_path)?;
    match command.as_str() {
        "check" => {
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
        other => bail!("unknown command {other:?}; use check or provision"),
    }
    Ok(())
}
