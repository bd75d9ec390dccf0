//! SNS: topics and their subscriptions.

use super::{Clients, Stack, attributes, fifo_aware_name, text};
use anyhow::Context;
use serde_json::Value;

pub(super) async fn create_topic(
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

pub(super) async fn subscribe(
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

/// A platform application for push, as its operator creates it beside the stack with FCM's
/// credentials (CloudFormation has no such resource): here with stand-in credentials.
pub(super) async fn create_platform_application(
    clients: &Clients,
    stack: &Stack,
    platform: &str,
) -> anyhow::Result<String> {
    let created = clients
        .sns
        .create_platform_application()
        .name(format!("{}-push", stack.prefix))
        .platform(platform)
        .attributes("PlatformCredential", "local-stand-in")
        .send()
        .await?;
    created
        .platform_application_arn
        .context("no platform application ARN")
}
