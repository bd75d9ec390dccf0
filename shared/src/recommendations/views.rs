//! The views queue: product views wait here, so a page view costs the shopper one SQS send
//! while `pair-views` counts it.

use super::View;
use crate::queue::Queue;
use anyhow::Context;

pub struct Views(Queue);

impl Views {
    pub fn from_source(
        sdk: &aws_config::SdkConfig,
        source: &impl crate::config::Source,
    ) -> anyhow::Result<Self> {
        Queue::from_source(sdk, source, "VIEWS_QUEUE_URL").map(Self)
    }

    pub async fn connect(&self) {
        self.0.connect().await;
    }

    pub async fn send(&self, view: &View) -> anyhow::Result<()> {
        self.0
            .sqs
            .send_message()
            .queue_url(&self.0.url)
            .message_body(serde_json::to_string(view)?)
            .send()
            .await
            .context("queueing a view")?;
        Ok(())
    }
}
