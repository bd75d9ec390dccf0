//! The notifications table, keyed `pk`/`sk`:
//! - `CUSTOMER#<id>` / `PROFILE`: where their email goes and their preferences;
//! - `CUSTOMER#<id>` / `DEVICE#<id>`: a device registered for push (its SNS endpoint);
//! - `DEVICE#<id>` / `OWNER`: the one customer a device's token belongs to now (a phone passed
//!   on, or signed into another account, stops getting the first account's messages);
//! - `PRODUCT#<id>` / `WATCH#<customer>`: what a customer wants to hear about a product;
//! - `SENT#<event id>` / `<customer>#<channel>`: one message of one event on one channel,
//!   claimed before it is sent and marked once it was, so a redelivered event sends nothing
//!   again. TTL deletes it after a month, long past any redelivery.

use super::{Alerts, DeviceId, EmailAddress, Preferences, PreferencesView};
use crate::clock::Timestamp;
use crate::config::Source;
use crate::dynamo::{self, Item, key};
use crate::ids::ProductId;
use anyhow::Context;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

/// How long a claim holds before another delivery may take it over: longer than the function's
/// timeout (30 s), so only a claimant that died leaves one this old, and shorter than the queue's
/// visibility timeout, so the message's next delivery finds it lapsed.
const CLAIM_LEASE_SECONDS: i64 = 40;
/// How long a sent message's marker is kept.
const SENT_KEPT_SECONDS: i64 = 30 * 24 * 3600;

pub struct NotificationsStore {
    client: Client,
    table: String,
}

/// Everything needed to reach one customer, read at once.
#[derive(Debug, Clone, Default)]
pub struct Recipient {
    pub email: Option<EmailAddress>,
    pub preferences: Preferences,
    pub devices: Vec<Device>,
}

impl Recipient {
    /// What the preferences routes answer; `email` stands in while none is noted.
    pub fn view(self, email: Option<EmailAddress>) -> PreferencesView {
        PreferencesView {
            email: self.email.or(email),
            order_updates: true,
            preferences: self.preferences,
            devices: u32::try_from(self.devices.len()).unwrap_or(u32::MAX),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Device {
    pub id: DeviceId,
    pub endpoint_arn: String,
}

/// One message of one event to one customer on one channel (`email`, or a device).
#[derive(Debug, Clone)]
pub struct Delivery {
    pub event_id: String,
    pub customer_id: String,
    pub channel: String,
}

impl Delivery {
    fn key(&self) -> (String, String) {
        (
            format!("SENT#{}", self.event_id),
            format!("{}#{}", self.customer_id, self.channel),
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This delivery is ours to send, under this token: only its holder marks or releases it.
    Claimed(ClaimToken),
    /// It was sent before: nothing to do.
    AlreadySent,
    /// Another delivery of the same event is sending it now: try again later.
    Busy,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimToken(String);

#[derive(Default, Deserialize)]
struct ProfileItem {
    #[serde(default)]
    email: Option<EmailAddress>,
    #[serde(default)]
    preferences: Option<Preferences>,
}

#[derive(Serialize, Deserialize)]
struct DeviceItem {
    pk: String,
    sk: String,
    #[serde(flatten)]
    device: Device,
    registered_at: String,
}

#[derive(Serialize, Deserialize)]
struct WatchItem {
    pk: String,
    sk: String,
    customer_id: String,
    alerts: Alerts,
    updated_at: String,
}

#[derive(Serialize, Deserialize)]
struct OwnerItem {
    pk: String,
    sk: String,
    customer_id: String,
}

fn owner_key(device: &DeviceId) -> (String, String) {
    (format!("DEVICE#{device}"), "OWNER".to_owned())
}

#[derive(Deserialize)]
struct SentItem {
    state: String,
}

fn customer_pk(customer: &str) -> String {
    format!("CUSTOMER#{customer}")
}

const PROFILE: &str = "PROFILE";
const DEVICE: &str = "DEVICE#";

impl NotificationsStore {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            client: crate::aws::dynamodb(sdk),
            table: source.required("NOTIFICATIONS_TABLE")?,
        })
    }

    pub async fn connect(&self) {
        dynamo::connect(&self.client, &self.table).await;
    }

    /// Notes where a customer's email goes (their sign-in's address, which may have changed).
    pub async fn remember_email(&self, customer: &str, email: &EmailAddress) -> anyhow::Result<()> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key((customer_pk(customer), PROFILE.to_owned()))))
            .update_expression("SET email = :email, updated_at = :now")
            .expression_attribute_values(":email", AttributeValue::S(email.as_ref().to_owned()))
            .expression_attribute_values(":now", AttributeValue::S(crate::clock::now()))
            .send()
            .await
            .context("noting a customer's email")?;
        Ok(())
    }

