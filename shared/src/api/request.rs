use super::{ApiError, Invalid};
use http::{Method, header};
use lambda_http::{Body, Request, RequestExt};
use serde::de::DeserializeOwned;
use std::str::FromStr;

/// Largest JSON body any route accepts; catalog documents are a few KiB.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn require_method(request: &Request, allowed: Method) -> Result<(), ApiError> {
    if request.method() == allowed {
        Ok(())
    } else {
        Err(ApiError::MethodNotAllowed { allowed })
    }
}

/// Parses the JSON body into `T`, whose types enforce every field rule; the first broken rule
/// is answered with its field path (`offer.price.amount`).
pub fn json_body<T: DeserializeOwned>(request: &Request) -> Result<T, ApiError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if media_type != "application/json" && !media_type.ends_with("+json") {
        return Err(ApiError::UnsupportedMediaType(
            "Content-Type must be application/json".into(),
        ));
    }
    let bytes: &[u8] = match request.body() {
        Body::Empty => &[],
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    };
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge {
            limit: MAX_BODY_BYTES,
        });
    }
    // Serde would also read a struct from an array; every body here is an object.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(Invalid::new("body", "must be a JSON object").into());
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|error| Invalid::from_json_error(&error))?;
    deserializer
        .end()
        .map_err(|_| Invalid::new("body", "must hold one JSON value and nothing after it"))?;
    Ok(value)
}

impl Invalid {
    fn from_json_error(error: &serde_path_to_error::Error<serde_json::Error>) -> Self {
        let path = error.path().to_string();
        let inner = error.inner();
        let mut rule = inner.to_string();
        // serde_json appends the position; the field path says more.
        if let Some(at) = rule.rfind(" at line ") {
            rule.truncate(at);
        }
        if inner.is_syntax() || inner.is_eof() {
            return Invalid::new("body", format!("must be well-formed JSON ({rule})"));
        }
        let parent = if path == "." {
            String::new()
        } else {
            format!("{path}.")
        };
        // Missing and unknown fields are named in the message, not the path.
        for (prefix, what) in [
            ("missing field `", "is required"),
            ("unknown field `", "is not a known field"),
        ] {
            if let Some(rest) = rule.strip_prefix(prefix) {
                let name = rest.split('`').next().unwrap_or_default();
                let field = if path.ends_with(name) {
                    path.clone()
                } else {
                    format!("{parent}{name}")
                };
                return Invalid::new(field, what);
            }
        }
        let field = if path == "." { "body".to_owned() } else { path };
        Invalid::new(field, rule)
    }
}

/// A path parameter, parsed; a bad one is a 400 naming the parameter.
pub fn path_param<T: FromStr<Err = String>>(request: &Request, name: &str) -> Result<T, ApiError> {
    let params = request.path_parameters();
    let raw = params
        .first(name)
        .ok_or_else(|| Invalid::new(name, "is required in the path"))?;
    raw.parse().map_err(|rule| Invalid::new(name, rule).into())
}

/// An optional query-string parameter, parsed.
pub fn query_param<T: FromStr>(request: &Request, name: &str) -> Result<Option<T>, ApiError>
where
    T::Err: std::fmt::Display,
{
    let params = request.query_string_parameters();
    params
        .first(name)
        .map(|raw| {
            raw.parse()
                .map_err(|e: T::Err| Invalid::new(name, e.to_string()).into())
        })
        .transpose()
}

/// A strong entity tag carrying a record's version, for optimistic concurrency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ETag(pub u64);

impl ETag {
    pub fn header_value(self) -> String {
        format!("\"{}\"", self.0)
    }
}

/// An update's `If-Match` precondition (RFC 9110 13.1.1): `*` matches any current version, a
/// list of entity tags matches a version it names. Required for updates, so no client
/// overwrites a change it has not seen by accident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    Any,
    Versions(Vec<u64>),
}

impl IfMatch {
    pub fn from_request(request: &Request) -> Result<Self, ApiError> {
        let value = request.headers().get(header::IF_MATCH).ok_or_else(|| {
            ApiError::PreconditionRequired("send If-Match with the ETag from the last GET".into())
        })?;
        value
            .to_str()
            .ok()
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| {
                Invalid::new(
                    "If-Match",
                    "must be * or entity tags from GET, such as \"3\"",
                )
                .into()
            })
    }

    pub fn matches(&self, version: u64) -> bool {
        match self {
            Self::Any => true,
            Self::Versions(versions) => versions.contains(&version),
        }
    }
}

