//! Ids that cross business areas: a product, a SKU and a seller are named by carts, inventory,
//! orders and reviews as well as the catalog.

use serde::{Deserialize, Serialize};

/// A product's catalog id: a ULID, so ids sort by creation time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProductId(ulid::Ulid);

impl ProductId {
    /// Crockford base32, either case; 26 characters hold 130 bits, so the first is at most 7.
    const PATTERN: &str = "^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$";
    const RULE: &str = "must be a product id (26 characters, Crockford base32)";

    pub fn generate() -> Self {
        Self(ulid::Ulid::new())
    }
}

impl TryFrom<String> for ProductId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        value.parse()
    }
}

impl std::str::FromStr for ProductId {
    type Err = String;
    fn from_str(value: &str) -> Result<Self, String> {
        // The decoder would silently drop the bits of a first character above 7.
        if !value.starts_with(|c: char| ('0'..='7').contains(&c)) {
            return Err(Self::RULE.to_owned());
        }
        ulid::Ulid::from_string(value)
            .map(Self)
            .map_err(|_| Self::RULE.to_owned())
    }
}

impl utoipa::PartialSchema for ProductId {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::text::string_schema(Self::RULE, 26, 26, Self::PATTERN.to_owned())
    }
}

impl utoipa::ToSchema for ProductId {}

impl From<ProductId> for String {
    fn from(id: ProductId) -> String {
        id.0.to_string()
    }
}

impl std::fmt::Display for ProductId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

crate::identifier!(
    /// A seller's stock-keeping unit: the id cart, inventory and orders use for an offer.
    Sku, 1, 40, "A-Za-z0-9._-", "letters, digits, '-', '_' or '.'"
);

crate::identifier!(
    /// Where stock is kept: a fulfillment center, or a merchant-fulfilled seller's own location.
    LocationId, 1, 40, "A-Za-z0-9._-", "letters, digits, '-', '_' or '.'"
);

crate::identifier!(
    /// A seller, as the identity provider names it (the token's `sub`).
    SellerId, 1, 128, "!-~", "printable ASCII"
);

#[cfg(test)]
mod tests {
    use super::ProductId;

    #[test]
    fn product_ids_are_ulids_of_either_case_that_fit_in_128_bits() {
        let id = ProductId::generate().to_string();
        assert_eq!(id.parse::<ProductId>().unwrap().to_string(), id);
        assert_eq!(
            id.to_lowercase().parse::<ProductId>().unwrap().to_string(),
            id
        );
        let pattern = regex::Regex::new(ProductId::PATTERN).unwrap();
        for text in [
            id.as_str(),
            "7ZZZZZZZZZZZZZZZZZZZZZZZZZ",
            "8ZZZZZZZZZZZZZZZZZZZZZZZZZ",
            "01ARZ3NDEKTSV4RRFFQ69G5FAU",
            "01ARZ3NDEKTSV4RRFFQ69G5FA",
        ] {
            assert_eq!(
                pattern.is_match(text),
                text.parse::<ProductId>().is_ok(),
                "{text}"
            );
        }
    }
}

crate::ulid_identifier!(
    /// An order's id, chosen when checkout starts: the saga's execution name, the payment's key
    /// and the reservation's id, so every retried step finds what an earlier try did.
    OrderId, "an order id"
);
