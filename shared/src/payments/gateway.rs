//! The payment gateway's side, simulated as card networks' test modes behave: the token says
//! what the card does. A real provider (Stripe's PaymentIntents: create with
//! `capture_method=manual`, then capture, cancel or refund, each with an `Idempotency-Key`) takes
//! the same four calls with the same keys; its adapter would make this a trait.

use serde::{Deserialize, Serialize};

crate::identifier!(
    /// A card as the gateway's token names it (`tok_visa`, `pm_...`): never a card number.
    PaymentToken, 5, 64, "A-Za-z0-9_", "letters, digits or '_' (a gateway's token, not a card number)"
);

/// Why a card was refused: what the shopper is told, as `decline_code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decline {
    InsufficientFunds,
    StolenCard,
    /// Authorized, then refused when taken.
    CaptureRefused,
}

/// What the gateway answers to one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GatewayAnswer {
    Approved,
    Declined(Decline),
    /// It could not answer now (down, throttled, timed out): the same call may pass later.
    Unavailable,
}

/// The test modes, by token:
/// - `tok_chargeDeclinedInsufficientFunds`, `tok_chargeDeclinedStolenCard`: authorization declined;
/// - `tok_unavailable_<n>`: the first `n` authorizations find the gateway unavailable;
/// - `tok_timeout`: every authorization times out;
/// - `tok_captureFails`: authorizes, then the capture is declined;
/// - any other token approves; `tok_<country>` (`tok_gb`) is a card of that country.
#[derive(Debug, Clone, Copy, Default)]
pub struct SimulatedGateway;

impl SimulatedGateway {
    /// Authorization `attempt` (1 for the first) of a charge on `token`.
    pub fn authorize(&self, token: &PaymentToken, attempt: u32) -> GatewayAnswer {
        match token.as_ref() {
            "tok_chargeDeclinedInsufficientFunds" => {
                GatewayAnswer::Declined(Decline::InsufficientFunds)
            }
            "tok_chargeDeclinedStolenCard" => GatewayAnswer::Declined(Decline::StolenCard),
            "tok_timeout" => GatewayAnswer::Unavailable,
            other => match other
                .strip_prefix("tok_unavailable_")
                .and_then(|n| n.parse::<u32>().ok())
            {
                Some(failures) if attempt <= failures => GatewayAnswer::Unavailable,
                _ => GatewayAnswer::Approved,
            },
        }
    }

    /// The country that issued the card: `tok_<country>` (`tok_gb`, as Stripe's test cards
    /// name theirs) for a foreign card, the United States for any other.
    pub fn card_country(&self, token: &PaymentToken) -> String {
        match token.as_ref().strip_prefix("tok_") {
            Some(code) if code.len() == 2 && code.bytes().all(|b| b.is_ascii_lowercase()) => {
                code.to_ascii_uppercase()
            }
            _ => "US".to_owned(),
        }
    }

    pub fn capture(&self, token: &PaymentToken) -> GatewayAnswer {
        if token.as_ref() == "tok_captureFails" {
            GatewayAnswer::Declined(Decline::CaptureRefused)
        } else {
            GatewayAnswer::Approved
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(text: &str) -> PaymentToken {
        text.parse().unwrap()
    }

    #[test]
    fn test_tokens_behave_as_their_names_say() {
        let gateway = SimulatedGateway;
        assert_eq!(
            gateway.authorize(&token("tok_visa"), 1),
            GatewayAnswer::Approved
        );
        assert_eq!(
            gateway.authorize(&token("tok_chargeDeclinedStolenCard"), 1),
            GatewayAnswer::Declined(Decline::StolenCard)
        );
        assert_eq!(
            gateway.authorize(&token("tok_chargeDeclinedInsufficientFunds"), 3),
            GatewayAnswer::Declined(Decline::InsufficientFunds)
        );
        let flaky = token("tok_unavailable_2");
        let answers: Vec<_> = (1..=3).map(|n| gateway.authorize(&flaky, n)).collect();
        assert_eq!(
            answers,
            [
                GatewayAnswer::Unavailable,
                GatewayAnswer::Unavailable,
                GatewayAnswer::Approved
            ]
        );
        assert_eq!(
            gateway.authorize(&token("tok_timeout"), 9),
            GatewayAnswer::Unavailable
        );
        let fails = token("tok_captureFails");
        assert_eq!(gateway.authorize(&fails, 1), GatewayAnswer::Approved);
        assert_eq!(
            gateway.capture(&fails),
            GatewayAnswer::Declined(Decline::CaptureRefused)
        );
    }
}
