//! Tells each customer an event concerns: the order's owner, or those watching a product for
//! that alert. Each message on each channel is claimed before it goes and marked once it went, so
//! a redelivered event sends nothing twice; a send that fails gives its claim back and fails the
//! event, which the queue delivers again (then to its dead-letter queue).

use super::{
    Claim, Delivery, Device, Mailer, Message, Notice, NotificationsStore, PushOutcome, Pusher,
    Recipient,
};
use crate::config::Source;

pub struct Notifier {
    pub store: NotificationsStore,
    pub mailer: Mailer,
    pub pusher: Pusher,
}

/// What one event came to, for the log.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Told {
    pub emails: u32,
    pub pushes: u32,
    /// Deliveries sent by an earlier delivery of the event.
    pub already: u32,
}

impl Notifier {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            store: NotificationsStore::from_source(sdk, source)?,
            mailer: Mailer::from_source(sdk, source)?,
            pusher: Pusher::from_source(sdk, source)?,
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
        let Some(message) = notice.message()? else {
            return Ok(told);
        };
        let customers = match notice {
            Notice::Order(event) => vec![event.customer_id.clone()],
            Notice::Product(alert) => self
                .store
                .watchers(alert.product_id)
                .await?
                .into_iter()
                .filter(|(_, alerts)| alerts.wants(message.topic))
                .map(|(customer, _)| customer)
                .collect(),
        };
        for customer in customers {
            let recipient = self.store.recipient(&customer).await?;
            if !recipient.preferences.allows(message.topic) {
                continue;
            }
            self.tell(
                notice.event_id(),
                &customer,
                &recipient,
                &message,
                &mut told,
            )
            .await?;
        }
        Ok(told)
    }

    async fn tell(
        &self,
        event_id: &str,
        customer: &str,
        recipient: &Recipient,
        message: &Message,
        told: &mut Told,
    ) -> anyhow::Result<()> {
        let delivery = |channel: String| Delivery {
            event_id: event_id.to_owned(),
            customer_id: customer.to_owned(),
            channel,
        };
        match &recipient.email {
            Some(email) => {
                let sent = self
                    .once(&delivery("email".to_owned()), told, || async {
                        self.mailer.send(email, message).await.map(Some)
                    })
                    .await?;
                told.emails += u32::from(sent);
            }
            None => tracing::warn!(customer, "no email address known; email skipped"),
        }
        if !recipient.preferences.push {
            return Ok(());
        }
        for Device { id, endpoint_arn } in &recipient.devices {
            let sent = self
                .once(&delivery(format!("push#{id}")), told, || async {
                    match self.pusher.push(endpoint_arn, message).await? {
                        PushOutcome::Sent(message_id) => Ok(Some(message_id)),
                        PushOutcome::Disabled => {
                            tracing::info!(customer, device = %id, "push endpoint disabled; device forgotten");
                            self.store.forget_device(customer, id).await?;
                            Ok(None)
                        }
                    }
                })
                .await?;
            told.pushes += u32::from(sent);
        }
        Ok(())
    }

    /// Sends one delivery unless it was sent before; `Ok(true)` when this call sent it. `send`
    /// answers the service's message id, or `None` when there was no one to send it to.
    async fn once<F, Fut>(
        &self,
        delivery: &Delivery,
        told: &mut Told,
        send: F,
    ) -> anyhow::Result<bool>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = anyhow::Result<Option<String>>>,
    {
        match self.store.claim(delivery).await? {
            Claim::AlreadySent => {
                told.already += 1;
                return Ok(false);
            }
            Claim::Busy => anyhow::bail!(
                "{} to {} is being sent by another delivery of the event",
                delivery.channel,
                delivery.customer_id
            ),
            Claim::Claimed => {}
        }
        match send().await {
            Ok(sent) => {
                self.store
                    .sent(delivery, sent.as_deref().unwrap_or("none"))
                    .await?;
                Ok(sent.is_some())
            }
            Err(error) => {
                if let Err(release) = self.store.release(delivery).await {
                    tracing::warn!(
                        error = format!("{release:#}"),
                        "claim not released; it lapses"
                    );
                }
                Err(error)
            }
        }
    }
}
