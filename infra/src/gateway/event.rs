//! Payload format 2.0: the event API Gateway sends for a request; the response made of the reply.

use super::{HttpResponse, Route, RouteAuth, full};
use crate::auth::Claims;
use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderMap, Response};
use hyper::body::Bytes;
use serde_json::{Map, Value, json};

/// What API Gateway knows of a request when it builds the event.
pub struct EventParts<'a> {
    pub route: &'a Route,
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub path_parameters: Map<String, Value>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    pub claims: Option<Claims>,
    pub source_ip: String,
}

/// The payload format 2.0 event API Gateway sends for a request.
pub fn event(parts: EventParts) -> Value {
    let mut headers = Map::new();
    let mut cookies = Vec::new();
    for (name, value) in parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == http::header::COOKIE {
            cookies.extend(value.split(';').map(|c| Value::String(c.trim().to_owned())));
            continue;
        }
        match headers.get_mut(name.as_str()) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            _ => {
                headers.insert(name.as_str().to_owned(), Value::String(value));
            }
        }
    }
    let mut query = Map::new();
    for (name, value) in form_urlencoded::parse(parts.query.as_bytes()) {
        match query.get_mut(name.as_ref()) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            _ => {
                query.insert(name.into_owned(), Value::String(value.into_owned()));
            }
        }
    }
    let content_type = headers
        .get("content-type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let (body, is_base64_encoded) = match std::str::from_utf8(parts.body) {
        _ if parts.body.is_empty() => (Value::Null, false),
        Ok(text) if is_textual(content_type) => (Value::String(text.to_owned()), false),
        _ => (Value::String(STANDARD.encode(parts.body)), true),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let user_agent = headers
        .get("user-agent")
        .cloned()
        .unwrap_or(Value::String(String::new()));
    let mut context = json!({
        "accountId": "123456789012", "apiId": "local", "domainName": "localhost", "domainPrefix": "localhost",
        "http": {"method": parts.method, "path": parts.path, "protocol": "HTTP/1.1",
                 "sourceIp": parts.source_ip, "userAgent": user_agent},
        "requestId": ulid::Ulid::new().to_string(), "routeKey": parts.route.key(), "stage": "$default",
        "time": shared::clock::now(), "timeEpoch": now.as_millis() as u64,
    });
    if let Some(claims) = parts.claims {
        context["authorizer"] = authorizer_context(&parts.route.auth, claims);
    }
    json!({
        "version": "2.0",
        "routeKey": parts.route.key(),
        "rawPath": parts.path,
        "rawQueryString": parts.query,
        "cookies": if cookies.is_empty() { Value::Null } else { Value::Array(cookies) },
        "headers": headers,
        "queryStringParameters": if query.is_empty() { Value::Null } else { Value::Object(query) },
        "pathParameters": if parts.path_parameters.is_empty() { Value::Null } else { Value::Object(parts.path_parameters) },
        "requestContext": context,
        "body": body,
        "isBase64Encoded": is_base64_encoded,
    })
}

/// Where the authorizer's claims reach the function: the JWT authorizer's under `jwt` with the
/// token's scopes, a Lambda authorizer's context under `lambda`.
pub fn authorizer_context(auth: &RouteAuth, claims: Claims) -> Value {
    match auth {
        RouteAuth::Lambda(_) => json!({ "lambda": claims }),
        RouteAuth::Jwt | RouteAuth::Anyone => {
            let scopes: Vec<Value> = claims
                .get("scope")
                .and_then(Value::as_str)
                .map(|s| s.split(' ').map(Value::from).collect())
                .unwrap_or_default();
            let scopes = if scopes.is_empty() {
                Value::Null
            } else {
                Value::Array(scopes)
            };
            json!({"jwt": {"claims": claims, "scopes": scopes}})
        }
    }
}

/// The request a Lambda authorizer (payload 2.0) gets for a route's `event`: the same request,
/// without its body, as `type: REQUEST` for its `routeArn`.
pub fn authorizer_request(event: &Value) -> Value {
    let mut request = event.clone();
    if let Some(fields) = request.as_object_mut() {
        fields.remove("body");
        fields.remove("isBase64Encoded");
        // What a request lacks (cookies, a query) is left out, not null.
        fields.retain(|_, value| !value.is_null());
        let method = event["requestContext"]["http"]["method"]
            .as_str()
            .unwrap_or_default();
        let path = event["rawPath"].as_str().unwrap_or_default();
        fields.insert("type".to_owned(), json!("REQUEST"));
        fields.insert(
            "routeArn".to_owned(),
            json!(format!(
                "arn:aws:execute-api:us-east-1:123456789012:local/$default/{method}{path}"
            )),
        );
    }
    request
}

fn is_textual(content_type: &str) -> bool {
    let media = content_type.split(';').next().unwrap_or_default().trim();
    media.starts_with("text/")
        || media.ends_with("json")
        || media.ends_with("xml")
        || media == "application/x-www-form-urlencoded"
        || media == "application/javascript"
}

/// The HTTP response API Gateway makes of a function's payload 2.0 response.
pub(super) fn from_api_gateway_response(response: &Value) -> anyhow::Result<HttpResponse> {
    let status = response["statusCode"]
        .as_u64()
        .context("a response without statusCode")?;
    let mut builder = Response::builder().status(u16::try_from(status)?);
    for (name, value) in response["headers"].as_object().into_iter().flatten() {
        builder = builder.header(name.as_str(), value.as_str().unwrap_or_default());
    }
    for cookie in response["cookies"].as_array().into_iter().flatten() {
        builder = builder.header(
            http::header::SET_COOKIE,
            cookie.as_str().unwrap_or_default(),
        );
    }
    let body = match response["body"].as_str() {
        None => full(Bytes::new()),
        Some(text) if response["isBase64Encoded"] == true => {
            full(STANDARD.decode(text).context("a base64 body")?)
        }
        Some(text) => full(text.to_owned()),
    };
    Ok(builder.body(body)?)
}
