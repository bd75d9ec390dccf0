//! Checks that `cfn-lint` and `sam validate --lint` do not make: that no setting is global, that
//! every function builds from a binary of this workspace, that every state machine's
//! `${Placeholder}` is substituted, and that `sam build` builds the release profile as written.

use crate::template::{Template, placeholders};
use anyhow::Context;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// Every problem found, as sentences naming the resource; empty when the template is sound.
pub fn problems(template: &Template, binaries: &BTreeSet<String>) -> Vec<String> {
    let mut problems = Vec::new();
    if template.globals.pointer("/Function/Environment").is_some() {
        problems.push(
            "Globals: Function.Environment gives every function settings it may not use; set each function's own"
                .to_owned(),
        );
    }
    for (id, function) in template.of_kind("AWS::Serverless::Function") {
        let build_method = function.metadata.get("BuildMethod").and_then(Value::as_str);
        if build_method != Some("rust-cargolambda") {
            problems.push(format!(
                "{id}: Metadata.BuildMethod must be rust-cargolambda"
            ));
        }
        match function
            .metadata
            .pointer("/BuildProperties/Binary")
            .and_then(Value::as_str)
        {
            None => problems.push(format!("{id}: Metadata.BuildProperties.Binary is missing")),
            Some(binary) if !binaries.contains(binary) => {
                problems.push(format!(
                    "{id}: BuildProperties.Binary {binary} is not a binary of the workspace"
                ));
            }
            Some(_) => {}
        }
    }
    for (id, machine) in template.of_kind("AWS::Serverless::StateMachine") {
        let Some(uri) = machine
            .properties
            .get("DefinitionUri")
            .and_then(Value::as_str)
        else {
            problems.push(format!(
                "{id}: DefinitionUri must name an ASL file in statemachines/"
            ));
            continue;
        };
        let path = template.dir.join(uri);
        let definition = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) => {
                problems.push(format!("{id}: cannot read {}: {error}", path.display()));
                continue;
            }
        };
        if let Err(error) = serde_json::from_str::<Value>(&definition) {
            problems.push(format!("{id}: {uri} is not valid JSON: {error}"));
        }
        let substitutions = machine
            .properties
            .get("DefinitionSubstitutions")
            .and_then(Value::as_object);
        for name in placeholders(&definition) {
            if !substitutions.is_some_and(|s| s.contains_key(&name)) {
                problems.push(format!(
                    "{id}: ${{{name}}} in {uri} has no DefinitionSubstitutions entry"
                ));
            }
        }
    }
    problems
}

/// What cargo lambda (`sam build`) adds to a release profile that leaves it out.
const CARGO_LAMBDA_RELEASE: [(&str, &str); 4] = [
    ("strip", "\"symbols\""),
    ("lto", "\"thin\""),
    ("codegen-units", "1"),
    ("panic", "\"abort\""),
];

/// The workspace manifest's release profile must say each setting cargo lambda would otherwise
/// add, or the binaries `sam build` deploys are not those infra/bench measures and tests.
pub fn release_profile_problems(manifest: &str) -> anyhow::Result<Vec<String>> {
    let manifest: toml::Table = toml::from_str(manifest).context("reading Cargo.toml")?;
    let release = manifest
        .get("profile")
        .and_then(|profile| profile.get("release"));
    Ok(CARGO_LAMBDA_RELEASE
        .iter()
        .filter(|(key, _)| release.and_then(|release| release.get(key)).is_none())
        .map(|(key, value)| {
            format!(
                "Cargo.toml: [profile.release] must set {key}, or sam build deploys {key} = {value}"
            )
        })
        .collect())
}

/// The names of the binary targets of the Cargo workspace at `root`.
pub fn workspace_binaries(root: &Path) -> anyhow::Result<BTreeSet<String>> {
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .current_dir(root)
        .output()
        .context("running cargo metadata")?;
    anyhow::ensure!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value =
        serde_json::from_slice(&output.stdout).context("reading cargo metadata")?;
    let targets = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| p["targets"].as_array().into_iter().flatten());
    Ok(targets
        .filter(|t| {
            t["kind"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|k| k == "bin"))
        })
        .filter_map(|t| t["name"].as_str().map(str::to_owned))
        .collect())
}
