//! Creates a template's resources in an AWS emulator, each named `<prefix>-<LogicalId>`, so
//! several copies (the dev stack, one per test) live side by side.

mod dynamodb;
mod kms;
mod opensearch;
mod s3;
mod ses;
mod sfn;
mod sns;
mod sqs;

use crate::template::{Template, placeholders};
use anyhow::{Context, bail};
use aws_config::SdkConfig;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The account id AWS emulators answer with.
const ACCOUNT: &str = "123456789012";

/// Resource types that exist only on AWS or are served by other local tooling (the functions
/// themselves, the API, Cognito, IAM): nothing to create in the emulator.
const NOT_EMULATED: &[&str] = &[
    "AWS::Serverless::Function",
    "AWS::Serverless::HttpApi",
    "AWS::Cognito::UserPool",
    "AWS::Cognito::UserPoolClient",
    "AWS::Cognito::UserPoolGroup",
    "AWS::SQS::QueuePolicy",
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::Lambda::Permission",
];

#[derive(Debug, Clone, Default)]
struct Physical {
    reference: String,
    attributes: BTreeMap<String, String>,
}

/// The parameters the local system deploys with, as `--parameter-overrides`: the simulated
/// warehouse and carrier work ten hours a second, so a delivery takes seconds.
const LOCAL_PARAMETERS: [(&str, &str); 1] = [("FulfillmentTimeScale", "36000")];

/// Parameters naming what its operator creates beside the stack, with credentials no template
/// holds: each parameter and the SNS platform its application is created for locally.
const LOCAL_PLATFORM_APPLICATIONS: [(&str, &str); 1] = [("PushPlatformApplicationArn", "GCM")];

/// The created resources: what `!Ref` and `!GetAtt` give for each, as on AWS.
#[derive(Debug, Clone)]
pub struct Stack {
    pub prefix: String,
    region: String,
    parameters: BTreeMap<String, String>,
    resources: BTreeMap<String, Physical>,
}

impl Stack {
    fn new(template: &Template, prefix: &str, region: &str) -> Self {
        // A secret (`NoEcho`) without a default is a random one per stack, as a deployment
        // would have its own.
        let parameters = template
            .parameters
            .iter()
            .filter_map(|(name, spec)| {
                let value = match spec.get("Default") {
                    Some(default) => scalar(default)?,
                    None if spec.get("NoEcho") == Some(&Value::Bool(true)) => {
                        format!("{}{}", ulid::Ulid::new(), ulid::Ulid::new())
                    }
                    None => return None,
                };
                Some((name.clone(), value))
            })
            .collect();
        let mut stack = Self {
            prefix: prefix.to_owned(),
            region: region.to_owned(),
            parameters,
            resources: BTreeMap::new(),
        };
        for (name, value) in LOCAL_PARAMETERS {
            if stack.parameters.contains_key(name) {
                stack.parameters.insert(name.to_owned(), value.to_owned());
            }
        }
        stack
    }

    /// Sets a template parameter, as `sam deploy --parameter-overrides` does: before the
    /// functions are loaded, which read it.
    pub fn override_parameter(&mut self, name: &str, value: &str) -> anyhow::Result<()> {
        match self.parameters.get_mut(name) {
            Some(set) => {
                *set = value.to_owned();
                Ok(())
            }
            None => anyhow::bail!("the template has no parameter {name}"),
        }
    }

    /// How many resources were created in the emulator.
    pub fn created(&self) -> usize {
        self.resources.len()
    }

    fn name(&self, logical_id: &str) -> String {
        format!("{}-{logical_id}", self.prefix)
    }

    /// What `!Ref logical_id` gives: a table's or bucket's name, a queue's URL, an ARN...
    pub fn reference(&self, logical_id: &str) -> anyhow::Result<String> {
        if let Some(value) = self.parameters.get(logical_id) {
            return Ok(value.clone());
        }
        match logical_id {
            "AWS::Region" => Ok(self.region.clone()),
            "AWS::AccountId" => Ok(ACCOUNT.to_owned()),
            "AWS::StackName" => Ok(self.prefix.clone()),
            "AWS::Partition" => Ok("aws".to_owned()),
            "AWS::URLSuffix" => Ok("amazonaws.com".to_owned()),
            _ => self
                .resources
                .get(logical_id)
                .map(|physical| physical.reference.clone())
                .with_context(|| {
                    format!("!Ref {logical_id}: not a parameter or a locally created resource")
                }),
        }
    }

