//! Where the demo customers' messages go: each one's address, as their sign-in would note it;
//! customer-01 also consents to marketing and watches the demo cart's product, so a price drop
//! on it is emailed.

use super::DEMO_CUSTOMERS;
use shared::catalog::ProductId;
use shared::notifications::{Alerts, EmailAddress, NotificationsStore, Preferences};

pub async fn demo_recipients(store: &NotificationsStore, product: ProductId) -> anyhow::Result<()> {
    for customer in DEMO_CUSTOMERS {
        let email = EmailAddress::try_from(format!("{customer}@example.com"))
            .map_err(anyhow::Error::msg)?;
        store.remember_email(customer, &email).await?;
    }
    let consent = Preferences {
        price_drops: true,
        back_in_stock: true,
        ..Preferences::default()
    };
    store.set_preferences("customer-01", None, consent).await?;
    let both = Alerts {
        price_drop: true,
        back_in_stock: true,
    };
    store.set_alerts(product, "customer-01", both).await
}
