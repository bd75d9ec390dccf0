//! What a shopper is told about stock. The product page, the Buy Box, browse and the cart all
//! read it from here, so no two of them disagree.

use serde::{Deserialize, Serialize};

/// Under this many units a page says "only N left".
pub const LOW_STOCK: u32 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Availability {
    InStock,
    /// Fewer than [`LOW_STOCK`] units left.
    OnlyLeft {
        quantity: u32,
    },
    OutOfStock,
}

impl Availability {
    pub fn of(available: u32) -> Self {
        match available {
            0 => Self::OutOfStock,
            n if n < LOW_STOCK => Self::OnlyLeft { quantity: n },
            _ => Self::InStock,
        }
    }

    pub fn can_sell(self) -> bool {
        self != Self::OutOfStock
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_says_in_stock_only_n_left_or_out_of_stock() {
        assert_eq!(Availability::of(0), Availability::OutOfStock);
        assert_eq!(Availability::of(1), Availability::OnlyLeft { quantity: 1 });
        assert_eq!(
            Availability::of(LOW_STOCK - 1),
            Availability::OnlyLeft {
                quantity: LOW_STOCK - 1
            }
        );
        assert_eq!(Availability::of(LOW_STOCK), Availability::InStock);
        assert!(!Availability::of(0).can_sell());
        assert!(Availability::of(1).can_sell());
        assert_eq!(
            serde_json::to_value(Availability::of(3)).unwrap(),
            serde_json::json!({"status": "only_left", "quantity": 3})
        );
    }
}
