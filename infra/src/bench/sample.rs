//! The event a function is benched with, from its crate's `bench.json`: for an HTTP function a
//! request against the demo catalog, turned into the event API Gateway sends; for a consumer the
//! event itself. `{n}` in a sample (its user included) becomes the invocation's number, for writes that must
//! differ.

use crate::auth::{Authorizer, DEV_AUDIENCE, DevIssuer};
use crate::gateway::{self, EventParts, Route};
use anyhow::{Context, bail};
use http::{HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Sample {
    /// An HTTP API request; `user` (with `groups`) signs in through the JWT authorizer.
    Request {
        method: String,
        path: String,
        #[serde(default)]
        user: Option<String>,
        #[serde(default)]
        groups: Vec<String>,
        #[serde(default)]
        headers: BTreeMap<String, String>,
        #[serde(default)]
        body: Option<Value>,
        /// Settings that differ for the bench: a wait for work the bench does not run.
        #[serde(default)]
        environment: BTreeMap<String, String>,
    },
    /// A queue or stream consumer's event, as its event source mapping sends it.
    Event(Value),
}

impl Sample {
    pub fn load(crate_dir: &Path) -> anyhow::Result<Self> {
        let path = crate_dir.join("bench.json");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {} (the function's bench sample)", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }

    /// The function's settings the sample overrides.
    pub fn environment(&self) -> BTreeMap<String, String> {
        match self {
            Self::Request { environment, .. } => environment.clone(),
            Self::Event(_) => BTreeMap::new(),
        }
    }

    /// The event of invocation `n`; `routes` are the function's routes in the template.
    /// `{cart_token}` becomes `cart_token`: a guest's, signed with the function's secret.
    pub fn event(
        &self,
        n: usize,
        routes: &[&Route],
        caller: &Caller,
        cart_token: Option<&str>,
    ) -> anyhow::Result<Value> {
        let numbered = |text: &str| {
            let text = text.replace("{n}", &n.to_string());
            match cart_token {
                Some(token) => text.replace("{cart_token}", token),
                None => text,
            }
        };
        match self {
            Self::Event(event) => Ok(serde_json::from_str(&numbered(&event.to_string()))?),
            Self::Request {
                method,
                path,
                user,
                groups,
                headers,
                body,
                ..
            } => {
                let path = numbered(path);
                // A query string rides on the path, as in a URL.
                let (path, query) = path.split_once('?').unwrap_or((&path, ""));
                let (route, path_parameters) = routes
                    .iter()
                    .find_map(|route| Some((route, route.matches(method, path)?)))
                    .with_context(|| format!("{method} {path} is none of the function's routes"))?;
                let mut header_map = HeaderMap::new();
                for (name, value) in headers {
                    header_map.insert(
                        HeaderName::try_from(name.as_str())?,
                        HeaderValue::try_from(numbered(value))?,
                    );
                }
                let body = body
                    .as_ref()
                    .map(|body| numbered(&body.to_string()))
                    .unwrap_or_default();
                if !body.is_empty() {
                    header_map.insert(
                        http::header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json"),
                    );
                }
                let claims = match user {
                    Some(user) => Some(caller.claims(&numbered(user), groups)?),
                    None => None,
                };
                Ok(gateway::event(EventParts {
                    route,
                    method,
                    path,
                    query,
                    path_parameters,
                    headers: &header_map,
                    body: body.as_bytes(),
                    claims,
                    source_ip: "127.0.0.1".to_owned(),
                }))
            }
        }
    }
}

/// Signs callers in as the local gateway does: a dev-issuer token through the JWT authorizer.
pub struct Caller {
    issuer: DevIssuer,
    authorizer: Authorizer,
}

impl Caller {
    pub fn new() -> anyhow::Result<Self> {
        let issuer = DevIssuer::generate()?;
        let authorizer = Authorizer::new(&issuer.jwks(), crate::auth::DEV_ISSUER, &[DEV_AUDIENCE])?;
        Ok(Self { issuer, authorizer })
    }

    fn claims(&self, user: &str, groups: &[String]) -> anyhow::Result<crate::auth::Claims> {
        let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
        let token = self.issuer.mint(user, &groups, DEV_AUDIENCE, 3600)?;
        match self.authorizer.authorize(Some(&format!("Bearer {token}"))) {
            Some(claims) => Ok(claims),
            None => bail!("the authorizer refused {user}'s token"),
        }
    }
}

/// Whether a function's answer is a success: a 2xx/3xx for an HTTP function, a request let
/// through for an authorizer, no failed batch item for a consumer. The bench measures the path
/// users take, not a refusal.
pub fn failure(response: &Value) -> Option<String> {
    if response.get("isAuthorized") == Some(&Value::Bool(false)) {
        return Some(format!("refused: {response}"));
    }
    if let Some(status) = response.get("statusCode").and_then(Value::as_u64) {
        return (status >= 400).then(|| format!("HTTP {status}: {}", response["body"]));
    }
    match response.get("batchItemFailures").and_then(Value::as_array) {
        Some(failed) if !failed.is_empty() => Some(format!("failed items: {response}")),
        _ => None,
    }
}
