use super::{Gtin, Identifiers, ProductId, SellerId};
use crate::error::Invalid;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::PartialSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, Type,
};

use std::collections::{BTreeMap, BTreeSet};

crate::bounded_text!(Title, 1, 200);
crate::bounded_text!(Brand, 1, 100);
crate::bounded_text!(Description, 0, 4000);
crate::bounded_text!(BulletPoint, 1, 500);
crate::bounded_text!(AttributeText, 1, 500);

crate::identifier!(
    /// A category's id: lower-case words joined by '-'.
    Slug, 1, 64, "a-z0-9-", "lower-case letters, digits or '-'"
);

crate::identifier!(
    /// A category-specific attribute's name, such as `screen_size_in`.
    AttributeName, 1, 64, "a-z0-9_", "lower-case letters, digits or '_'"
);

/// Declares a list type holding `$min..=$max` items.
macro_rules! bounded_list {
    ($name:ident, $item:ty, $min:expr, $max:expr) => {
        #[derive(Debug, Clone, Default, PartialEq, Serialize)]
        #[serde(transparent)]
        pub struct $name(Vec<$item>);

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                ArrayBuilder::new()
                    .items(<$item as utoipa::PartialSchema>::schema())
                    .min_items(Some($min))
                    .max_items(Some($max))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Self::try_from(Vec::<$item>::deserialize(d)?).map_err(serde::de::Error::custom)
            }
        }

        impl TryFrom<Vec<$item>> for $name {
            type Error = String;
            fn try_from(items: Vec<$item>) -> Result<Self, String> {
                if !($min..=$max).contains(&items.len()) {
                    return Err(format!("must hold {} to {} items", $min, $max));
                }
                Ok(Self(items))
            }
        }

        impl $name {
            pub fn items(&self) -> &[$item] {
                &self.0
            }
        }
    };
}

bounded_list!(BulletPoints, BulletPoint, 0, 10);
bounded_list!(Images, ImageKey, 0, 20);

/// Where a product sits: 1 to 8 categories from the top down; the leaf is what browsing is keyed
/// on, so the type always has one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Slug>", into = "Vec<Slug>")]
pub struct CategoryPath {
    ancestors: Vec<Slug>,
    leaf: Slug,
}

impl CategoryPath {
    const MAX: usize = 8;

    pub fn leaf(&self) -> &Slug {
        &self.leaf
    }

    /// Whether the product sits in `category` or anywhere under it.
    pub fn contains(&self, category: &Slug) -> bool {
        &self.leaf == category || self.ancestors.contains(category)
    }
}

impl TryFrom<Vec<Slug>> for CategoryPath {
    type Error = String;
    fn try_from(mut slugs: Vec<Slug>) -> Result<Self, String> {
        let rule = || format!("must hold 1 to {} items", Self::MAX);
        if slugs.len() > Self::MAX {
            return Err(rule());
        }
        let leaf = slugs.pop().ok_or_else(rule)?;
        Ok(Self {
            ancestors: slugs,
            leaf,
        })
    }
}

impl From<CategoryPath> for Vec<Slug> {
    fn from(
        CategoryPath {
            mut ancestors,
            leaf,
        }: CategoryPath,
    ) -> Self {
        ancestors.push(leaf);
        ancestors
    }
}

impl utoipa::PartialSchema for CategoryPath {
    fn schema() -> RefOr<Schema> {
        ArrayBuilder::new()
            .items(Slug::schema())
            .min_items(Some(1))
            .max_items(Some(Self::MAX))
            .into()
    }
}

impl utoipa::ToSchema for CategoryPath {}

crate::identifier!(
    /// An S3 key of an uploaded product image.
    ImageKey, 1, 200, "A-Za-z0-9/._-", "an image key returned by the image upload route"
);

/// A category-specific attribute value: text, a number or a yes/no.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "serde_json::Value", into = "serde_json::Value")]
pub enum AttributeValue {
    Text(AttributeText),
    Number(serde_json::Number),
    Flag(bool),
}

