//! S3: buckets and their event notifications.

use super::{Clients, Stack};
use anyhow::Context;
use serde_json::Value;

pub(super) async fn create_bucket(
    clients: &Clients,
    stack: &mut Stack,
    id: &str,
) -> anyhow::Result<()> {
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

/// A bucket's `NotificationConfiguration` (queue targets): set once the queues exist. S3 then
/// sends its test event and an event per matching new object, as on AWS.
pub(super) async fn configure_notifications(
    clients: &Clients,
    stack: &Stack,
    id: &str,
    properties: &Value,
) -> anyhow::Result<()> {
    use aws_sdk_s3::types::{
        Event, FilterRule, FilterRuleName, NotificationConfiguration,
        NotificationConfigurationFilter, QueueConfiguration, S3KeyFilter,
    };
    let Some(notifications) = properties.get("NotificationConfiguration") else {
        return Ok(());
    };
    let notifications = stack.resolve(notifications)?;
    let mut queues = Vec::new();
    let configured = notifications
        .get("QueueConfigurations")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for target in configured {
        let text = |key: &str| {
            target
                .get(key)
                .and_then(Value::as_str)
                .with_context(|| format!("{id}: a queue notification without {key}"))
        };
        let rules = target
            .pointer("/Filter/S3Key/Rules")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|rule| {
                let name = rule.get("Name").and_then(Value::as_str).unwrap_or_default();
                let value = rule
                    .get("Value")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                FilterRule::builder()
                    .name(FilterRuleName::from(name.to_ascii_lowercase().as_str()))
                    .value(value)
                    .build()
            })
            .collect();
        let filter = NotificationConfigurationFilter::builder()
            .key(S3KeyFilter::builder().set_filter_rules(Some(rules)).build())
            .build();
        queues.push(
            QueueConfiguration::builder()
                .queue_arn(text("Queue")?)
                .events(Event::from(text("Event")?))
                .filter(filter)
                .build()?,
        );
    }
    clients
        .s3
        .put_bucket_notification_configuration()
        .bucket(stack.reference(id)?)
        .notification_configuration(
            NotificationConfiguration::builder()
                .set_queue_configurations(Some(queues))
                .build(),
        )
        .send()
        .await?;
    Ok(())
}
