//! Fraud screening, before any money or stock moves: signals about the order and its shopper
//! score it by rules that are data (`shared/data/fraud-rules.json`: which signal, above what,
//! for how many points), and the score passes it, holds it for an admin's review, or rejects it.

use serde::{Deserialize, Serialize};

/// What screening knows of an order and the orders before it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signals {
    pub customer_orders_last_hour: u64,
    pub token_orders_last_hour: u64,
    /// The order's total when the customer has no paid order before it; 0 otherwise.
    pub first_order_total: u64,
    /// 1 when it ships to another country than the card's.
    pub ships_outside_card_country: u64,
    pub declined_last_day: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    CustomerOrdersLastHour,
    TokenOrdersLastHour,
    FirstOrderTotal,
    ShipsOutsideCardCountry,
    DeclinedLastDay,
}

impl Signals {
    fn value(&self, signal: Signal) -> u64 {
        match signal {
            Signal::CustomerOrdersLastHour => self.customer_orders_last_hour,
            Signal::TokenOrdersLastHour => self.token_orders_last_hour,
            Signal::FirstOrderTotal => self.first_order_total,
            Signal::ShipsOutsideCardCountry => self.ships_outside_card_country,
            Signal::DeclinedLastDay => self.declined_last_day,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rule {
    signal: Signal,
    above: u64,
    score: u32,
    reason: String,
}

/// The rules and the two thresholds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    hold_at: u32,
    reject_at: u32,
    rules: Vec<Rule>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    #[default]
    Pass,
    /// An admin releases or rejects it.
    Hold,
    Reject,
}

/// The score, what it decides, and the reasons that made it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Screening {
    pub decision: Decision,
    pub score: u32,
    pub reasons: Vec<String>,
}

impl utoipa::PartialSchema for Decision {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(["pass", "hold", "reject"]))
            .into()
    }
}

impl utoipa::ToSchema for Decision {}

impl Rules {
    /// The rules the team keeps in `shared/data/fraud-rules.json`.
    pub fn standard() -> anyhow::Result<Self> {
        Self::parse(include_str!("../../data/fraud-rules.json"))
    }

    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let rules: Self = serde_json::from_str(text)?;
        anyhow::ensure!(
            rules.hold_at <= rules.reject_at,
            "fraud rules: hold_at must not be above reject_at"
        );
        Ok(rules)
    }

    pub fn screen(&self, signals: &Signals) -> Screening {
        let matched: Vec<&Rule> = self
            .rules
            .iter()
            .filter(|rule| signals.value(rule.signal) > rule.above)
            .collect();
        let score = matched.iter().map(|rule| rule.score).sum();
        let decision = if score >= self.reject_at {
            Decision::Reject
        } else if score >= self.hold_at {
            Decision::Hold
        } else {
            Decision::Pass
        };
        Screening {
            decision,
            score,
            reasons: matched.iter().map(|rule| rule.reason.clone()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_rules_pass_an_ordinary_order_hold_a_big_first_one_and_reject_worse() {
        let rules = Rules::standard().unwrap();
        let ordinary = Signals {
            customer_orders_last_hour: 1,
            ..Signals::default()
        };
        assert_eq!(rules.screen(&ordinary).decision, Decision::Pass);
        let big_first = Signals {
            first_order_total: 250_000,
            ..Signals::default()
        };
        let held = rules.screen(&big_first);
        assert_eq!((held.decision, held.score), (Decision::Hold, 60));
        assert_eq!(held.reasons, ["a high-value first order"]);
        let abroad_too = Signals {
            ships_outside_card_country: 1,
            declined_last_day: 3,
            ..big_first
        };
        assert_eq!(rules.screen(&abroad_too).decision, Decision::Reject);
    }

    #[test]
    fn rules_that_do_not_read_are_refused() {
        assert!(Rules::parse(r#"{"hold_at": 90, "reject_at": 50, "rules": []}"#).is_err());
        assert!(Rules::parse(r#"{"hold_at": 1, "reject_at": 2, "rules": [{"signal": "moon_phase", "above": 0, "score": 1, "reason": "x"}]}"#).is_err());
    }
}
