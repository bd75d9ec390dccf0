//! Global Trade Item Numbers: the identifier that tells two sellers they sell the same product.

use serde::{Deserialize, Serialize};

/// A GTIN normalised to 14 digits, so UPC-A, EAN-13, EAN-8 and GTIN-14 forms of one number match.
/// Made only from a checked identifier; it keys the catalog's GTIN claims.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Gtin(String);

impl AsRef<str> for Gtin {
    fn as_ref(&self) -> &str {
        &self.0
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

/// Declares one identifier form: its digits kept exactly as the seller sent them, so what is
/// stored reads back unchanged; `gtin()` gives the normalised number products are matched on.
/// The schema's `format` (`gtin`, `ean`, `upc`) names the GS1 check digit rule, which no
/// pattern can state.
macro_rules! gtin_form {
    ($(#[$meta:meta])* $name:ident, $label:literal, $format:literal, $pattern:literal, [$($len:literal),+]) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                use utoipa::openapi::schema::{ObjectBuilder, SchemaFormat, Type};
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some(concat!("Digits ending in a GS1 check digit (format ", $format, ")")))
                    .format(Some(SchemaFormat::Custom($format.to_owned())))
                    .pattern(Some($pattern))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        impl $name {
            pub fn gtin(&self) -> Gtin {
                Gtin(format!("{:0>14}", self.0))
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(value: String) -> Result<Self, String> {
                const LENGTHS: &[usize] = &[$($len),+];
                if !LENGTHS.contains(&value.len()) || !value.bytes().all(|b| b.is_ascii_digit()) {
                    let lengths: Vec<String> = LENGTHS.iter().map(ToString::to_string).collect();
                    return Err(format!("must be a {} of {} digits", $label, lengths.join(" or ")));
                }
                if !check_digit_holds(&value) {
                    return Err(format!("must be a {} whose check digit is correct", $label));
                }
                Ok(Self(value))
            }
        }

        $crate::text_impls!($name);
    };
}

gtin_form!(
    /// A GTIN in any of its lengths (GTIN-8, -12, -13 or -14), with a correct GS1 check digit.
    AnyGtin, "GTIN", "gtin", "^([0-9]{8}|[0-9]{12,14})$", [8, 12, 13, 14]
);
gtin_form!(
    /// An EAN-13 or EAN-8, with a correct GS1 check digit.
    Ean, "EAN", "ean", "^([0-9]{8}|[0-9]{13})$", [8, 13]
);
gtin_form!(
    /// A 12-digit UPC-A, with a correct GS1 check digit.
    Upc, "UPC", "upc", "^[0-9]{12}$", [12]
);

/// Product identifiers as sellers send them; at most one GTIN results.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Identifiers {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gtin: Option<AnyGtin>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ean: Option<Ean>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upc: Option<Upc>,
}

impl Identifiers {
    /// The one GTIN these identifiers name; `Err` names the field that disagrees.
    pub fn gtin(&self) -> Result<Option<Gtin>, &'static str> {
        let given = [
            ("identifiers.gtin", self.gtin.as_ref().map(AnyGtin::gtin)),
            ("identifiers.ean", self.ean.as_ref().map(Ean::gtin)),
            ("identifiers.upc", self.upc.as_ref().map(Upc::gtin)),
        ];
        let mut found: Option<Gtin> = None;
        for (field, value) in given {
            match (&found, value) {
                (Some(first), Some(other)) if *first != other => return Err(field),
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
    use serde_json::json;

    fn gtin(s: &str) -> Result<Gtin, String> {
        AnyGtin::try_from(s.to_owned()).map(|g| g.gtin())
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
    fn every_form_reads_back_as_it_was_sent() {
        for sent in [
            json!({"upc": "036000291452"}),
            json!({"ean": "4006381333931"}),
            json!({"ean": "96385074"}),
            json!({"gtin": "036000291452"}),
            json!({"gtin": "00036000291452", "upc": "036000291452"}),
        ] {
            let ids: Identifiers = serde_json::from_value(sent.clone()).unwrap();
            let stored = serde_json::to_value(&ids).unwrap();
            assert_eq!(stored, sent);
            let read: Identifiers = serde_json::from_value(stored).unwrap();
            assert_eq!(read, ids);
        }
    }

    #[test]
    fn identifiers_must_agree() {
        let ids: Identifiers =
            serde_json::from_value(json!({"gtin": "00036000291452", "upc": "036000291452"}))
                .unwrap();
        assert_eq!(ids.gtin().unwrap().unwrap().as_ref(), "00036000291452");
        let ids: Identifiers =
            serde_json::from_value(json!({"gtin": "00036000291452", "ean": "4006381333931"}))
                .unwrap();
        assert_eq!(ids.gtin(), Err("identifiers.ean"));
        assert!(serde_json::from_value::<Identifiers>(json!({"upc": "4006381333931"})).is_err());
    }
}
