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

/// A moment given as RFC 3339 text in UTC (`2026-12-01T00:00:00Z`), kept as seconds since the
/// epoch.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Timestamp(i64);

impl Timestamp {
    pub fn now() -> Self {
        Self(DateTime::from(SystemTime::now()).secs())
    }

    pub fn secs(self) -> i64 {
        self.0
    }
}

impl TryFrom<String> for Timestamp {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        DateTime::from_str(&text, DateTimeFormat::DateTime)
            .map(|time| Self(time.secs()))
            .map_err(|_| {
                "must be an RFC 3339 date and time in UTC, such as 2026-12-01T00:00:00Z".to_owned()
            })
    }
}

impl From<Timestamp> for String {
    fn from(time: Timestamp) -> String {
        DateTime::from_secs(time.0)
            .fmt(DateTimeFormat::DateTime)
            .unwrap_or_default()
    }
}

impl utoipa::PartialSchema for Timestamp {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::DateTime,
            )))
            .into()
    }
}

impl utoipa::ToSchema for Timestamp {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_read_rfc_3339_and_write_it_back() {
        let time = Timestamp::try_from("2026-12-01T08:00:00.250Z".to_owned()).unwrap();
        assert_eq!(String::from(time), "2026-12-01T08:00:00Z");
        assert_eq!(time.secs(), 1_796_112_000);
        assert!(Timestamp::try_from("tomorrow".to_owned()).is_err());
        assert!(Timestamp::try_from("2026-12-01".to_owned()).is_err());
    }
}
