//! Validated text: newtypes that can only hold text obeying their rule. They parse from JSON
//! and DynamoDB through `TryFrom<String>`, so a bad value is refused at the edge, with the rule.
//! Each also describes its rule to the OpenAPI document as a JSON Schema `pattern` built from
//! the same definition the check uses, so the two cannot disagree.

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

/// A string schema for the OpenAPI document.
pub fn string_schema(
    description: &str,
    min: usize,
    max: usize,
    pattern: String,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .min_length(Some(min))
        .max_length(Some(max))
        .pattern(Some(pattern))
        .into()
}

/// Declares a single-line text type of `$min..=$max` characters (see [`check_text`]).
#[macro_export]
macro_rules! bounded_text {
    ($(#[$meta:meta])* $name:ident, $min:expr, $max:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(value: String) -> Result<Self, String> {
                $crate::text::check_text(&value, $min, $max).map(|()| Self(value))
            }
        }

        impl ::utoipa::PartialSchema for $name {
            fn schema() -> ::utoipa::openapi::RefOr<::utoipa::openapi::schema::Schema> {
                let rule = $crate::text::text_rule($min, $max);
                $crate::text::string_schema(&rule, $min, $max, $crate::text::text_pattern($min == 0))
            }
        }

        impl ::utoipa::ToSchema for $name {}

        $crate::text_impls!($name);
    };
}

