//! The API description (filled in from the code in a later step).

pub fn document() -> serde_json::Value {
    serde_json::json!({"openapi": "3.1.0"})
}