impl TryFrom<serde_json::Value> for AttributeValue {
    type Error = String;
    fn try_from(value: serde_json::Value) -> Result<Self, String> {
        match value {
            serde_json::Value::String(text) => AttributeText::try_from(text).map(Self::Text),
            serde_json::Value::Number(number) => match number.as_f64() {
                Some(n)
                    if n == 0.0
                        || (ATTRIBUTE_NUMBER_MIN..=ATTRIBUTE_NUMBER_MAX).contains(&n.abs()) =>
                {
                    Ok(Self::Number(number))
                }
                _ => Err(ATTRIBUTE_NUMBER_RULE.to_owned()),
            },
            serde_json::Value::Bool(flag) => Ok(Self::Flag(flag)),
            _ => Err("must be text, a number or true/false".to_owned()),
        }
    }
}

/// Attribute numbers are measures and counts: bounded well inside what a DynamoDB number holds
/// (1e-130 to 1e126 in size), which refuses the rest of JSON's.
const ATTRIBUTE_NUMBER_MIN: f64 = 1e-9;
const ATTRIBUTE_NUMBER_MAX: f64 = 1e15;
const ATTRIBUTE_NUMBER_RULE: &str =
    "must be a number of at most 1e15 in size, and 0 or at least 1e-9";

/// [`ATTRIBUTE_NUMBER_RULE`] as a schema: 0, or a size from 1e-9 to 1e15 of either sign.
fn attribute_number_schema() -> Schema {
    let range = |min: f64, max: f64| {
        ObjectBuilder::new()
            .schema_type(Type::Number)
            .minimum(Some(min))
            .maximum(Some(max))
    };
    let zero = ObjectBuilder::new()
        .schema_type(Type::Number)
        .enum_values(Some([0]));
    OneOfBuilder::new()
        .item(zero)
        .item(range(ATTRIBUTE_NUMBER_MIN, ATTRIBUTE_NUMBER_MAX))
        .item(range(-ATTRIBUTE_NUMBER_MAX, -ATTRIBUTE_NUMBER_MIN))
        .description(Some(ATTRIBUTE_NUMBER_RULE))
        .into()
}

impl From<AttributeValue> for serde_json::Value {
    fn from(value: AttributeValue) -> Self {
        match value {
            AttributeValue::Text(text) => String::from(text).into(),
            AttributeValue::Number(number) => number.into(),
            AttributeValue::Flag(flag) => flag.into(),
        }
    }
}

/// Category-specific attributes (screen size, material...), at most 50.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "BTreeMap<AttributeName, AttributeValue>")]
pub struct Attributes(BTreeMap<AttributeName, AttributeValue>);

impl utoipa::PartialSchema for Attributes {
    fn schema() -> RefOr<Schema> {
        Self::map_schema(Some(Self::MAX), false)
    }
}

impl utoipa::ToSchema for Attributes {}

impl Attributes {
    const MAX: usize = 50;

    /// An object of attribute names to values (or `null`s, in a patch), at most `max` of them.
    fn map_schema(max: Option<usize>, nullable: bool) -> RefOr<Schema> {
        let mut value = OneOfBuilder::new()
            .item(AttributeText::schema())
            .item(attribute_number_schema())
            .item(ObjectBuilder::new().schema_type(Type::Boolean));
        if nullable {
            value = value.item(ObjectBuilder::new().schema_type(Type::Null));
        }
        let names = match AttributeName::schema() {
            RefOr::T(schema) => schema,
            RefOr::Ref(_) => Schema::default(),
        };
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .property_names(Some(names))
            .additional_properties(Some(AdditionalProperties::RefOr(value.into())))
            .max_properties(max)
            .into()
    }

    /// A patch's attributes: values to set, `null`s to remove; the total is checked after.
    pub fn patch_schema() -> RefOr<Schema> {
        Self::map_schema(None, true)
    }

    /// How many attributes both have with the same value: how alike two products are.
    pub fn in_common(&self, other: &Attributes) -> usize {
        self.0
            .iter()
            .filter(|(name, value)| other.0.get(*name) == Some(value))
            .count()
    }

    pub fn names(&self) -> BTreeSet<&AttributeName> {
        self.0.keys().collect()
    }

