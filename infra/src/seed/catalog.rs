//! The catalog's demo data: categories, products with their variation families, offers, sellers.

use super::{SEED, SELLERS, Summary, seller_id};
use crate::{Stack, Template};
use serde_json::{Value, json};
use shared::catalog::{
    BuyBoxSummary, CatalogStore, FeedbackTally, MonthTally, NewListing, Offer, OfferTerms, Product,
    ProductId, Seller, SellerId, SellerRating, Sku, buy_box, this_month,
};
use shared::money::Currency;
use std::collections::HashMap;

const PRODUCTS: usize = 5_000;

/// A leaf category: its department, what it sells, who makes it, and a price range in cents.
struct Category {
    department: &'static str,
    slug: &'static str,
    noun: &'static str,
    brands: [&'static str; 3],
    cents: (u64, u64),
    /// The attributes its variation families differ by, if it has families.
    theme: Option<(&'static str, &'static [&'static str])>,
}

const fn c(
    department: &'static str,
    slug: &'static str,
    noun: &'static str,
    brands: [&'static str; 3],
    cents: (u64, u64),
) -> Category {
    Category {
        department,
        slug,
        noun,
        brands,
        cents,
        theme: None,
    }
}

const SIZES: &[&str] = &["XS", "S", "M", "L", "XL"];
const SHOE_SIZES: &[&str] = &["7", "8", "9", "10", "11", "12"];

const CATEGORIES: [Category; 32] = [
    c(
        "electronics",
        "televisions",
        "4K TV",
        ["Lumina", "Vexa", "Orion"],
        (19_900, 249_900),
    ),
    c(
        "electronics",
        "headphones",
        "Headphones",
        ["Sonique", "Bassline", "Auralis"],
        (1_900, 44_900),
    ),
    c(
        "electronics",
        "laptops",
        "Laptop",
        ["Nimbus", "Cortex", "Vertex"],
        (39_900, 299_900),
    ),
    c(
        "electronics",
        "smartphones",
        "Smartphone",
        ["Pulse", "Nova", "Zenith"],
        (14_900, 159_900),
    ),
    c(
        "electronics",
        "cameras",
        "Camera",
        ["Optix", "Lensa", "Shutterly"],
        (9_900, 349_900),
    ),
    c(
        "electronics",
        "smartwatches",
        "Smartwatch",
        ["Tempo", "Pulse", "Chrona"],
        (4_900, 79_900),
    ),
    c(
        "home-kitchen",
        "kettles",
        "Electric Kettle",
        ["Boilo", "Steamwell", "Acme"],
        (1_900, 14_900),
    ),
    c(
        "home-kitchen",
        "coffee-makers",
        "Coffee Maker",
        ["Brewster", "Crema", "Acme"],
        (2_900, 89_900),
    ),
    c(
        "home-kitchen",
        "cookware",
        "Frying Pan",
        ["IronLeaf", "Castella", "Acme"],
        (1_500, 24_900),
    ),
    c(
        "home-kitchen",
        "knives",
        "Chef Knife",
        ["Edgeworth", "Hoshi", "Acme"],
        (1_200, 29_900),
    ),
    c(
        "home-kitchen",
        "blenders",
        "Blender",
        ["Whirlix", "Vortexa", "Acme"],
        (2_900, 49_900),
    ),
    Category {
        theme: Some(("size", SHOE_SIZES)),
        ..c(
            "fashion",
            "running-shoes",
            "Running Shoe",
            ["Stride", "Fleetfoot", "Aero"],
            (4_900, 22_900),
        )
    },
    Category {
        theme: Some(("size", SIZES)),
        ..c(
            "fashion",
            "t-shirts",
            "T-Shirt",
            ["Basics Co", "Loom", "Threadly"],
            (900, 4_900),
        )
    },
    Category {
        theme: Some(("size", SIZES)),
        ..c(
            "fashion",
            "jeans",
            "Jeans",
            ["Denimworks", "Indigo", "Rivet"],
            (2_900, 19_900),
        )
    },
    Category {
        theme: Some(("size", SIZES)),
        ..c(
            "fashion",
            "jackets",
            "Jacket",
            ["Northline", "Stormr", "Aero"],
            (4_900, 39_900),
        )
    },
    c(
        "fashion",
        "backpacks",
        "Backpack",
        ["Trailpak", "Urbanist", "Carryall"],
        (1_900, 19_900),
    ),
    c(
        "sports-outdoors",
        "tents",
        "Tent",
        ["Summit", "Basecamp", "Trailpak"],
        (4_900, 69_900),
    ),
    c(
        "sports-outdoors",
        "yoga-mats",
        "Yoga Mat",
        ["Zenmat", "Flowa", "Asana"],
        (1_500, 12_900),
    ),
    c(
        "sports-outdoors",
        "bicycles",
        "Bicycle",
        ["Velora", "Spokes", "Gearhart"],
        (19_900, 299_900),
    ),
    c(
        "sports-outdoors",
        "water-bottles",
        "Water Bottle",
        ["Hydra", "Sipwell", "Trailpak"],
        (900, 4_900),
    ),
    c(
        "books",
        "fiction",
        "Novel",
        ["Inkwell Press", "Harbor Books", "Quill"],
        (599, 3_499),
    ),
    c(
        "books",
        "cookbooks",
        "Cookbook",
        ["Inkwell Press", "Saffron", "Quill"],
        (1_299, 4_999),
    ),
    c(
        "books",
        "childrens-books",
        "Picture Book",
        ["Little Owl", "Harbor Books", "Quill"],
        (499, 2_499),
    ),
    c(
        "toys-games",
        "board-games",
        "Board Game",
        ["Meeple & Co", "Rollwell", "Gamewright"],
        (1_499, 8_999),
    ),
    c(
        "toys-games",
        "building-sets",
        "Building Set",
        ["Brickly", "Buildit", "Stackers"],
        (999, 19_999),
    ),
    c(
        "toys-games",
        "puzzles",
        "Jigsaw Puzzle",
        ["Piecemeal", "Rollwell", "Gamewright"],
        (799, 4_999),
    ),
    c(
        "beauty",
        "skincare",
        "Face Cream",
        ["Dewy", "Glowlab", "Verdant"],
        (899, 12_900),
    ),
    c(
        "beauty",
        "fragrances",
        "Eau de Parfum",
        ["Maison Lys", "Oud & Co", "Verdant"],
        (2_900, 24_900),
    ),
    c(
        "garden",
        "lawn-mowers",
        "Lawn Mower",
        ["Greencut", "Mowmaster", "Acme"],
        (14_900, 89_900),
    ),
    c(
        "garden",
        "planters",
        "Planter",
        ["Terrace", "Verdant", "Potter"],
        (999, 14_900),
    ),
    c(
        "office",
        "desk-chairs",
        "Desk Chair",
        ["Ergon", "Sitwell", "Posture"],
        (7_900, 129_900),
    ),
    c(
        "office",
        "notebooks",
        "Notebook",
        ["Quill", "Papyr", "Inkwell Press"],
        (299, 2_999),
    ),
];

const ADJECTIVES: &[&str] = &[
    "Classic",
    "Pro",
    "Ultra",
    "Essential",
    "Deluxe",
    "Compact",
    "Smart",
    "Eco",
    "Premium",
    "Everyday",
];
const COLORS: &[&str] = &[
    "black", "white", "silver", "blue", "red", "green", "grey", "navy",
];
const SELLER_NAMES: [&str; SELLERS] = [
    "Rainforest Retail",
    "Gadget Grove",
    "Kitchen Corner",
    "Urban Outfitters Co",
    "Trail & Peak",
    "Bookworm Books",
    "Toy Chest",
    "Glow Beauty",
    "Green Thumb",
    "Desk Depot",
    "Bargain Barn",
    "New Seller Ltd",
];

/// A GTIN-13 with a correct check digit, from a running number.
fn gtin(n: u64) -> String {
    let body = format!("{:012}", 400_000_000_000 + n);
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, d)| u32::from(d - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

struct Generator {
    rng: fastrand::Rng,
    products: Vec<Product>,
    /// Each offer, and the units its seller has of it.
    offers: Vec<(Offer, u32)>,
    next_gtin: u64,
    clock_ms: u64,
}

impl Generator {
    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.rng.usize(..items.len())]
    }

    /// Product ids are ULIDs; drawing them from the seeded generator keeps the data repeatable.
    fn next_id(&mut self) -> ProductId {
        self.clock_ms += 1;
        let ulid = ulid::Ulid::from_parts(1_763_700_000_000 + self.clock_ms, self.rng.u128(..));
        ulid.to_string().parse().expect("a ULID is a product id")
    }

    fn listing(
        &mut self,
        category: &Category,
        model: usize,
        brand: &str,
        title: String,
        extra: Value,
    ) -> NewListing {
        let mut body = json!({
            "title": title, "brand": brand,
            "description": format!("{title} by {brand}. Built to last, backed by a {}-month warranty.", 12 * self.rng.u64(1..=3)),
            "bullet_points": [format!("Made by {brand}"), "Free returns within 30 days"],
            "category_path": [category.department, category.slug],
            "attributes": {"color": self.pick(COLORS), "weight_g": self.rng.u32(100..5_000), "model_year": self.rng.u32(2023..=2026)},
            "sku": "PLACEHOLDER",
            "offer": {"price": {"amount": 100, "currency": "USD"}, "condition": "new", "fulfillment": "rainforest", "handling_days": 1},
        });
        // Televisions come in the sizes shoppers search for ("55 inch tv").
        if category.slug == "televisions" {
            let size = [32, 43, 50, 55, 65, 75][(model / CATEGORIES.len()) % 6];
            body["attributes"]["screen_size_in"] = json!(size);
        }
        body.as_object_mut()
            .expect("an object")
            .extend(extra.as_object().cloned().unwrap_or_default());
        serde_json::from_value(body).expect("the demo data obeys the catalog's rules")
    }

    fn add_product(&mut self, listing: NewListing, owner: usize) -> Product {
        let variation = listing.variation().expect("a consistent variation");
        let mut product = listing.into_product(
            seller_id(owner).parse().expect("a seller id"),
            variation,
            shared::clock::now(),
        );
        product.id = self.next_id();
        self.products.push(product.clone());
        product
    }

    /// One to three sellers offer each sellable product, around its base price.
    fn add_offers(&mut self, product: &Product, owner: usize, base: u64) {
        let count = 1 + usize::from(self.rng.u8(..10) < 6) + usize::from(self.rng.u8(..10) < 3);
        let mut sellers = vec![owner];
        while sellers.len() < count {
            let other = self.rng.usize(..SELLERS);
            if !sellers.contains(&other) {
                sellers.push(other);
            }
        }
        for (n, seller) in sellers.into_iter().enumerate() {
            let price = base * self.rng.u64(90..=110) / 100;
            let terms: OfferTerms = serde_json::from_value(json!({
                "price": {"amount": price.max(1), "currency": "USD"},
                "shipping": {"amount": if self.rng.bool() { 0 } else { 499 }, "currency": "USD"},
                "condition": if self.rng.u8(..10) == 0 { "used" } else { "new" },
                "fulfillment": if self.rng.bool() { "rainforest" } else { "merchant" },
                "handling_days": self.rng.u32(1..=5),
            }))
            .expect("demo offer terms are valid");
            let sku = format!("{}-{}-{n}", seller_id(seller).to_uppercase(), product.id)
                .parse()
                .expect("a SKU");
            let offer = Offer::from_terms(
                sku,
                product.id,
                seller_id(seller).parse().expect("a seller id"),
                terms,
                "",
                shared::clock::now(),
            )
            .expect("demo offers are valid");
            let units = if self.rng.u8(..20) == 0 {
                0
            } else {
                self.rng.u32(1..=200)
            };
            self.offers.push((offer, units));
        }
    }

    fn standalone(&mut self, category: &Category, model: usize) {
        let owner = self.rng.usize(..SELLERS);
        let brand = category.brands[model % 3];
        let title = format!(
            "{brand} {} {} {model}",
            self.pick(ADJECTIVES),
            category.noun
        );
        let gtin = gtin(self.next_gtin);
        self.next_gtin += 1;
        let listing = self.listing(
            category,
            model,
            brand,
            title,
            json!({"identifiers": {"gtin": gtin}}),
        );
        let product = self.add_product(listing, owner);
        let base = self.rng.u64(category.cents.0..=category.cents.1);
        self.add_offers(&product, owner, base);
    }

    fn family(
        &mut self,
        category: &Category,
        theme: (&'static str, &'static [&'static str]),
        model: usize,
    ) {
        let owner = self.rng.usize(..SELLERS);
        let brand = category.brands[model % 3];
        let title = format!(
            "{brand} {} {} {model}",
            self.pick(ADJECTIVES),
            category.noun
        );
        let parent = self.listing(
            category,
            model,
            brand,
            title.clone(),
            json!({"variation_theme": [theme.0]}),
        );
        let parent = self.add_product(parent, owner);
        let base = self.rng.u64(category.cents.0..=category.cents.1);
        for value in theme.1 {
            let gtin = gtin(self.next_gtin);
            self.next_gtin += 1;
            let child = self.listing(
                category,
                model,
                brand,
                format!("{title}, {} {value}", theme.0),
                json!({"parent_id": parent.id, "variation_attributes": {theme.0: value}, "identifiers": {"gtin": gtin}}),
            );
            let child = self.add_product(child, owner);
            self.add_offers(&child, owner, base);
        }
    }
}

/// The demo products, and offers with their units: the same every time.
pub fn generated() -> (Vec<Product>, Vec<(Offer, u32)>) {
    let mut generator = Generator {
        rng: fastrand::Rng::with_seed(SEED),
        products: Vec::new(),
        offers: Vec::new(),
        next_gtin: 1,
        clock_ms: 0,
    };
    let mut model = 0;
    while generator.products.len() < PRODUCTS {
        let category = &CATEGORIES[model % CATEGORIES.len()];
        match category.theme {
            Some(theme) if generator.rng.bool() => generator.family(category, theme, model),
            _ => generator.standalone(category, model),
        }
        model += 1;
    }
    (generator.products, generator.offers)
}

/// Writes the demo catalog through the catalog store; answers what it holds, and its offers
/// with their units (for the demo stock).
pub async fn demo_catalog(store: &CatalogStore) -> anyhow::Result<(Summary, Vec<(Offer, u32)>)> {
    let (products, offers) = generated();
    let mut ratings = HashMap::new();
    let month = this_month();
    for (n, name) in SELLER_NAMES.iter().enumerate() {
        let seller: Seller =
            serde_json::from_value(json!({"id": seller_id(n), "display_name": name}))?;
        store.put_seller(&seller).await?;
        // A year's feedback, all in this month; the newest seller has none yet.
        if n + 1 < SELLERS {
            let count = 40 + n as u32 * 97;
            let tenths = 35 + (n as u64 * 7) % 16;
            let tally = FeedbackTally::of_month(
                &month,
                MonthTally {
                    stars: u64::from(count) * tenths / 10,
                    count,
                    on_time: count * 9 / 10,
                    as_described: count * 19 / 20,
                },
            );
            if let Some(rating) = tally.rating(&month) {
                ratings.insert(seller.id.clone(), rating);
            }
            store.set_feedback_tally(&seller.id, tally).await?;
        }
    }
    let listed: Vec<Offer> = offers.iter().map(|(offer, _)| offer.clone()).collect();
    let summaries = buy_box_summaries(&offers, &ratings, store.currency());
    store.import(&products, &listed, &summaries).await?;
    let summary = Summary {
        products: products.len(),
        offers: offers.len(),
        categories: CATEGORIES.len(),
        sellers: SELLERS,
        stock_counts: 0,
    };
    Ok((summary, offers))
}

/// Each product's Buy Box summary over the demo stock, as the price-change subscriber would
/// keep it.
fn buy_box_summaries(
    offers: &[(Offer, u32)],
    ratings: &HashMap<SellerId, SellerRating>,
    currency: Currency,
) -> HashMap<ProductId, BuyBoxSummary> {
    let mut available: HashMap<Sku, u32> = HashMap::new();
    for (sku, _, units) in super::demo_stock(offers) {
        *available.entry(sku).or_default() += units;
    }
    let mut by_product: HashMap<ProductId, Vec<Offer>> = HashMap::new();
    for (offer, _) in offers {
        by_product
            .entry(offer.product_id)
            .or_default()
            .push(offer.clone());
    }
    by_product
        .into_iter()
        .map(|(id, offers)| {
            let chosen = buy_box::choose(offers, ratings, &available, currency);
            (id, BuyBoxSummary::of(&chosen, &available))
        })
        .collect()
}

/// The catalog store as the catalog's functions see it, for loading the demo data into.
pub fn catalog_store(
    sdk: &aws_config::SdkConfig,
    template: &Template,
    stack: &Stack,
) -> anyhow::Result<CatalogStore> {
    let environment: std::collections::HashMap<String, String> = stack
        .function_environment(template, "CreateProductFunction")?
        .into_iter()
        .collect();
    CatalogStore::from_source(sdk, &environment)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_gtins_have_valid_check_digits() {
        for n in [1, 2, 99, 12_345] {
            let text = gtin(n);
            assert!(
                serde_json::from_value::<shared::catalog::AnyGtin>(json!(text)).is_ok(),
                "{text}"
            );
        }
    }

    #[test]
    fn categories_are_distinct() {
        let slugs: std::collections::BTreeSet<_> = CATEGORIES.iter().map(|c| c.slug).collect();
        assert_eq!(slugs.len(), CATEGORIES.len());
    }
}
