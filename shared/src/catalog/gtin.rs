//! Global Trade Item Numbers: the identifier that tells two sellers they sell the same product.

use serde::{Deserialize, Serialize};

/// A GTIN normalised to 14 digits, so UPC-A, EAN-13, EAN-8 and GTIN-14 forms of one number match.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(pattern = "^[0-9]{14}$")]
pub struct Gtin(String);

impl Gtin {
    fn parse(value: &str, lengths: &[usize], name: &str) -> Result<Self, String> {
        let lengths_text = lengths
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        if !lengths.contains(&value.len()) || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("must be a {name} of {lengths_text} digits"));
        }
        if !check_digit_holds(value) {
            return Err(format!("must be a {name} whose check digit is correct"));
        }
        Ok(Self(format!("{value:0>14}")))
    }
}

/// GS1 mod-10: from the right, digits weigh 3, 1, 3, ... excluding the check digit itself.
fn check_digit_holds(digits: &str) -> bool {
    let mut values = digits.bytes().rev().map(|b| u32::from(b - b'0'));
    let Some(check) = values.next() else {
        return false;
    };
    let sum: u32 = values
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { d })
        .sum();
    (10 - sum % 10) % 10 == check
}

impl TryFrom<String> for Gtin {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        Self::parse(&value, &[8, 12, 13, 14], "GTIN")
    }
}

impl From<Gtin> for String {
    fn from(gtin: Gtin) -> String {
        gtin.0
    }
}

impl AsRef<str> for Gtin {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Product identifiers as sellers send them; at most one GTIN results.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Identifiers {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gtin: Option<Gtin>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "ean"
    )]
    pub ean: Option<Gtin>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "upc"
    )]
    pub upc: Option<Gtin>,
}

fn ean<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Gtin>, D::Error> {
    let value = String::deserialize(d)?;
    Gtin::parse(&value, &[8, 13], "EAN")
        .map(Some)
        .map_err(serde::de::Error::custom)
}

fn upc<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Gtin>, D::Error> {
    let value = String::deserialize(d)?;
    Gtin::parse(&value, &[12], "UPC")
        .map(Some)
        .map_err(serde::de::Error::custom)
}

impl Identifiers {
    /// The one GTIN these identifiers name; `Err` names the field that disagrees.
    pub fn gtin(&self) -> Result<Option<&Gtin>, &'static str> {
        let given = [
            ("identifiers.gtin", &self.gtin),
            ("identifiers.ean", &self.ean),
            ("identifiers.upc", &self.upc),
        ];
        let mut found: Option<&Gtin> = None;
        for (field, value) in given {
            match (found, value) {
                (Some(first), Some(other)) if first != other => return Err(field),
                (None, Some(value)) => found = Some(value),
                _ => {}
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gtin(s: &str) -> Result<Gtin, String> {
        Gtin::try_from(s.to_owned())
    }

    #[test]
    fn valid_forms_normalise_to_fourteen_digits() {
        assert_eq!(gtin("036000291452").unwrap().as_ref(), "00036000291452"); // UPC-A
        assert_eq!(gtin("4006381333931").unwrap().as_ref(), "04006381333931"); // EAN-13
        assert_eq!(gtin("96385074").unwrap().as_ref(), "00000096385074"); // EAN-8
        assert_eq!(
            gtin("00036000291452").unwrap(),
            gtin("036000291452").unwrap()
        );
    }

    #[test]
    fn bad_check_digits_and_lengths_are_refused() {
        assert!(gtin("036000291453").unwrap_err().contains("check digit"));
        assert!(gtin("12345").unwrap_err().contains("digits"));
        assert!(gtin("03600029145A").is_err());
    }

    #[test]
    fn identifiers_must_agree() {
        let ids: Identifiers = serde_json::from_value(serde_json::json!({
            "gtin": "00036000291452", "upc": "036000291452"
        }))
        .unwrap();
        assert_eq!(ids.gtin().unwrap().unwrap().as_ref(), "00036000291452");
        let ids: Identifiers = serde_json::from_value(serde_json::json!({
            "gtin": "00036000291452", "ean": "4006381333931"
        }))
        .unwrap();
        assert_eq!(ids.gtin(), Err("identifiers.ean"));
        assert!(
            serde_json::from_value::<Identifiers>(serde_json::json!({"upc": "4006381333931"}))
                .is_err()
        );
    }
}