    /// The customer's address, preferences (the defaults until they chose) and devices.
    pub async fn recipient(&self, customer: &str) -> anyhow::Result<Recipient> {
        let items = dynamo::partition(
            &self.client,
            &self.table,
            customer_pk(customer),
            "reading a customer's notification settings",
        )
        .await?;
        let mut recipient = Recipient::default();
        for item in items {
            match item.get("sk") {
                Some(AttributeValue::S(sk)) if sk == PROFILE => {
                    let profile: ProfileItem = dynamo::decode(item)?;
                    recipient.email = profile.email;
                    recipient.preferences = profile.preferences.unwrap_or_default();
                }
                Some(AttributeValue::S(sk)) if sk.starts_with(DEVICE) => {
                    recipient
                        .devices
                        .push(dynamo::decode::<DeviceItem>(item)?.device);
                }
                _ => {}
            }
        }
        Ok(recipient)
    }

    /// Replaces the customer's preferences, noting their email as it is now.
    pub async fn set_preferences(
        &self,
        customer: &str,
        email: Option<&EmailAddress>,
        preferences: Preferences,
    ) -> anyhow::Result<()> {
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key((customer_pk(customer), PROFILE.to_owned()))))
            .expression_attribute_values(
                ":preferences",
                AttributeValue::M(dynamo::item(&preferences)?),
            )
            .expression_attribute_values(":now", AttributeValue::S(crate::clock::now()));
        update = match email {
            Some(email) => update
                .update_expression(
                    "SET preferences = :preferences, email = :email, updated_at = :now",
                )
                .expression_attribute_values(
                    ":email",
                    AttributeValue::S(email.as_ref().to_owned()),
                ),
            None => update.update_expression("SET preferences = :preferences, updated_at = :now"),
        };
        update
            .send()
            .await
            .context("saving notification preferences")?;
        Ok(())
    }

    /// Registers a device (again: the same token is the same device, its endpoint refreshed)
    /// for `customer`, and takes it from the customer it was registered to before, if another.
    /// The earlier owner's entry goes before the ownership moves, so a retry after a failure
    /// finds the move unfinished and finishes it.
    pub async fn add_device(&self, customer: &str, device: &Device) -> anyhow::Result<()> {
        let before: Option<OwnerItem> = dynamo::get(
            &self.client,
            &self.table,
            owner_key(&device.id),
            "reading a device's owner",
        )
        .await?;
        if let Some(before) = before.filter(|before| before.customer_id != customer) {
            tracing::info!(device = %device.id, "device moves to another account");
            self.forget_device(&before.customer_id, &device.id).await?;
        }
        let item = DeviceItem {
            pk: customer_pk(customer),
            sk: format!("{DEVICE}{}", device.id),
            device: device.clone(),
            registered_at: crate::clock::now(),
        };
        self.put(&item, "registering a device").await?;
        let (pk, sk) = owner_key(&device.id);
        let owner = OwnerItem {
            pk,
            sk,
            customer_id: customer.to_owned(),
        };
        self.put(&owner, "noting a device's owner").await
    }

    /// Unregisters a customer's device: the device, when it was still theirs (its endpoint is
    /// then theirs to delete); a stale entry of a device that moved on is only dropped.
    pub async fn remove_device(
        &self,
        customer: &str,
        device: &DeviceId,
    ) -> anyhow::Result<Option<Device>> {
        let removed = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key((
                customer_pk(customer),
                format!("{DEVICE}{device}"),
            ))))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .context("unregistering a device")?
            .attributes
            .map(dynamo::decode::<DeviceItem>)
            .transpose()?;
        let Some(removed) = removed else {
            return Ok(None);
        };
        let owner = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(owner_key(device))))
            .condition_expression("attribute_not_exists(pk) OR customer_id = :customer")
            .expression_attribute_values(":customer", AttributeValue::S(customer.to_owned()))
            .send()
            .await;
        let theirs = dynamo::written(owner, "releasing a device's ownership")?;
        Ok(theirs.then_some(removed.device))
    }

    /// Forgets a customer's device: its endpoint gone (the app removed, the token expired), or
    /// the device signed into another account.
    pub async fn forget_device(&self, customer: &str, device: &DeviceId) -> anyhow::Result<()> {
        let device_key = (customer_pk(customer), format!("{DEVICE}{device}"));
        self.delete(device_key, "forgetting a device").await
    }

    /// Sets what the customer wants to hear about a product; nothing stops watching it.
    pub async fn set_alerts(
        &self,
        product: ProductId,
        customer: &str,
        alerts: Alerts,
    ) -> anyhow::Result<()> {
        let pk = format!("PRODUCT#{product}");
        let sk = format!("WATCH#{customer}");
        if !alerts.any() {
            return self.delete((pk, sk), "no longer watching a product").await;
        }
        let item = WatchItem {
            pk,
            sk,
            customer_id: customer.to_owned(),
            alerts,
            updated_at: crate::clock::now(),
        };
        self.put(&item, "watching a product").await
    }

    async fn put(&self, item: &impl Serialize, what: &'static str) -> anyhow::Result<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(dynamo::item(item)?))
            .send()
            .await
            .context(what)?;
        Ok(())
    }

    async fn delete(&self, key_pair: (String, String), what: &'static str) -> anyhow::Result<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(key_pair)))
            .send()
            .await
            .context(what)?;
        Ok(())
    }

    /// Who watches a product, and for what.
    pub async fn watchers(&self, product: ProductId) -> anyhow::Result<Vec<(String, Alerts)>> {
        let items = dynamo::partition(
            &self.client,
            &self.table,
            format!("PRODUCT#{product}"),
            "reading a product's watchers",
        )
        .await?;
        items
            .into_iter()
            .map(|item| {
                let watch: WatchItem = dynamo::decode(item)?;
                Ok((watch.customer_id, watch.alerts))
            })
            .collect()
    }

    /// Claims a delivery before sending it: only one sender holds it, and none once it was sent.
    pub async fn claim(&self, delivery: &Delivery) -> anyhow::Result<Claim> {
        let now = Timestamp::now().secs();
        let token = ClaimToken(ulid::Ulid::new().to_string());
        let mut item: Item = key(delivery.key());
        item.insert("state".to_owned(), AttributeValue::S("claimed".to_owned()));
        item.insert("claim".to_owned(), AttributeValue::S(token.0.clone()));
        item.insert("claimed_at".to_owned(), AttributeValue::N(now.to_string()));
        item.insert(
            "ttl".to_owned(),
            AttributeValue::N((now + SENT_KEPT_SECONDS).to_string()),
        );
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(
                "attribute_not_exists(pk) OR (#state = :claimed AND claimed_at < :stale)",
            )
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":claimed", AttributeValue::S("claimed".to_owned()))
            .expression_attribute_values(
                ":stale",
                AttributeValue::N((now - CLAIM_LEASE_SECONDS).to_string()),
            )
            .send()
            .await;
        if dynamo::written(put, "claiming a message")? {
            return Ok(Claim::Claimed(token));
        }
        let held: Option<SentItem> =
            dynamo::get(&self.client, &self.table, delivery.key(), "reading a claim").await?;
        Ok(match held {
            Some(sent) if sent.state == "sent" => Claim::AlreadySent,
            _ => Claim::Busy,
        })
    }

    /// Marks a delivery sent, with what the service answered, while the claim is still ours.
    pub async fn sent(
        &self,
        delivery: &Delivery,
        claim: &ClaimToken,
        receipt: &str,
    ) -> anyhow::Result<()> {
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(delivery.key())))
            .update_expression("SET #state = :sent, receipt = :receipt, sent_at = :now")
            .condition_expression("claim = :claim")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":sent", AttributeValue::S("sent".to_owned()))
            .expression_attribute_values(":receipt", AttributeValue::S(receipt.to_owned()))
            .expression_attribute_values(":now", AttributeValue::S(crate::clock::now()))
            .expression_attribute_values(":claim", AttributeValue::S(claim.0.clone()))
            .send()
            .await;
        if !dynamo::written(update, "marking a message sent")? {
            anyhow::bail!("the claim lapsed and was taken over before the send was marked");
        }
        Ok(())
    }

    /// Gives a claim back after its send failed, so the retry need not wait for the lease.
    pub async fn release(&self, delivery: &Delivery, claim: &ClaimToken) -> anyhow::Result<()> {
        let delete = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(delivery.key())))
            .condition_expression("#state = :claimed AND claim = :claim")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":claimed", AttributeValue::S("claimed".to_owned()))
            .expression_attribute_values(":claim", AttributeValue::S(claim.0.clone()))
            .send()
            .await;
        // A claim taken over meanwhile is its new holder's to keep.
        dynamo::written(delete, "releasing a claim").map(drop)
    }
}
