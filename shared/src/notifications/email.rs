//! Email through Amazon SES (v2), from the sender address the template verifies.

use super::{EmailAddress, Message, Sent};
use crate::config::Source;
use aws_sdk_sesv2::error::ProvideErrorMetadata;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent};

pub struct Mailer {
    ses: aws_sdk_sesv2::Client,
    from: String,
}

impl Mailer {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            ses: aws_sdk_sesv2::Client::new(sdk),
            from: source.required("NOTIFICATIONS_SENDER")?,
        })
    }

    /// Opens the connection to SES at init with a read of the sender's identity.
    pub async fn connect(&self) {
        let probe = self
            .ses
            .get_email_identity()
            .email_identity(&self.from)
            .send();
        crate::aws::connect("ses", probe).await;
    }

    /// Sends `message` to `to` with both bodies.
    pub async fn send(&self, to: &EmailAddress, message: &Message) -> anyhow::Result<Sent> {
        let content = |text: &str| Content::builder().data(text).charset("UTF-8").build();
        let email = EmailContent::builder()
            .simple(
                aws_sdk_sesv2::types::Message::builder()
                    .subject(content(&message.subject)?)
                    .body(
                        Body::builder()
                            .text(content(&message.text)?)
                            .html(content(&message.html)?)
                            .build(),
                    )
                    .build(),
            )
            .build();
        let sent = self
            .ses
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(to.as_ref()).build())
            .content(email)
            .send()
            .await;
        match sent {
            Ok(output) => Ok(Sent::Accepted(output.message_id.unwrap_or_default())),
            // SES refuses this recipient (in its sandbox, an address not verified): no retry
            // helps. A refusal that names the sender is ours to fix, and retried.
            Err(error)
                if error.as_service_error().is_some_and(|e| {
                    e.is_message_rejected()
                        && e.message().is_some_and(|m| {
                            m.contains(to.as_ref()) && !m.contains(self.from.as_str())
                        })
                }) =>
            {
                Ok(Sent::Refused(format!("{:#}", anyhow::Error::from(error))))
            }
            Err(error) => Err(anyhow::Error::from(error).context("sending an email")),
        }
    }
}
