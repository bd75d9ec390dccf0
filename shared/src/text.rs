//! Validated text: newtypes that can only hold text obeying their rule. They parse from JSON
//! and DynamoDB through `TryFrom<String>`, so a bad value is refused at the edge, with the rule.

/// The conversions every text newtype has: to `String`, `&str`, and display.
#[macro_export]
macro_rules! text_impls {
    ($name:ident) => {
        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

/// Declares a trimmed, single-line text type of `$min..=$max` characters.
#[macro_export]
macro_rules! bounded_text {
    ($(#[$meta:meta])* $name:ident, $min:expr, $max:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, ::serde::Serialize, ::serde::Deserialize, ::utoipa::ToSchema)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(value: String) -> Result<Self, String> {
                $crate::text::check_bounded(&value, $min, $max).map(|t| Self(t.to_owned()))
            }
        }

        $crate::text_impls!($name);
    };
}

/// Declares an identifier type: `$min..=$max` characters, each accepted by `$allowed`.
#[macro_export]
macro_rules! identifier {
    ($(#[$meta:meta])* $name:ident, $min:expr, $max:expr, $allowed:expr, $rule:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, ::serde::Serialize, ::serde::Deserialize, ::utoipa::ToSchema)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(value: String) -> Result<Self, String> {
                let len = value.chars().count();
                if !($min..=$max).contains(&len) || !value.chars().all($allowed) {
                    return Err(format!("must be {} to {} characters, {}", $min, $max, $rule));
                }
                Ok(Self(value))
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(value: &str) -> Result<Self, String> {
                Self::try_from(value.to_owned())
            }
        }

        $crate::text_impls!($name);
    };
}

/// Trims `value` and checks it is `min..=max` characters with no control characters.
pub fn check_bounded(value: &str, min: usize, max: usize) -> Result<&str, String> {
    let trimmed = value.trim();
    let len = trimmed.chars().count();
    if !(min..=max).contains(&len) {
        return Err(format!(
            "must be {min} to {max} characters (after trimming)"
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err("must not contain control characters".to_owned());
    }
    Ok(trimmed)
}

#[cfg(test)]
mod tests {
    bounded_text!(Name, 1, 5);
    identifier!(Code, 2, 3, |c: char| c.is_ascii_digit(), "digits only");

    #[test]
    fn bounded_text_trims_and_counts_characters_not_bytes() {
        assert_eq!(
            Name::try_from("  ééééé ".to_owned()).unwrap().as_ref(),
            "ééééé"
        );
        assert!(Name::try_from("   ".to_owned()).is_err());
        assert!(Name::try_from("toolong".to_owned()).is_err());
        assert!(Name::try_from("a\u{7}b".to_owned()).is_err());
    }

    #[test]
    fn identifiers_keep_their_rule() {
        assert!("12".parse::<Code>().is_ok());
        let err = "1a".parse::<Code>().unwrap_err();
        assert_eq!(err, "must be 2 to 3 characters, digits only");
        assert!("1234".parse::<Code>().is_err());
    }

    #[test]
    fn json_refuses_bad_values() {
        assert!(serde_json::from_str::<Name>("\"\"").is_err());
        assert_eq!(
            serde_json::from_str::<Name>("\" ab \"").unwrap().as_ref(),
            "ab"
        );
    }
}
