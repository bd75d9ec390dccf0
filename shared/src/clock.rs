//! Wall-clock time as RFC 3339 text, the form every API response and record uses.

use aws_sdk_dynamodb::primitives::{DateTime, DateTimeFormat};
use std::time::SystemTime;

pub fn rfc3339(time: SystemTime) -> String {
    DateTime::from(time)
        .fmt(DateTimeFormat::DateTime)
        .expect("the system clock is within RFC 3339's range")
}

pub fn now() -> String {
    rfc3339(SystemTime::now())
}
