//! A shopper's search, parsed once into types that cannot hold a bad value, and what it becomes
//! for the engine: the query, its filters, sort, facets and page, and the answer read back.
//!
//! Scoring is per query word: a word found in the title counts 3, in the brand or a category 2,
//! in the description, bullet points or attributes 1 (its best field only; half as much when
//! found with a typo); the document's `rank` (availability and competing offers, less than a
//! title word) is added, so among products that match as well those in stock come first. Each part depends
//! on the document alone, never on what else is in the index, so a page's cursor still points
//! at the same place after products are added: paging neither repeats nor skips.

use super::synonyms;
use crate::catalog::{ProductId, Slug};
use crate::inventory::Availability;
use crate::money::{Currency, Money};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::str::FromStr;

/// The words searched for: 1 to 200 characters with at least one letter or digit; at most
/// [`QueryText::MAX_WORDS`] words count.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryText {
    text: String,
    words: Vec<String>,
    /// Measures asked for ("55 inch"), as product attributes read (`Attributes::words`).
    measures: Vec<String>,
}

impl QueryText {
    pub const MAX_WORDS: usize = 10;

    pub fn words(&self) -> &[String] {
        &self.words
    }
}

/// How a shopper writes a unit, and how attributes write it.
const UNITS: &[(&[&str], &str)] = &[
    (&["inch", "inches", "in"], "inch"),
    (&["cm"], "cm"),
    (&["g", "gram", "grams"], "grams"),
    (&["kg"], "kg"),
];

/// "55 inch" from a number followed by a unit.
fn measures(words: &[String]) -> Vec<String> {
    words
        .windows(2)
        .filter(|pair| pair[0].chars().all(|c| c.is_ascii_digit()))
        .filter_map(|pair| {
            let (_, unit) = UNITS
                .iter()
                .find(|(spellings, _)| spellings.contains(&pair[1].as_str()))?;
            Some(format!("{} {unit}", pair[0]))
        })
        .collect()
}

/// Words that say nothing about a product.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "the", "for", "with", "of", "to", "on", "by",
];

impl FromStr for QueryText {
    type Err = String;
    /// Any text of 1 to 200 characters: one with no letter or digit finds nothing, as a search
    /// box answers it, rather than refusing it.
    fn from_str(value: &str) -> Result<Self, String> {
        if !(1..=200).contains(&value.chars().count()) {
            return Err("must be 1 to 200 characters".into());
        }
        let text = value.trim();
        let all: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        let mut words: Vec<String> = all
            .iter()
            .filter(|w| !STOP_WORDS.contains(&w.as_str()))
            .take(Self::MAX_WORDS)
            .cloned()
            .collect();
        // A query of stop words only still searches for them.
        if words.is_empty() {
            words = all.iter().take(Self::MAX_WORDS).cloned().collect();
        }
        Ok(Self {
            text: text.to_owned(),
            measures: measures(&all),
            words,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Relevance,
    PriceAsc,
    PriceDesc,
    Rating,
    Newest,
}

impl FromStr for Sort {
    type Err = String;
    fn from_str(value: &str) -> Result<Self, String> {
        serde_json::from_value(Value::String(value.to_owned()))
            .map_err(|_| "must be relevance, price_asc, price_desc, rating or newest".to_owned())
    }
}

impl Sort {
    /// The engine's sort; the id last, so no two documents tie and a cursor is exact.
    fn clauses(self) -> Value {
        let id = json!({"id": "asc"});
        let missing_last =
            |field: &str, order: &str| json!({field: {"order": order, "missing": "_last"}});
        match self {
            Sort::Relevance => json!([{"_score": "desc"}, id]),
            Sort::PriceAsc => json!([missing_last("price", "asc"), id]),
            Sort::PriceDesc => json!([missing_last("price", "desc"), id]),
            Sort::Rating => json!([missing_last("rating", "desc"), {"_score": "desc"}, id]),
            Sort::Newest => json!([{"created_at": "desc"}, id]),
        }
    }

    fn keys(self) -> usize {
        match self {
            Sort::Rating => 3,
            _ => 2,
        }
    }
}

/// Where the next page starts: the last result's sort values, for the sort they belong to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchCursor {
    sort: Sort,
    after: Vec<Value>,
}

pub const CURSOR_RULE: &str = "must be a next_cursor value from a previous page";

impl FromStr for SearchCursor {
    type Err = String;
    fn from_str(value: &str) -> Result<Self, String> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(value)
            .map_err(|_| CURSOR_RULE.to_owned())?;
        let cursor: SearchCursor =
            serde_json::from_slice(&bytes).map_err(|_| CURSOR_RULE.to_owned())?;
        let scalar = |v: &Value| v.is_number() || v.is_string();
        if cursor.after.len() != cursor.sort.keys() || !cursor.after.iter().all(scalar) {
            return Err(CURSOR_RULE.into());
        }
        Ok(cursor)
    }
}

impl std::fmt::Display for SearchCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let json = serde_json::to_vec(self).map_err(|_| std::fmt::Error)?;
        f.write_str(&base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json))
    }
}

