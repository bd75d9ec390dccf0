//! Wall-clock time as RFC 3339 text, the form every API response and record uses.

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format as DateTimeFormat;
use std::time::SystemTime;

/// `time` in RFC 3339; only a clock past the year 9999 has none, and then it is empty.
pub fn rfc3339(time: SystemTime) -> String {
    DateTime::from(time)
        .fmt(DateTimeFormat::DateTime)
        .unwrap_or_default()
}

pub fn now() -> String {
    rfc3339(SystemTime::now())
}
