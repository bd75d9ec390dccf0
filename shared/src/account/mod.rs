//! The shopper's account: saved addresses (personal data: sealed per field under a KMS key,
//! never logged) and saved payment methods (the gateway's token, the card's brand and last four
//! digits only), each list with a default that one-click ordering uses.

#[cfg(feature = "kms")]
mod sealing;
#[cfg(all(feature = "kms", feature = "dynamodb"))]
mod store;

#[cfg(feature = "kms")]
pub use sealing::{Sealed, Sealer};
#[cfg(all(feature = "kms", feature = "dynamodb"))]
pub use store::AccountsStore;

use crate::orders::Address;
use crate::payments::PaymentToken;
use serde::{Deserialize, Serialize};

crate::ulid_identifier!(
    /// A saved address.
    AddressId, "an address id"
);

crate::ulid_identifier!(
    /// A saved payment method.
    PaymentMethodId, "a payment method id"
);

/// One saved entry of either list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SavedId {
    Address(AddressId),
    PaymentMethod(PaymentMethodId),
}

impl From<AddressId> for SavedId {
    fn from(id: AddressId) -> Self {
        Self::Address(id)
    }
}

impl From<PaymentMethodId> for SavedId {
    fn from(id: PaymentMethodId) -> Self {
        Self::PaymentMethod(id)
    }
}

crate::identifier!(
    /// The last four digits of a card, as the gateway reports them.
    LastFour, 4, 4, "0-9", "the card's last four digits"
);

/// How many of each a shopper may keep.
pub const MAX_SAVED: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CardBrand {
    Visa,
    Mastercard,
    Amex,
    Discover,
    Other,
}

/// An address to save.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAddress {
    pub address: Address,
    /// Make it the default (the first one saved is anyway).
    #[serde(default)]
    pub default: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SavedAddress {
    pub id: AddressId,
    pub address: Address,
    pub is_default: bool,
}

/// A payment method to save: what the gateway gave back when the card was tokenized.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPaymentMethod {
    pub payment_token: PaymentToken,
    pub brand: CardBrand,
    pub last_four: LastFour,
    #[serde(default)]
    pub default: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SavedPaymentMethod {
    pub id: PaymentMethodId,
    pub payment_token: PaymentToken,
    pub brand: CardBrand,
    pub last_four: LastFour,
    #[serde(default)]
    pub is_default: bool,
}

/// What one-click ordering ships to and pays with.
#[derive(Debug, Clone)]
pub struct Defaults {
    pub address: Address,
    pub payment_token: PaymentToken,
}
