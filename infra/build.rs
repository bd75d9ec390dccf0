//! Writes the function registry from this crate's dependencies on `../functions/*`: one
//! dependency line per function registers it with the local system, its tests and the OpenAPI
//! document. Each function's own Cargo.toml says its kind (`package.metadata.rainforest.kind`).

use std::error::Error;
use std::path::Path;

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo::rerun-if-changed=Cargo.toml");
    let manifest: toml::Table = std::fs::read_to_string("Cargo.toml")?.parse()?;
    let dependencies = manifest
        .get("dependencies")
        .and_then(toml::Value::as_table)
        .ok_or("infra/Cargo.toml has no [dependencies]")?;
    let mut table = String::from("functions! {\n");
    for (name, spec) in dependencies {
        let Some(path) = spec.get("path").and_then(toml::Value::as_str) else {
            continue;
        };
        if !path.starts_with("../functions/") {
            continue;
        }
        let function_manifest = Path::new(path).join("Cargo.toml");
        println!("cargo::rerun-if-changed={}", function_manifest.display());
        let function: toml::Table = std::fs::read_to_string(&function_manifest)?.parse()?;
        let kind = function
            .get("package")
            .and_then(|p| p.get("metadata"))
            .and_then(|m| m.get("rainforest"))
            .and_then(|r| r.get("kind"))
            .and_then(toml::Value::as_str)
            .ok_or_else(|| {
                format!(
                    "{name}: no package.metadata.rainforest.kind (http, event, step or authorizer)"
                )
            })?;
        if !matches!(kind, "http" | "event" | "step" | "authorizer") {
            return Err(format!(
                "{name}: kind must be http, event, step or authorizer, not {kind}"
            )
            .into());
        }
        let ident = name.replace('-', "_");
        table.push_str(&format!("    {kind} \"{name}\" {ident},\n"));
    }
    table.push_str("}\n");
    let out = Path::new(&std::env::var("OUT_DIR")?).join("functions.rs");
    std::fs::write(out, table)?;
    Ok(())
}
