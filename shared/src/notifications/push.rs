//! Push through SNS mobile endpoints: each registered device is an endpoint of the platform
//! application (Firebase Cloud Messaging, which reaches iOS through APNs too) named by
//! `PUSH_PLATFORM_APPLICATION_ARN`.

use super::DeviceToken;
#[cfg(feature = "ses")]
use super::{Message, Sent};
use crate::config::Source;
use anyhow::Context;
#[cfg(feature = "ses")]
use aws_sdk_sns::error::ProvideErrorMetadata;

pub struct Pusher {
    sns: aws_sdk_sns::Client,
    application: String,
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
    /// if SNS had disabled it, with the token as it is now; `None` when SNS refuses the token.
    pub async fn register(&self, token: &DeviceToken) -> anyhow::Result<Option<String>> {
        let created = self
            .sns
            .create_platform_endpoint()
            .platform_application_arn(&self.application)
            .token(token.as_ref())
            .send()
            .await;
        let created = match created {
            Ok(created) => created,
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_invalid_parameter_exception()) =>
            {
                tracing::info!(
                    error = format!("{:#}", anyhow::Error::from(error)),
                    "SNS refused a device token"
                );
                return Ok(None);
            }
            Err(error) => {
                return Err(anyhow::Error::from(error).context("creating a push endpoint"));
            }
        };
        let endpoint = created.endpoint_arn.context("SNS answered no endpoint")?;
        self.sns
            .set_endpoint_attributes()
            .endpoint_arn(&endpoint)
            .attributes("Enabled", "true")
            .attributes("Token", token.as_ref())
            .send()
            .await
            .context("enabling a push endpoint")?;
        Ok(Some(endpoint))
    }

    /// Deletes a device's endpoint once its customer unregisters it.
    pub async fn unregister(&self, endpoint: &str) -> anyhow::Result<()> {
        self.sns
            .delete_endpoint()
            .endpoint_arn(endpoint)
            .send()
            .await
            .context("deleting a push endpoint")?;
        Ok(())
    }

    /// Pushes the message's subject to one device, as a notification FCM shows. Only the
    /// notifier sends, and it comes with email (`ses`); device registration needs none of it.
    #[cfg(feature = "ses")]
    pub async fn push(&self, endpoint: &str, message: &Message) -> anyhow::Result<Sent> {
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
            Ok(output) => Ok(Sent::Accepted(output.message_id.unwrap_or_default())),
            // The endpoint disabled (the app removed, the token expired) or deleted: the device
            // is gone. Other invalid parameters are ours to fix, and retried.
            Err(error)
                if error.as_service_error().is_some_and(|e| {
                    e.is_endpoint_disabled_exception()
                        || e.is_not_found_exception()
                        || (e.is_invalid_parameter_exception()
                            && e.message().is_some_and(|m| m.contains("No endpoint found")))
                }) =>
            {
                Ok(Sent::Refused(format!("{:#}", anyhow::Error::from(error))))
            }
            Err(error) => Err(anyhow::Error::from(error).context("pushing to a device")),
        }
    }
}
