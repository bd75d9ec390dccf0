//! Autocomplete: what the shopper has typed so far becomes product, brand and category
//! suggestions, from completion fields (an in-memory prefix structure, so one call per keystroke
//! stays cheap).

use crate::catalog::{ProductId, Slug};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::str::FromStr;

/// What has been typed: 1 to 100 characters (only spaces suggest nothing).
#[derive(Debug, Clone, PartialEq)]
pub struct Prefix(String);

impl FromStr for Prefix {
    type Err = String;
    fn from_str(value: &str) -> Result<Self, String> {
        if !(1..=100).contains(&value.chars().count()) {
            return Err("must be 1 to 100 characters".into());
        }
        Ok(Self(value.trim_start().to_lowercase()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionKind {
    Product,
    Brand,
    Category,
}

const KINDS: [(SuggestionKind, &str, usize); 3] = [
    (SuggestionKind::Category, "category", 3),
    (SuggestionKind::Brand, "brand", 3),
    (SuggestionKind::Product, "title", 6),
];

#[derive(Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Suggestion {
    pub text: String,
    pub kind: SuggestionKind,
    /// The product a product suggestion opens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_id: Option<ProductId>,
    /// The category a category suggestion searches in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<Slug>,
}

#[derive(Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Suggestions {
    /// As typed first, then with a typo forgiven; each part categories, brands, products.
    pub suggestions: Vec<Suggestion>,
}

impl Prefix {
    /// Nothing typed but spaces or symbols: nothing to suggest, no need to ask.
    pub fn is_blank(&self) -> bool {
        !self.0.chars().any(char::is_alphanumeric)
    }

    /// The engine's request: one completion suggester per kind, a typo allowed from the fourth
    /// character on.
    pub fn body(&self) -> Value {
        let fuzziness = if self.0.chars().count() > 3 { 1 } else { 0 };
        let mut suggest = serde_json::Map::new();
        for (_, field, size) in KINDS {
            suggest.insert(
                field.to_owned(),
                json!({"prefix": self.0, "completion": {
                    "field": format!("suggest.{field}"),
                    "size": size,
                    "skip_duplicates": true,
                    "fuzzy": {"fuzziness": fuzziness},
                }}),
            );
        }
        json!({"_source": ["id", "title", "categories"], "suggest": suggest})
    }

    /// Reads the engine's answer to [`Prefix::body`]: what starts as typed first, then what
    /// needed a typo forgiven, each in kind order.
    pub fn suggestions(&self, answer: &Value) -> Suggestions {
        let mut suggestions = Vec::new();
        for (kind, field, _) in KINDS {
            let options = answer["suggest"][field][0]["options"]
                .as_array()
                .into_iter()
                .flatten();
            for option in options {
                let source = &option["_source"];
                let suggestion = match kind {
                    SuggestionKind::Product => Suggestion {
                        text: source["title"].as_str().unwrap_or_default().to_owned(),
                        kind,
                        product_id: source["id"].as_str().and_then(|id| id.parse().ok()),
                        category: None,
                    },
                    SuggestionKind::Brand | SuggestionKind::Category => {
                        let text = option["text"].as_str().unwrap_or_default().to_owned();
                        let category = (kind == SuggestionKind::Category)
                            .then(|| category_named(source, &text))
                            .flatten();
                        Suggestion {
                            text,
                            kind,
                            product_id: None,
                            category,
                        }
                    }
                };
                let seen = suggestions
                    .iter()
                    .any(|s: &Suggestion| s.kind == kind && s.text == suggestion.text);
                if !suggestion.text.is_empty() && !seen {
                    suggestions.push(suggestion);
                }
            }
        }
        suggestions.sort_by_key(|s| !s.text.to_lowercase().starts_with(&self.0));
        Suggestions { suggestions }
    }
}

/// Completion inputs of a category: its words, and the phrase from each word on, so "kitchen"
/// completes "home kitchen".
pub fn category_inputs(slug: &Slug) -> Vec<String> {
    let words: Vec<&str> = slug.as_ref().split('-').collect();
    (0..words.len()).map(|i| words[i..].join(" ")).collect()
}

/// The document's category whose words the suggestion holds.
fn category_named(source: &Value, text: &str) -> Option<Slug> {
    source["categories"]
        .as_array()?
        .iter()
        .filter_map(|c| c.as_str()?.parse::<Slug>().ok())
        .find(|slug| category_inputs(slug).iter().any(|input| input == text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_is_trimmed_lowered_and_bounded() {
        assert_eq!("  Lum".parse::<Prefix>(), Ok(Prefix("lum".into())));
        assert!("   ".parse::<Prefix>().unwrap().is_blank());
        assert!("😀".parse::<Prefix>().unwrap().is_blank());
        assert!(!"é".parse::<Prefix>().unwrap().is_blank());
        assert!("".parse::<Prefix>().is_err());
        assert!("x".repeat(101).parse::<Prefix>().is_err());
        let body = "lumi".parse::<Prefix>().unwrap().body();
        assert_eq!(
            body["suggest"]["title"]["completion"]["fuzzy"]["fuzziness"],
            1
        );
        let body = "lum".parse::<Prefix>().unwrap().body();
        assert_eq!(
            body["suggest"]["brand"]["completion"]["fuzzy"]["fuzziness"],
            0
        );
    }

    #[test]
    fn a_category_completes_from_any_of_its_words() {
        let slug: Slug = "home-kitchen".parse().unwrap();
        assert_eq!(category_inputs(&slug), ["home kitchen", "kitchen"]);
    }

    #[test]
    fn an_answer_becomes_categories_then_brands_then_products_without_repeats() {
        let product = |id: &str, title: &str| json!({"text": title, "_source": {"id": id, "title": title, "categories": ["home-kitchen", "kettles"]}});
        let answer = json!({"suggest": {
            "title": [{"options": [
                product("01JA0000000000000000000001", "Boilo Eco Electric Kettle 6"),
                product("01JA0000000000000000000002", "Boilo Pro Electric Kettle 38"),
            ]}],
            "brand": [{"options": [
                {"text": "Boilo", "_source": {"id": "01JA0000000000000000000001", "title": "x", "categories": []}},
                {"text": "Boilo", "_source": {"id": "01JA0000000000000000000002", "title": "y", "categories": []}},
            ]}],
            "category": [{"options": [
                {"text": "kitchen", "_source": {"id": "01JA0000000000000000000001", "title": "x", "categories": ["home-kitchen", "kettles"]}},
            ]}],
        }});
        let suggestions = "kit"
            .parse::<Prefix>()
            .unwrap()
            .suggestions(&answer)
            .suggestions;
        let kinds: Vec<_> = suggestions
            .iter()
            .map(|s| (s.kind, s.text.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                (SuggestionKind::Category, "kitchen"),
                (SuggestionKind::Brand, "Boilo"),
                (SuggestionKind::Product, "Boilo Eco Electric Kettle 6"),
                (SuggestionKind::Product, "Boilo Pro Electric Kettle 38"),
            ]
        );
        assert_eq!(
            suggestions[0].category.as_ref().unwrap().to_string(),
            "home-kitchen"
        );
        assert!(suggestions[2].product_id.is_some());
    }
}
