use anyhow::{Context, bail};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A parsed SAM/CloudFormation template. Short-form tags (`!Ref X`) are turned into their long
/// form (`{"Ref": "X"}`), so everything downstream sees plain JSON.
#[derive(Debug, Clone)]
pub struct Template {
    /// The folder the template sits in: `DefinitionUri` and `CodeUri` are relative to it.
    pub dir: PathBuf,
    pub parameters: Map<String, Value>,
    pub globals: Value,
    pub resources: BTreeMap<String, Resource>,
}

#[derive(Debug, Clone)]
pub struct Resource {
    pub kind: String,
    pub properties: Value,
    pub metadata: Value,
}

impl Template {
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        Self::parse(&text, dir).with_context(|| format!("parsing {}", path.display()))
    }

    pub fn parse(text: &str, dir: PathBuf) -> anyhow::Result<Self> {
        let yaml: yaml_serde::Value = yaml_serde::from_str(text)?;
        let document = to_json(yaml)?;
        let field = |name: &str| document.get(name).cloned().unwrap_or(Value::Null);
        let parameters = field("Parameters").as_object().cloned().unwrap_or_default();
        let resources = field("Resources")
            .as_object()
            .context("the template has no Resources")?
            .iter()
            .map(|(id, body)| {
                let kind = body
                    .get("Type")
                    .and_then(Value::as_str)
                    .with_context(|| format!("{id} has no Type"))?;
                let resource = Resource {
                    kind: kind.to_owned(),
                    properties: body
                        .get("Properties")
                        .cloned()
                        .unwrap_or(Value::Object(Map::new())),
                    metadata: body.get("Metadata").cloned().unwrap_or(Value::Null),
                };
                Ok((id.clone(), resource))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Self {
            dir,
            parameters,
            globals: field("Globals"),
            resources,
        })
    }

    /// Resources of one type, in logical-id order.
    pub fn of_kind<'a>(
        &'a self,
        kind: &'a str,
    ) -> impl Iterator<Item = (&'a String, &'a Resource)> + 'a {
        self.resources
            .iter()
            .filter(move |(_, resource)| resource.kind == kind)
    }

    /// The events of every function whose `Type` is one of `types`:
    /// (function id, event name, event type, event properties).
    pub fn function_events<'a>(
        &'a self,
        types: &'a [&str],
    ) -> impl Iterator<Item = (&'a String, &'a String, &'a str, &'a Value)> + 'a {
        self.of_kind("AWS::Serverless::Function")
            .flat_map(move |(id, function)| {
                let events = function
                    .properties
                    .get("Events")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten();
                events.filter_map(move |(name, event)| {
                    let kind = event
                        .get("Type")
                        .and_then(Value::as_str)
                        .filter(|kind| types.contains(kind))?;
                    Some((
                        id,
                        name,
                        kind,
                        event.get("Properties").unwrap_or(&Value::Null),
                    ))
                })
            })
    }

    /// A function's environment as written: `Globals` first, the function's own on top.
    pub fn function_environment(&self, function: &str) -> anyhow::Result<Map<String, Value>> {
        let resource = self
            .resources
            .get(function)
            .with_context(|| format!("no resource {function}"))?;
        if resource.kind != "AWS::Serverless::Function" {
            bail!("{function} is a {}, not a function", resource.kind);
        }
        let variables = |root: &Value, path: &[&str]| {
            path.iter()
                .try_fold(root, |value, key| value.get(key))
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default()
        };
        let mut environment = variables(&self.globals, &["Function", "Environment", "Variables"]);
        environment.extend(variables(
            &resource.properties,
            &["Environment", "Variables"],
        ));
        Ok(environment)
    }
}

/// Converts YAML to JSON, expanding CloudFormation's short-form intrinsic tags.
fn to_json(yaml: yaml_serde::Value) -> anyhow::Result<Value> {
    use yaml_serde::Value as Y;
    Ok(match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => serde_json::to_value(&n)?,
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(
            items
                .into_iter()
                .map(to_json)
                .collect::<anyhow::Result<_>>()?,
        ),
        Y::Mapping(map) => {
            let mut object = Map::new();
            for (key, value) in map {
                let key = match key {
                    Y::String(s) => s,
                    Y::Bool(b) => b.to_string(),
                    Y::Number(n) => n.to_string(),
                    other => bail!("unsupported mapping key {other:?}"),
                };
                object.insert(key, to_json(value)?);
            }
            Value::Object(object)
        }
        Y::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            let value = to_json(tagged.value)?;
            let (long, value) = match name {
                "Ref" | "Condition" => (name.to_owned(), value),
                // `!GetAtt A.B` is `{"Fn::GetAtt": ["A", "B"]}`.
                "GetAtt" => match value {
                    Value::String(s) => {
                        let (resource, attribute) =
                            s.split_once('.').with_context(|| format!("!GetAtt {s}"))?;
                        (
                            "Fn::GetAtt".to_owned(),
                            Value::Array(vec![resource.into(), attribute.into()]),
                        )
                    }
                    other => ("Fn::GetAtt".to_owned(), other),
                },
                _ => (format!("Fn::{name}"), value),
            };
            Value::Object(Map::from_iter([(long, value)]))
        }
    })
}

/// The `${Name}` placeholders of a Step Functions definition that SAM fills from
/// `DefinitionSubstitutions`.
pub fn placeholders(text: &str) -> std::collections::BTreeSet<String> {
    let mut found = std::collections::BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        found.insert(after[..end].to_owned());
        rest = &after[end + 1..];
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_form_tags_become_long_form() {
        let template = Template::parse(
            "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      A: !Ref X\n      B: !GetAtt T.StreamArn\n      C: !Sub \"${T.Arn}/index\"\n",
            PathBuf::new(),
        )
        .unwrap();
        let properties = &template.resources["Q"].properties;
        assert_eq!(properties["A"], serde_json::json!({"Ref": "X"}));
        assert_eq!(
            properties["B"],
            serde_json::json!({"Fn::GetAtt": ["T", "StreamArn"]})
        );
        assert_eq!(
            properties["C"],
            serde_json::json!({"Fn::Sub": "${T.Arn}/index"})
        );
    }

    #[test]
    fn placeholders_are_found_once_each() {
        let found =
            placeholders(r#"{"A": "${TableName}", "B": "$.x", "C": "${TableName}-${Queue}"}"#);
        assert_eq!(
            found.into_iter().collect::<Vec<_>>(),
            ["Queue", "TableName"]
        );
    }
}