/// A price bound in minor units (cents).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PriceBound(u64);

impl FromStr for PriceBound {
    type Err = String;
    fn from_str(value: &str) -> Result<Self, String> {
        value
            .parse()
            .ok()
            .filter(|n| *n <= 1_000_000_000_000)
            .map(Self)
            .ok_or_else(|| "must be a whole number of minor units (cents), at most 1e12".into())
    }
}

/// A lowest average rating: 1 to 5 stars.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct RatingMin(f64);

impl FromStr for RatingMin {
    type Err = String;
    fn from_str(value: &str) -> Result<Self, String> {
        value
            .parse::<f64>()
            .ok()
            .filter(|n| (1.0..=5.0).contains(n))
            .map(Self)
            .ok_or_else(|| "must be a number of stars from 1 to 5".into())
    }
}

crate::bounded_text!(
    /// A brand to filter by, exactly as products name it.
    BrandName, 1, 100
);

impl FromStr for BrandName {
    type Err = String;
    fn from_str(value: &str) -> Result<Self, String> {
        Self::try_from(value.to_owned())
    }
}

/// A search as the shopper asked for it, every part already valid.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchRequest {
    pub text: Option<QueryText>,
    pub category: Option<Slug>,
    pub brand: Option<BrandName>,
    pub price_min: Option<PriceBound>,
    pub price_max: Option<PriceBound>,
    pub rating_min: Option<RatingMin>,
    pub in_stock: bool,
    pub sort: Sort,
    pub size: usize,
    pub cursor: Option<SearchCursor>,
}

/// Facet buckets: price ranges in minor units, and "N stars & up".
const PRICE_RANGES: [(u64, Option<u64>); 6] = [
    (0, Some(2_500)),
    (2_500, Some(5_000)),
    (5_000, Some(10_000)),
    (10_000, Some(20_000)),
    (20_000, Some(50_000)),
    (50_000, None),
];
const RATING_FLOORS: [u8; 4] = [4, 3, 2, 1];

/// One field a word is looked for in, with what a match there counts.
const FIELDS: [(&str, f64); 6] = [
    ("title", 3.0),
    ("brand.text", 2.0),
    ("categories.text", 2.0),
    ("description", 1.0),
    ("bullet_points", 1.0),
    ("attributes", 1.0),
];

impl SearchRequest {
    /// The rules between parameters, which no schema states (so a refusal is relational).
    pub fn check(&self) -> Result<(), crate::error::Invalid> {
        if let (Some(min), Some(max)) = (self.price_min, self.price_max)
            && min > max
        {
            return Err(crate::error::Invalid::relational(
                "price_min",
                "must not be above price_max",
            ));
        }
        if let Some(cursor) = &self.cursor
            && cursor.sort != self.sort
        {
            return Err(crate::error::Invalid::relational(
                "cursor",
                "belongs to another sort; start again without it",
            ));
        }
        Ok(())
    }

