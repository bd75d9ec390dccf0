//! The local API Gateway (HTTP API, payload format 2.0) and Lambda Invoke API, on one port.
//!
//! - Routes come from the `HttpApi` events in template.yaml; a route is answered by invoking its
//!   function in-process with the event API Gateway would send, and the function's payload 2.0
//!   response becomes the HTTP response. Unknown routes get API Gateway's 404.
//! - Routes behind the JWT authorizer need a valid bearer token (401 otherwise); its claims go
//!   into `requestContext.authorizer.jwt`.
//! - `POST /2015-03-31/functions/{name}/invocations` is Lambda's Invoke API: a function error is
//!   200 with `X-Amz-Function-Error: Unhandled`, as Step Functions expects.
//! - `POST /_local/faults` makes a function's next invocations fail, to test Retry and Catch.
//! - `GET /.well-known/jwks.json` is the dev issuer's key set.

use crate::auth::{Authorizer, Claims};
use crate::registry::{FunctionError, Functions};
use crate::template::Template;
use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

type HttpResponse = Response<Full<Bytes>>;

fn full(bytes: impl Into<Bytes>) -> Full<Bytes> {
    Full::new(bytes.into())
}

/// One route of the HTTP API.
#[derive(Debug, Clone)]
pub struct Route {
    pub method: String,
    pub path: String,
    pub function: String,
    pub authorized: bool,
}

impl Route {
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// The path parameters when `method path` is this route.
    fn matches(&self, method: &str, path: &str) -> Option<Map<String, Value>> {
        if self.method != "ANY" && self.method != method {
            return None;
        }
        self.path_parameters(path)
    }

    /// The path parameters when `path` fits this route's path template.
    pub fn path_parameters(&self, path: &str) -> Option<Map<String, Value>> {
        let mut params = Map::new();
        let mut actual = path.trim_start_matches('/').split('/');
        for segment in self.path.trim_start_matches('/').split('/') {
            match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(greedy) if greedy.ends_with('+') => {
                    let rest: Vec<&str> = actual.by_ref().collect();
                    params.insert(
                        greedy.trim_end_matches('+').to_owned(),
                        Value::String(decode(&rest.join("/"))),
                    );
                    return (!rest.is_empty()).then_some(params);
                }
                Some(name) => params.insert(
                    name.to_owned(),
                    Value::String(decode(actual.next().filter(|s| !s.is_empty())?)),
                ),
                None if actual.next()? == segment => None,
                None => return None,
            };
        }
        actual.next().is_none().then_some(params)
    }
}

fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// The HTTP API routes `template` declares.
pub fn routes(template: &Template) -> anyhow::Result<Vec<Route>> {
    let default_authorizer = template
        .of_kind("AWS::Serverless::HttpApi")
        .find_map(|(_, api)| {
            api.properties
                .pointer("/Auth/DefaultAuthorizer")
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
    let mut routes = Vec::new();
    for (id, _, _, properties) in template.function_events(&["HttpApi"]) {
        let method = properties
            .get("Method")
            .and_then(Value::as_str)
            .unwrap_or("ANY")
            .to_ascii_uppercase();
        let path = properties
            .get("Path")
            .and_then(Value::as_str)
            .with_context(|| format!("{id}: an HttpApi event without Path"))?;
        let authorizer = properties
            .pointer("/Auth/Authorizer")
            .and_then(Value::as_str)
            .or(default_authorizer.as_deref());
        routes.push(Route {
            method: if method == "X-AMAZON-APIGATEWAY-ANY-METHOD" {
                "ANY".to_owned()
            } else {
                method
            },
            path: path.to_owned(),
            function: id.clone(),
            authorized: authorizer.is_some_and(|a| a != "NONE"),
        });
    }
    Ok(routes)
}

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
        let scopes: Vec<Value> = claims
            .get("scope")
            .and_then(Value::as_str)
            .map(|s| s.split(' ').map(Value::from).collect())
            .unwrap_or_default();
        context["authorizer"] = json!({"jwt": {"claims": claims, "scopes": if scopes.is_empty() { Value::Null } else { Value::Array(scopes) }}});
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

fn is_textual(content_type: &str) -> bool {
    let media = content_type.split(';').next().unwrap_or_default().trim();
    media.starts_with("text/")
        || media.ends_with("json")
        || media.ends_with("xml")
        || media == "application/x-www-form-urlencoded"
        || media == "application/javascript"
}

/// Faults injected per function: the next `remaining` invocations fail with `error_type`.
#[derive(Default)]
struct Faults(Mutex<HashMap<String, (u32, String)>>);

impl Faults {
    fn take(&self, function: &str) -> Option<FunctionError> {
        // A panic while holding the lock leaves the table as it was: still usable.
        let mut faults = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (remaining, error_type) = faults.get_mut(function)?;
        if *remaining == 0 {
            return None;
        }
        *remaining -= 1;
        Some(FunctionError {
            error_type: error_type.clone(),
            message: format!("injected fault ({remaining} more)"),
        })
    }
}

pub struct Gateway {
    pub functions: Functions,
    pub routes: Vec<Route>,
    pub authorizer: Authorizer,
    pub jwks: Value,
    pub openapi: Value,
    faults: Faults,
}

impl Gateway {
    pub fn new(
        functions: Functions,
        routes: Vec<Route>,
        authorizer: Authorizer,
        jwks: Value,
        openapi: Value,
    ) -> Self {
        Self {
            functions,
            routes,
            authorizer,
            jwks,
            openapi,
            faults: Faults::default(),
        }
    }

    /// Invokes a function by name or ARN, honouring injected faults.
    pub async fn invoke(&self, name: &str, payload: Value) -> Option<Result<Value, FunctionError>> {
        let function = self.functions.find(name)?;
        if let Some(fault) = self.faults.take(&function.name) {
            tracing::warn!(function = %function.binary, error_type = %fault.error_type, "injected fault");
            return Some(Err(fault));
        }
        Some(function.invoke(payload).await)
    }

    async fn handle(
        &self,
        request: Request<Incoming>,
        peer: SocketAddr,
    ) -> anyhow::Result<HttpResponse> {
        use http_body_util::BodyExt;
        let (parts, body) = request.into_parts();
        let body = body
            .collect()
            .await
            .context("reading the request body")?
            .to_bytes();
        let path = parts.uri.path().to_owned();
        let method = parts.method.as_str().to_owned();
        if let Some(name) = path
            .strip_prefix("/2015-03-31/functions/")
            .and_then(|p| p.strip_suffix("/invocations"))
        {
            return self.invoke_api(&decode(name), &body).await;
        }
        match (&parts.method, path.as_str()) {
            (&Method::GET, "/.well-known/jwks.json") => {
                return json_response(StatusCode::OK, &self.jwks);
            }
            (&Method::GET, "/openapi.json") => return json_response(StatusCode::OK, &self.openapi),
            (&Method::POST, "/_local/faults") => return self.set_fault(&body),
            _ => {}
        }
        let Some((route, path_parameters)) = self
            .routes
            .iter()
            .find_map(|r| Some((r, r.matches(&method, &path)?)))
        else {
            return json_response(StatusCode::NOT_FOUND, &json!({"message": "Not Found"}));
        };
        let claims = if route.authorized {
            let header = parts
                .headers
                .get(http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok());
            match self.authorizer.authorize(header) {
                Some(claims) => Some(claims),
                None => {
                    return json_response(
                        StatusCode::UNAUTHORIZED,
                        &json!({"message": "Unauthorized"}),
                    );
                }
            }
        } else {
            None
        };
        let event = event(EventParts {
            route,
            method: &method,
            path: &path,
            query: parts.uri.query().unwrap_or_default(),
            path_parameters,
            headers: &parts.headers,
            body: &body,
            claims,
            source_ip: peer.ip().to_string(),
        });
        let function = self
            .functions
            .get(&route.function)
            .context("a route's function vanished")?;
        match self
            .invoke(&function.name, event)
            .await
            .context("a route's function vanished")?
        {
            Ok(response) => from_api_gateway_response(&response),
            Err(error) => {
                tracing::error!(function = %function.binary, error_type = %error.error_type, error = %error.message, "function failed");
                json_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &json!({"message": "Internal Server Error"}),
                )
            }
        }
    }

    async fn invoke_api(&self, name: &str, body: &[u8]) -> anyhow::Result<HttpResponse> {
        let payload = if body.is_empty() {
            Value::Null
        } else {
            match serde_json::from_slice(body) {
                Ok(payload) => payload,
                Err(_) => {
                    let message = json!({"Type": "User", "message": "Could not parse request body into json"});
                    return lambda_error(
                        StatusCode::BAD_REQUEST,
                        "InvalidRequestContentException",
                        &message,
                    );
                }
            }
        };
        match self.invoke(name, payload).await {
            None => {
                let message =
                    json!({"Type": "User", "message": format!("Function not found: {name}")});
                lambda_error(StatusCode::NOT_FOUND, "ResourceNotFoundException", &message)
            }
            Some(Ok(output)) => json_response(StatusCode::OK, &output),
            Some(Err(error)) => {
                let mut response = json_response(StatusCode::OK, &error.payload())?;
                response.headers_mut().insert(
                    "x-amz-function-error",
                    http::HeaderValue::from_static("Unhandled"),
                );
                Ok(response)
            }
        }
    }

    fn set_fault(&self, body: &[u8]) -> anyhow::Result<HttpResponse> {
        let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let (Some(name), Some(failures)) =
            (request["function"].as_str(), request["failures"].as_u64())
        else {
            return json_response(
                StatusCode::BAD_REQUEST,
                &json!({"message": "send {function, failures, error_type}"}),
            );
        };
        let Some(function) = self.functions.find(name) else {
            return json_response(
                StatusCode::NOT_FOUND,
                &json!({"message": format!("Function not found: {name}")}),
            );
        };
        let error_type = request["error_type"]
            .as_str()
            .unwrap_or("Rainforest.InjectedFault")
            .to_owned();
        let failures = u32::try_from(failures).unwrap_or(u32::MAX);
        self.faults
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(function.name.clone(), (failures, error_type));
        json_response(
            StatusCode::OK,
            &json!({"function": function.name, "failures": failures}),
        )
    }

    /// Serves until `shutdown` completes.
    pub async fn serve(
        self: Arc<Self>,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        loop {
            let (stream, peer) = tokio::select! {
                _ = &mut shutdown => return,
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        tracing::warn!(%error, "accept failed");
                        continue;
                    }
                },
            };
            let gateway = self.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let gateway = gateway.clone();
                    async move {
                        Ok::<_, std::convert::Infallible>(
                            gateway.handle(request, peer).await.unwrap_or_else(|error| {
                                tracing::error!(error = format!("{error:#}"), "gateway failure");
                                let mut response =
                                    Response::new(full(r#"{"message":"Internal Server Error"}"#));
                                *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                                response
                            }),
                        )
                    }
                });
                let io = hyper_util::rt::TokioIo::new(stream);
                if let Err(error) = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, service)
                    .await
                {
                    tracing::debug!(%error, "connection closed");
                }
            });
        }
    }
}