    /// Each attribute as the words a shopper would type: `screen_size_in: 55` is
    /// "screen size 55 inch", `smart: true` is "smart"; a false flag says nothing.
    pub fn words(&self) -> impl Iterator<Item = String> + '_ {
        self.0.iter().filter_map(|(name, value)| {
            let mut words: Vec<&str> = name.as_ref().split('_').collect();
            let unit = match words.last() {
                Some(&"in") => Some("inch"),
                Some(&"cm") => Some("cm"),
                Some(&"g") => Some("grams"),
                Some(&"kg") => Some("kg"),
                _ => None,
            };
            if unit.is_some() {
                words.pop();
            }
            let name = words.join(" ");
            match value {
                AttributeValue::Flag(false) => None,
                AttributeValue::Flag(true) => Some(name),
                AttributeValue::Text(text) => Some(format!("{name} {}", text.as_ref())),
                AttributeValue::Number(number) => Some(
                    format!("{name} {number} {}", unit.unwrap_or_default())
                        .trim_end()
                        .to_owned(),
                ),
            }
        })
    }
}

impl TryFrom<BTreeMap<AttributeName, AttributeValue>> for Attributes {
    type Error = String;
    fn try_from(map: BTreeMap<AttributeName, AttributeValue>) -> Result<Self, String> {
        if map.len() > Self::MAX {
            return Err(format!("must hold at most {} attributes", Self::MAX));
        }
        Ok(Self(map))
    }
}

/// How a product takes part in a variation family (sizes, colours of one item).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Variation {
    Standalone,
    /// The family's parent: names the attributes its children differ by.
    Parent {
        theme: Vec<AttributeName>,
    },
    /// One member of a family, with its values of the parent's theme.
    Child {
        parent_id: ProductId,
        values: Attributes,
    },
}

/// A product as stored and shown: shared by every seller who offers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Product {
    pub id: ProductId,
    /// The seller who created the listing and may change its data.
    pub owner: SellerId,
    pub title: Title,
    pub brand: Brand,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Description>,
    #[serde(default)]
    pub bullet_points: BulletPoints,
    pub category_path: CategoryPath,
    #[serde(default)]
    pub attributes: Attributes,
    #[serde(default)]
    pub identifiers: Identifiers,
    #[serde(default)]
    pub images: Images,
    pub variation: Variation,
    pub version: u64,
    pub created_at: String,
    pub updated_at: String,
}

impl Product {
    pub fn gtin(&self) -> Option<Gtin> {
        self.identifiers.gtin().ok().flatten()
    }

    /// The family this product belongs to, if any: its own id for a parent.
    pub fn family(&self) -> Option<ProductId> {
        match &self.variation {
            Variation::Standalone => None,
            Variation::Parent { .. } => Some(self.id),
            Variation::Child { parent_id, .. } => Some(*parent_id),
        }
    }

    /// Applies a merge patch, giving the next version.
    pub fn patched(&self, patch: ProductPatch, now: String) -> Result<Product, Invalid> {
        let mut next = self.clone();
        if patch.is_empty() {
            return Err(Invalid::new("body", "must change at least one field"));
        }
        let ProductPatch {
            title,
            brand,
            description,
            bullet_points,
            category_path,
            attributes,
            images,
        } = patch;
        if let Some(images) = images {
            let prefix = format!("products/{}/images/", self.id);
            if let Some(bad) = images
                .items()
                .iter()
                .position(|key| !key.as_ref().starts_with(&prefix))
            {
                return Err(Invalid::relational(
                    format!("images[{bad}]"),
                    format!("must be a key under {prefix}"),
                ));
            }
            next.images = images;
        }
        if let Some(changes) = attributes {
            for (name, value) in changes {
                match value {
                    Some(value) => next.attributes.0.insert(name, value),
                    None => next.attributes.0.remove(&name),
                };
            }
            if next.attributes.0.len() > Attributes::MAX {
                return Err(Invalid::relational(
                    "attributes",
                    format!("must hold at most {} attributes", Attributes::MAX),
                ));
            }
        }
        next.title = title.unwrap_or(next.title);
        next.brand = brand.unwrap_or(next.brand);
        next.description = description.map_or(next.description, |d| {
            Some(d).filter(|d| !d.as_ref().is_empty())
        });
        next.bullet_points = bullet_points.unwrap_or(next.bullet_points);
        next.category_path = category_path.unwrap_or(next.category_path);
        next.version += 1;
        next.updated_at = now;
        Ok(next)
    }
}

