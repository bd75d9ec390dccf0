//! The local identity provider: a dev issuer with its own key pair, which mints tokens for demo
//! users and tests and publishes its JWKS through the gateway. Tokens are checked by
//! `shared::auth`, as API Gateway's JWT authorizer checks them; the tests of that check are here,
//! beside the issuer that signs their tokens.

use anyhow::Context;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use std::path::Path;

pub use shared::auth::{Authorizer, Claims};

pub const DEV_ISSUER: &str = "https://dev-issuer.rainforest.local";
pub const DEV_AUDIENCE: &str = "rainforest-local";
const KEY_ID: &str = "rainforest-dev-1";

/// The settings that point the shopper authorizer at the dev issuer, whose keys the gateway at
/// `gateway` (`http://host:port`) serves.
pub fn local_issuer_settings(gateway: &str) -> [(String, String); 3] {
    [
        ("JWT_ISSUER".to_owned(), DEV_ISSUER.to_owned()),
        ("JWT_AUDIENCE".to_owned(), DEV_AUDIENCE.to_owned()),
        (
            "JWKS_URL".to_owned(),
            format!("{gateway}/.well-known/jwks.json"),
        ),
    ]
}

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

    /// As API Gateway: the bare token is taken too, `aud` may be a list, and a token without
    /// `aud` (a Cognito access token) is for us when its `client_id` is.
    #[test]
    fn access_tokens_bare_tokens_and_audience_lists_are_checked_as_api_gateway_does() {
        let issuer = DevIssuer::generate().unwrap();
        let authorizer = authorizer(&issuer);
        let signed = |change: &dyn Fn(&mut Value)| {
            let mut claims = issuer.claims("u", &["customer"], DEV_AUDIENCE, 300);
            change(&mut claims);
            issuer.sign(&claims).unwrap()
        };
        let access = |client: &str| {
            signed(&|claims| {
                claims.as_object_mut().unwrap().remove("aud");
                claims["client_id"] = json!(client);
                claims["token_use"] = json!("access");
            })
        };
        assert!(authorizer.authorize(Some(&access(DEV_AUDIENCE))).is_some());
        assert!(authorizer.authorize(Some(&access("another-app"))).is_none());
        let both = signed(&|claims| claims["client_id"] = json!("another-app"));
        assert!(
            authorizer.authorize(Some(&both)).is_some(),
            "aud decides when there is one"
        );
        let neither = signed(&|claims| {
            claims.as_object_mut().unwrap().remove("aud");
        });
        assert!(authorizer.authorize(Some(&neither)).is_none());
        let listed = signed(&|claims| claims["aud"] = json!(["another-app", DEV_AUDIENCE]));
        assert!(authorizer.authorize(Some(&listed)).is_some());
        let elsewhere = signed(&|claims| claims["aud"] = json!(["another-app"]));
        assert!(authorizer.authorize(Some(&elsewhere)).is_none());
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

    /// Answers `status` and `jwks` at a URL of its own as an issuer does, counting the fetches.
    async fn issuer_serving(
        status: &'static str,
        jwks: Value,
    ) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        use std::sync::atomic::Ordering;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/.well-known/jwks.json",
            listener.local_addr().unwrap()
        );
        let fetches = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = fetches.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                let (mut request, mut chunk) = (Vec::new(), [0_u8; 1024]);
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    let read = stream.read(&mut chunk).await.unwrap();
                    if read == 0 {
                        break;
                    }
                    request.extend_from_slice(&chunk[..read]);
                }
                let body = jwks.to_string();
                let response = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                stream.write_all(response.as_bytes()).await.unwrap();
            }
        });
        (url, fetches)
    }

    fn issuer_keys(url: &str) -> shared::auth::IssuerKeys {
        let settings = std::collections::HashMap::from([
            ("JWT_ISSUER".to_owned(), DEV_ISSUER.to_owned()),
            ("JWT_AUDIENCE".to_owned(), DEV_AUDIENCE.to_owned()),
            ("JWKS_URL".to_owned(), url.to_owned()),
        ]);
        shared::auth::IssuerKeys::from_source(&settings).unwrap()
    }

    /// The keys are fetched when the first token needs them, then kept: a token naming a key
    /// they lack does not send us back to the issuer within the minute. No keys to be had is an
    /// error, not a refusal, and the requests right after it fail without asking again.
    #[tokio::test]
    async fn the_issuers_keys_are_fetched_once_and_an_unknown_key_id_cannot_make_us_refetch() {
        use std::sync::atomic::Ordering;
        let issuer = DevIssuer::generate().unwrap();
        let (url, fetches) = issuer_serving("200 OK", issuer.jwks()).await;
        let keys = issuer_keys(&url);
        let good = format!(
            "Bearer {}",
            issuer.mint("u", &[], DEV_AUDIENCE, 300).unwrap()
        );
        for _ in 0..3 {
            let claims = keys.authorize(&good).await.unwrap().unwrap();
            assert_eq!(claims["sub"], "u");
        }
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some("rotated-in".to_owned());
        let claims = issuer.claims("u", &[], DEV_AUDIENCE, 300);
        let unknown = jsonwebtoken::encode(&header, &claims, &issuer.encoding).unwrap();
        for _ in 0..3 {
            assert!(
                keys.authorize(&format!("Bearer {unknown}"))
                    .await
                    .unwrap()
                    .is_none()
            );
        }
        assert!(keys.authorize("Bearer junk").await.unwrap().is_none());
        assert_eq!(fetches.load(Ordering::SeqCst), 1);

        // Cognito's own URL, trusted under Amazon's roots alone.
        let cognito = std::collections::HashMap::from([
            (
                "JWT_ISSUER".to_owned(),
                "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool".to_owned(),
            ),
            ("JWT_AUDIENCE".to_owned(), DEV_AUDIENCE.to_owned()),
        ]);
        assert!(shared::auth::IssuerKeys::from_source(&cognito).is_ok());

        let (failing, asked) = issuer_serving("503 Service Unavailable", json!({})).await;
        let keys = issuer_keys(&failing);
        assert!(keys.authorize(&good).await.is_err());
        assert!(keys.authorize(&good).await.is_err());
        assert_eq!(asked.load(Ordering::SeqCst), 1, "the second failed at once");
    }
}