    /// The engine's request body. One more result than the page holds tells whether another
    /// page follows.
    pub fn body(&self) -> Value {
        let mut body = json!({
            "size": self.size + 1,
            "track_total_hits": true,
            "query": self.query(),
            "sort": self.sort.clauses(),
            "aggs": facets(),
            "_source": {"excludes": ["suggest", "rank", "description", "bullet_points", "attributes"]},
        });
        if self.text.is_some() {
            body["highlight"] = json!({
                "pre_tags": ["<em>"], "post_tags": ["</em>"],
                "fields": {"title": {"number_of_fragments": 0}, "description": {"fragment_size": 150, "number_of_fragments": 1}}
            });
        }
        if let Some(cursor) = &self.cursor {
            body["search_after"] = Value::Array(cursor.after.clone());
        }
        body
    }

    fn query(&self) -> Value {
        let mut filters = Vec::new();
        if let Some(category) = &self.category {
            filters.push(json!({"term": {"categories": category.to_string()}}));
        }
        if let Some(brand) = &self.brand {
            filters.push(json!({"term": {"brand": brand.as_ref()}}));
        }
        if self.price_min.is_some() || self.price_max.is_some() {
            let mut range = serde_json::Map::new();
            if let Some(PriceBound(min)) = self.price_min {
                range.insert("gte".into(), min.into());
            }
            if let Some(PriceBound(max)) = self.price_max {
                range.insert("lte".into(), max.into());
            }
            filters.push(json!({"range": {"price": range}}));
        }
        if let Some(RatingMin(min)) = self.rating_min {
            filters.push(json!({"range": {"rating": {"gte": min}}}));
        }
        if self.in_stock {
            filters.push(json!({"term": {"in_stock": true}}));
        }
        let matched = match &self.text {
            Some(text) if text.words().is_empty() => json!({"match_none": {}}),
            Some(text) => json!({"bool": {
                "must": [{"bool": {
                    "should": text.words().iter().map(|w| word_query(w)).collect::<Vec<_>>(),
                    "minimum_should_match": "75%",
                }}],
                // The words in their order in the title: an exact name comes first. A measure
                // ("55 inch") found in the attributes counts as a title word: it is the point.
                "should": std::iter::once(json!({"constant_score": {
                    "filter": {"match_phrase": {"title": text.text}},
                    "boost": 2.0,
                }}))
                .chain(text.measures.iter().map(|measure| json!({"constant_score": {
                    "filter": {"match_phrase": {"attributes": measure}},
                    "boost": 3.0,
                }})))
                .collect::<Vec<_>>(),
                "filter": filters,
            }}),
            None => json!({"bool": {"must": [{"match_all": {}}], "filter": filters}}),
        };
        json!({"function_score": {
            "query": matched,
            "field_value_factor": {"field": "rank", "missing": 0},
            "boost_mode": "sum",
        }})
    }
}

/// One word's clause: its best field counts, found as typed or by a synonym; a word of four
/// letters or more (not a number) is also found with a typo (two from eight letters), at half
/// the weight, so "hedphones" finds headphones but an exact match still ranks first.
fn word_query(word: &str) -> Value {
    let typo_tolerant = word.len() >= 4 && !word.chars().all(|c| c.is_ascii_digit());
    let mut clauses = Vec::new();
    for form in std::iter::once(word).chain(synonyms(word).iter().copied()) {
        for (field, weight) in FIELDS {
            clauses.push(json!({"constant_score": {
                "filter": {"match": {field: {"query": form}}},
                "boost": weight,
            }}));
            if typo_tolerant && form == word {
                clauses.push(json!({"constant_score": {
                    "filter": {"match": {field: {"query": form, "fuzziness": "AUTO:4,8", "prefix_length": 1}}},
                    "boost": weight / 2.0,
                }}));
            }
        }
    }
    json!({"dis_max": {"queries": clauses}})
}

fn facets() -> Value {
    let prices: Vec<Value> = PRICE_RANGES
        .iter()
        .map(|(from, to)| match to {
            Some(to) => json!({"key": format!("{from}-{to}"), "from": from, "to": to}),
            None => json!({"key": format!("{from}-"), "from": from}),
        })
        .collect();
    let ratings: Vec<Value> = RATING_FLOORS
        .iter()
        .map(|floor| json!({"key": floor.to_string(), "from": floor}))
        .collect();
    json!({
        "category": {"terms": {"field": "categories", "size": 50}},
        "brand": {"terms": {"field": "brand", "size": 50}},
        "price": {"range": {"field": "price", "ranges": prices}},
        "rating": {"range": {"field": "rating", "ranges": ratings}},
    })
}