/// A seller's request to list a product with its first offer. Product fields are used only when
/// no product with the same GTIN exists; otherwise the offer joins that product.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewListing {
    pub title: Title,
    pub brand: Brand,
    #[serde(default)]
    pub description: Option<Description>,
    #[serde(default)]
    pub bullet_points: BulletPoints,
    pub category_path: CategoryPath,
    #[serde(default)]
    pub attributes: Attributes,
    #[serde(default, deserialize_with = "crate::json::object")]
    pub identifiers: Identifiers,
    /// Makes the product a variation parent over these attribute names.
    #[serde(default)]
    #[schema(schema_with = theme_schema)]
    pub variation_theme: Option<Vec<AttributeName>>,
    /// Makes the product a child of this parent ...
    #[serde(default)]
    pub parent_id: Option<ProductId>,
    /// ... with these values of the parent's theme.
    #[serde(default)]
    pub variation_attributes: Option<Attributes>,
    /// The SKU of the seller's offer ...
    pub sku: super::Sku,
    /// ... and its terms.
    #[serde(deserialize_with = "crate::json::object")]
    #[schema(schema_with = super::OfferTerms::in_listing_schema)]
    pub offer: super::OfferTerms,
}

/// 1 to 3 distinct attribute names.
fn theme_schema() -> RefOr<Schema> {
    let theme = ArrayBuilder::new()
        .items(AttributeName::schema())
        .min_items(Some(1))
        .max_items(Some(3))
        .unique_items(true);
    let absent = ObjectBuilder::new().schema_type(Type::Null);
    OneOfBuilder::new().item(absent).item(theme).into()
}

impl NewListing {
    /// The variation the request asks for, checked against itself (not yet against the parent).
    pub fn variation(&self) -> Result<Variation, Invalid> {
        match (
            &self.variation_theme,
            self.parent_id,
            &self.variation_attributes,
        ) {
            (None, None, None) => Ok(Variation::Standalone),
            (Some(theme), None, None) => {
                let distinct: BTreeSet<_> = theme.iter().collect();
                if theme.is_empty() || theme.len() > 3 || distinct.len() != theme.len() {
                    return Err(Invalid::new(
                        "variation_theme",
                        "must name 1 to 3 distinct attributes",
                    ));
                }
                Ok(Variation::Parent {
                    theme: theme.clone(),
                })
            }
            (None, Some(parent_id), Some(values)) => Ok(Variation::Child {
                parent_id,
                values: values.clone(),
            }),
            (None, Some(_), None) => Err(Invalid::relational(
                "variation_attributes",
                "is required with parent_id",
            )),
            (None, None, Some(_)) => Err(Invalid::relational(
                "parent_id",
                "is required with variation_attributes",
            )),
            (Some(_), _, _) => Err(Invalid::relational(
                "variation_theme",
                "cannot be combined with parent_id",
            )),
        }
    }

    /// The new product this listing creates when its GTIN is not in the catalog yet.
    pub fn into_product(self, owner: SellerId, variation: Variation, now: String) -> Product {
        Product {
            id: super::ProductId::generate(),
            owner,
            title: self.title,
            brand: self.brand,
            description: self.description.filter(|d| !d.as_ref().is_empty()),
            bullet_points: self.bullet_points,
            category_path: self.category_path,
            attributes: self.attributes,
            identifiers: self.identifiers,
            images: Images::default(),
            variation,
            version: 1,
            created_at: now.clone(),
            updated_at: now,
        }
    }
}

/// A JSON merge patch (RFC 7396) of the product data its owner may change. A `null` removes an
/// attribute; the other fields cannot be removed, so `null` there is refused.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductPatch {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Title)]
    pub title: Option<Title>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Brand)]
    pub brand: Option<Brand>,
    /// An empty description removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Description)]
    pub description: Option<Description>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = BulletPoints)]
    pub bullet_points: Option<BulletPoints>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = CategoryPath)]
    pub category_path: Option<CategoryPath>,
    /// Attributes to set; a `null` value removes that attribute.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = Attributes::patch_schema)]
    pub attributes: Option<BTreeMap<AttributeName, Option<AttributeValue>>>,
    /// Keys returned by the image upload route, of images already uploaded.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Images)]
    pub images: Option<Images>,
}

