//! Returns: a shopper sends back what does not suit them, within the return window after
//! delivery. What Rainforest shipped is approved at once; a merchant approves or rejects returns
//! of what it shipped. An approved return has a label from the simulated carrier and a date to
//! ship it by; the carrier's scan puts it in transit; whoever holds the stock receives it
//! (sellable units go back on hand, damaged ones do not) and the refund follows.
//!
//! The refund of a line is its price, less its share of the order's discount (rounded up, so
//! the refunds of a whole order never exceed what was taken), plus its share of its tax; when
//! the reason is the seller's fault, its share of the shipping too.

use super::{Order, OrderId, Shipment};
use crate::catalog::{CategoryPath, Fulfillment};
use crate::error::Invalid;
use crate::ids::{LocationId, ProductId, SellerId, Sku};
use crate::money::Money;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

crate::ulid_identifier!(
    /// A return's id: its authorization number, and its label's.
    ReturnId, "a return id"
);

crate::bounded_text!(ReturnComment, 1, 1000);

/// Days after delivery a return may be asked for, unless the department says otherwise.
pub const WINDOW_DAYS: i64 = 30;
/// Departments whose window differs, in days (0: not returnable).
const DEPARTMENT_WINDOWS: &[(&str, i64)] = &[("grocery", 0), ("electronics", 15)];
/// Days an approved return has to be shipped back.
pub const SHIP_BY_DAYS: i64 = 14;
/// Lines one return request may hold: its returns, their pointers and events are one
/// transaction (at most 100 items).
pub const MAX_LINES: usize = 20;

/// Why it goes back: the shopper picks one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReturnReason {
    NoLongerNeeded,
    OrderedByMistake,
    BetterPriceElsewhere,
    Damaged,
    Defective,
    WrongItem,
    NotAsDescribed,
}

impl ReturnReason {
    /// The seller's fault: the shipping is refunded too.
    pub fn sellers_fault(self) -> bool {
        matches!(
            self,
            Self::Damaged | Self::Defective | Self::WrongItem | Self::NotAsDescribed
        )
    }
}

/// Where a return stands; each status is reached once, in this order (or `rejected`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ReturnStatus {
    /// Waiting for its merchant's decision.
    Requested,
    /// Labelled: the shopper ships it back.
    Approved,
    Rejected,
    /// The carrier has it.
    InTransit,
    /// Inspected where it went back to.
    Received,
    Refunded,
}

impl ReturnStatus {
    /// The status a return must be in to come to this one.
    pub fn previous(self) -> Option<Self> {
        match self {
            Self::Requested => None,
            Self::Approved | Self::Rejected => Some(Self::Requested),
            Self::InTransit => Some(Self::Approved),
            Self::Received => Some(Self::InTransit),
            Self::Refunded => Some(Self::Received),
        }
    }
}

/// What the inspection found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemCondition {
    /// Goes back on hand.
    Sellable,
    /// Does not.
    Damaged,
}

/// A line of `POST /api/v1/orders/{id}/returns`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnLineRequest {
    pub sku: Sku,
    #[schema(value_type = u32, minimum = 1, maximum = 30)]
    pub quantity: crate::cart::LineQuantity,
}

/// `POST /api/v1/orders/{id}/returns`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnRequest {
    #[schema(min_items = 1, max_items = 20)]
    pub lines: Vec<ReturnLineRequest>,
    pub reason: ReturnReason,
    #[serde(default)]
    pub comment: Option<ReturnComment>,
}

/// Units of one SKU going back to one place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReturnLine {
    pub sku: Sku,
    pub product_id: ProductId,
    pub title: String,
    pub quantity: u32,
    /// Where the units were shipped from, and go back to.
    pub location: LocationId,
    /// What these units give back.
    pub refund: Money,
}

/// The simulated carrier's label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReturnLabel {
    pub carrier: String,
    pub tracking_number: String,
    /// Ship it back by then.
    pub ship_by: String,
}

/// One status a return reached, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReturnStep {
    pub status: ReturnStatus,
    pub at: String,
}