    /// The `!Ref` of the resource whose `attribute` is `value`: a queue's URL from its ARN.
    pub fn find_by_attribute(&self, attribute: &str, value: &str) -> Option<String> {
        self.resources
            .values()
            .find(|physical| {
                physical
                    .attributes
                    .get(attribute)
                    .is_some_and(|v| v == value)
            })
            .map(|physical| physical.reference.clone())
    }

    pub fn attribute(&self, logical_id: &str, attribute: &str) -> anyhow::Result<String> {
        self.resources
            .get(logical_id)
            .and_then(|physical| physical.attributes.get(attribute))
            .cloned()
            .with_context(|| format!("!GetAtt {logical_id}.{attribute}: not available locally"))
    }

    /// Resolves the intrinsic functions in `value` against this stack.
    pub fn resolve(&self, value: &Value) -> anyhow::Result<Value> {
        Ok(match value {
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| self.resolve(v))
                    .collect::<anyhow::Result<_>>()?,
            ),
            Value::Object(object) if object.len() == 1 => {
                let Some((key, argument)) = object.iter().next() else {
                    bail!("an intrinsic function without its argument");
                };
                match key.as_str() {
                    "Ref" => Value::String(
                        self.reference(argument.as_str().context("!Ref takes a name")?)?,
                    ),
                    "Fn::GetAtt" => {
                        let parts = self.resolve(argument)?;
                        let (Some(resource), Some(attribute)) =
                            (parts[0].as_str(), parts[1].as_str())
                        else {
                            bail!("!GetAtt takes [resource, attribute], got {argument}");
                        };
                        Value::String(self.attribute(resource, attribute)?)
                    }
                    "Fn::Sub" => Value::String(self.substitute(argument)?),
                    "Fn::Join" => {
                        let parts = self.resolve(argument)?;
                        let separator = parts[0].as_str().context("!Join takes a separator")?;
                        let items = parts[1].as_array().context("!Join takes a list")?;
                        let texts: Vec<String> = items
                            .iter()
                            .map(|v| scalar(v).context("!Join of a non-scalar"))
                            .collect::<anyhow::Result<_>>()?;
                        Value::String(texts.join(separator))
                    }
                    unsupported if unsupported.starts_with("Fn::") => {
                        bail!("{unsupported} is not supported locally")
                    }
                    _ => Value::Object(self.resolve_object(object)?),
                }
            }
            Value::Object(object) => Value::Object(self.resolve_object(object)?),
            scalar => scalar.clone(),
        })
    }

    fn resolve_object(&self, object: &Map<String, Value>) -> anyhow::Result<Map<String, Value>> {
        object
            .iter()
            .map(|(key, value)| Ok((key.clone(), self.resolve(value)?)))
            .collect()
    }

    /// `!Sub "text ${Name} ${Name.Attr}"`, or the `[text, {Name: value}]` form.
    fn substitute(&self, argument: &Value) -> anyhow::Result<String> {
        let (text, variables) = match argument {
            Value::String(text) => (text.as_str(), Map::new()),
            Value::Array(parts) => (
                parts
                    .first()
                    .and_then(Value::as_str)
                    .context("!Sub takes a string")?,
                self.resolve_object(
                    parts
                        .get(1)
                        .and_then(Value::as_object)
                        .context("!Sub takes variables")?,
                )?,
            ),
            other => bail!("!Sub takes a string, got {other}"),
        };
        let mut values = BTreeMap::new();
        for name in placeholders(text) {
            let value = match (variables.get(&name), name.split_once('.')) {
                (Some(value), _) => scalar(value).context("!Sub variable must be a scalar")?,
                (None, Some((resource, attribute))) if !resource.starts_with("AWS:") => {
                    self.attribute(resource, attribute)?
                }
                (None, _) => self.reference(&name)?,
            };
            values.insert(name, value);
        }
        Ok(fill(text, &values))
    }

    /// The environment a function sees: its variables with every intrinsic resolved.
    pub fn function_environment(
        &self,
        template: &Template,
        function: &str,
    ) -> anyhow::Result<BTreeMap<String, String>> {
        template
            .function_environment(function)?
            .iter()
            .map(|(name, value)| {
                let resolved = self
                    .resolve(value)
                    .with_context(|| format!("{function}: {name}"))?;
                Ok((
                    name.clone(),
                    scalar(&resolved)
                        .with_context(|| format!("{function}: {name} is not a scalar"))?,
                ))
            })
            .collect()
    }

    /// Replaces one attribute of a created resource (a table's StreamArn once its stream changes).
    pub fn set_attribute(&mut self, logical_id: &str, name: &str, value: String) {
        if let Some(physical) = self.resources.get_mut(logical_id) {
            physical.attributes.insert(name.to_owned(), value);
        }
    }

    fn record(&mut self, logical_id: &str, reference: String, attributes: &[(&str, String)]) {
        let attributes = attributes
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        self.resources.insert(
            logical_id.to_owned(),
            Physical {
                reference,
                attributes,
            },
        );
    }
}

