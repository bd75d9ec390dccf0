//! A seller's stock batch: up to [`MAX_BATCH_LINES`] updates sent at once. Each line travels the
//! feed queue on its own and its outcome is recorded as the consumer applies it, so the seller
//! can follow the batch: applied, stale (a newer update was there), failed with the reason, or
//! still pending.

use super::stock_update::{Delta, Quantity, StockChange, StockUpdate};
use crate::error::Invalid;
use crate::ids::{LocationId, SellerId, Sku};
use serde::{Deserialize, Serialize};

/// Lines in one batch: one request's worth within the API's 64 KiB body limit.
pub const MAX_BATCH_LINES: usize = 500;

crate::ulid_identifier!(
    /// A stock batch's id.
    StockBatchId, "a batch id"
);

/// Which line of which batch an update is: where its outcome is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchLine {
    pub id: StockBatchId,
    pub line: u32,
}

/// One line as the seller sends it: the units on hand (`quantity`) or a change (`delta`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockLine {
    sku: Sku,
    location: LocationId,
    #[serde(default)]
    quantity: Option<Quantity>,
    #[serde(default)]
    #[schema(value_type = Option<i64>, minimum = -1_000_000, maximum = 1_000_000)]
    delta: Option<Delta>,
    /// Grows with each update the seller sends for this SKU and location.
    #[serde(deserialize_with = "crate::json::whole_number")]
    sequence: u64,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockBatchRequest {
    #[schema(min_items = 1, max_items = 500)]
    lines: Vec<StockLine>,
}

impl StockBatchRequest {
    /// The SKUs the lines name, in line order.
    pub fn skus(&self) -> impl Iterator<Item = &Sku> {
        self.lines.iter().map(|line| &line.sku)
    }

    /// The updates the batch asks for on `seller`'s behalf; else the line and the rule it broke.
    pub fn updates(self, seller: &SellerId, id: StockBatchId) -> Result<Vec<StockUpdate>, Invalid> {
        if self.lines.is_empty() || self.lines.len() > MAX_BATCH_LINES {
            return Err(Invalid::new(
                "lines",
                format!("must hold 1 to {MAX_BATCH_LINES} lines"),
            ));
        }
        self.lines
            .into_iter()
            .enumerate()
            .map(|(n, line)| {
                let change = StockChange::from_fields(line.quantity, line.delta)
                    // A rule between two fields, which the schema does not state: a 422.
                    .map_err(|rule| Invalid::relational(format!("lines[{n}]"), rule))?;
                Ok(StockUpdate {
                    seller_id: seller.clone(),
                    sku: line.sku,
                    location: line.location,
                    change,
                    sequence: line.sequence,
                    batch: Some(BatchLine {
                        id,
                        line: u32::try_from(n).unwrap_or(u32::MAX),
                    }),
                })
            })
            .collect()
    }
}