impl ProductPatch {
    fn is_empty(&self) -> bool {
        self.title.is_none()
            && self.brand.is_none()
            && self.description.is_none()
            && self.bullet_points.is_none()
            && self.category_path.is_none()
            && self.attributes.is_none()
            && self.images.is_none()
    }
}

/// A field that, when present, must hold a value (a JSON `null` is refused, not ignored).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// A variation family member as the product page lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VariationSummary {
    pub id: ProductId,
    pub title: Title,
    pub values: Attributes,
}

impl VariationSummary {
    pub fn of(product: &Product) -> Option<Self> {
        match &product.variation {
            Variation::Child { values, .. } => Some(Self {
                id: product.id,
                title: product.title.clone(),
                values: values.clone(),
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn listing(extra: serde_json::Value) -> serde_json::Value {
        let mut body = json!({
            "title": "Trail Runner 2", "brand": "Stride", "category_path": ["shoes", "running-shoes"],
            "sku": "SKU-1", "offer": {"price": {"amount": 8999, "currency": "USD"}, "condition": "new",
                      "fulfillment": "rainforest", "handling_days": 1}
        });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    }

    fn parse(body: serde_json::Value) -> NewListing {
        serde_json::from_value(body).unwrap()
    }

    #[test]
    fn a_category_path_has_a_leaf_and_reads_back_in_order() {
        let path: CategoryPath = serde_json::from_value(json!(["electronics", "tv"])).unwrap();
        assert_eq!(path.leaf().as_ref(), "tv");
        assert_eq!(
            serde_json::to_value(&path).unwrap(),
            json!(["electronics", "tv"])
        );
        assert!(serde_json::from_value::<CategoryPath>(json!([])).is_err());
        assert!(serde_json::from_value::<CategoryPath>(json!(vec!["a"; 9])).is_err());
    }

    #[test]
    fn variation_requests_are_consistent() {
        assert_eq!(
            parse(listing(json!({}))).variation(),
            Ok(Variation::Standalone)
        );
        let parent = parse(listing(json!({"variation_theme": ["size", "color"]})));
        assert!(matches!(parent.variation(), Ok(Variation::Parent { .. })));
        let twice = parse(listing(json!({"variation_theme": ["size", "size"]})));
        assert_eq!(twice.variation().unwrap_err().field, "variation_theme");
        let orphan = parse(listing(json!({"variation_attributes": {"size": "M"}})));
        assert_eq!(orphan.variation().unwrap_err().field, "parent_id");
    }

    #[test]
    fn patch_merges_attributes_and_bumps_the_version() {
        let mut product = parse(listing(
            json!({"attributes": {"color": "red", "weight_g": 250}}),
        ))
        .into_product(
            "seller-1".parse().unwrap(),
            Variation::Standalone,
            "t0".into(),
        );
        product.version = 4;
        let patch: ProductPatch = serde_json::from_value(json!({
            "title": "Trail Runner 3", "attributes": {"color": null, "waterproof": true}
        }))
        .unwrap();
        let next = product.patched(patch, "t1".into()).unwrap();
        assert_eq!(next.title.as_ref(), "Trail Runner 3");
        assert_eq!(next.version, 5);
        assert_eq!(
            serde_json::to_value(&next.attributes).unwrap(),
            json!({"waterproof": true, "weight_g": 250})
        );
        assert_eq!(next.updated_at, "t1");
    }

    #[test]
    fn patch_refuses_null_for_required_fields_and_foreign_images() {
        assert!(serde_json::from_value::<ProductPatch>(json!({"title": null})).is_err());
        let product = parse(listing(json!({}))).into_product(
            "s".parse().unwrap(),
            Variation::Standalone,
            "t".into(),
        );
        let patch: ProductPatch =
            serde_json::from_value(json!({"images": ["products/OTHER/images/a.jpg"]})).unwrap();
        assert_eq!(
            product.patched(patch, "t".into()).unwrap_err().field,
            "images[0]"
        );
        assert_eq!(
            product
                .patched(ProductPatch::default(), "t".into())
                .unwrap_err()
                .field,
            "body"
        );
    }
}