/// Declares an identifier type: `$min..=$max` characters of the ASCII character class `$class`
/// (regular-expression syntax: single characters and ranges such as `a-z`).
#[macro_export]
macro_rules! identifier {
    ($(#[$meta:meta])* $name:ident, $min:expr, $max:expr, $class:literal, $rule:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            const RULE: &str = concat!("must be ", $min, " to ", $max, " characters, ", $rule);
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(value: String) -> Result<Self, String> {
                let len = value.chars().count();
                if !($min..=$max).contains(&len)
                    || !value.chars().all(|c| $crate::text::class_contains($class, c))
                {
                    return Err(Self::RULE.to_owned());
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

        impl ::utoipa::PartialSchema for $name {
            fn schema() -> ::utoipa::openapi::RefOr<::utoipa::openapi::schema::Schema> {
                let pattern = format!("^[{}]{{{},{}}}$", $class, $min, $max);
                $crate::text::string_schema(Self::RULE, $min, $max, pattern)
            }
        }

        impl ::utoipa::ToSchema for $name {}

        $crate::text_impls!($name);
    };
}

/// Declares an id that is a ULID (so ids sort by creation time), made where the thing is made.
#[macro_export]
macro_rules! ulid_identifier {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(::ulid::Ulid);

        impl $name {
            pub fn generate() -> Self {
                Self(::ulid::Ulid::new())
            }

            pub fn ulid(self) -> ::ulid::Ulid {
                self.0
            }
        }

        impl From<::ulid::Ulid> for $name {
            fn from(ulid: ::ulid::Ulid) -> Self {
                Self(ulid)
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(value: String) -> Result<Self, String> {
                value.parse()
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(value: &str) -> Result<Self, String> {
                let rule = || concat!("must be ", $what, " (26 characters, Crockford base32)").to_owned();
                // The decoder would silently drop the bits of a first character above 7.
                if !value.starts_with(|c: char| ('0'..='7').contains(&c)) {
                    return Err(rule());
                }
                ::ulid::Ulid::from_string(value).map(Self).map_err(|_| rule())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0.to_string()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl ::utoipa::PartialSchema for $name {
            fn schema() -> ::utoipa::openapi::RefOr<::utoipa::openapi::schema::Schema> {
                let pattern = "^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$".to_owned();
                $crate::text::string_schema(concat!($what, " (a ULID)"), 26, 26, pattern)
            }
        }

        impl ::utoipa::ToSchema for $name {}
    };
}

/// Whether `c` is in an ASCII character class written as in a regular expression: `a-z0-9_-`.
pub fn class_contains(class: &str, c: char) -> bool {
    let class = class.as_bytes();
    let mut i = 0;
    while i < class.len() {
        let first = char::from(class[i]);
        if class.get(i + 1) == Some(&b'-') && i + 2 < class.len() {
            if (first..=char::from(class[i + 2])).contains(&c) {
                return true;
            }
            i += 3;
        } else {
            if first == c {
                return true;
            }
            i += 1;
        }
    }
    false
}

/// White space as Rust's `char::is_whitespace` (Unicode White_Space) sees it, as a class.
const WHITE_SPACE: &str = r"\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";
/// The white space that is not also a control character.
const SPACE: &str = r" \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";
/// Control characters (Unicode Cc), as `char::is_control` sees them.
const CONTROL: &str = r"\u0000-\u001F\u007F-\u009F";
/// Characters that show nothing (zero-width, joiners, direction marks, fillers, variation
/// selectors): text of only these looks empty.
const INVISIBLE: &[(char, char)] = &[
    ('\u{00AD}', '\u{00AD}'),
    ('\u{034F}', '\u{034F}'),
    ('\u{061C}', '\u{061C}'),
    ('\u{115F}', '\u{1160}'),
    ('\u{17B4}', '\u{17B5}'),
    ('\u{180B}', '\u{180F}'),
    ('\u{200B}', '\u{200F}'),
    ('\u{202A}', '\u{202E}'),
    ('\u{2060}', '\u{206F}'),
    ('\u{3164}', '\u{3164}'),
    ('\u{FE00}', '\u{FE0F}'),
    ('\u{FEFF}', '\u{FEFF}'),
    ('\u{FFA0}', '\u{FFA0}'),
];

fn is_invisible(c: char) -> bool {
    INVISIBLE
        .iter()
        .any(|(from, to)| (*from..=*to).contains(&c))
}

fn invisible_class() -> String {
    let escape = |c: char| format!("\\u{:04X}", u32::from(c));
    INVISIBLE
        .iter()
        .map(|(from, to)| match from == to {
            true => escape(*from),
            false => format!("{}-{}", escape(*from), escape(*to)),
        })
        .collect()
}

/// Text for people to read: no control characters, no white space at either end, at least one
/// visible character, `min..=max` characters (Unicode scalar values, as JSON Schema counts).
pub fn check_text(value: &str, min: usize, max: usize) -> Result<(), String> {
    if value.chars().any(char::is_control) {
        return Err("must not contain control characters".to_owned());
    }
    if value.starts_with(char::is_whitespace) || value.ends_with(char::is_whitespace) {
        return Err("must not begin or end with white space".to_owned());
    }
    let len = value.chars().count();
    if !(min..=max).contains(&len) {
        return Err(text_rule(min, max));
    }
    if len > 0
        && !value
            .chars()
            .any(|c| !c.is_whitespace() && !is_invisible(c))
    {
        return Err("must contain a visible character".to_owned());
    }
    Ok(())
}

pub fn text_rule(min: usize, max: usize) -> String {
    format!(
        "must be {min} to {max} characters, with a visible one, no control characters and no white space at either end"
    )
}

/// [`check_text`]'s rule less the length, as a regular expression (ECMA 262 and Python alike):
/// an optional run of invisible characters and inner white space, starting with an invisible
/// one; the first visible character; then anything but control characters, ending in neither
/// white space nor a control character.
pub fn text_pattern(may_be_empty: bool) -> String {
    let (white, control, invisible) = (WHITE_SPACE, CONTROL, invisible_class());
    let visible = format!("[^{control}{white}{invisible}]");
    let body = format!(
        "(?:[{invisible}][{invisible}{SPACE}]*)?{visible}(?:[^{control}]*[^{control}{white}])?"
    );
    match may_be_empty {
        true => format!("^(?:{body})?$"),
        false => format!("^{body}$"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    bounded_text!(Name, 1, 5);
    identifier!(Code, 2, 3, "0-9", "digits only");

    #[test]
    fn bounded_text_counts_characters_not_bytes_and_refuses_what_shows_nothing() {
        assert_eq!(
            Name::try_from("ééééé".to_owned()).unwrap().as_ref(),
            "ééééé"
        );
        for bad in [
            "",
            "   ",
            " ab",
            "ab ",
            "toolong",
            "a\u{7}b",
            "\u{200B}\u{200D}",
            "\u{FEFF}",
        ] {
            assert!(Name::try_from(bad.to_owned()).is_err(), "{bad:?}");
        }
        assert!(Name::try_from("\u{200B}a b".to_owned()).is_ok());
    }

    #[test]
    fn identifiers_keep_their_rule() {
        assert!("12".parse::<Code>().is_ok());
        let err = "1a".parse::<Code>().unwrap_err();
        assert_eq!(err, "must be 2 to 3 characters, digits only");
        assert!("1234".parse::<Code>().is_err());
    }

    #[test]
    fn character_classes_take_ranges_and_single_characters() {
        let class = "a-z0-9._-";
        for c in ['a', 'q', 'z', '0', '9', '.', '_', '-'] {
            assert!(class_contains(class, c), "{c}");
        }
        for c in ['A', '/', ' ', 'é', '`'] {
            assert!(!class_contains(class, c), "{c}");
        }
    }

    #[test]
    fn json_refuses_bad_values() {
        assert!(serde_json::from_str::<Name>("\"\"").is_err());
        assert_eq!(
            serde_json::from_str::<Name>("\"ab\"").unwrap().as_ref(),
            "ab"
        );
    }

    /// The schema's pattern and length accept exactly what the type accepts: every character
    /// of the Basic Multilingual Plane at each position of short strings.
    #[test]
    fn the_pattern_says_what_the_check_does() {
        for may_be_empty in [false, true] {
            let min = usize::from(!may_be_empty);
            let pattern = regex::Regex::new(&text_pattern(may_be_empty)).unwrap();
            let agrees = |text: &str| {
                let by_schema = pattern.is_match(text) && text.chars().count() <= 3;
                by_schema == check_text(text, min, 3).is_ok()
            };
            assert!(agrees(""), "empty");
            for c in (0..=0xFFFF).filter_map(char::from_u32) {
                for text in [
                    format!("{c}"),
                    format!("{c}a"),
                    format!("a{c}"),
                    format!("a{c}b"),
                ] {
                    assert!(agrees(&text), "{text:?} ({:04X})", u32::from(c));
                }
                for padded in [format!("\u{200B}{c}"), format!("\u{200B}{c}a")] {
                    assert!(agrees(&padded), "{padded:?}");
                }
            }
        }
    }
}
