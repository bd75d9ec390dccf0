//! Every function of the workspace, called in-process with the JSON event Lambda would pass it
//! and answering the JSON Lambda would return: the gateway, the event source mappings and the
//! Invoke API all go through [`Function::invoke`], so they exercise the real event formats.

use crate::provision::Stack;
use crate::template::Template;
use anyhow::Context;
use aws_config::SdkConfig;
use base64::Engine;
use lambda_http::{Body, Response};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tracing::Instrument;

/// A function error as Lambda reports it: Step Functions' Retry and Catch match `error_type`.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionError {
    pub error_type: String,
    pub message: String,
}

impl FunctionError {
    fn new(error_type: &str, message: impl std::fmt::Display) -> Self {
        Self {
            error_type: error_type.to_owned(),
            message: message.to_string(),
        }
    }

    pub fn payload(&self) -> Value {
        json!({"errorType": self.error_type, "errorMessage": self.message})
    }
}

type Invocation = Pin<Box<dyn Future<Output = Result<Value, FunctionError>> + Send>>;
type Handler = Arc<dyn Fn(Value) -> Invocation + Send + Sync>;

/// One function of template.yaml, ready to invoke.
pub struct Function {
    pub binary: String,
    /// The physical name, as Lambda would have it.
    pub name: String,
    handler: Handler,
}

impl Function {
    /// Runs the handler in a span naming the function and a fresh request id, as Lambda does.
    /// A panic is a function error, as with the real runtime.
    pub async fn invoke(&self, payload: Value) -> Result<Value, FunctionError> {
        let request_id = ulid::Ulid::new().to_string();
        let span = tracing::info_span!("invoke", function = %self.binary, request_id = %request_id);
        let invocation = (self.handler)(payload).instrument(span);
        tokio::spawn(invocation)
            .await
            .unwrap_or_else(|panic| Err(FunctionError::new("Runtime.ExitError", panic)))
    }
}

/// The functions, by logical id.
pub struct Functions(BTreeMap<String, Function>);

impl Functions {
    pub fn get(&self, logical_id: &str) -> Option<&Function> {
        self.0.get(logical_id)
    }

    /// A function by name or ARN, as the Invoke API receives it.
    pub fn find(&self, name_or_arn: &str) -> Option<&Function> {
        // arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER], or NAME[:QUALIFIER]
        let name = match name_or_arn.strip_prefix("arn:") {
            Some(_) => name_or_arn.split(':').nth(6)?,
            None => name_or_arn.split(':').next()?,
        };
        self.0.values().find(|f| f.name == name)
    }
}

/// An HTTP API function: payload 2.0 event in, payload 2.0 response out.
macro_rules! http_function {
    ($krate:ident, $sdk:expr, $env:expr) => {{
        let deps = Arc::new($krate::Deps::from_source($sdk, $env)?);
        let handler: Handler = Arc::new(move |payload: Value| {
            let deps = deps.clone();
            Box::pin(async move {
                let request = lambda_http::request::from_str(&payload.to_string())
                    .map_err(|e| FunctionError::new("Runtime.InvalidEvent", e))?;
                Ok(api_gateway_response(shared::api::respond(
                    $krate::handle(&deps, request).await,
                )))
            })
        });
        handler
    }};
}

/// A queue or stream consumer: the event and its response as JSON.
macro_rules! event_function {
    ($krate:ident, $sdk:expr, $env:expr) => {{
        let deps = Arc::new($krate::Deps::from_source($sdk, $env)?);
        let handler: Handler = Arc::new(move |payload: Value| {
            let deps = deps.clone();
            Box::pin(async move {
                let event = serde_json::from_value(payload)
                    .map_err(|e| FunctionError::new("Runtime.InvalidEvent", e))?;
                let response = $krate::handle(&deps, event).await;
                serde_json::to_value(response)
                    .map_err(|e| FunctionError::new("Runtime.InvalidResponse", e))
            })
        });
        handler
    }};
}

/// A Step Functions task or an HTTP API Lambda authorizer: its input in, its result out; its
/// error under its name (what Retry and Catch match on; an authorizer's is API Gateway's 500).
macro_rules! fallible_function {
    ($krate:ident, $deps:expr) => {{
        let deps = Arc::new($deps);
        let handler: Handler = Arc::new(move |payload: Value| {
            let deps = deps.clone();
            Box::pin(async move {
                let input = serde_json::from_value(payload)
                    .map_err(|e| FunctionError::new("Runtime.InvalidEvent", e))?;
                let output = $krate::handle(&deps, input).await.map_err(|error| {
                    let error: lambda_runtime::Diagnostic = error.into();
                    FunctionError::new(&error.error_type, error.error_message)
                })?;
                serde_json::to_value(output)
                    .map_err(|e| FunctionError::new("Runtime.InvalidResponse", e))
            })
        });
        handler
    }};
}

