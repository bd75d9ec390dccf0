//! Devices for push: the table keeps which customer each belongs to, SNS holds their endpoints.

use super::{Device, DeviceId, DeviceToken, MAX_DEVICES, NotificationsStore, Pusher, Registered};
use crate::config::Source;

pub struct Devices {
    store: NotificationsStore,
    pusher: Pusher,
}

impl Devices {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            store: NotificationsStore::from_source(sdk, source)?,
            pusher: Pusher::from_source(sdk, source)?,
        })
    }

    /// Opens the connections every request uses at init.
    pub async fn connect(&self) {
        tokio::join!(self.store.connect(), self.pusher.connect());
    }

    /// Registers the device of `token` for `customer` (again: the same device).
    pub async fn register(
        &self,
        customer: &str,
        token: &DeviceToken,
    ) -> anyhow::Result<Registered> {
        let id = DeviceId::of(token);
        let known = self.store.recipient(customer).await?.devices;
        if known.len() >= MAX_DEVICES && !known.iter().any(|device| device.id == id) {
            return Ok(Registered::Full);
        }
        let Some(endpoint_arn) = self.pusher.register(token).await? else {
            return Ok(Registered::TokenRefused);
        };
        let device = Device { id, endpoint_arn };
        self.store.add_device(customer, &device).await?;
        Ok(Registered::Device(device.id))
    }

    /// Unregisters one of `customer`'s devices and deletes its endpoint; nothing to do for one
    /// that is not theirs (any more).
    pub async fn unregister(&self, customer: &str, id: &DeviceId) -> anyhow::Result<()> {
        if let Some(device) = self.store.remove_device(customer, id).await? {
            self.pusher.unregister(&device.endpoint_arn).await?;
        }
        Ok(())
    }
}
