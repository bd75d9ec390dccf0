//! Guests' carts. A guest gets a signed cart token (no account needed) and sends it in
//! `X-Cart-Token` on the guest cart routes; the signature (HMAC-SHA256 with the deployment's
//! secret) means no table read is needed to trust it, and no one can name another guest's cart.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

crate::ulid_identifier!(
    /// A guest shopper, made when their cart token is issued.
    GuestId, "a guest id"
);

/// How long a token is good for; the cart itself lives 7 days from its last change.
pub const TOKEN_DAYS: u64 = 30;
const VERSION: &str = "v1";

/// Issues and checks cart tokens with the deployment's secret (`CART_TOKEN_SECRET`).
pub struct CartTokens {
    key: aws_lc_rs::hmac::Key,
}

/// A new guest's token.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct IssuedToken {
    pub cart_token: String,
    /// Seconds since the epoch when the token stops being accepted.
    pub expires_at: u64,
}

impl CartTokens {
    /// At least 32 bytes of secret: a shorter one is refused at init, not guessed at later.
    pub fn new(secret: &str) -> anyhow::Result<Self> {
        anyhow::ensure!(
            secret.len() >= 32,
            "CART_TOKEN_SECRET must be at least 32 bytes"
        );
        Ok(Self {
            key: aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret.as_bytes()),
        })
    }

    /// The shape every function's dependencies are built in; signing a token reaches no AWS
    /// service, so the SDK's settings go unused.
    pub fn from_source(
        _sdk: &aws_config::SdkConfig,
        source: &impl crate::config::Source,
    ) -> anyhow::Result<Self> {
        Self::new(&source.required("CART_TOKEN_SECRET")?)
    }

    /// A token naming a new guest, good for [`TOKEN_DAYS`] from `now` (seconds since the epoch).
    pub fn issue(&self, now: u64) -> IssuedToken {
        let expires_at = now + TOKEN_DAYS * 24 * 60 * 60;
        let claims = format!("{VERSION}.{}.{expires_at}", GuestId::generate());
        let tag = aws_lc_rs::hmac::sign(&self.key, claims.as_bytes());
        IssuedToken {
            cart_token: format!("{claims}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref())),
            expires_at,
        }
    }

    /// The guest a token names, if this deployment signed it and it has not expired.
    pub fn verify(&self, token: &str, now: u64) -> Option<GuestId> {
        let (claims, tag) = token.rsplit_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        aws_lc_rs::hmac::verify(&self.key, claims.as_bytes(), &tag).ok()?;
        let mut parts = claims.split('.');
        let (version, guest, expires_at) = (parts.next()?, parts.next()?, parts.next()?);
        if version != VERSION || parts.next().is_some() || expires_at.parse::<u64>().ok()? <= now {
            return None;
        }
        guest.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000;

    fn tokens() -> CartTokens {
        CartTokens::new("a secret of at least thirty-two bytes!").unwrap()
    }

    #[test]
    fn a_token_names_its_guest_until_it_expires() {
        let issued = tokens().issue(NOW);
        let guest = tokens().verify(&issued.cart_token, NOW).unwrap();
        assert_eq!(
            tokens().verify(&issued.cart_token, issued.expires_at - 1),
            Some(guest)
        );
        assert_eq!(tokens().verify(&issued.cart_token, issued.expires_at), None);
        assert_ne!(
            tokens().issue(NOW).cart_token,
            issued.cart_token,
            "a new guest each time"
        );
    }

    #[test]
    fn a_token_changed_or_signed_with_another_secret_is_refused() {
        let token = tokens().issue(NOW).cart_token;
        let other = CartTokens::new("another secret, thirty-two bytes long").unwrap();
        assert_eq!(other.verify(&token, NOW), None);
        let (claims, tag) = token.rsplit_once('.').unwrap();
        let guest = GuestId::generate();
        let forged = format!("v1.{guest}.{}.{tag}", claims.rsplit('.').next().unwrap());
        assert_eq!(tokens().verify(&forged, NOW), None);
        let later = claims.replace(&(NOW + TOKEN_DAYS * 86_400).to_string(), "9999999999");
        assert_eq!(tokens().verify(&format!("{later}.{tag}"), NOW), None);
        for junk in ["", "v1", "v1.x.y", "v1.x.y.z.w", "...."] {
            assert_eq!(tokens().verify(junk, NOW), None, "{junk}");
        }
        assert!(CartTokens::new("short").is_err());
    }
}
