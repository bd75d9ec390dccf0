//! Push through SNS mobile endpoints: each registered device is an endpoint of the platform
//! application (Firebase Cloud Messaging, which reaches iOS through APNs too) named by
//! `PUSH_PLATFORM_APPLICATION_ARN`.

use super::{DeviceToken, Message};
use crate::config::Source;
use anyhow::Context;

pub struct Pusher {
    sns: aws_sdk_sns::Client,
    application: String,
}

/// What a push came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    /// SNS took it: its message id.
    Sent(String),
    /// SNS disabled the endpoint (the app was removed, the token expired): forget the device.
    Disabled,
}

impl Pusher {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            sns: aws_sdk_sns::Client::new(sdk),
            application: source.required("PUSH_PLATFORM_APPLICATION_ARN")?,
        })
    }

    /// Opens the connection to SNS at init with a read of the platform application.
    pub async fn connect(&self) {
        let probe = self
            .sns
            .get_platform_application_attributes()
            .platform_application_arn(&self.application)
            .send();
        crate::aws::connect("sns", probe).await;
    }

    /// The endpoint of a device's token: the same token gives the same endpoint, enabled again
    /// if SNS had disabled it, with the token as it is now.
    pub async fn register(&self, token: &DeviceToken) -> anyhow::Result<String> {
        let created = self
            .sns
            .create_platform_endpoint()
            .platform_application_arn(&self.application)
            .token(token.as_ref())
            .send()
            .await
            .context("creating a push endpoint")?;
        let endpoint = created.endpoint_arn.context("SNS answered no endpoint")?;
        self.sns
            .set_endpoint_attributes()
            .endpoint_arn(&endpoint)
            .attributes("Enabled", "true")
            .attributes("Token", token.as_ref())
            .send()
            .await
            .context("enabling a push endpoint")?;
        Ok(endpoint)
    }

    /// Pushes the message's subject to one device, as a notification FCM shows.
    pub async fn push(&self, endpoint: &str, message: &Message) -> anyhow::Result<PushOutcome> {
        let fcm = serde_json::json!({
            "fcmV1Message": {"message": {"notification": {"title": "Rainforest", "body": message.subject}}}
        });
        let payload = serde_json::json!({"default": message.subject, "GCM": fcm.to_string()});
        let published = self
            .sns
            .publish()
            .target_arn(endpoint)
            .message_structure("json")
            .message(payload.to_string())
            .send()
            .await;
        match published {
            Ok(output) => Ok(PushOutcome::Sent(output.message_id.unwrap_or_default())),
            Err(error)
                if error.as_service_error().is_some_and(
                    aws_sdk_sns::operation::publish::PublishError::is_endpoint_disabled_exception,
                ) =>
            {
                Ok(PushOutcome::Disabled)
            }
            Err(error) => Err(anyhow::Error::from(error).context("pushing to a device")),
        }
    }
}