/// What became of one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum LineOutcome {
    Applied,
    /// A newer update was applied already: this one changed nothing.
    Stale,
    /// Not applied; it is retried, then kept in the dead-letter queue.
    Failed {
        error: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LineError {
    pub line: u32,
    pub error: String,
}

/// A batch's progress.
/// Where a CSV feed (a batch read from an uploaded file) has got to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FeedState {
    /// The file has not arrived yet.
    AwaitingUpload,
    /// Its lines are being read and queued; `lines` is known once they all are.
    Importing,
    Imported,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BatchReport {
    pub batch_id: StockBatchId,
    /// A CSV feed's progress; absent for a batch sent as JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feed: Option<FeedState>,
    pub lines: u32,
    pub applied: u32,
    pub stale: u32,
    pub failed: u32,
    /// Lines not yet taken off the queue.
    pub pending: u32,
    pub errors: Vec<LineError>,
}

impl BatchReport {
    pub fn of(
        batch_id: StockBatchId,
        feed: Option<FeedState>,
        lines: u32,
        outcomes: impl IntoIterator<Item = (u32, LineOutcome)>,
    ) -> Self {
        let mut report = Self {
            batch_id,
            feed,
            lines,
            applied: 0,
            stale: 0,
            failed: 0,
            pending: lines,
            errors: Vec::new(),
        };
        for (line, outcome) in outcomes {
            report.pending = report.pending.saturating_sub(1);
            match outcome {
                LineOutcome::Applied => report.applied += 1,
                LineOutcome::Stale => report.stale += 1,
                LineOutcome::Failed { error } => {
                    report.failed += 1;
                    report.errors.push(LineError { line, error });
                }
            }
        }
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(lines: serde_json::Value) -> StockBatchRequest {
        serde_json::from_value(json!({"lines": lines})).unwrap()
    }

    #[test]
    fn a_batch_becomes_one_update_per_line_for_the_seller() {
        let seller: SellerId = "seller-01".parse().unwrap();
        let id = StockBatchId::generate();
        let updates = request(json!([
            {"sku": "A", "location": "FC-SEA1", "quantity": 5, "sequence": 1},
            {"sku": "B", "location": "FC-SEA1", "delta": -2, "sequence": 9},
        ]))
        .updates(&seller, id)
        .unwrap();
        assert_eq!(updates.len(), 2);
        assert_eq!(updates[1].seller_id, seller);
        assert_eq!(updates[1].batch, Some(BatchLine { id, line: 1 }));
        assert!(matches!(updates[1].change, StockChange::Delta(_)));
    }

    #[test]
    fn a_line_needs_a_count_or_a_change_and_a_batch_needs_lines() {
        let seller: SellerId = "seller-01".parse().unwrap();
        let both = request(json!([
            {"sku": "A", "location": "FC-SEA1", "quantity": 5, "sequence": 1},
            {"sku": "A", "location": "FC-SEA1", "quantity": 5, "delta": 1, "sequence": 2},
        ]));
        assert_eq!(
            both.updates(&seller, StockBatchId::generate())
                .unwrap_err()
                .field,
            "lines[1]"
        );
        let none = request(json!([]));
        assert_eq!(
            none.updates(&seller, StockBatchId::generate())
                .unwrap_err()
                .field,
            "lines"
        );
        let line = json!({"sku": "A", "location": "FC-SEA1", "quantity": 1, "sequence": 1});
        let many = request(json!(vec![line; MAX_BATCH_LINES + 1]));
        assert_eq!(
            many.updates(&seller, StockBatchId::generate())
                .unwrap_err()
                .field,
            "lines"
        );
        let unknown = json!({"lines": [{"sku": "A", "location": "FC-SEA1", "quantity": 1, "sequence": 1, "x": 1}]});
        assert!(serde_json::from_value::<StockBatchRequest>(unknown).is_err());
    }

    #[test]
    fn a_batch_id_is_a_ulid_that_fits_in_128_bits() {
        let id = StockBatchId::generate().to_string();
        assert_eq!(id.parse::<StockBatchId>().unwrap().to_string(), id);
        assert_eq!(
            id.to_lowercase()
                .parse::<StockBatchId>()
                .unwrap()
                .to_string(),
            id
        );
        for refused in [
            "8ZZZZZZZZZZZZZZZZZZZZZZZZZ",
            "01ARZ3NDEKTSV4RRFFQ69G5FA",
            "not-a-batch",
        ] {
            assert!(refused.parse::<StockBatchId>().is_err(), "{refused}");
        }
    }

    #[test]
    fn a_report_counts_outcomes_and_what_is_still_pending() {
        let id = StockBatchId::generate();
        let failed = LineOutcome::Failed {
            error: "unknown SKU".into(),
        };
        let report = BatchReport::of(
            id,
            None,
            4,
            [
                (0, LineOutcome::Applied),
                (2, failed),
                (3, LineOutcome::Stale),
            ],
        );
        assert_eq!(
            (report.applied, report.stale, report.failed, report.pending),
            (1, 1, 1, 1)
        );
        assert_eq!(
            report.errors,
            [LineError {
                line: 2,
                error: "unknown SKU".into()
            }]
        );
    }
}