/// One page of results.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchPage {
    pub items: Vec<SearchHit>,
    /// Products matching, over every page.
    pub total: u64,
    pub facets: Facets,
    /// Pass as `cursor` (with the same parameters) for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchHit {
    pub id: ProductId,
    pub title: String,
    pub brand: String,
    pub categories: Vec<Slug>,
    /// The lowest Buy Box price (price plus shipping); absent when nothing can be bought now.
    pub price: Option<Money>,
    pub availability: Availability,
    pub offer_count: u32,
    pub variations: u32,
    pub image: Option<String>,
    /// The title and a piece of the description with the matched words in `<em>`.
    #[serde(skip_serializing_if = "Highlight::is_empty")]
    pub highlight: Highlight,
}

#[derive(Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Highlight {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Highlight {
    fn is_empty(&self) -> bool {
        self.title.is_none() && self.description.is_none()
    }
}

/// Counts of the matching products by category, brand, price range and rating.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Facets {
    pub category: Vec<Bucket>,
    pub brand: Vec<Bucket>,
    /// Keys are `from-to` in minor units, `to` excluded (`50000-` has no upper end).
    pub price: Vec<Bucket>,
    /// Keys are the lowest rating: `4` counts products rated 4 stars and up.
    pub rating: Vec<Bucket>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Bucket {
    pub key: String,
    pub count: u64,
}

#[derive(Deserialize)]
struct Answer {
    hits: Hits,
    #[serde(default)]
    aggregations: Value,
}

#[derive(Deserialize)]
struct Hits {
    total: Total,
    hits: Vec<Hit>,
}

#[derive(Deserialize)]
struct Total {
    value: u64,
}

#[derive(Deserialize)]
struct Hit {
    #[serde(rename = "_source")]
    source: Source,
    #[serde(default)]
    highlight: std::collections::HashMap<String, Vec<String>>,
    #[serde(default)]
    sort: Vec<Value>,
}

/// The part of a [`SearchDocument`] a result shows.
#[derive(Deserialize)]
struct Source {
    id: ProductId,
    title: String,
    brand: String,
    categories: Vec<Slug>,
    price: Option<u64>,
    currency: Option<Currency>,
    availability: Availability,
    offer_count: u32,
    variations: u32,
    image: Option<String>,
}

impl SearchRequest {
    /// Reads the engine's answer to [`SearchRequest::body`].
    pub fn page(&self, answer: Value) -> anyhow::Result<SearchPage> {
        let answer: Answer = serde_json::from_value(answer)?;
        let mut hits = answer.hits.hits;
        let next_cursor = if hits.len() > self.size {
            hits.truncate(self.size);
            hits.last().map(|last| {
                SearchCursor {
                    sort: self.sort,
                    after: last.sort.iter().map(exact_score).collect(),
                }
                .to_string()
            })
        } else {
            None
        };
        let buckets = |name: &str| -> Vec<Bucket> {
            answer.aggregations[name]["buckets"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|b| {
                    let key = match &b["key"] {
                        Value::String(key) => key.clone(),
                        other => other.to_string(),
                    };
                    Some(Bucket {
                        key,
                        count: b["doc_count"].as_u64()?,
                    })
                })
                .collect()
        };
        Ok(SearchPage {
            items: hits.into_iter().map(SearchHit::from).collect(),
            total: answer.hits.total.value,
            facets: Facets {
                category: buckets("category"),
                brand: buckets("brand"),
                price: buckets("price"),
                rating: buckets("rating"),
            },
            next_cursor,
        })
    }
}

