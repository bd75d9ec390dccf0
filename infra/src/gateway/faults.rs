//! `POST /_local/faults`: a function's next invocations fail, to test Retry and Catch: before the
//! function runs, or after it (`"after_run": true`: its writes are made, then it "crashes", as a
//! process killed between its write and its answer).

use super::{Gateway, HttpResponse, json_response};
use crate::registry::FunctionError;
use http::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Mutex;

/// Faults injected per function: the next `remaining` invocations fail with `error_type`.
#[derive(Default)]
pub(super) struct Faults(Mutex<HashMap<String, Fault>>);

struct Fault {
    remaining: u32,
    error_type: String,
    after_run: bool,
}

impl Faults {
    /// The fault of this invocation, if any, and whether it strikes after the function ran.
    pub(super) fn take(&self, function: &str) -> Option<(FunctionError, bool)> {
        // A panic while holding the lock leaves the table as it was: still usable.
        let mut faults = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let fault = faults.get_mut(function)?;
        if fault.remaining == 0 {
            return None;
        }
        fault.remaining -= 1;
        let error = FunctionError {
            error_type: fault.error_type.clone(),
            message: format!("injected fault ({} more)", fault.remaining),
        };
        Some((error, fault.after_run))
    }
}

impl Gateway {
    pub fn set_fault(&self, body: &[u8]) -> anyhow::Result<HttpResponse> {
        let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let (Some(name), Some(failures)) =
            (request["function"].as_str(), request["failures"].as_u64())
        else {
            return json_response(
                StatusCode::BAD_REQUEST,
                &json!({"message": "send {function, failures, error_type, after_run}"}),
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
        let fault = Fault {
            remaining: failures,
            error_type,
            after_run: request["after_run"].as_bool().unwrap_or(false),
        };
        self.faults
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(function.name.clone(), fault);
        json_response(
            StatusCode::OK,
            &json!({"function": function.name, "failures": failures}),
        )
    }
}
