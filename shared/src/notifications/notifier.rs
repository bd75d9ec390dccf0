//! Tells each customer an event concerns: the order's owner, or those watching a product for
//! that alert. Each message on each channel is claimed before it goes and marked once it went, so
//! a redelivered event sends nothing again. Every delivery of the event is tried, whatever
//! happened to the others; one that failed gives its claim back and fails the event, which the
//! queue delivers again (only what is still unsent goes out) and, after its retries, moves to the
//! dead-letter queue. A recipient the service refuses for good is marked, not retried.

use super::{
    Claim, Delivery, Device, Mailer, Message, Notice, NotificationsStore, Pusher, Recipient, Sent,
};
use crate::config::Source;

pub struct Notifier {
    store: NotificationsStore,
    mailer: Mailer,
    pusher: Pusher,
    /// Where links in messages lead.
    storefront: String,
}

/// What one event came to, for the log.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Told {
    pub sent: u32,
    /// Deliveries the service refused for good (an address SES rejects, a device gone).
    pub refused: u32,
    /// Deliveries sent by an earlier delivery of the event.
    pub already: u32,
}

impl Notifier {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            store: NotificationsStore::from_source(sdk, source)?,
            mailer: Mailer::from_source(sdk, source)?,
            pusher: Pusher::from_source(sdk, source)?,
            storefront: source.required("STOREFRONT_URL")?,
        })
    }

    /// Opens the connections every event uses at init.
    pub async fn connect(&self) {
        tokio::join!(
            self.store.connect(),
            self.mailer.connect(),
            self.pusher.connect()
        );
    }

    pub async fn notify(&self, notice: &Notice) -> anyhow::Result<Told> {
        let mut told = Told::default();
        let Some(message) = notice.message(&self.storefront)? else {
            return Ok(told);
        };
        let customers = match notice {
            Notice::Order(event) => vec![event.customer_id.clone()],
            Notice::Product(alert) => self
                .store
                .watchers(alert.product_id)
                .await?
                .into_iter()
                .filter(|(_, alerts)| alerts.wants(message.purpose))
                .map(|(customer, _)| customer)
                .collect(),
        };
        let mut failures = Vec::new();
        for customer in customers {
            let recipient = match self.store.recipient(&customer).await {
                Ok(recipient) => recipient,
                Err(error) => {
                    failures.push(error);
                    continue;
                }
            };
            if !recipient.preferences.allows(message.purpose) {
                continue;
            }
            let deliveries = self.deliveries(notice.event_id(), &customer, &recipient);
            for (delivery, channel) in deliveries {
                match self.once(&delivery, &channel, &message).await {
                    Ok(Some(Done::Sent)) => told.sent += 1,
                    Ok(Some(Done::Refused)) => told.refused += 1,
                    Ok(None) => told.already += 1,
                    Err(error) => failures.push(error),
                }
            }
        }
        match failures.len() {
            0 => Ok(told),
            n => Err(failures.swap_remove(0).context(format!(
                "{n} deliveries failed; the event is tried again for them"
            ))),
        }
    }

    /// The customer's deliveries of an event: email, and each device while push is on.
    fn deliveries<'a>(
        &self,
        event_id: &str,
        customer: &str,
        recipient: &'a Recipient,
    ) -> Vec<(Delivery, Channel<'a>)> {
        let delivery = |channel: String| Delivery {
            event_id: event_id.to_owned(),
            customer_id: customer.to_owned(),
            channel,
        };
        let mut deliveries = Vec::new();
        match &recipient.email {
            Some(email) => deliveries.push((delivery("email".to_owned()), Channel::Email(email))),
            None => tracing::warn!(customer, "no email address known; email skipped"),
        }
        if recipient.preferences.push {
            for device in &recipient.devices {
                deliveries.push((
                    delivery(format!("push#{}", device.id)),
                    Channel::Push(device),
                ));
            }
        }
        deliveries
    }

    /// Sends one delivery unless it was sent before (`None`).
    async fn once(
        &self,
        delivery: &Delivery,
        channel: &Channel<'_>,
        message: &Message,
    ) -> anyhow::Result<Option<Done>> {
        let claim = match self.store.claim(delivery).await? {
            Claim::AlreadySent => return Ok(None),
            Claim::Busy => anyhow::bail!(
                "{} to {} is being sent by another delivery of the event",
                delivery.channel,
                delivery.customer_id
            ),
            Claim::Claimed(claim) => claim,
        };
        let sent = match channel {
            Channel::Email(to) => self.mailer.send(to, message).await,
            Channel::Push(device) => self.pusher.push(&device.endpoint_arn, message).await,
        };
        let (done, receipt) = match sent {
            Ok(Sent::Accepted(id)) => (Done::Sent, id),
            Ok(Sent::Refused(why)) => {
                tracing::warn!(customer = %delivery.customer_id, channel = %delivery.channel, why, "refused for good; not retried");
                (Done::Refused, format!("refused: {why}"))
            }
            Err(error) => {
                if let Err(release) = self.store.release(delivery, &claim).await {
                    tracing::warn!(
                        error = format!("{release:#}"),
                        "claim not released; it lapses"
                    );
                }
                return Err(error);
            }
        };
        // It went (or never will): failing the event now would only send it again once the
        // claim lapses.
        if let Err(error) = self.store.sent(delivery, &claim, &receipt).await {
            tracing::error!(error = format!("{error:#}"), channel = %delivery.channel, "sent, but not marked sent");
        }
        if let (Done::Refused, Channel::Push(device)) = (&done, channel) {
            let forgotten = self
                .store
                .forget_device(&delivery.customer_id, &device.id)
                .await;
            if let Err(error) = forgotten {
                tracing::warn!(error = format!("{error:#}"), "a gone device not forgotten");
            }
        }
        Ok(Some(done))
    }
}

enum Channel<'a> {
    Email(&'a super::EmailAddress),
    Push(&'a Device),
}

enum Done {
    Sent,
    Refused,
}
