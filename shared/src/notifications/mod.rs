//! Notifications: what shoppers hear about their orders, their returns and the products they
//! watch, by email (Amazon SES) and by push to the devices they registered (SNS mobile
//! endpoints). Order updates are transactional and always go out by email; price drops and
//! back-in-stock alerts are marketing, sent only to those who consented.

#[cfg(all(feature = "sns", feature = "dynamodb"))]
mod devices;
#[cfg(all(feature = "ses", feature = "sns", feature = "dynamodb"))]
mod email;
mod message;
#[cfg(all(feature = "ses", feature = "sns", feature = "dynamodb"))]
mod notifier;
#[cfg(all(feature = "sns", feature = "dynamodb"))]
mod push;
#[cfg(feature = "dynamodb")]
mod store;

#[cfg(all(feature = "sns", feature = "dynamodb"))]
pub use devices::Devices;
#[cfg(all(feature = "ses", feature = "sns", feature = "dynamodb"))]
use email::Mailer;
pub use message::{Message, Notice, Purpose, TOLD_ORDER_EVENTS};
#[cfg(all(feature = "ses", feature = "sns", feature = "dynamodb"))]
pub use notifier::{Notifier, Told};
#[cfg(all(feature = "sns", feature = "dynamodb"))]
use push::Pusher;
#[cfg(feature = "dynamodb")]
pub use store::{Claim, ClaimToken, Delivery, Device, NotificationsStore, Recipient};

use serde::{Deserialize, Serialize};

/// Where a customer's email goes: the verified address their ID token carries, noted when they
/// check out or set their preferences or alerts.
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
pub struct Preferences {
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
            price_drops: false,
            back_in_stock: false,
            push: true,
        }
    }
}

impl Preferences {
    /// Whether a message for `purpose` may be sent at all: transactional ones always are.
    pub fn allows(&self, purpose: Purpose) -> bool {
        match purpose {
            Purpose::OrderUpdates => true,
            Purpose::PriceDrops => self.price_drops,
            Purpose::BackInStock => self.back_in_stock,
        }
    }
}

/// `PUT /api/v1/account/notification-preferences`: every choice, replaced at once.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesRequest {
    /// Orders, shipments, returns and refunds are transactional and always sent: `true` is the
    /// only value this may have.
    #[serde(default, deserialize_with = "AlwaysOn::present")]
    #[schema(schema_with = always_on)]
    #[allow(dead_code)]
    order_updates: Option<AlwaysOn>,
    price_drops: bool,
    back_in_stock: bool,
    push: bool,
}

impl From<PreferencesRequest> for Preferences {
    fn from(request: PreferencesRequest) -> Self {
        Self {
            price_drops: request.price_drops,
            back_in_stock: request.back_in_stock,
            push: request.push,
        }
    }
}

/// A `true` that refuses `false`, naming why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct AlwaysOn;

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

impl AlwaysOn {
    /// Absent is fine; `null` is not the `true` the schema asks for.
    fn present<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Self>, D::Error> {
        Self::deserialize(deserializer).map(Some)
    }
}

fn always_on() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Boolean)
        .enum_values(Some([true]))
        .description(Some("Transactional messages are always sent"))
        .into()
}

/// What the notification-preferences routes answer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PreferencesView {
    /// Where email goes: the address noted when the customer last checked out, set preferences
    /// or product alerts, or else the one their sign-in carries now.
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

/// What a send came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// The service took it: its message id.
    Accepted(String),
    /// The service will never take it for this recipient (SES refuses the address; the device's
    /// endpoint is disabled or gone): why, and no retry.
    Refused(String),
}

/// What registering a device came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registered {
    Device(DeviceId),
    /// The account has as many other devices as it may.
    Full,
    /// SNS refused the token (not one FCM issued).
    TokenRefused,
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

crate::identifier!(
    /// A registered device, named by its token's digest: the same token registers once.
    DeviceId, 32, 32, "0-9a-f", "lower-case hex (a device_id from registering it)"
);

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

    pub fn wants(&self, purpose: Purpose) -> bool {
        match purpose {
            Purpose::PriceDrops => self.price_drop,
            Purpose::BackInStock => self.back_in_stock,
            Purpose::OrderUpdates => false,
        }
    }
}

/// What `PUT /api/v1/products/{id}/alerts` answers: the alerts, and which of them the customer's
/// preferences hold back until they consent.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlertsView {
    pub price_drop: bool,
    pub back_in_stock: bool,
    /// The preferences to turn on for these alerts to be sent.
    pub needs_consent: Vec<Consent>,
}

/// A preference that holds an alert back until it is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Consent {
    PriceDrops,
    BackInStock,
}

impl AlertsView {
    pub fn of(alerts: Alerts, preferences: &Preferences) -> Self {
        let held = |purpose, consent| {
            (alerts.wants(purpose) && !preferences.allows(purpose)).then_some(consent)
        };
        Self {
            price_drop: alerts.price_drop,
            back_in_stock: alerts.back_in_stock,
            needs_consent: [
                held(Purpose::PriceDrops, Consent::PriceDrops),
                held(Purpose::BackInStock, Consent::BackInStock),
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
        assert!(default.allows(Purpose::OrderUpdates));
        assert!(!default.allows(Purpose::PriceDrops));
        assert!(!default.allows(Purpose::BackInStock));
        let consented = Preferences {
            price_drops: true,
            ..default
        };
        assert!(consented.allows(Purpose::PriceDrops));
        assert!(!consented.allows(Purpose::BackInStock));
    }

    #[test]
    fn order_updates_may_only_be_asked_for_on() {
        let on: PreferencesRequest = serde_json::from_str(
            r#"{"order_updates": true, "price_drops": true, "back_in_stock": false, "push": true}"#,
        )
        .unwrap();
        assert_eq!(
            Preferences::from(on),
            Preferences {
                price_drops: true,
                back_in_stock: false,
                push: true
            }
        );
        let off = serde_json::from_str::<PreferencesRequest>(
            r#"{"order_updates": false, "price_drops": true, "back_in_stock": false, "push": true}"#,
        );
        assert!(off.unwrap_err().to_string().contains("always sent"));
        let null = serde_json::from_str::<PreferencesRequest>(
            r#"{"order_updates": null, "price_drops": true, "back_in_stock": false, "push": true}"#,
        );
        assert!(null.is_err(), "null is no true");
        let partial = serde_json::from_str::<PreferencesRequest>(r#"{"price_drops": true}"#);
        assert!(partial.is_err(), "a PUT says every choice");
    }

    #[test]
    fn alerts_say_which_preferences_hold_them_back() {
        let both = Alerts {
            price_drop: true,
            back_in_stock: true,
        };
        let view = AlertsView::of(both, &Preferences::default());
        assert_eq!(
            view.needs_consent,
            [Consent::PriceDrops, Consent::BackInStock]
        );
        let consented = Preferences {
            back_in_stock: true,
            ..Preferences::default()
        };
        assert_eq!(
            AlertsView::of(both, &consented).needs_consent,
            [Consent::PriceDrops]
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
