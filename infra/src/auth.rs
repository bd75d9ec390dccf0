//! Authentication as API Gateway's JWT authorizer does it: a bearer token is checked for its
//! RS256 signature against a JWKS, its issuer, audience and expiry, and that it is already valid
//! (`nbf` and `iat` not in the future); its claims reach the function in the request context. Locally the issuer is a dev issuer with its own key pair,
//! which also mints tokens for demo users.

use anyhow::Context;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Map, Value, json};
use std::path::Path;

pub const DEV_ISSUER: &str = "https://dev-issuer.rainforest.local";
pub const DEV_AUDIENCE: &str = "rainforest-local";
const KEY_ID: &str = "rainforest-dev-1";
/// How far ahead of our clock an issuer's `nbf` or `iat` may be: API Gateway requires both to be
/// in the past and documents no leeway, so this only absorbs clocks a few seconds apart.
const CLOCK_SKEW_SECONDS: u64 = 5;

/// The local identity provider: an RSA key pair kept in `.local/` so tokens survive restarts.
pub struct DevIssuer {
    encoding: EncodingKey,
    jwk: Value,
}

impl DevIssuer {
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        if !path.exists() {
            use std::io::Write;
            use std::os::unix::fs::OpenOptionsExt;
            let pem = Self::generate_pem()?;
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .with_context(|| format!("creating {}", path.display()))?;
            file.write_all(pem.as_bytes())?;
        }
        let pem =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Self::from_pem(&pem)
    }

    /// A fresh key pair that no one else has (tests use one to forge signatures).
    pub fn generate() -> anyhow::Result<Self> {
        Self::from_pem(&Self::generate_pem()?)
    }

    fn generate_pem() -> anyhow::Result<String> {
        let key = KeyPair::generate(KeySize::Rsa2048)
            .map_err(|_| anyhow::anyhow!("generating an RSA key"))?;
        let der = key
            .as_der()
            .map_err(|_| anyhow::anyhow!("encoding the RSA key"))?;
        let body = STANDARD.encode(der.as_ref());
        let lines = body
            .as_bytes()
            .chunks(64)
            .map(std::str::from_utf8)
            .collect::<Result<Vec<&str>, _>>()?;
        Ok(format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            lines.join("\n")
        ))
    }

    fn from_pem(pem: &str) -> anyhow::Result<Self> {
        let encoding =
            EncodingKey::from_rsa_pem(pem.as_bytes()).context("reading the dev issuer key")?;
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = STANDARD
            .decode(body)
            .context("decoding the dev issuer key")?;
        let key = KeyPair::from_pkcs8(&der)
            .map_err(|e| anyhow::anyhow!("parsing the dev issuer key: {e}"))?;
        let public = key.public_key();
        let jwk = json!({
            "kty": "RSA", "use": "sig", "alg": "RS256", "kid": KEY_ID,
            "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
            "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
        });
        Ok(Self { encoding, jwk })
    }

    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.jwk] })
    }

    /// A signed token for `user` in `groups`, valid for `lifetime_seconds` (negative: expired).
    pub fn mint(
        &self,
        user: &str,
        groups: &[&str],
        audience: &str,
        lifetime_seconds: i64,
    ) -> anyhow::Result<String> {
        self.sign(&self.claims(user, groups, audience, lifetime_seconds))
    }

    /// The claims of a Cognito-style ID token for `user`, issued now.
    pub fn claims(
        &self,
        user: &str,
        groups: &[&str],
        audience: &str,
        lifetime_seconds: i64,
    ) -> Value {
        let now = jsonwebtoken::get_current_timestamp() as i64;
        json!({
            "sub": user, "iss": DEV_ISSUER, "aud": audience, "token_use": "id",
            "iat": now.min(now + lifetime_seconds), "exp": now + lifetime_seconds,
            "email": format!("{user}@example.com"), "email_verified": true, "cognito:groups": groups,
        })
    }

    /// Signs any claims with the issuer's key (tests use it for odd claims).
    pub fn sign(&self, claims: &Value) -> anyhow::Result<String> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(KEY_ID.to_owned());
        Ok(jsonwebtoken::encode(&header, claims, &self.encoding)?)
    }
}

/// Checks bearer tokens against one issuer's keys, as the HTTP API's JWT authorizer does.
pub struct Authorizer {
    keys: Vec<(Option<String>, DecodingKey)>,
    validation: Validation,
}