/// A return authorization: one seller's units of one order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Return {
    pub return_id: ReturnId,
    pub order_id: OrderId,
    pub customer_id: String,
    pub seller_id: SellerId,
    pub fulfillment: Fulfillment,
    pub lines: Vec<ReturnLine>,
    pub reason: ReturnReason,
    #[serde(default)]
    pub comment: Option<ReturnComment>,
    pub status: ReturnStatus,
    /// Once approved.
    #[serde(default)]
    pub label: Option<ReturnLabel>,
    /// Once received.
    #[serde(default)]
    pub condition: Option<ItemCondition>,
    /// What the refund will be (the lines', and the shipping's share when it is due).
    pub refund: Money,
    pub shipping_refund: Money,
    /// Once refunded.
    #[serde(default)]
    pub refunded_at: Option<String>,
    /// Every status it reached, first to last.
    pub timeline: Vec<ReturnStep>,
}

impl Return {
    /// The label an approval at `now` (epoch seconds) gives it.
    pub fn label(id: ReturnId, now: i64) -> ReturnLabel {
        ReturnLabel {
            carrier: super::shipment::RAINFOREST_CARRIER.to_owned(),
            tracking_number: format!("RR{id}"),
            ship_by: crate::clock::rfc3339(
                std::time::UNIX_EPOCH
                    + std::time::Duration::from_secs(
                        u64::try_from(now + SHIP_BY_DAYS * 86_400).unwrap_or_default(),
                    ),
            ),
        }
    }
}

/// How many days after delivery a product of `category` may be returned.
pub fn window_days(category: Option<&CategoryPath>) -> i64 {
    let department: Option<String> = category
        .and_then(|path| {
            Vec::<crate::catalog::Slug>::from(path.clone())
                .into_iter()
                .next()
        })
        .map(|slug| slug.to_string());
    DEPARTMENT_WINDOWS
        .iter()
        .find(|(name, _)| department.as_deref() == Some(*name))
        .map_or(WINDOW_DAYS, |(_, days)| *days)
}