impl FromStr for IfMatch {
    type Err = ();
    fn from_str(value: &str) -> Result<Self, ()> {
        if value.trim() == "*" {
            return Ok(Self::Any);
        }
        value
            .split(',')
            .map(|tag| {
                let digits = tag.trim().strip_prefix('"')?.strip_suffix('"')?;
                // At most 19 digits, as the API description says: always a u64.
                (1..=19).contains(&digits.len()).then_some(())?;
                digits.bytes().all(|b| b.is_ascii_digit()).then_some(())?;
                digits.parse().ok()
            })
            .collect::<Option<Vec<u64>>>()
            .map(Self::Versions)
            .ok_or(())
    }
}

const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The request's `Idempotency-Key`: what makes a retried purchase or return the same one.
pub fn idempotency_key(request: &Request) -> Result<crate::orders::IdempotencyKey, ApiError> {
    let invalid = |rule: String| ApiError::from(Invalid::new("Idempotency-Key", rule));
    let value = request
        .headers()
        .get(IDEMPOTENCY_KEY)
        .ok_or_else(|| invalid("is required: a new key per request".to_owned()))?;
    value
        .to_str()
        .map_err(|_| invalid("must be ASCII".to_owned()))?
        .parse()
        .map_err(invalid)
}

/// The request as parsed, so the same request written differently is still the same.
pub fn request_digest(body: &impl serde::Serialize) -> anyhow::Result<String> {
    use aws_lc_rs::digest;
    let canonical = serde_json::to_vec(body)?;
    let sum = digest::digest(&digest::SHA256, &canonical);
    Ok(sum.as_ref().iter().map(|b| format!("{b:02x}")).collect())
}

crate::identifier!(
    /// Where the next page of a list starts: the `next_cursor` of the page before.
    PageCursor, 1, 1024, "A-Za-z0-9_-", "a next_cursor of a previous page"
);

/// How many items a page holds: 1 to 100, 24 unless asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSize(usize);

impl PageSize {
    pub fn get(self) -> usize {
        self.0
    }
}

impl Default for PageSize {
    fn default() -> Self {
        Self(24)
    }
}

impl FromStr for PageSize {
    type Err = String;
    fn from_str(value: &str) -> Result<Self, String> {
        value
            .parse()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .map(Self)
            .ok_or_else(|| "must be a whole number from 1 to 100".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Shape {
        name: String,
        inner: Option<Inner>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        count: u8,
    }

    fn parse(body: &str) -> Result<Shape, ApiError> {
        let request = http::Request::builder()
            .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
            .body(Body::Text(body.to_owned()))
            .unwrap();
        json_body(&request)
    }

    fn field(body: &str) -> String {
        match parse(body) {
            Err(ApiError::Invalid(invalid)) => invalid.field,
            other => panic!("{body}: {other:?}"),
        }
    }

    #[test]
    fn fields_are_named_by_their_path() {
        assert!(parse(r#"{"name": "x", "inner": {"count": 3}}"#).is_ok());
        assert_eq!(field(r#"{"inner": {"count": 3}}"#), "name");
        assert_eq!(
            field(r#"{"name": "x", "inner": {"count": 300}}"#),
            "inner.count"
        );
        assert_eq!(field(r#"{"name": "x", "inner": {}}"#), "inner.count");
        assert_eq!(field(r#"{"name": "x", "extra": 1}"#), "extra");
        assert_eq!(
            field(r#"{"name": "x", "inner": {"count": 1, "more": 2}}"#),
            "inner.more"
        );
    }

    #[test]
    fn if_match_takes_a_star_or_a_list_of_versions() {
        assert_eq!("*".parse(), Ok(IfMatch::Any));
        assert_eq!("\"3\"".parse(), Ok(IfMatch::Versions(vec![3])));
        assert_eq!("\"3\", \"4\"".parse(), Ok(IfMatch::Versions(vec![3, 4])));
        assert!(IfMatch::Any.matches(7));
        assert!(!IfMatch::Versions(vec![3, 4]).matches(5));
        for bad in [
            "3",
            "W/\"3\"",
            "\"\"",
            "\"x\"",
            "\"99999999999999999999\"",
            "*, \"3\"",
        ] {
            assert_eq!(bad.parse::<IfMatch>(), Err(()), "{bad}");
        }
    }

    #[test]
    fn malformed_json_is_about_the_body() {
        assert_eq!(field(r#"{"name":"#), "body");
        assert_eq!(field(r#"{"name": "x"} {}"#), "body");
        assert_eq!(field(""), "body");
        assert_eq!(field("[1, 2]"), "body");
    }
}
