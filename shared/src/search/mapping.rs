//! The products index's settings and mapping. Changing either means a new index: bump
//! [`MAPPING_VERSION`] and run the backfill, which builds `<alias>-v<version>-<time>` from the
//! catalog table and moves the alias to it when it is complete.

use serde_json::{Value, json};

pub const MAPPING_VERSION: u32 = 1;

/// Every field is mapped explicitly (`dynamic: strict`): a document field the mapping does not
/// know is an indexing error, not a silently guessed type.
pub fn index_body() -> Value {
    json!({
        "settings": {
            "number_of_shards": 1,
            "number_of_replicas": 1,
            // A delete's tombstone keeps its version for longer than the catalog stream keeps a
            // record (24 h), so a late record of a delisted product cannot bring it back.
            "index.gc_deletes": "25h",
            "analysis": {
                "analyzer": {
                    // Product text: lower case, accents folded, English stems ("kettles" finds
                    // "kettle").
                    "product_text": {
                        "type": "custom",
                        "tokenizer": "standard",
                        "filter": ["lowercase", "asciifolding", "english_stem"]
                    }
                },
                "filter": {
                    "english_stem": {"type": "stemmer", "language": "english"}
                }
            }
        },
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "id": {"type": "keyword"},
                "title": {"type": "text", "analyzer": "product_text"},
                "brand": {"type": "keyword", "fields": {"text": {"type": "text", "analyzer": "product_text"}}},
                "description": {"type": "text", "analyzer": "product_text"},
                "bullet_points": {"type": "text", "analyzer": "product_text"},
                "categories": {"type": "keyword", "fields": {"text": {"type": "text", "analyzer": "product_text"}}},
                "attributes": {"type": "text", "analyzer": "product_text"},
                "price": {"type": "long"},
                "currency": {"type": "keyword", "index": false},
                "seller_id": {"type": "keyword"},
                "offer_count": {"type": "integer"},
                "in_stock": {"type": "boolean"},
                "availability": {"type": "object", "enabled": false},
                "variations": {"type": "integer"},
                "sales_30d": {"type": "integer"},
                "image": {"type": "keyword", "index": false},
                "created_at": {"type": "date"},
                // Average review rating, once reviews arrive.
                "rating": {"type": "float"},
                "rank": {"type": "float"},
                "suggest": {"properties": {
                    "title": {"type": "completion"},
                    "brand": {"type": "completion"},
                    "category": {"type": "completion"}
                }}
            }
        }
    })
}