/// Replaces each `${Name}` in `text` with its value.
pub fn fill(text: &str, values: &BTreeMap<String, String>) -> String {
    values.iter().fold(text.to_owned(), |text, (name, value)| {
        text.replace(&format!("${{{name}}}"), value)
    })
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn text<'a>(value: &'a Value, key: &str) -> anyhow::Result<&'a str> {
    value
        .get(key)
        .and_then(Value::as_str)
        .with_context(|| format!("{key} must be a string"))
}

fn list<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// The text SQS and SNS expect for an attribute: JSON objects as JSON text.
fn attribute_text(value: &Value) -> String {
    scalar(value).unwrap_or_else(|| value.to_string())
}

/// A queue's or topic's physical name: FIFO ones must end in `.fifo`.
fn fifo_aware_name(stack: &Stack, id: &str, properties: &Value, fifo_key: &str) -> String {
    let fifo = properties
        .get(fifo_key)
        .and_then(scalar)
        .is_some_and(|v| v == "true");
    format!("{}{}", stack.name(id), if fifo { ".fifo" } else { "" })
}

/// The properties among `keys` that are set, as the attribute text SQS and SNS take.
fn attributes<'a>(
    properties: &'a Value,
    keys: &'a [&'a str],
) -> impl Iterator<Item = (&'a str, String)> + 'a {
    keys.iter()
        .filter_map(|key| Some((*key, attribute_text(properties.get(*key)?))))
}

/// One client per service, shared by every resource created.
struct Clients {
    s3: aws_sdk_s3::Client,
    dynamodb: aws_sdk_dynamodb::Client,
    sqs: aws_sdk_sqs::Client,
    sns: aws_sdk_sns::Client,
    sfn: aws_sdk_sfn::Client,
    kms: aws_sdk_kms::Client,
    ses: aws_sdk_sesv2::Client,
}

impl Clients {
    fn new(sdk: &SdkConfig) -> Self {
        Self {
            // Emulators on 127.0.0.1 need path-style bucket URLs.
            s3: shared::aws::s3(sdk, true),
            dynamodb: aws_sdk_dynamodb::Client::new(sdk),
            sqs: aws_sdk_sqs::Client::new(sdk),
            sns: aws_sdk_sns::Client::new(sdk),
            sfn: aws_sdk_sfn::Client::new(sdk),
            kms: aws_sdk_kms::Client::new(sdk),
            ses: aws_sdk_sesv2::Client::new(sdk),
        }
    }
}

/// Creates every resource of `template` that an emulator can hold, named under `prefix`.
pub async fn provision(
    sdk: &SdkConfig,
    template: &Template,
    prefix: &str,
) -> anyhow::Result<Stack> {
    let region = sdk
        .region()
        .map_or("us-east-1".to_owned(), ToString::to_string);
    let mut stack = Stack::new(template, prefix, &region);
    let clients = Clients::new(sdk);
    let known = [
        "AWS::S3::Bucket",
        "AWS::DynamoDB::Table",
        "AWS::SQS::Queue",
        "AWS::SNS::Topic",
        "AWS::SNS::Subscription",
        "AWS::Serverless::StateMachine",
        "AWS::KMS::Key",
        "AWS::OpenSearchService::Domain",
        "AWS::SES::EmailIdentity",
    ];
    if let Some((id, resource)) = template.resources.iter().find(|(_, r)| {
        !known.contains(&r.kind.as_str()) && !NOT_EMULATED.contains(&r.kind.as_str())
    }) {
        bail!(
            "{id}: resource type {} is not supported by the local stack yet",
            resource.kind
        );
    }
    for (parameter, platform) in LOCAL_PLATFORM_APPLICATIONS {
        if template.parameters.contains_key(parameter) {
            let arn = sns::create_platform_application(&clients, &stack, platform)
                .await
                .with_context(|| format!("creating the platform application of {parameter}"))?;
            stack.parameters.insert(parameter.to_owned(), arn);
        }
    }
    // Functions are not created in the emulator, but others name them (state machine tasks).
    for (id, _) in template.of_kind("AWS::Serverless::Function") {
        let name = stack.name(id);
        let arn = format!("arn:aws:lambda:{region}:{ACCOUNT}:function:{name}");
        stack.record(id, name, &[("Arn", arn)]);
    }
    // Cognito is not emulated: the dev issuer signs tokens instead (`crate::auth`), and its
    // audience stands in for the app client. The pool gets an id of Cognito's form, so settings
    // naming it resolve; the shopper authorizer is pointed at the dev issuer.
    for (id, _) in template.of_kind("AWS::Cognito::UserPool") {
        let pool = format!("{region}_local");
        let arn = format!("arn:aws:cognito-idp:{region}:{ACCOUNT}:userpool/{pool}");
        stack.record(id, pool, &[("Arn", arn)]);
    }
    for (id, _) in template.of_kind("AWS::Cognito::UserPoolClient") {
        stack.record(id, crate::auth::DEV_AUDIENCE.to_owned(), &[]);
    }
    for (id, _) in template.of_kind("AWS::OpenSearchService::Domain") {
        opensearch::record_domain(&mut stack, id).with_context(|| format!("creating {id}"))?;
    }
    for (id, _) in template.of_kind("AWS::KMS::Key") {
        kms::create_key(&clients, &mut stack, id)
            .await
            .with_context(|| format!("creating {id}"))?;
    }
    for (id, _) in template.of_kind("AWS::S3::Bucket") {
        s3::create_bucket(&clients, &mut stack, id)
            .await
            .with_context(|| format!("creating {id}"))?;
    }
    for (id, resource) in template.of_kind("AWS::DynamoDB::Table") {
        dynamodb::create_table(&clients, &mut stack, id, &resource.properties)
            .await
            .with_context(|| format!("creating {id}"))?;
    }
    // Dead-letter queues first: the queues that redrive to them name their ARNs.
    let (plain, redriven): (Vec<_>, Vec<_>) = template
        .of_kind("AWS::SQS::Queue")
        .partition(|(_, r)| r.properties.get("RedrivePolicy").is_none());
    for (id, resource) in plain.into_iter().chain(redriven) {
        sqs::create_queue(&clients, &mut stack, id, &resource.properties)
            .await
            .with_context(|| format!("creating {id}"))?;
    }
    for (id, resource) in template.of_kind("AWS::S3::Bucket") {
        s3::configure_notifications(&clients, &stack, id, &resource.properties)
            .await
            .with_context(|| format!("configuring {id}'s notifications"))?;
    }
    for (id, resource) in template.of_kind("AWS::SES::EmailIdentity") {
        ses::create_email_identity(&clients, &mut stack, id, &resource.properties)
            .await
            .with_context(|| format!("creating {id}"))?;
    }
    for (id, resource) in template.of_kind("AWS::SNS::Topic") {
        sns::create_topic(&clients, &mut stack, id, &resource.properties)
            .await
            .with_context(|| format!("creating {id}"))?;
    }
    for (id, resource) in template.of_kind("AWS::SNS::Subscription") {
        sns::subscribe(&clients, &mut stack, id, &resource.properties)
            .await
            .with_context(|| format!("creating {id}"))?;
    }
    // A state machine that starts another (checkout's express part) after the one it starts.
    let (started, starting): (Vec<_>, Vec<_>) = template
        .of_kind("AWS::Serverless::StateMachine")
        .partition(|(_, r)| !sfn::starts_another(template, &r.properties));
    for (id, resource) in started.into_iter().chain(starting) {
        sfn::create_state_machine(&clients, &mut stack, template, id, &resource.properties)
            .await
            .with_context(|| format!("creating {id}"))?;
    }
    Ok(stack)
}
