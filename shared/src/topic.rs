//! An SNS topic an area publishes its events on: the body is the event as JSON, and message
//! attributes let subscribers filter (each SQS subscription with its own filter policy) without
//! parsing bodies.

use serde::Serialize;

pub struct Topic {
    sns: aws_sdk_sns::Client,
    arn: String,
}

impl Topic {
    /// The topic whose ARN is the setting `key`.
    pub fn from_source(
        sdk: &aws_config::SdkConfig,
        source: &impl crate::config::Source,
        key: &str,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            sns: aws_sdk_sns::Client::new(sdk),
            arn: source.required(key)?,
        })
    }

    /// Opens the connection to SNS at init with a read of the topic's attributes.
    pub async fn connect(&self) {
        let probe = self.sns.get_topic_attributes().topic_arn(&self.arn).send();
        crate::aws::connect("sns", probe).await;
    }

    pub async fn publish(
        &self,
        event: &impl Serialize,
        attributes: &[(&str, String)],
    ) -> anyhow::Result<()> {
        let mut publish = self
            .sns
            .publish()
            .topic_arn(&self.arn)
            .message(serde_json::to_string(event)?);
        for (name, value) in attributes {
            let value = aws_sdk_sns::types::MessageAttributeValue::builder()
                .data_type("String")
                .string_value(value)
                .build()?;
            publish = publish.message_attributes(*name, value);
        }
        publish
            .send()
            .await
            .map_err(|e| anyhow::Error::from(e).context("publishing an event"))?;
        Ok(())
    }
}
