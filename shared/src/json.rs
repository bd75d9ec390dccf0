//! JSON read as the API description (JSON Schema) means it, where serde's defaults differ:
//! JSON has one number type, so `6.0` is the whole number 6; and an object is an object, where
//! serde would also read a struct from an array of its fields in order.

use serde::{Deserialize, Deserializer, de};
use std::marker::PhantomData;

/// For `#[serde(deserialize_with)]` on a struct-typed field: only a JSON object.
/// A whole number as JSON Schema reads one (`7.0` is 7), for `deserialize_with`.
pub fn whole_number<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    WholeNumber::deserialize(d).map(u64::from)
}

pub fn object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    struct ObjectOnly<T>(PhantomData<T>);
    impl<'de, T: Deserialize<'de>> de::Visitor<'de> for ObjectOnly<T> {
        type Value = T;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }

        fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            // The map access carries the caller's field path, so errors inside keep it.
            T::deserialize(de::value::MapAccessDeserializer::new(map))
        }
    }
    d.deserialize_map(ObjectOnly(PhantomData))
}

/// [`object`] for an optional field: a JSON object or `null`.
pub fn optional_object<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct OptionalObject<T>(PhantomData<T>);
    impl<'de, T: Deserialize<'de>> de::Visitor<'de> for OptionalObject<T> {
        type Value = Option<T>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object or null")
        }

        fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
            object(d).map(Some)
        }
    }
    d.deserialize_option(OptionalObject(PhantomData))
}

/// A non-negative whole number from any JSON number without a fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WholeNumber(pub u64);

impl<'de> Deserialize<'de> for WholeNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const EXPECTING: &str = "a whole number of at least 0";
        let n = whole(d, EXPECTING)?;
        u64::try_from(n).map(WholeNumber).map_err(|_| {
            let shown = i64::try_from(n).unwrap_or(i64::MIN);
            de::Error::invalid_value(de::Unexpected::Signed(shown), &EXPECTING)
        })
    }
}

/// A whole number, negative or not, from any JSON number without a fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Integer(pub i64);

impl<'de> Deserialize<'de> for Integer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const EXPECTING: &str = "a whole number";
        let n = whole(d, EXPECTING)?;
        i64::try_from(n).map(Integer).map_err(|_| {
            de::Error::invalid_value(de::Unexpected::Other("a number that large"), &EXPECTING)
        })
    }
}

/// Any JSON number without a fraction, as JSON Schema's `integer` reads it (`3.0` is 3).
fn whole<'de, D: Deserializer<'de>>(d: D, expecting: &'static str) -> Result<i128, D::Error> {
    struct Visitor(&'static str);
    impl de::Visitor<'_> for Visitor {
        type Value = i128;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str(self.0)
        }

        fn visit_u64<E: de::Error>(self, n: u64) -> Result<i128, E> {
            Ok(n.into())
        }

        fn visit_i64<E: de::Error>(self, n: i64) -> Result<i128, E> {
            Ok(n.into())
        }

        fn visit_f64<E: de::Error>(self, n: f64) -> Result<i128, E> {
            // ±2^64 as f64; every whole f64 between converts exactly.
            const LIMIT: f64 = 18_446_744_073_709_551_616.0;
            if n.fract() == 0.0 && (-LIMIT..LIMIT).contains(&n) {
                Ok(n as i128)
            } else {
                Err(E::invalid_value(de::Unexpected::Float(n), &self))
            }
        }
    }
    d.deserialize_any(Visitor(expecting))
}

impl From<WholeNumber> for u64 {
    fn from(n: WholeNumber) -> u64 {
        n.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Outer {
        #[serde(deserialize_with = "object")]
        inner: Inner,
        #[serde(default, deserialize_with = "optional_object")]
        extra: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        a: u8,
    }

    #[test]
    fn objects_must_be_objects() {
        let parse = |json: &str| serde_json::from_str::<Outer>(json);
        assert!(parse(r#"{"inner": {"a": 1}}"#).is_ok());
        assert!(parse(r#"{"inner": {"a": 1}, "extra": null}"#).is_ok());
        assert!(parse(r#"{"inner": {"a": 1}, "extra": {"a": 2}}"#).is_ok());
        assert!(parse(r#"{"inner": [1]}"#).is_err());
        assert!(parse(r#"{"inner": {"a": 1}, "extra": [2]}"#).is_err());
        let mut json = serde_json::Deserializer::from_str(r#"{"inner": {"a": 300}}"#);
        let error = serde_path_to_error::deserialize::<_, Outer>(&mut json).unwrap_err();
        assert_eq!(error.path().to_string(), "inner.a");
    }

    #[test]
    fn whole_numbers_parse_with_or_without_a_point() {
        let parse = |json: &str| serde_json::from_str::<WholeNumber>(json).map(|n| n.0);
        assert_eq!(parse("6").unwrap(), 6);
        assert_eq!(parse("6.0").unwrap(), 6);
        assert_eq!(parse("1e3").unwrap(), 1000);
        for bad in ["6.5", "-1", "-0.5", "1e30", "\"6\"", "null"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
