//! Price changes fan out on SNS: carts, watch lists and repricers subscribe to the topic.

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
}

/// Publishes price changes on the topic named by `PRICE_CHANGES_TOPIC_ARN`.
#[cfg(feature = "sns")]
pub struct PriceChanges {
    sns: aws_sdk_sns::Client,
    topic_arn: String,
}

#[cfg(feature = "sns")]
impl PriceChanges {
    pub fn from_source(
        sdk: &aws_config::SdkConfig,
        source: &impl crate::config::Source,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            sns: aws_sdk_sns::Client::new(sdk),
            topic_arn: source.required("PRICE_CHANGES_TOPIC_ARN")?,
        })
    }

    /// Opens the connection to SNS at init with a read of the topic's attributes.
    pub async fn connect(&self) {
        let probe = self
            .sns
            .get_topic_attributes()
            .topic_arn(&self.topic_arn)
            .send();
        crate::aws::connect("sns", probe).await;
    }

    /// Message attributes let subscribers filter by product or seller without parsing bodies.
    #[tracing::instrument(skip_all, fields(sku = %change.sku, event_id = %change.event_id))]
    pub async fn publish(&self, change: &PriceChange) -> anyhow::Result<()> {
        let attribute = |value: String| {
            aws_sdk_sns::types::MessageAttributeValue::builder()
                .data_type("String")
                .string_value(value)
                .build()
        };
        self.sns
            .publish()
            .topic_arn(&self.topic_arn)
            .message(serde_json::to_string(change)?)
            .message_attributes("event_type", attribute("price_changed".into())?)
            .message_attributes("product_id", attribute(change.product_id.to_string())?)
            .message_attributes("seller_id", attribute(change.seller_id.to_string())?)
            .send()
            .await
            .map_err(|e| anyhow::Error::from(e).context("publishing a price change"))?;
        Ok(())
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
    }
}
