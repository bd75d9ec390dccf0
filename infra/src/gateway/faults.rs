//! `POST /_local/faults`: a function's next invocations fail, to test Retry and Catch.

use super::{Gateway, HttpResponse, json_response};
use crate::registry::FunctionError;
use http::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Mutex;

/// Faults injected per function: the next `remaining` invocations fail with `error_type`.
#[derive(Default)]
pub(super) struct Faults(Mutex<HashMap<String, (u32, String)>>);

impl Faults {
    pub(super) fn take(&self, function: &str) -> Option<FunctionError> {
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

impl Gateway {
    pub(super) fn set_fault(&self, body: &[u8]) -> anyhow::Result<HttpResponse> {
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
}