/// A Lambda service error: the type goes in `x-amzn-errortype`, as the SDKs expect.
fn lambda_error(
    status: StatusCode,
    error_type: &'static str,
    body: &Value,
) -> anyhow::Result<HttpResponse> {
    let mut response = json_response(status, body)?;
    response.headers_mut().insert(
        "x-amzn-errortype",
        http::HeaderValue::from_static(error_type),
    );
    Ok(response)
}

fn json_response(status: StatusCode, body: &Value) -> anyhow::Result<HttpResponse> {
    Ok(Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(full(body.to_string()))?)
}

/// The HTTP response API Gateway makes of a function's payload 2.0 response.
fn from_api_gateway_response(response: &Value) -> anyhow::Result<HttpResponse> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn route(method: &str, path: &str) -> Route {
        Route {
            method: method.into(),
            path: path.into(),
            function: "F".into(),
            authorized: false,
        }
    }

    #[test]
    fn paths_match_their_templates() {
        let r = route("GET", "/api/v1/products/{id}");
        assert_eq!(
            r.matches("GET", "/api/v1/products/01ABC").unwrap()["id"],
            "01ABC"
        );
        assert_eq!(
            r.matches("GET", "/api/v1/products/a%20b").unwrap()["id"],
            "a b"
        );
        assert!(r.matches("POST", "/api/v1/products/01ABC").is_none());
        assert!(r.matches("GET", "/api/v1/products").is_none());
        assert!(r.matches("GET", "/api/v1/products/").is_none());
        assert!(r.matches("GET", "/api/v1/products/1/more").is_none());
        let greedy = route("ANY", "/files/{path+}");
        assert_eq!(
            greedy.matches("PUT", "/files/a/b/c").unwrap()["path"],
            "a/b/c"
        );
    }

    #[test]
    fn events_carry_query_cookies_and_binary_bodies_as_api_gateway_does() {
        let r = route("POST", "/things/{id}");
        let mut headers = HeaderMap::new();
        headers.insert("cookie", "a=1; b=2".parse().unwrap());
        headers.insert("content-type", "image/png".parse().unwrap());
        let event = event(EventParts {
            route: &r,
            method: "POST",
            path: "/things/7",
            query: "tag=a&tag=b&q=hello%20world",
            path_parameters: r.matches("POST", "/things/7").unwrap(),
            headers: &headers,
            body: &[0xff, 0x00],
            claims: None,
            source_ip: "127.0.0.1".into(),
        });
        assert_eq!(event["routeKey"], "POST /things/{id}");
        assert_eq!(
            event["queryStringParameters"],
            json!({"tag": "a,b", "q": "hello world"})
        );
        assert_eq!(event["cookies"], json!(["a=1", "b=2"]));
        assert_eq!(event["isBase64Encoded"], true);
        assert_eq!(event["body"], "/wA=");
        let request = lambda_http::request::from_str(&event.to_string()).unwrap();
        assert_eq!(request.body().as_ref(), &[0xff, 0x00]);
    }
}
