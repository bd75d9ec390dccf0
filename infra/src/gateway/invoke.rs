//! Lambda's Invoke API, `POST /2015-03-31/functions/{name}/invocations`, for Step Functions.

use super::{Gateway, HttpResponse, json_response};
use http::StatusCode;
use serde_json::{Value, json};

impl Gateway {
    /// Answers an Invoke API call for function `name` (a name or an ARN) as Lambda does.
    pub async fn invoke_api(&self, name: &str, body: &[u8]) -> anyhow::Result<HttpResponse> {
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
