//! Bearer tokens checked as API Gateway's JWT authorizer checks them: an RS256 signature by one
//! of the issuer's keys (its JWKS), the issuer, the audience, expiry, and `nbf` and `iat` not in
//! the future. The local gateway uses [`Authorizer`] for the routes behind the JWT authorizer;
//! the shopper authorizer, which makes the token optional, fetches the keys with [`IssuerKeys`].

use anyhow::Context;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

/// How far ahead of our clock an issuer's `nbf` or `iat` may be: API Gateway requires both to be
/// in the past and documents no leeway, so this only absorbs clocks a few seconds apart.
const CLOCK_SKEW_SECONDS: u64 = 5;

/// Claims as API Gateway hands them to the function: every value a string, lists as `[a b]`.
pub type Claims = Map<String, Value>;

/// Checks bearer tokens against one issuer's keys.
pub struct Authorizer {
    keys: Vec<(Option<String>, DecodingKey)>,
    validation: Validation,
    audiences: Vec<String>,
}

/// A token as API Gateway takes it from `Authorization` (with or without `Bearer `), and the
/// key its header names: a token that names none is refused, as API Gateway refuses it.
struct Bearer<'a> {
    token: &'a str,
    kid: String,
}

impl<'a> Bearer<'a> {
    fn parse(authorization: &'a str) -> Option<Self> {
        let token = authorization
            .strip_prefix("Bearer ")
            .unwrap_or(authorization)
            .trim();
        let kid = jsonwebtoken::decode_header(token).ok()?.kid?;
        Some(Self { token, kid })
    }
}

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
        // `aud`, or `client_id` without it, is checked by `for_us`.
        validation.validate_aud = false;
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        validation.leeway = 0;
        Ok(Self {
            keys,
            validation,
            audiences: audiences.iter().map(|a| (*a).to_owned()).collect(),
        })
    }

    /// The claims of a valid `Authorization` header; `None` means 401.
    pub fn authorize(&self, authorization: Option<&str>) -> Option<Claims> {
        self.verify(&Bearer::parse(authorization?)?)
    }

    fn verify(&self, bearer: &Bearer) -> Option<Claims> {
        let key = self.key(&bearer.kid)?;
        let data =
            jsonwebtoken::decode::<Map<String, Value>>(bearer.token, key, &self.validation).ok()?;
        let latest = jsonwebtoken::get_current_timestamp() + CLOCK_SKEW_SECONDS;
        let in_future = |claim: &str| match data.claims.get(claim) {
            None => false,
            Some(value) => value.as_u64().is_none_or(|at| at > latest),
        };
        if !self.for_us(&data.claims) || in_future("nbf") || in_future("iat") {
            return None;
        }
        Some(
            data.claims
                .into_iter()
                .map(|(name, value)| (name, Value::String(claim_text(&value))))
                .collect(),
        )
    }

    /// API Gateway's rule: `aud` names one of the audiences, or, only in a token without `aud`
    /// (a Cognito access token), `client_id` does.
    fn for_us(&self, claims: &Map<String, Value>) -> bool {
        let ours = |value: &Value| {
            value
                .as_str()
                .is_some_and(|name| self.audiences.iter().any(|a| a == name))
        };
        match claims.get("aud") {
            Some(Value::Array(audiences)) => audiences.iter().any(ours),
            Some(audience) => ours(audience),
            None => claims.get("client_id").is_some_and(ours),
        }
    }

    fn key(&self, kid: &str) -> Option<&DecodingKey> {
        self.keys
            .iter()
            .find(|(id, _)| id.as_deref() == Some(kid))
            .map(|(_, key)| key)
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

/// An issuer's keys, fetched from its JWKS URL when a token first needs them and again when a
/// token names a key they lack (the issuer rotated its keys), at most once a minute: a flood of
/// tokens with made-up key ids cannot make this process hammer the issuer.
pub struct IssuerKeys {
    url: String,
    issuer: String,
    audience: String,
    http: reqwest::Client,
    fetched: RwLock<Fetched>,
}

/// The keys had so far, and when the issuer was last asked, whether or not it answered.
#[derive(Default)]
struct Fetched {
    keys: Option<Authorizer>,
    asked: Option<Instant>,
}

/// How soon an issuer that failed to answer, while there are no keys at all, is asked again:
/// the requests meanwhile fail at once instead of each waiting on the issuer.
const RETRY_AFTER: Duration = Duration::from_secs(5);

impl Fetched {
    /// The answer for `bearer` without asking the issuer; `None` when it is time to ask.
    fn answer(&self, bearer: &Bearer) -> Option<anyhow::Result<Option<Claims>>> {
        let asked_within = |wait| self.asked.is_some_and(|at| at.elapsed() < wait);
        match &self.keys {
            Some(keys) if keys.key(&bearer.kid).is_some() || asked_within(REFETCH_AFTER) => {
                Some(Ok(keys.verify(bearer)))
            }
            None if asked_within(RETRY_AFTER) => Some(Err(anyhow::anyhow!(
                "the issuer's keys could not be fetched moments ago"
            ))),
            _ => None,
        }
    }
}

/// How often an unknown key id may send us back to the issuer.
const REFETCH_AFTER: Duration = Duration::from_secs(60);

impl IssuerKeys {
    /// `JWT_ISSUER` and `JWT_AUDIENCE` (the app client); the keys are at
    /// `<issuer>/.well-known/jwks.json`, as Cognito and OpenID Connect publish them, unless
    /// `JWKS_URL` says otherwise (the local gateway serves its dev issuer's).
    pub fn from_source(source: &impl crate::config::Source) -> anyhow::Result<Self> {
        let issuer = source.required("JWT_ISSUER")?;
        let url = source
            .get("JWKS_URL")
            .filter(|url| !url.is_empty())
            .unwrap_or_else(|| format!("{}/.well-known/jwks.json", issuer.trim_end_matches('/')));
        let parsed = reqwest::Url::parse(&url).with_context(|| format!("JWKS URL {url}"))?;
        // Cognito's keys chain to Amazon's roots, as the SDK's endpoints do.
        let http = crate::aws::reqwest_client(
            &parsed,
            reqwest::Client::builder().timeout(Duration::from_secs(5)),
        )
        .context("building the JWKS client")?;
        Ok(Self {
            url,
            issuer,
            audience: source.required("JWT_AUDIENCE")?,
            http,
            fetched: RwLock::new(Fetched::default()),
        })
    }

    /// The claims of a valid bearer token; `Ok(None)` for any token that is not one. An error
    /// means the issuer's keys could not be had.
    pub async fn authorize(&self, authorization: &str) -> anyhow::Result<Option<Claims>> {
        let Some(bearer) = Bearer::parse(authorization) else {
            return Ok(None);
        };
        if let Some(answer) = self.fetched.read().await.answer(&bearer) {
            return answer;
        }
        let mut fetched = self.fetched.write().await;
        // Another request may have asked the issuer while this one waited.
        if let Some(answer) = fetched.answer(&bearer) {
            return answer;
        }
        let keys = self.fetch().await;
        fetched.asked = Some(Instant::now());
        match keys {
            Ok(keys) => fetched.keys = Some(keys),
            // The keys had before still check the tokens they know.
            Err(error) if fetched.keys.is_some() => tracing::warn!(
                error = format!("{error:#}"),
                "kept the issuer's keys had before"
            ),
            Err(error) => return Err(error),
        }
        Ok(fetched.keys.as_ref().and_then(|keys| keys.verify(&bearer)))
    }

    async fn fetch(&self) -> anyhow::Result<Authorizer> {
        tracing::info!(url = %self.url, "fetching the issuer's keys");
        let response = self
            .http
            .get(&self.url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .with_context(|| format!("fetching the issuer's keys from {}", self.url))?;
        let jwks: Value = response
            .json()
            .await
            .with_context(|| format!("reading the issuer's keys from {}", self.url))?;
        Authorizer::new(&jwks, &self.issuer, &[&self.audience])
    }
}
