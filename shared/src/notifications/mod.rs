//! Notifications: what shoppers hear about their orders, their returns and the products they
//! watch, by email (Amazon SES) and by push to the devices they registered (SNS mobile
//! endpoints). Order updates are transactional and always go out by email; price drops and
//! back-in-stock alerts are marketing, sent only to those who consented.

#[cfg(feature = "ses")]
mod email;
mod message;
#[cfg(all(feature = "ses", feature = "sns", feature = "dynamodb"))]
mod notifier;
#[cfg(feature = "sns")]
mod push;
#[cfg(feature = "dynamodb")]
mod store;

#[cfg(feature = "ses")]
pub use email::Mailer;
pub use message::{Message, Notice, Topic};
#[cfg(all(feature = "ses", feature = "sns", feature = "dynamodb"))]
pub use notifier::{Notifier, Told};
#[cfg(feature = "sns")]
pub use push::{PushOutcome, Pusher};
#[cfg(feature = "dynamodb")]
pub use store::{Claim, Delivery, Device, NotificationsStore, Recipient};

use serde::{Deserialize, Serialize};

/// Where a customer's email goes: the address their sign-in token carries (Cognito verifies it),
/// kept when they check out or set their preferences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, format = "email")]
pub struct EmailAddress(String);

impl TryFrom<String> for EmailAddress {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        email_address::EmailAddress::parse_with_options(
            &value,
            email_address::Options::default().without_display_text(),
        )
        .map(|parsed| Self(parsed.email().to_owned()))
        .map_err(|e| format!("must be an email address: {e}"))
    }
}

impl From<EmailAddress> for String {
    fn from(address: EmailAddress) -> String {
        address.0
    }
}

impl AsRef<str> for EmailAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// What a customer chose to hear about. Marketing needs their consent, so it starts off; push
/// starts on, and only reaches devices they registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// Order updates cannot be turned off; a request may say `true`, nothing else.
    #[serde(default, skip_serializing)]
    #[schema(value_type = Option<AlwaysOn>)]
    pub order_updates: Option<AlwaysOn>,
    /// Price drops on the products they watch (marketing).
    pub price_drops: bool,
    /// Products they asked about coming back in stock (marketing).
    pub back_in_stock: bool,
    /// Whether messages also go to their registered devices.
    pub push: bool,
}

impl Default for Preferences {
    fn default() -> Self {
        Self {
            order_updates: None,
            price_drops: false,
            back_in_stock: false,
            push: true,
        }
    }
}

impl Preferences {
    /// Whether a message about `topic` may be sent at all: transactional ones always are.
    pub fn allows(&self, topic: Topic) -> bool {
        match topic {
            Topic::OrderUpdates => true,
            Topic::PriceDrops => self.price_drops,
            Topic::BackInStock => self.back_in_stock,
        }
    }
}

/// Orders, shipments, returns and refunds are transactional: always sent, so `true` is the only
/// value a request may give them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlwaysOn;

impl<'de> Deserialize<'de> for AlwaysOn {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match bool::deserialize(deserializer)? {
            true => Ok(Self),
            false => Err(serde::de::Error::custom(
                "order updates are transactional and always sent: only true is allowed",
            )),
        }
    }
}

impl utoipa::PartialSchema for AlwaysOn {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Boolean)
            .enum_values(Some([true]))
            .description(Some("Transactional messages are always sent"))
            .into()
    }
}

impl utoipa::ToSchema for AlwaysOn {}

/// What `GET /api/v1/account/notification-preferences` answers.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PreferencesView {
    /// Where email goes; absent until the customer checks out or sets preferences.
    pub email: Option<EmailAddress>,
    /// Orders, shipments, returns and refunds: transactional, always sent.
    #[schema(value_type = bool, example = true)]
    pub order_updates: bool,
    #[serde(flatten)]
    #[schema(inline)]
    pub preferences: Preferences,
    /// Devices registered for push.
    pub devices: u32,
}

/// How many devices one account registers for push.
pub const MAX_DEVICES: usize = 10;

crate::identifier!(
    /// A device's push token from Firebase Cloud Messaging (Android, and iOS through APNs).
    DeviceToken, 32, 4096, "A-Za-z0-9:_.-", "letters, digits, ':', '_', '.' or '-' (an FCM registration token)"
);

