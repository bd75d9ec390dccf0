//! Recommendations: item-to-item collaborative filtering over what shoppers buy and view,
//! counted as orders and views arrive (`similarity.rs`), with content likeness as the fallback
//! where those signals are thin (`content.rs`) and a shopper's own blend (`personal.rs`).

mod content;
mod personal;
pub mod similarity;
#[cfg(feature = "dynamodb")]
mod store;
#[cfg(feature = "sqs")]
mod views;

pub use content::likeness;
pub use personal::{Contribution, blend, diversified, is_consumable};
pub use similarity::Neighbour;
#[cfg(feature = "dynamodb")]
pub use store::{Personal, RecommendationsStore, Recorded};
#[cfg(feature = "sqs")]
pub use views::Views;

use crate::ids::ProductId;
use serde::{Deserialize, Serialize};

/// A shopper whose signals count: a signed-in customer, or a guest named by their cart token.
pub use crate::cart::CartOwner as Shopper;

/// What pairs two items: the same shopper bought both, or viewed both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Signal {
    Bought,
    Viewed,
}

#[cfg(feature = "dynamodb")]
impl Signal {
    fn code(self) -> &'static str {
        match self {
            Self::Bought => "BOUGHT",
            Self::Viewed => "VIEWED",
        }
    }
}

/// The recommendations a product page asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = RecommendationKind)]
pub enum Kind {
    /// Bought by the same customers.
    #[default]
    BoughtTogether,
    /// Looked at by the same shoppers.
    ViewedTogether,
    /// Alike in category, brand, attributes and price.
    Similar,
}

impl std::str::FromStr for Kind {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        serde_json::from_value(serde_json::Value::String(text.to_owned()))
            .map_err(|_| "must be bought_together, viewed_together or similar".to_owned())
    }
}

impl Kind {
    /// The signal the kind is made of; `None` for content likeness.
    pub fn signal(self) -> Option<Signal> {
        match self {
            Self::BoughtTogether => Some(Signal::Bought),
            Self::ViewedTogether => Some(Signal::Viewed),
            Self::Similar => None,
        }
    }
}

/// Why an item is recommended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    FrequentlyBoughtTogether,
    ViewedTogether,
    SimilarItem,
    /// Bought with something the customer bought.
    InspiredByYourPurchases,
    /// Viewed with something the shopper viewed.
    SimilarToItemsYouViewed,
    /// A consumable the customer bought before.
    BuyItAgain,
}

impl Reason {
    /// What a shopper reads.
    pub fn text(self) -> &'static str {
        match self {
            Self::FrequentlyBoughtTogether => "Frequently bought together",
            Self::ViewedTogether => "Customers who viewed this also viewed",
            Self::SimilarItem => "Similar item",
            Self::InspiredByYourPurchases => "Inspired by your purchases",
            Self::SimilarToItemsYouViewed => "Similar to items you viewed",
            Self::BuyItAgain => "Buy it again",
        }
    }

    /// The reason a product page's list gives for a pairing by `signal`.
    pub fn of_pair(signal: Signal) -> Self {
        match signal {
            Signal::Bought => Self::FrequentlyBoughtTogether,
            Signal::Viewed => Self::ViewedTogether,
        }
    }

    /// The reason a shopper's own list gives for an item paired by `signal` with their history.
    pub fn of_history(signal: Signal) -> Self {
        match signal {
            Signal::Bought => Self::InspiredByYourPurchases,
            Signal::Viewed => Self::SimilarToItemsYouViewed,
        }
    }
}

/// One recommended item, before the catalog is read for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub id: ProductId,
    pub score: f64,
    pub reason: Reason,
    /// The item of the shopper's history it comes from, on a personal list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub because: Option<ProductId>,
}

/// A product view as the views queue carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    /// Unique per view: what a retried delivery is recognised by.
    pub view_id: String,
    /// The shopper's key (`Shopper::key`).
    pub shopper: String,
    pub product_id: ProductId,
    pub at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_from_their_names_only() {
        assert_eq!("similar".parse::<Kind>(), Ok(Kind::Similar));
        assert_eq!("viewed_together".parse::<Kind>(), Ok(Kind::ViewedTogether));
        assert!("Similar".parse::<Kind>().is_err());
        assert!("".parse::<Kind>().is_err());
    }
}
