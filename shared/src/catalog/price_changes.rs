//! Price changes fan out on SNS: carts, watch lists and repricers subscribe to the topic; so do
//! the alerts of those watching a product (alerts.rs).

use super::{Offer, ProductId, SellerId, Sku};
use crate::money::Money;
use serde::{Deserialize, Serialize};

/// What a subscriber learns when an offer's landed price changes (or a new offer appears).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceChange {
    /// The stream record's id: at-least-once delivery means subscribers dedupe on it.
    pub event_id: String,
    pub sku: Sku,
    pub product_id: ProductId,
    pub seller_id: SellerId,
    pub old_landed_price: Option<Money>,
    pub new_landed_price: Money,
    pub price: Money,
    pub shipping: Money,
}

impl PriceChange {
    /// The change between two images of an offer, if its landed price moved.
    pub fn between(event_id: &str, old: Option<&Offer>, new: &Offer) -> Option<Self> {
        let old_landed_price = old.map(Offer::landed_price);
        let new_landed_price = new.landed_price();
        (old_landed_price != Some(new_landed_price)).then(|| Self {
            event_id: event_id.to_owned(),
            sku: new.sku.clone(),
            product_id: new.product_id,
            seller_id: new.seller_id.clone(),
            old_landed_price,
            new_landed_price,
            price: new.pricing.price(),
            shipping: new.pricing.shipping(),
        })
    }

    /// An offer whose landed price stayed but whose other terms the Buy Box weighs moved (it
    /// was withdrawn or put back on sale, its condition, fulfillment or handling changed): an
    /// `offer_changed` event, the same message with equal old and new prices.
    pub fn terms_between(event_id: &str, old: &Offer, new: &Offer) -> Option<Self> {
        let terms = |o: &Offer| (o.status, o.condition, o.fulfillment, o.handling_days);
        if old.landed_price() != new.landed_price() || terms(old) == terms(new) {
            return None;
        }
        let mut change = Self::between(event_id, None, new)?;
        change.old_landed_price = Some(old.landed_price());
        Some(change)
    }

    /// `price_changed`, or `offer_changed` when only the other terms moved.
    pub fn event_type(&self) -> &'static str {
        if self.old_landed_price == Some(self.new_landed_price) {
            "offer_changed"
        } else {
            "price_changed"
        }
    }
}

/// Publishes price changes on the topic named by `PRICE_CHANGES_TOPIC_ARN`.
#[cfg(feature = "sns")]
pub struct PriceChanges(crate::topic::Topic);

#[cfg(feature = "sns")]
impl PriceChanges {
    pub fn from_source(
        sdk: &aws_config::SdkConfig,
        source: &impl crate::config::Source,
    ) -> anyhow::Result<Self> {
        crate::topic::Topic::from_source(sdk, source, "PRICE_CHANGES_TOPIC_ARN").map(Self)
    }

    pub async fn connect(&self) {
        self.0.connect().await;
    }

    /// Subscribers filter by event type, product or seller.
    #[tracing::instrument(skip_all, fields(sku = %change.sku, event_id = %change.event_id))]
    pub async fn publish(&self, change: &PriceChange) -> anyhow::Result<()> {
        let attributes = [
            ("event_type", change.event_type().to_owned()),
            ("product_id", change.product_id.to_string()),
            ("seller_id", change.seller_id.to_string()),
        ];
        self.0.publish(change, &attributes).await
    }

    /// Watch-list subscribers filter by event type or product.
    #[tracing::instrument(skip_all, fields(product_id = %alert.product_id, event_id = %alert.event_id))]
    pub async fn publish_alert(&self, alert: &super::ProductAlert) -> anyhow::Result<()> {
        let attributes = [
            ("event_type", alert.event_type.as_str().to_owned()),
            ("product_id", alert.product_id.to_string()),
        ];
        self.0.publish(alert, &attributes).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::OfferTerms;
    use serde_json::json;

    fn offer(price: u64, shipping: u64) -> Offer {
        let terms: OfferTerms = serde_json::from_value(json!({
            "price": {"amount": price, "currency": "USD"}, "shipping": {"amount": shipping, "currency": "USD"},
            "condition": "new", "fulfillment": "merchant", "handling_days": 1
        }))
        .unwrap();
        Offer::from_terms(
            "S".parse().unwrap(),
            ProductId::generate(),
            "s".parse().unwrap(),
            terms,
            "",
            "t".into(),
        )
        .unwrap()
    }

    #[test]
    fn only_landed_price_moves_are_changes() {
        let old = offer(1000, 100);
        assert!(PriceChange::between("e", Some(&old), &offer(1000, 100)).is_none());
        assert!(
            PriceChange::between("e", Some(&old), &offer(900, 200)).is_none(),
            "same landed price"
        );
        let change = PriceChange::between("e", Some(&old), &offer(900, 100)).unwrap();
        assert_eq!(change.old_landed_price.unwrap().amount.get(), 1100);
        assert_eq!(change.new_landed_price.amount.get(), 1000);
        assert!(
            PriceChange::between("e", None, &old)
                .unwrap()
                .old_landed_price
                .is_none()
        );
        assert_eq!(change.event_type(), "price_changed");
    }

    #[test]
    fn a_withdrawal_at_the_same_price_is_an_offer_change() {
        let old = offer(1000, 100);
        let mut withdrawn = old.clone();
        withdrawn.status = crate::catalog::OfferStatus::Inactive;
        assert!(PriceChange::terms_between("e", &old, &old).is_none());
        let change = PriceChange::terms_between("e", &old, &withdrawn).unwrap();
        assert_eq!(change.event_type(), "offer_changed");
        assert_eq!(change.old_landed_price, Some(change.new_landed_price));
        let repriced = offer(900, 100);
        assert!(
            PriceChange::terms_between("e", &old, &repriced).is_none(),
            "a price move is a price change"
        );
    }
}
