//! An SQS queue an area sends work on: its client and URL, the connection opened at init.

pub struct Queue {
    pub sqs: aws_sdk_sqs::Client,
    pub url: String,
}

impl Queue {
    /// The queue whose URL is the setting `key`.
    pub fn from_source(
        sdk: &aws_config::SdkConfig,
        source: &impl crate::config::Source,
        key: &str,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            sqs: aws_sdk_sqs::Client::new(sdk),
            url: source.required(key)?,
        })
    }

    /// Opens the connection to SQS at init with a read of the queue's attributes.
    pub async fn connect(&self) {
        let probe = self.sqs.get_queue_attributes().queue_url(&self.url).send();
        crate::aws::connect("sqs", probe).await;
    }
}
