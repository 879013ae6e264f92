//! Fields read leniently, for any serde deserializer (JSON text in the proxy, JavaScript values
//! in the widget): a value of an unexpected type is read as absent instead of failing the whole
//! document, and nothing is buffered on the way (no `serde_json::Value`, no untagged enums), so
//! the widget's WebAssembly carries no generic JSON machinery.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// A string, or a number written as a string (ids that a serializer turned into numbers);
/// `None` for anything else.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text(pub Option<String>);

/// A whole number that is not negative; `None` for anything else.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count(pub Option<u64>);

/// A boolean; `None` for anything else.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flag(pub Option<bool>);

/// A string and only a string (a number is not a token); `None` for anything else.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Str(pub Option<String>);

/// What [`Str`] keeps: a string's text.
struct OnlyString(String);

impl Keep for OnlyString {
    fn string(value: &str) -> Option<Self> {
        Some(OnlyString(value.to_owned()))
    }
}

/// Which scalar a [`Lenient`] visitor keeps.
trait Keep: Sized {
    fn string(_: &str) -> Option<Self> {
        None
    }
    fn unsigned(_: u64) -> Option<Self> {
        None
    }
    fn signed(value: i64) -> Option<Self> {
        u64::try_from(value).ok().and_then(Self::unsigned)
    }
    fn boolean(_: bool) -> Option<Self> {
        None
    }
    fn float(value: f64) -> Option<Self> {
        // JavaScript numbers arrive as floats: a whole one is a whole number.
        let whole = value.is_finite() && value.fract() == 0.0 && (0.0..9.0e15).contains(&value);
        whole.then(|| Self::unsigned(value as u64)).flatten()
    }
}

impl Keep for String {
    fn string(value: &str) -> Option<Self> {
        Some(value.to_owned())
    }
    fn unsigned(value: u64) -> Option<Self> {
        Some(value.to_string())
    }
}

impl Keep for u64 {
    fn unsigned(value: u64) -> Option<Self> {
        Some(value)
    }
}

impl Keep for bool {
    fn boolean(value: bool) -> Option<Self> {
        Some(value)
    }
}

struct Lenient<T>(std::marker::PhantomData<T>);

impl<'de, T: Keep> Visitor<'de> for Lenient<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(T::string(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(T::unsigned(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(T::signed(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(T::float(v))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(T::boolean(v))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

fn lenient<'de, D: Deserializer<'de>, T: Keep>(d: D) -> Result<Option<T>, D::Error> {
    d.deserialize_any(Lenient::<T>(std::marker::PhantomData))
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient(d).map(Text)
    }
}

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient(d).map(Count)
    }
}

impl<'de> Deserialize<'de> for Str {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient::<D, OnlyString>(d).map(|s| Str(s.map(|OnlyString(s)| s)))
    }
}

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient(d).map(Flag)
    }
}

/// What a lenient parse gives: the value, and how many items of it were dropped because they
/// did not validate (for the proxy's log line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed<T> {
    pub value: T,
    pub dropped: usize,
}

/// Any value at all, kept as it came, for a document's items: each item is then read on its
/// own, so that one bad item is dropped instead of failing the list. The proxy buffers items
/// as JSON values; the widget keeps the JavaScript values it was given (a reference, so a
/// clone is cheap there).
pub trait Item: Sized + Clone + de::DeserializeOwned {
    /// Reads the item as `T`, with a message when it is not one.
    fn read<T: de::DeserializeOwned>(self) -> Result<T, String>;
}

#[cfg(feature = "json")]
impl Item for serde_json::Value {
    fn read<T: de::DeserializeOwned>(self) -> Result<T, String> {
        serde_json::from_value(self).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Doc {
        #[serde(default)]
        text: Text,
        #[serde(default)]
        count: Count,
        #[serde(default)]
        flag: Flag,
    }

    fn doc(json: &str) -> (Option<String>, Option<u64>, Option<bool>) {
        let d: Doc = serde_json::from_str(json).unwrap();
        (d.text.0, d.count.0, d.flag.0)
    }

    #[test]
    fn values_of_the_wrong_type_are_read_as_absent() {
        assert_eq!(
            doc(r#"{"text":"a","count":3,"flag":true}"#),
            (Some("a".into()), Some(3), Some(true))
        );
        assert_eq!(
            doc(r#"{"text":42,"count":"3","flag":"yes"}"#),
            (Some("42".into()), None, None)
        );
        assert_eq!(
            doc(r#"{"text":{"$oid":"x"},"count":-1,"flag":[true]}"#),
            (None, None, None)
        );
        assert_eq!(
            doc(r#"{"text":null,"count":2.5,"flag":null}"#),
            (None, None, None)
        );
        assert_eq!(doc(r#"{"count":4.0}"#), (None, Some(4), None));
        assert_eq!(doc("{}"), (None, None, None));
    }
}
