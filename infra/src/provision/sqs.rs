//! SQS: queues, dead-letter queues included.

use super::{Clients, Stack, attributes, fifo_aware_name};
use anyhow::Context;
use serde_json::Value;

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

pub(super) async fn create_queue(
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