/// The returns `request` asks for of `order` (delivered at `delivered_at`, epoch seconds), one
/// per seller and fulfillment, at `now` (epoch seconds; `at` as text), given the order's parcels
/// and its earlier returns; or the first rule it breaks.
pub fn plan(
    order: &Order,
    shipments: &[Shipment],
    earlier: &[Return],
    request: &ReturnRequest,
    now: i64,
    at: &str,
) -> Result<Vec<Return>, Invalid> {
    if request.lines.is_empty() || request.lines.len() > MAX_LINES {
        return Err(Invalid::new("lines", "must hold 1 to 20 lines"));
    }
    let priced = order.priced.as_ref();
    let Some((priced, delivered_at)) = priced.zip(order.delivered_at.as_ref()) else {
        return Err(Invalid::relational(
            "order",
            "must have been delivered: returns start after delivery",
        ));
    };
    let delivered_at = crate::clock::Timestamp::try_from(delivered_at.clone())
        .map_err(|_| Invalid::relational("order", "must have a delivery time"))?
        .secs();
    let subtotal = priced.subtotal.amount.get().max(1);
    // Each seller's lines, and their value (what its share of the shipping is worked from).
    let mut groups: BTreeMap<(SellerId, bool), (Vec<ReturnLine>, u64)> = BTreeMap::new();
    for (n, wanted) in request.lines.iter().enumerate() {
        let field = |name: &str| format!("lines[{n}].{name}");
        if request.lines[..n].iter().any(|l| l.sku == wanted.sku) {
            return Err(Invalid::new(field("sku"), "must not repeat a SKU"));
        }
        let Some(line) = priced.lines.iter().find(|l| l.sku == wanted.sku) else {
            return Err(Invalid::relational(
                field("sku"),
                "must be a SKU of this order",
            ));
        };
        let days = window_days(line.category_path.as_ref());
        if days == 0 {
            return Err(Invalid::relational(field("sku"), "is not returnable"));
        }
        if now - delivered_at > days * 86_400 {
            let rule = format!("must be returned within {days} days of delivery");
            return Err(Invalid::relational(field("sku"), rule));
        }
        // Units of this SKU earlier returns take back (from `location`, or from anywhere).
        let returned_from = |location: Option<&LocationId>| -> u32 {
            earlier
                .iter()
                .filter(|r| r.status != ReturnStatus::Rejected)
                .flat_map(|r| &r.lines)
                .filter(|l| l.sku == wanted.sku && location.is_none_or(|at| l.location == *at))
                .map(|l| l.quantity)
                .sum()
        };
        let returned = returned_from(None);
        let quantity = u32::from(wanted.quantity);
        if quantity > line.quantity.saturating_sub(returned) {
            let left = line.quantity.saturating_sub(returned);
            let rule = format!("must be at most {left}: the units bought and not returned yet");
            return Err(Invalid::relational(field("quantity"), rule));
        }
        let value = line.unit_price.amount.get() * u64::from(quantity);
        let discount = (priced.discount.amount.get() * value).div_ceil(subtotal);
        let tax = line.tax.map_or(0, |tax| {
            tax.amount.get() * u64::from(quantity) / u64::from(line.quantity.max(1))
        });
        let refund = (value + tax).saturating_sub(discount);
        let key = (
            line.seller_id.clone(),
            line.fulfillment == Fulfillment::Rainforest,
        );
        let (lines, group_value) = groups.entry(key).or_default();
        *group_value += value;
        // Units come back to where they left from, the parcels in order, less what earlier
        // returns take back there.
        let mut left = quantity;
        let mut refund_left = refund;
        for shipment in shipments.iter().filter(|s| s.seller_id == line.seller_id) {
            let Some(shipped) = shipment.lines.iter().find(|l| l.sku == wanted.sku) else {
                continue;
            };
            let here = shipped
                .quantity
                .saturating_sub(returned_from(Some(&shipment.location)));
            let units = left.min(here);
            if units == 0 {
                continue;
            }
            left -= units;
            let part = match left {
                0 => refund_left,
                _ => refund * u64::from(units) / u64::from(quantity),
            };
            refund_left -= part;
            lines.push(ReturnLine {
                sku: line.sku.clone(),
                product_id: line.product_id,
                title: line.title.clone(),
                quantity: units,
                location: shipment.location.clone(),
                refund: Money::of(part, priced.total.currency),
            });
        }
        if left > 0 {
            return Err(Invalid::relational(field("sku"), "must have been shipped"));
        }
    }
    let currency = priced.total.currency;
    let returns = groups
        .into_iter()
        .map(|((seller_id, rainforest), (lines, value))| {
            let return_id = ReturnId::generate();
            // Each return carries its own lines' share of the shipping: one seller's rejection
            // keeps only its own.
            let shipping = match request.reason.sellers_fault() {
                true => priced
                    .shipping
                    .map_or(0, |s| s.amount.get() * value / subtotal),
                false => 0,
            };
            let refund: u64 = lines.iter().map(|l| l.refund.amount.get()).sum::<u64>() + shipping;
            let (status, label) = match rainforest {
                true => (ReturnStatus::Approved, Some(Return::label(return_id, now))),
                false => (ReturnStatus::Requested, None),
            };
            let mut timeline = vec![ReturnStep {
                status: ReturnStatus::Requested,
                at: at.to_owned(),
            }];
            if status == ReturnStatus::Approved {
                timeline.push(ReturnStep {
                    status,
                    at: at.to_owned(),
                });
            }
            Return {
                return_id,
                order_id: order.id,
                customer_id: order.customer_id.clone(),
                seller_id,
                fulfillment: match rainforest {
                    true => Fulfillment::Rainforest,
                    false => Fulfillment::Merchant,
                },
                lines,
                reason: request.reason,
                comment: request.comment.clone(),
                status,
                label,
                condition: None,
                refund: Money::of(refund, currency),
                shipping_refund: Money::of(shipping, currency),
                refunded_at: None,
                timeline,
            }
        })
        .collect();
    Ok(returns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orders::{Address, OrderLine, OrderStatus, Priced};
    use serde_json::json;

    const DAY: i64 = 86_400;
    /// 2026-12-01T00:00:00Z
    const DELIVERED: i64 = 1_796_083_200;

    fn order(discount: u64, shipping: u64) -> Order {
        let lines = vec![
            OrderLine::sample("R-1", "seller-r", Fulfillment::Rainforest, 2),
            OrderLine::sample("M-1", "seller-m", Fulfillment::Merchant, 1),
        ];
        let mut priced = Priced::sample(lines, discount);
        let usd = |cents| Money::of(cents, crate::money::Currency::USD);
        priced.shipping = Some(usd(shipping));
        priced.total = usd(priced.total.amount.get() + shipping);
        let mut order = Order::start(
            "01KAN0000000000000000000C1".parse().unwrap(),
            "ada".to_owned(),
            priced.total,
            Address::sample("US", Some("OR")),
            "tok_visa".parse().unwrap(),
            "2026-11-25T00:00:00Z".to_owned(),
        );
        order.priced = Some(priced);
        order.status = OrderStatus::Delivered;
        order.delivered_at = Some("2026-12-01T00:00:00Z".to_owned());
        order
    }

    fn shipment(seller: &str, location: &str, lines: serde_json::Value) -> Shipment {
        serde_json::from_value(json!({
            "order_id": "01KAN0000000000000000000C1", "shipment_id": "S1", "customer_id": "ada",
            "ship_to": {"name": "Ada", "line1": "1 Main St", "city": "Town", "postal_code": "97201", "country": "US", "region": "OR"},
            "seller_id": seller, "location": location, "fulfillment": "rainforest", "lines": lines,
            "status": "delivered", "estimated_delivery": "2026-12-01", "timeline": [],
        }))
        .unwrap()
    }

    fn parcels() -> Vec<Shipment> {
        vec![
            shipment(
                "seller-r",
                "FC-A",
                json!([{"sku": "R-1", "title": "R-1", "quantity": 1}]),
            ),
            shipment(
                "seller-r",
                "FC-B",
                json!([{"sku": "R-1", "title": "R-1", "quantity": 1}]),
            ),
            shipment(
                "seller-m",
                "MF-M",
                json!([{"sku": "M-1", "title": "M-1", "quantity": 1}]),
            ),
        ]
    }

    fn request(lines: serde_json::Value, reason: &str) -> ReturnRequest {
        serde_json::from_value(json!({"lines": lines, "reason": reason})).unwrap()
    }

    #[test]
    fn a_return_splits_by_seller_goes_back_where_it_left_and_refunds_the_shipping_when_at_fault() {
        let both = request(
            json!([{"sku": "R-1", "quantity": 2}, {"sku": "M-1", "quantity": 1}]),
            "damaged",
        );
        let returns = plan(&order(0, 500), &parcels(), &[], &both, DELIVERED + DAY, "t").unwrap();
        assert_eq!(returns.len(), 2);
        let (merchant, rainforest) = (&returns[0], &returns[1]);
        assert_eq!(merchant.seller_id.as_ref(), "seller-m");
        assert_eq!(merchant.status, ReturnStatus::Requested);
        assert!(merchant.label.is_none());
        assert_eq!(rainforest.status, ReturnStatus::Approved);
        assert!(
            rainforest
                .label
                .as_ref()
                .unwrap()
                .tracking_number
                .starts_with("RR")
        );
        let places: Vec<(&str, u32)> = rainforest
            .lines
            .iter()
            .map(|l| (l.location.as_ref(), l.quantity))
            .collect();
        assert_eq!(places, [("FC-A", 1), ("FC-B", 1)]);
        // All three units of $1, and the $5 shipping shared by value (a cent lost to rounding).
        let shipping: Vec<u64> = returns
            .iter()
            .map(|r| r.shipping_refund.amount.get())
            .collect();
        assert_eq!(shipping, [166, 333]);
        let refunds: u64 = returns.iter().map(|r| r.refund.amount.get()).sum();
        assert_eq!(refunds, 300 + 499);

        let changed_mind = request(json!([{"sku": "R-1", "quantity": 1}]), "no_longer_needed");
        let returns = plan(
            &order(0, 500),
            &parcels(),
            &[],
            &changed_mind,
            DELIVERED,
            "t",
        )
        .unwrap();
        assert_eq!(
            returns[0].refund.amount.get(),
            100,
            "no shipping: not the seller's fault"
        );
    }

    #[test]
    fn the_discount_is_shared_rounded_up_so_refunds_never_exceed_the_total() {
        let order = order(100, 0);
        let mut earlier = Vec::new();
        let mut refunded = 0;
        for (sku, at) in [("R-1", 0), ("R-1", 1), ("M-1", 2)] {
            let one = request(json!([{"sku": sku, "quantity": 1}]), "no_longer_needed");
            let returns = plan(&order, &parcels(), &earlier, &one, DELIVERED + at, "t").unwrap();
            refunded += returns[0].refund.amount.get();
            earlier.extend(returns);
        }
        assert!(
            refunded <= order.priced.unwrap().total.amount.get(),
            "{refunded}"
        );
        assert_eq!(refunded, 200 - 2, "a third of $1 off each unit, rounded up");
    }

    #[test]
    fn a_return_is_refused_outside_its_window_beyond_what_was_bought_or_before_delivery() {
        let one = request(json!([{"sku": "R-1", "quantity": 1}]), "no_longer_needed");
        let late = plan(
            &order(0, 0),
            &parcels(),
            &[],
            &one,
            DELIVERED + 31 * DAY,
            "t",
        );
        assert_eq!(late.unwrap_err().field, "lines[0].sku");
        assert!(
            plan(
                &order(0, 0),
                &parcels(),
                &[],
                &one,
                DELIVERED + 30 * DAY,
                "t"
            )
            .is_ok()
        );

        let first = plan(&order(0, 0), &parcels(), &[], &one, DELIVERED, "t").unwrap();
        let three = request(json!([{"sku": "R-1", "quantity": 2}]), "no_longer_needed");
        let more = plan(&order(0, 0), &parcels(), &first, &three, DELIVERED, "t");
        assert_eq!(more.unwrap_err().field, "lines[0].quantity");

        let second = plan(&order(0, 0), &parcels(), &first, &one, DELIVERED, "t").unwrap();
        let places = |returns: &[Return]| returns[0].lines[0].location.to_string();
        assert_eq!(
            (places(&first), places(&second)),
            ("FC-A".to_owned(), "FC-B".to_owned())
        );

        let mut rejected = first.clone();
        rejected[0].status = ReturnStatus::Rejected;
        assert!(plan(&order(0, 0), &parcels(), &rejected, &three, DELIVERED, "t").is_ok());

        let mut undelivered = order(0, 0);
        undelivered.delivered_at = None;
        let refused = plan(&undelivered, &parcels(), &[], &one, DELIVERED, "t");
        assert_eq!(refused.unwrap_err().field, "order");
        let twice = request(
            json!([{"sku": "R-1", "quantity": 1}, {"sku": "R-1", "quantity": 1}]),
            "damaged",
        );
        let repeated = plan(&order(0, 0), &parcels(), &[], &twice, DELIVERED, "t");
        assert_eq!(repeated.unwrap_err().field, "lines[1].sku");
        let unknown = request(json!([{"sku": "X-1", "quantity": 1}]), "damaged");
        let unknown = plan(&order(0, 0), &parcels(), &[], &unknown, DELIVERED, "t");
        assert_eq!(unknown.unwrap_err().field, "lines[0].sku");
    }

    #[test]
    fn some_departments_have_their_own_window() {
        let path = |slugs: serde_json::Value| serde_json::from_value::<CategoryPath>(slugs).ok();
        assert_eq!(window_days(None), 30);
        assert_eq!(
            window_days(path(json!(["home-kitchen", "kettles"])).as_ref()),
            30
        );
        assert_eq!(
            window_days(path(json!(["electronics", "televisions"])).as_ref()),
            15
        );
        assert_eq!(window_days(path(json!(["grocery", "coffee"])).as_ref()), 0);
    }
}