/// Claims as API Gateway hands them to the function: every value a string, lists as `[a b]`.
pub type Claims = Map<String, Value>;

impl Authorizer {
    pub fn new(jwks: &Value, issuer: &str, audiences: &[&str]) -> anyhow::Result<Self> {
        let set: jsonwebtoken::jwk::JwkSet =
            serde_json::from_value(jwks.clone()).context("reading the JWKS")?;
        let keys = set
            .keys
            .iter()
            .map(|jwk| Ok((jwk.common.key_id.clone(), DecodingKey::from_jwk(jwk)?)))
            .collect::<anyhow::Result<_>>()?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(audiences);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 0;
        Ok(Self { keys, validation })
    }

    /// The claims of a valid `Authorization: Bearer` header; `None` means 401.
    pub fn authorize(&self, authorization: Option<&str>) -> Option<Claims> {
        let token = authorization?.strip_prefix("Bearer ")?.trim();
        let kid = jsonwebtoken::decode_header(token).ok()?.kid;
        let key = self
            .keys
            .iter()
            .find(|(id, _)| kid.is_none() || *id == kid)
            .map(|(_, key)| key)?;
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, key, &self.validation).ok()?;
        let latest = jsonwebtoken::get_current_timestamp() + CLOCK_SKEW_SECONDS;
        let in_future = |claim: &str| match data.claims.get(claim) {
            None => false,
            Some(value) => value.as_u64().is_none_or(|at| at > latest),
        };
        if in_future("nbf") || in_future("iat") {
            return None;
        }
        Some(
            data.claims
                .into_iter()
                .map(|(name, value)| (name, Value::String(claim_text(&value))))
                .collect(),
        )
    }
}

fn claim_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(claim_text).collect::<Vec<_>>().join(" ")
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authorizer(issuer: &DevIssuer) -> Authorizer {
        Authorizer::new(&issuer.jwks(), DEV_ISSUER, &[DEV_AUDIENCE]).unwrap()
    }

    #[test]
    fn valid_tokens_pass_with_api_gateway_style_claims() {
        let issuer = DevIssuer::generate().unwrap();
        let token = issuer
            .mint("seller-1", &["seller", "admin"], DEV_AUDIENCE, 300)
            .unwrap();
        let claims = authorizer(&issuer)
            .authorize(Some(&format!("Bearer {token}")))
            .unwrap();
        assert_eq!(claims["sub"], "seller-1");
        assert_eq!(claims["cognito:groups"], "[seller admin]");
    }

    #[test]
    fn expired_foreign_audience_forged_and_missing_tokens_fail() {
        let issuer = DevIssuer::generate().unwrap();
        let check = |token: String| authorizer(&issuer).authorize(Some(&format!("Bearer {token}")));
        assert!(check(issuer.mint("u", &[], DEV_AUDIENCE, -10).unwrap()).is_none());
        assert!(check(issuer.mint("u", &[], "someone-else", 300).unwrap()).is_none());
        assert!(
            check(
                DevIssuer::generate()
                    .unwrap()
                    .mint("u", &[], DEV_AUDIENCE, 300)
                    .unwrap()
            )
            .is_none()
        );
        assert!(authorizer(&issuer).authorize(None).is_none());
        assert!(
            check(
                issuer
                    .sign(&issuer.claims("u", &[], DEV_AUDIENCE, 300))
                    .unwrap()
            )
            .is_some()
        );
        for claim in ["nbf", "iat"] {
            let mut claims = issuer.claims("u", &[], DEV_AUDIENCE, 7200);
            let now = claims["iat"].as_u64().unwrap();
            claims[claim] = json!(now + 3600);
            assert!(
                check(issuer.sign(&claims).unwrap()).is_none(),
                "{claim} an hour ahead"
            );
            claims[claim] = json!(now + 1);
            assert!(
                check(issuer.sign(&claims).unwrap()).is_some(),
                "{claim} within the skew"
            );
            claims[claim] = json!("soon");
            assert!(
                check(issuer.sign(&claims).unwrap()).is_none(),
                "{claim} not a time"
            );
        }
        assert!(
            authorizer(&issuer)
                .authorize(Some("Basic dXNlcjpwYXNz"))
                .is_none()
        );
    }
}
