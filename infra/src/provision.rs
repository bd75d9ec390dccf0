//! Creates a template's resources in an AWS emulator, each named `<prefix>-<LogicalId>`, so
//! several copies (the dev stack, one per test) live side by side.

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
        let parameters = template
            .parameters
            .iter()
            .filter_map(|(name, spec)| Some((name.clone(), scalar(spec.get("Default")?)?)))
            .collect();
        Self {
            prefix: prefix.to_owned(),
            region: region.to_owned(),
            parameters,
            resources: BTreeMap::new(),
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

/// One client per service, shared by every resource created.
struct Clients {
    s3: aws_sdk_s3::Client,
    dynamodb: aws_sdk_dynamodb::Client,
    sqs: aws_sdk_sqs::Client,
    sns: aws_sdk_sns::Client,
    sfn: aws_sdk_sfn::Client,
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
    ];
    if let Some((id, resource)) = template.resources.iter().find(|(_, r)| {
        !known.contains(&r.kind.as_str()) && !NOT_EMULATED.contains(&r.kind.as_str())
    }) {
        bail!(
            "{id}: resource type {} is not supported by the local stack yet",
            resource.kind
        );
    }
    // Functions are not created in the emulator, but others name them (state machine tasks).
    for (id, _) in template.of_kind("AWS::Serverless::Function") {
        let name = stack.name(id);
        let arn = format!("arn:aws:lambda:{region}:{ACCOUNT}:function:{name}");
        stack.record(id, name, &[("Arn", arn)]);
    }
    for (id, _) in template.of_kind("AWS::S3::Bucket") {
        create_bucket(&clients, &mut stack, id)
            .await
            .with_context(|| format!("creating {id}"))?;
    }
    for (id, resource) in template.of_kind("AWS::DynamoDB::Table") {
        create_table(&clients, &mut stack, id, &resource.properties)
            .await
            .with_context(|| format!("creating {id}"))?;
    }
    // Dead-letter queues first: the queues that redrive to them name their ARNs.
    let (plain, redriven): (Vec<_>, Vec<_>) = template
        .of_kind("AWS::SQS::Queue")
        .partition(|(_, r)| r.properties.get("RedrivePolicy").is_none());
    for (id, resource) in plain.into_iter().chain(redriven) {
        create_queue(&clients, &mut stack, id, &resource.properties)
            .await
            .with_context(|| format!("creating {id}"))?;
    }
    for (id, resource) in template.of_kind("AWS::SNS::Topic") {
        create_topic(&clients, &mut stack, id, &resource.properties)
            .await
            .with_context(|| format!("creating {id}"))?;
    }
    for (id, resource) in template.of_kind("AWS::SNS::Subscription") {
        subscribe(&clients, &mut stack, id, &resource.properties)
            .await
            .with_context(|| format!("creating {id}"))?;
    }
    for (id, resource) in template.of_kind("AWS::Serverless::StateMachine") {
        create_state_machine(&clients, &mut stack, template, id, &resource.properties)
            .await
            .with_context(|| format!("creating {id}"))?;
    }
    Ok(stack)
}

async fn create_bucket(clients: &Clients, stack: &mut Stack, id: &str) -> anyhow::Result<()> {
    let s3 = &clients.s3;
    let name = stack.name(id).to_ascii_lowercase();
    s3.create_bucket().bucket(&name).send().await?;
    let arn = format!("arn:aws:s3:::{name}");
    let domain = format!("{name}.s3.amazonaws.com");
    stack.record(
        id,
        name,
        &[
            ("Arn", arn),
            ("DomainName", domain.clone()),
            ("RegionalDomainName", domain),
        ],
    );
    Ok(())
}

