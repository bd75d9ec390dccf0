//! Product search on OpenSearch: the document each product family becomes, the index it lives in
//! (versioned behind an alias), and how a shopper's query and autocomplete become searches.
//! The catalog table's stream keeps the index in step (the `index-products` function); a
//! backfill builds a whole new index for a mapping change or the first load.

mod document;
#[cfg(feature = "opensearch")]
mod engine;
mod mapping;
mod query;
#[cfg(feature = "opensearch")]
mod store;
mod suggest;

pub use document::{Action, Indexing, SearchDocument, Suggest, rank};
pub use mapping::{MAPPING_VERSION, index_body};
pub use query::{
    BrandName, Bucket, CURSOR_RULE, Facets, Highlight, PriceBound, QueryText, RatingMin,
    SearchCursor, SearchHit, SearchPage, SearchRequest, Sort,
};
#[cfg(all(feature = "opensearch", feature = "dynamodb"))]
pub use store::CatalogIndex;
#[cfg(feature = "opensearch")]
pub use store::{Backfill, IndexOutcome, SearchConfig, SearchIndex, SearchRefused};
pub use suggest::{Prefix, Suggestion, SuggestionKind, Suggestions};

/// Words a shopper uses for the same thing, searched together. Applied to the query in code
/// rather than by the engine's synonym filter, so it behaves the same on every engine and a unit
/// test covers it; each group is small, so a word adds a few clauses at most.
const SYNONYMS: &[&[&str]] = &[
    &["tv", "television", "televisions", "tvs"],
    // Not "notebook": the catalog sells paper ones.
    &["laptop", "laptops"],
    &["headphones", "headphone", "headset", "earphones"],
    &[
        "smartphone",
        "smartphones",
        "phone",
        "phones",
        "mobile",
        "cellphone",
    ],
    &["smartwatch", "smartwatches", "watch", "watches"],
    &["camera", "cameras"],
    &["kettle", "kettles"],
    &["coffee", "espresso"],
    &["pan", "pans", "skillet", "cookware"],
    &["knife", "knives"],
    &["shoe", "shoes", "sneakers", "trainers"],
    &["tshirt", "tee", "tees", "shirt", "shirts"],
    &["jacket", "jackets", "coat", "coats"],
    &["backpack", "backpacks", "rucksack"],
    &["bike", "bikes", "bicycle", "bicycles"],
    &["mower", "mowers", "lawnmower"],
    &["chair", "chairs"],
    &["kids", "children", "childrens"],
];

/// Other words for `word`, without the word itself.
fn synonyms(word: &str) -> Vec<&'static str> {
    SYNONYMS
        .iter()
        .find(|group| group.contains(&word))
        .map(|group| group.iter().copied().filter(|w| *w != word).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_brings_its_group_and_no_word_is_in_two_groups() {
        assert_eq!(synonyms("tv"), ["television", "televisions", "tvs"]);
        assert!(synonyms("lumina").is_empty());
        let mut seen = std::collections::HashSet::new();
        for word in SYNONYMS.iter().flat_map(|g| g.iter()) {
            assert!(seen.insert(word), "{word} is in two groups");
        }
    }
}
