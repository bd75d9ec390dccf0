//! The local API Gateway (HTTP API, payload format 2.0) and Lambda Invoke API, on one port.
//!
//! - Routes come from the `HttpApi` events in template.yaml; a route is answered by invoking its
//!   function in-process with the event API Gateway would send, and the function's payload 2.0
//!   response becomes the HTTP response. Unknown routes get API Gateway's 404.
//! - Routes behind the JWT authorizer need a valid bearer token (401 otherwise); its claims go
//!   into `requestContext.authorizer.jwt`. Routes behind a Lambda authorizer (simple responses)
//!   invoke it first: a refusal is 403, its failure 500, and its context goes into
//!   `requestContext.authorizer.lambda`.
//! - `POST /2015-03-31/functions/{name}/invocations` is Lambda's Invoke API: a function error is
//!   200 with `X-Amz-Function-Error: Unhandled`, as Step Functions expects.
//! - `POST /_local/faults` makes a function's next invocations fail (before or after it runs), to
//!   test Retry, Catch and a crash between a step's write and its answer.
//! - `GET /.well-known/jwks.json` is the dev issuer's key set.

mod event;
mod faults;
mod invoke;
mod routes;

pub use event::{EventParts, authorizer_context, event};
pub use routes::{Route, RouteAuth, routes};

use crate::auth::{Authorizer, DEV_AUDIENCE, DEV_ISSUER, DevIssuer};
use crate::registry::{FunctionError, Functions};
use anyhow::Context;
use event::from_api_gateway_response;
use faults::Faults;
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use routes::decode;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;

pub type HttpResponse = Response<Full<Bytes>>;

fn full(bytes: impl Into<Bytes>) -> Full<Bytes> {
    Full::new(bytes.into())
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
    /// A gateway of the template's routes for a bench, with a fresh dev issuer whose tokens
    /// it accepts.
    pub fn with_fresh_issuer(
        functions: Functions,
        template: &crate::Template,
    ) -> anyhow::Result<(Self, DevIssuer)> {
        let issuer = DevIssuer::generate()?;
        let gateway = Self::new(functions, routes(template)?, &issuer, json!({}))?;
        Ok((gateway, issuer))
    }

    /// A gateway whose JWT authorizer accepts `issuer`'s tokens, and which serves its keys.
    pub fn new(
        functions: Functions,
        routes: Vec<Route>,
        issuer: &DevIssuer,
        openapi: Value,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            functions,
            routes,
            authorizer: Authorizer::new(&issuer.jwks(), DEV_ISSUER, &[DEV_AUDIENCE])?,
            jwks: issuer.jwks(),
            openapi,
            faults: Faults::default(),
        })
    }

    /// Invokes a function by name or ARN, honouring injected faults.
    pub async fn invoke(&self, name: &str, payload: Value) -> Option<Result<Value, FunctionError>> {
        let function = self.functions.find(name)?;
        match self.faults.take(&function.name) {
            None => Some(function.invoke(payload).await),
            Some((fault, after_run)) => {
                if after_run {
                    let ran = function.invoke(payload).await;
                    tracing::warn!(function = %function.binary, ok = ran.is_ok(), "ran, then an injected crash");
                }
                tracing::warn!(function = %function.binary, error_type = %fault.error_type, "injected fault");
                Some(Err(fault))
            }
        }
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
            .filter_map(|r| Some((r, r.matches(&method, &path)?)))
            .max_by_key(|(r, _)| r.specificity())
        else {
            return json_response(StatusCode::NOT_FOUND, &json!({"message": "Not Found"}));
        };
        let header = |name| parts.headers.get(name).and_then(|v| v.to_str().ok());
        let claims = match &route.auth {
            RouteAuth::Jwt => match self
                .authorizer
                .authorize(header(http::header::AUTHORIZATION))
            {
                Some(claims) => Some(claims),
                None => {
                    return json_response(
                        StatusCode::UNAUTHORIZED,
                        &json!({"message": "Unauthorized"}),
                    );
                }
            },
            RouteAuth::Anyone | RouteAuth::Lambda(_) => None,
        };
        let mut event = event(EventParts {
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
        if let RouteAuth::Lambda(authorizer) = &route.auth {
            match self.lambda_authorize(authorizer, &event).await? {
                Ok(context) => {
                    event["requestContext"]["authorizer"] =
                        authorizer_context(&route.auth, context);
                }
                Err(refusal) => return Ok(refusal),
            }
        }
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

    /// What a Lambda authorizer (simple responses) decides for a route's `event`: its context
    /// when it lets the request through; else the answer API Gateway gives, 403 for a refusal
    /// and 500 when the authorizer fails.
    async fn lambda_authorize(
        &self,
        authorizer: &str,
        event: &Value,
    ) -> anyhow::Result<Result<crate::auth::Claims, HttpResponse>> {
        let function = self
            .functions
            .get(authorizer)
            .with_context(|| format!("no authorizer function {authorizer}"))?;
        let decision = self
            .invoke(&function.name, event::authorizer_request(event))
            .await
            .context("the authorizer function vanished")?;
        Ok(match decision {
            Ok(decision) if decision["isAuthorized"] == true => {
                Ok(decision["context"].as_object().cloned().unwrap_or_default())
            }
            Ok(_) => Err(json_response(
                StatusCode::FORBIDDEN,
                &json!({"message": "Forbidden"}),
            )?),
            Err(error) => {
                tracing::error!(function = %function.binary, error_type = %error.error_type, error = %error.message, "authorizer failed");
                Err(json_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &json!({"message": "Internal Server Error"}),
                )?)
            }
        })
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

fn json_response(status: StatusCode, body: &Value) -> anyhow::Result<HttpResponse> {
    Ok(Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(full(body.to_string()))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;

    fn route(method: &str, path: &str) -> Route {
        Route {
            method: method.into(),
            path: path.into(),
            function: "F".into(),
            auth: RouteAuth::Anyone,
        }
    }

    #[test]
    fn a_literal_segment_outranks_a_parameter_which_outranks_a_greedy_one() {
        let (search, product, proxy) = (
            route("GET", "/api/v1/products/search"),
            route("GET", "/api/v1/products/{id}"),
            route("GET", "/api/v1/{proxy+}"),
        );
        assert!(search.specificity() > product.specificity());
        assert!(product.specificity() > proxy.specificity());
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
    fn a_lambda_authorizer_gets_the_request_without_its_body_and_passes_its_context_on() {
        let r = Route {
            auth: RouteAuth::Lambda("A".into()),
            ..route("POST", "/things/{id}")
        };
        let mut headers = HeaderMap::new();
        headers.insert("x-cart-token", "t".parse().unwrap());
        let claims = json!({"sub": "c-1"}).as_object().unwrap().clone();
        let parts = |claims| EventParts {
            route: &r,
            method: "POST",
            path: "/things/7",
            query: "",
            path_parameters: r.matches("POST", "/things/7").unwrap(),
            headers: &headers,
            body: b"{}",
            claims,
            source_ip: "127.0.0.1".into(),
        };
        let request = event::authorizer_request(&event(parts(None)));
        let decoded: lambda_http::aws_lambda_events::apigw::ApiGatewayV2CustomAuthorizerV2Request =
            serde_json::from_value(request.clone()).unwrap();
        assert_eq!(decoded.type_.as_deref(), Some("REQUEST"));
        assert_eq!(decoded.headers["x-cart-token"], "t");
        assert!(request.get("body").is_none() && request.get("cookies").is_none());
        let routed = event(parts(Some(claims)));
        assert_eq!(
            routed["requestContext"]["authorizer"],
            json!({"lambda": {"sub": "c-1"}})
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