/// A score as the engine holds it: a 32-bit float, which its answer prints in the fewest
/// digits that read back as that float (3.0195312 for 3.01953125). Written back exactly, it
/// compares equal to the document's own score, whichever width the engine reads it in; other
/// sort values (prices, dates, ids) are whole numbers or text and stay as they are.
fn exact_score(value: &Value) -> Value {
    match value.as_f64() {
        #[allow(clippy::cast_possible_truncation)]
        Some(score) if value.is_f64() => json!(f64::from(score as f32)),
        _ => value.clone(),
    }
}

impl From<Hit> for SearchHit {
    fn from(
        Hit {
            source,
            mut highlight,
            ..
        }: Hit,
    ) -> Self {
        let mut first = |field: &str| highlight.remove(field).and_then(|h| h.into_iter().next());
        Self {
            highlight: Highlight {
                title: first("title"),
                description: first("description"),
            },
            price: source
                .price
                .zip(source.currency)
                .map(|(amount, currency)| Money::of(amount, currency)),
            id: source.id,
            title: source.title,
            brand: source.brand,
            categories: source.categories,
            availability: source.availability,
            offer_count: source.offer_count,
            variations: source.variations,
            image: source.image,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::SearchDocument;

    /// Keeps `SearchDocument`'s field names and `Source`'s in step: a renamed field fails here.
    fn source_of(document: &SearchDocument) -> Source {
        serde_json::from_value(serde_json::to_value(document).unwrap()).unwrap()
    }

    fn request(q: &str) -> SearchRequest {
        SearchRequest {
            text: Some(q.parse().unwrap()),
            size: 2,
            ..SearchRequest::default()
        }
    }

    #[test]
    fn query_text_keeps_words_drops_stop_words_and_refuses_punctuation_only() {
        let text: QueryText = "  The 55-inch TV, for gaming! ".parse().unwrap();
        assert_eq!(text.words(), ["55", "inch", "tv", "gaming"]);
        assert_eq!(text.measures, ["55 inch"]);
        let weighed: QueryText = "kettle 1200 g in 2 colours".parse().unwrap();
        assert_eq!(weighed.measures, ["1200 grams"]);
        assert_eq!("the".parse::<QueryText>().unwrap().words(), ["the"]);
        let nothing: QueryText = "?!".parse().unwrap();
        assert!(nothing.words().is_empty());
        let search = SearchRequest {
            text: Some(nothing),
            ..SearchRequest::default()
        };
        assert_eq!(
            search.body()["query"]["function_score"]["query"],
            json!({"match_none": {}})
        );
        assert!("".parse::<QueryText>().is_err());
        assert!(" ".repeat(201).parse::<QueryText>().is_err());
        let many: QueryText = "a1 b2 c3 d4 e5 f6 g7 h8 i9 j10 k11 l12".parse().unwrap();
        assert_eq!(many.words().len(), QueryText::MAX_WORDS);
    }

    #[test]
    fn a_cursor_round_trips_and_a_forged_one_is_refused() {
        let cursor = SearchCursor {
            sort: Sort::PriceAsc,
            after: vec![json!(1999), json!("01JA0000000000000000000001")],
        };
        assert_eq!(cursor.to_string().parse::<SearchCursor>().unwrap(), cursor);
        for bad in [
            "",
            "not base64!",
            "e30",
            "eyJzb3J0IjoicmVsZXZhbmNlIiwiYWZ0ZXIiOltbXV19",
        ] {
            assert_eq!(
                bad.parse::<SearchCursor>(),
                Err(CURSOR_RULE.to_owned()),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_cursor_of_another_sort_and_an_upside_down_price_range_name_their_parameter() {
        let mut search = request("tv");
        search.cursor = Some(SearchCursor {
            sort: Sort::Newest,
            after: vec![json!(1), json!("x")],
        });
        let refused = search.check().unwrap_err();
        assert_eq!(
            (refused.field.as_str(), refused.relational),
            ("cursor", true)
        );
        let mut search = request("tv");
        search.price_min = Some("500".parse().unwrap());
        search.price_max = Some("100".parse().unwrap());
        let refused = search.check().unwrap_err();
        assert_eq!(
            (refused.field.as_str(), refused.relational),
            ("price_min", true)
        );
        assert!("12.5".parse::<PriceBound>().is_err());
        assert!("6".parse::<RatingMin>().is_err());
        assert!("cheapest".parse::<Sort>().is_err());
    }

    #[test]
    fn each_word_is_matched_on_its_best_field_with_synonyms_and_typos_but_not_in_numbers() {
        let body = request("television 55").body();
        let words = &body["query"]["function_score"]["query"]["bool"]["must"][0]["bool"]["should"];
        let television = words[0]["dis_max"]["queries"].as_array().unwrap();
        assert_eq!(
            television.len(),
            FIELDS.len() * (2 + synonyms("television").len()),
            "each field exact and with a typo, and each synonym exact"
        );
        assert_eq!(television[0]["constant_score"]["boost"], 3.0);
        let typo = &television[1]["constant_score"];
        assert_eq!(typo["boost"], 1.5);
        assert_eq!(typo["filter"]["match"]["title"]["fuzziness"], "AUTO:4,8");
        let fifty_five = words[1]["dis_max"]["queries"].as_array().unwrap();
        assert_eq!(fifty_five.len(), FIELDS.len(), "no typos in numbers");
        assert_eq!(body["size"], 3);
        assert_eq!(body["sort"][1], json!({"id": "asc"}));
    }

    #[test]
    fn filters_narrow_without_scoring() {
        let search = SearchRequest {
            category: Some("electronics".parse().unwrap()),
            brand: Some("Lumina".parse().unwrap()),
            price_min: Some("1000".parse().unwrap()),
            in_stock: true,
            size: 24,
            ..SearchRequest::default()
        };
        let filters = &search.body()["query"]["function_score"]["query"]["bool"]["filter"];
        assert_eq!(
            filters,
            &json!([
                {"term": {"categories": "electronics"}},
                {"term": {"brand": "Lumina"}},
                {"range": {"price": {"gte": 1000}}},
                {"term": {"in_stock": true}},
            ])
        );
    }

    #[test]
    fn an_answer_becomes_a_page_with_a_cursor_when_more_follow() {
        let document = |id: &str| {
            json!({"_source": {
                "id": id, "title": "Lumina TV", "brand": "Lumina", "categories": ["electronics"],
                "price": 1999, "currency": "USD", "availability": {"status": "in_stock"},
                "offer_count": 2, "variations": 0, "image": null
            }, "sort": [3.0, id], "highlight": {"title": ["Lumina <em>TV</em>"]}})
        };
        let answer = json!({
            "hits": {"total": {"value": 3}, "hits": [
                document("01JA0000000000000000000001"),
                document("01JA0000000000000000000002"),
                document("01JA0000000000000000000003"),
            ]},
            "aggregations": {"brand": {"buckets": [{"key": "Lumina", "doc_count": 3}]}}
        });
        let search = request("tv");
        let page = search.page(answer).unwrap();
        assert_eq!(page.items.len(), 2);
        assert_eq!(page.total, 3);
        assert_eq!(
            page.items[0].highlight.title.as_deref(),
            Some("Lumina <em>TV</em>")
        );
        assert_eq!(page.facets.brand[0].count, 3);
        let next: SearchCursor = page.next_cursor.unwrap().parse().unwrap();
        assert_eq!(
            next.after,
            vec![json!(3.0), json!("01JA0000000000000000000002")]
        );
    }

    #[test]
    fn a_result_reads_every_field_a_document_is_written_with() {
        let document: SearchDocument = serde_json::from_value(json!({
            "id": "01JA0000000000000000000001", "title": "T", "brand": "B", "description": "",
            "bullet_points": [], "categories": ["electronics"], "attributes": [],
            "price": 100, "currency": "USD", "seller_id": "seller-1", "offer_count": 1,
            "in_stock": true, "availability": {"status": "in_stock"}, "variations": 0, "sales_30d": 0,
            "image": null, "created_at": "2026-11-01T00:00:00Z", "rank": 1.0,
            "suggest": {"title": ["T"], "brand": ["B"], "category": ["electronics"]}
        }))
        .unwrap();
        assert_eq!(source_of(&document).price, Some(100));
    }
}
