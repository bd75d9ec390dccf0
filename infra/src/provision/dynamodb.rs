//! DynamoDB: tables, with their indexes, streams and time to live.

use super::{Clients, Stack, list, scalar, text};
use anyhow::Context;
use serde_json::Value;

pub(super) async fn create_table(
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