/// Declares the registry from the table build.rs writes (one line per function, from
/// infra/Cargo.toml): the in-process handler of each binary, and the OpenAPI description of the
/// HTTP ones.
macro_rules! functions {
    ($($kind:ident $binary:literal $krate:ident,)*) => {
        /// The in-process handler for a workspace binary; `None` for a binary not registered.
        fn handler_for(
            binary: &str,
            sdk: &SdkConfig,
            env: &HashMap<String, String>,
        ) -> anyhow::Result<Option<Handler>> {
            Ok(Some(match binary {
                $($binary => functions!(@handler $kind $krate, sdk, env),)*
                _ => return Ok(None),
            }))
        }

        /// The OpenAPI description of each HTTP function's route.
        pub fn api_documents() -> Vec<utoipa::openapi::OpenApi> {
            [$(functions!(@document $kind $krate)),*].into_iter().flatten().collect()
        }

        /// Every registered binary.
        pub const BINARIES: &[&str] = &[$($binary),*];
    };
    (@handler http $krate:ident, $sdk:expr, $env:expr) => { http_function!($krate, $sdk, $env) };
    (@handler event $krate:ident, $sdk:expr, $env:expr) => { event_function!($krate, $sdk, $env) };
    (@handler step $krate:ident, $sdk:expr, $env:expr) => {
        fallible_function!($krate, $krate::Deps::from_source($sdk, $env)?)
    };
    (@handler authorizer $krate:ident, $sdk:expr, $env:expr) => {
        fallible_function!($krate, $krate::Deps::from_source($env)?)
    };
    (@document http $krate:ident) => { Some(<$krate::Api as utoipa::OpenApi>::openapi()) };
    (@document event $krate:ident) => { None };
    (@document step $krate:ident) => { None };
    (@document authorizer $krate:ident) => { None };
}

include!(concat!(env!("OUT_DIR"), "/functions.rs"));

/// What a function needs on this machine beside its template settings: emulators on 127.0.0.1
/// need path-style S3 URLs, and the search domain is the local OpenSearch-API server over plain
/// HTTP (`OPENSEARCH_URL`, set by the stack).
pub fn emulator_settings() -> [(String, String); 2] {
    [
        ("S3_FORCE_PATH_STYLE".to_owned(), "true".to_owned()),
        (
            "OPENSEARCH_URL".to_owned(),
            std::env::var("OPENSEARCH_URL").unwrap_or_default(),
        ),
    ]
}

/// What a function needs on this machine when the gateway at `gateway` (`http://host:port`)
/// serves the routes: the emulators' settings, and the dev issuer for the shopper authorizer,
/// which fetches its keys from that gateway.
pub fn served_settings(gateway: &str) -> HashMap<String, String> {
    emulator_settings()
        .into_iter()
        .chain(crate::auth::local_issuer_settings(gateway))
        .collect()
}

/// Builds every function of the template with the environment the stack resolves for it
/// (plus `extra`, settings of this machine such as path-style S3), and AWS's DNS names for the
/// emulator's endpoints (`local_dns`). A function whose binary has no handler here is an error
/// now, not a 404 later.
pub fn load(
    sdk: &SdkConfig,
    template: &Template,
    stack: &Stack,
    extra: &HashMap<String, String>,
) -> anyhow::Result<Functions> {
    let sdk = &crate::local_dns::with_sync_hosts(sdk);
    let mut functions = BTreeMap::new();
    for (id, resource) in template.of_kind("AWS::Serverless::Function") {
        let binary = resource
            .metadata
            .pointer("/BuildProperties/Binary")
            .and_then(Value::as_str)
            .with_context(|| format!("{id} has no BuildProperties.Binary"))?;
        let mut env: HashMap<String, String> = stack
            .function_environment(template, id)?
            .into_iter()
            .collect();
        env.extend(extra.clone());
        let handler = handler_for(binary, sdk, &env)
            .with_context(|| format!("{id}: building {binary}"))?
            .with_context(|| format!("{id}: no in-process handler for binary {binary}; add its crate to infra/Cargo.toml"))?;
        let function = Function {
            binary: binary.to_owned(),
            name: stack.reference(id)?,
            handler,
        };
        functions.insert(id.clone(), function);
    }
    Ok(Functions(functions))
}

/// The payload 2.0 response API Gateway reads from a Lambda.
fn api_gateway_response(response: Response<Body>) -> Value {
    let (parts, body) = response.into_parts();
    let mut headers = Map::new();
    let mut cookies = Vec::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == http::header::SET_COOKIE {
            cookies.push(Value::String(value));
        } else if let Some(Value::String(existing)) = headers.get_mut(name.as_str()) {
            existing.push(',');
            existing.push_str(&value);
        } else {
            headers.insert(name.as_str().to_owned(), Value::String(value));
        }
    }
    let (body, is_base64_encoded) = match body {
        Body::Text(text) => (Value::String(text), false),
        Body::Binary(bytes) => (
            Value::String(base64::engine::general_purpose::STANDARD.encode(bytes)),
            true,
        ),
        _ => (Value::Null, false),
    };
    json!({
        "statusCode": parts.status.as_u16(),
        "headers": headers,
        "cookies": cookies,
        "body": body,
        "isBase64Encoded": is_base64_encoded,
    })
}