/// `POST /api/v1/account/devices`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceRequest {
    pub token: DeviceToken,
}

/// A registered device, named by its token's digest: the same token registers once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeviceId(String);

impl DeviceId {
    pub fn of(token: &DeviceToken) -> Self {
        let digest =
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_ref().as_bytes());
        Self(
            digest.as_ref()[..16]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        )
    }
}

impl std::fmt::Display for DeviceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// `PUT /api/v1/products/{id}/alerts`: what to be told about the product; both off stops
/// watching it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Alerts {
    pub price_drop: bool,
    pub back_in_stock: bool,
}

impl Alerts {
    pub fn any(&self) -> bool {
        self.price_drop || self.back_in_stock
    }

    pub fn wants(&self, topic: Topic) -> bool {
        match topic {
            Topic::PriceDrops => self.price_drop,
            Topic::BackInStock => self.back_in_stock,
            Topic::OrderUpdates => false,
        }
    }
}

/// What `PUT /api/v1/products/{id}/alerts` answers: the alerts, and which of them the customer's
/// preferences hold back until they consent.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlertsView {
    #[serde(flatten)]
    pub alerts: Alerts,
    /// The preferences to turn on for these alerts to be sent (`price_drops`, `back_in_stock`).
    pub needs_consent: Vec<&'static str>,
}

impl AlertsView {
    pub fn of(alerts: Alerts, preferences: &Preferences) -> Self {
        let held =
            |topic, name| (alerts.wants(topic) && !preferences.allows(topic)).then_some(name);
        Self {
            alerts,
            needs_consent: [
                held(Topic::PriceDrops, "price_drops"),
                held(Topic::BackInStock, "back_in_stock"),
            ]
            .into_iter()
            .flatten()
            .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transactional_messages_always_go_and_marketing_only_with_consent() {
        let default = Preferences::default();
        assert!(default.allows(Topic::OrderUpdates));
        assert!(!default.allows(Topic::PriceDrops));
        assert!(!default.allows(Topic::BackInStock));
        let consented = Preferences {
            price_drops: true,
            ..default
        };
        assert!(consented.allows(Topic::PriceDrops));
        assert!(!consented.allows(Topic::BackInStock));
    }

    #[test]
    fn order_updates_may_only_be_asked_for_on() {
        let on: Preferences = serde_json::from_str(
            r#"{"order_updates": true, "price_drops": true, "back_in_stock": false, "push": true}"#,
        )
        .unwrap();
        assert!(on.price_drops);
        let off = serde_json::from_str::<Preferences>(
            r#"{"order_updates": false, "price_drops": true, "back_in_stock": false, "push": true}"#,
        );
        assert!(off.unwrap_err().to_string().contains("always sent"));
        let stored = serde_json::to_value(on).unwrap();
        assert_eq!(stored.get("order_updates"), None, "nothing to keep");
    }

    #[test]
    fn alerts_say_which_preferences_hold_them_back() {
        let both = Alerts {
            price_drop: true,
            back_in_stock: true,
        };
        let view = AlertsView::of(both, &Preferences::default());
        assert_eq!(view.needs_consent, ["price_drops", "back_in_stock"]);
        let consented = Preferences {
            back_in_stock: true,
            ..Preferences::default()
        };
        assert_eq!(
            AlertsView::of(both, &consented).needs_consent,
            ["price_drops"]
        );
    }

    #[test]
    fn email_addresses_are_parsed_and_device_ids_follow_their_token() {
        assert!(EmailAddress::try_from("ada@example.com".to_owned()).is_ok());
        for bad in [
            "",
            "ada",
            "ada@",
            "Ada <ada@example.com>",
            "a b@example.com",
        ] {
            assert!(EmailAddress::try_from(bad.to_owned()).is_err(), "{bad}");
        }
        let token: DeviceToken = "fcm:0123456789abcdef0123456789abcdef".parse().unwrap();
        let again: DeviceToken = "fcm:0123456789abcdef0123456789abcdef".parse().unwrap();
        let other: DeviceToken = "fcm:0123456789abcdef0123456789abcdeF".parse().unwrap();
        assert_eq!(DeviceId::of(&token), DeviceId::of(&again));
        assert_ne!(DeviceId::of(&token), DeviceId::of(&other));
        assert_eq!(DeviceId::of(&token).to_string().len(), 32);
    }
}
