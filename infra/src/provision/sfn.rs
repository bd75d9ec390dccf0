//! Step Functions: state machines, their definitions filled from `DefinitionSubstitutions`.

use super::{ACCOUNT, Clients, Stack, fill, scalar};
use crate::template::{Template, placeholders};
use anyhow::{Context, bail};
use serde_json::Value;
use std::collections::BTreeMap;

/// Whether a definition names another state machine of the template (`!Ref` in its
/// substitutions), which must then exist first.
pub(super) fn starts_another(template: &Template, properties: &Value) -> bool {
    let substitutions = properties.get("DefinitionSubstitutions");
    substitutions
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(_, value)| value.get("Ref").and_then(Value::as_str))
        .any(|id| {
            template
                .resources
                .get(id)
                .is_some_and(|r| r.kind == "AWS::Serverless::StateMachine")
        })
}

pub(super) async fn create_state_machine(
    clients: &Clients,
    stack: &mut Stack,
    template: &Template,
    id: &str,
    properties: &Value,
) -> anyhow::Result<()> {
    let definition = match (
        properties.get("DefinitionUri"),
        properties.get("Definition"),
    ) {
        (Some(Value::String(uri)), _) => {
            let path = template.dir.join(uri);
            std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?
        }
        (_, Some(inline)) => inline.to_string(),
        _ => bail!("a state machine needs DefinitionUri (a local file) or Definition"),
    };
    let substitutions = stack.resolve(
        properties
            .get("DefinitionSubstitutions")
            .unwrap_or(&Value::Null),
    )?;
    let values: BTreeMap<String, String> = substitutions
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            Ok((
                k.clone(),
                scalar(v).with_context(|| format!("substitution {k} is not a scalar"))?,
            ))
        })
        .collect::<anyhow::Result<_>>()?;
    let definition = fill(&definition, &values);
    if let Some(missing) = placeholders(&definition).into_iter().next() {
        bail!("${{{missing}}} has no DefinitionSubstitutions entry");
    }
    let sfn = &clients.sfn;
    let name = stack.name(id);
    let kind = properties
        .get("Type")
        .and_then(Value::as_str)
        .unwrap_or("STANDARD");
    let arn = sfn
        .create_state_machine()
        .name(&name)
        .definition(definition)
        .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/{name}"))
        .r#type(kind.into())
        .send()
        .await?
        .state_machine_arn;
    stack.record(id, arn.clone(), &[("Arn", arn), ("Name", name)]);
    Ok(())
}