async fn create_table(
    clients: &Clients,
    stack: &mut Stack,
    id: &str,
    properties: &Value,
) -> anyhow::Result<()> {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, Projection,
        ScalarAttributeType, StreamSpecification, StreamViewType, TimeToLiveSpecification,
    };
    let properties = stack.resolve(properties)?;
    let key_schema = |value: &Value| -> anyhow::Result<Vec<KeySchemaElement>> {
        list(value, "KeySchema")
            .iter()
            .map(|k| {
                Ok(KeySchemaElement::builder()
                    .attribute_name(text(k, "AttributeName")?)
                    .key_type(text(k, "KeyType")?.into())
                    .build()?)
            })
            .collect()
    };
    let dynamodb = &clients.dynamodb;
    let name = stack.name(id);
    // Emulators ignore capacity, so every table is on-demand locally.
    let mut request = dynamodb
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_key_schema(Some(key_schema(&properties)?));
    for definition in list(&properties, "AttributeDefinitions") {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(text(definition, "AttributeName")?)
                .attribute_type(ScalarAttributeType::from(text(
                    definition,
                    "AttributeType",
                )?))
                .build()?,
        );
    }
    for index in list(&properties, "GlobalSecondaryIndexes") {
        let projection = index
            .get("Projection")
            .context("an index needs a Projection")?;
        let non_key: Option<Vec<String>> = projection.get("NonKeyAttributes").map(|names| {
            names
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(scalar)
                .collect()
        });
        request = request.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(text(index, "IndexName")?)
                .set_key_schema(Some(key_schema(index)?))
                .projection(
                    Projection::builder()
                        .projection_type(text(projection, "ProjectionType")?.into())
                        .set_non_key_attributes(non_key)
                        .build(),
                )
                .build()?,
        );
    }
    if let Some(view) = properties
        .pointer("/StreamSpecification/StreamViewType")
        .and_then(Value::as_str)
    {
        request = request.stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::from(view))
                .build()?,
        );
    }
    let description = match request.send().await {
        Ok(created) => created.table_description.context("no table description")?,
        // Kept from an earlier run (infra/up --keep-data): the table is the template's already.
        Err(error)
            if error
                .as_service_error()
                .is_some_and(|e| e.is_resource_in_use_exception()) =>
        {
            let existing = dynamodb.describe_table().table_name(&name).send().await?;
            let table = existing.table.context("no table description")?;
            let mut attributes = vec![("Arn", table.table_arn.context("no table ARN")?)];
            attributes.extend(table.latest_stream_arn.map(|arn| ("StreamArn", arn)));
            stack.record(id, name, &attributes);
            return Ok(());
        }
        Err(error) => return Err(error.into()),
    };
    if let Some(ttl) = properties
        .get("TimeToLiveSpecification")
        .filter(|t| t.get("Enabled") == Some(&Value::Bool(true)))
    {
        dynamodb
            .update_time_to_live()
            .table_name(&name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(text(ttl, "AttributeName")?)
                    .enabled(true)
                    .build()?,
            )
            .send()
            .await?;
    }
    let mut attributes = vec![("Arn", description.table_arn.context("no table ARN")?)];
    attributes.extend(description.latest_stream_arn.map(|arn| ("StreamArn", arn)));
    stack.record(id, name, &attributes);
    Ok(())
}

/// CloudFormation properties passed through to SQS as queue attributes.
const QUEUE_ATTRIBUTES: &[&str] = &[
    "ContentBasedDeduplication",
    "DelaySeconds",
    "FifoQueue",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "RedrivePolicy",
    "VisibilityTimeout",
];

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

async fn create_queue(
    clients: &Clients,
    stack: &mut Stack,
    id: &str,
    properties: &Value,
) -> anyhow::Result<()> {
    use aws_sdk_sqs::types::QueueAttributeName;
    let properties = stack.resolve(properties)?;
    let sqs = &clients.sqs;
    let name = fifo_aware_name(stack, id, &properties, "FifoQueue");
    let mut request = sqs.create_queue().queue_name(&name);
    for (key, value) in attributes(&properties, QUEUE_ATTRIBUTES) {
        request = request.attributes(QueueAttributeName::from(key), value);
    }
    let url = request.send().await?.queue_url.context("no queue URL")?;
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await?
        .attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .context("no queue ARN")?;
    stack.record(
        id,
        url.clone(),
        &[("Arn", arn), ("QueueName", name), ("QueueUrl", url)],
    );
    Ok(())
}

async fn create_topic(
    clients: &Clients,
    stack: &mut Stack,
    id: &str,
    properties: &Value,
) -> anyhow::Result<()> {
    let properties = stack.resolve(properties)?;
    let sns = &clients.sns;
    let name = fifo_aware_name(stack, id, &properties, "FifoTopic");
    let mut request = sns.create_topic().name(&name);
    for (key, value) in attributes(&properties, &["FifoTopic", "ContentBasedDeduplication"]) {
        request = request.attributes(key, value);
    }
    let arn = request.send().await?.topic_arn.context("no topic ARN")?;
    stack.record(id, arn.clone(), &[("TopicArn", arn), ("TopicName", name)]);
    Ok(())
}

async fn subscribe(
    clients: &Clients,
    stack: &mut Stack,
    id: &str,
    properties: &Value,
) -> anyhow::Result<()> {
    let properties = stack.resolve(properties)?;
    let sns = &clients.sns;
    let mut request = sns
        .subscribe()
        .topic_arn(text(&properties, "TopicArn")?)
        .protocol(text(&properties, "Protocol")?)
        .endpoint(text(&properties, "Endpoint")?)
        .return_subscription_arn(true);
    let keys = [
        "RawMessageDelivery",
        "FilterPolicy",
        "FilterPolicyScope",
        "RedrivePolicy",
    ];
    for (key, value) in attributes(&properties, &keys) {
        request = request.attributes(key, value);
    }
    let arn = request
        .send()
        .await?
        .subscription_arn
        .context("no subscription ARN")?;
    stack.record(id, arn, &[]);
    Ok(())
}

async fn create_state_machine(
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
