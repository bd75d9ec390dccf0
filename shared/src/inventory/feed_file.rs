//! Bulk stock feeds as CSV files: a header naming the columns (`sku`, `location`, `sequence`, and
//! `quantity` and/or `delta`, in any order), then one update per line, each with exactly one of
//! `quantity` and `delta`. Lines are read one at a time, so a file of any length streams.

use super::stock_update::{Delta, Quantity, StockChange};
use crate::ids::{LocationId, Sku};
use crate::json::{Integer, WholeNumber};

/// The columns a feed file declares in its first line.
#[derive(Debug, Clone)]
pub struct FeedHeader(csv::StringRecord);

const COLUMNS: [&str; 5] = ["sku", "location", "quantity", "delta", "sequence"];

impl FeedHeader {
    pub fn parse(line: &str) -> Result<Self, String> {
        let record = record(line)?;
        let names: Vec<&str> = record.iter().collect();
        if let Some(unknown) = names.iter().find(|name| !COLUMNS.contains(name)) {
            return Err(format!(
                "the header names a column {unknown:?}; columns are {}",
                COLUMNS.join(", ")
            ));
        }
        for required in ["sku", "location", "sequence"] {
            if !names.contains(&required) {
                return Err(format!("the header must name the column {required}"));
            }
        }
        if !names.contains(&"quantity") && !names.contains(&"delta") {
            return Err("the header must name quantity, delta or both".to_owned());
        }
        Ok(Self(record))
    }
}

/// One line of a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRow {
    pub sku: Sku,
    pub location: LocationId,
    pub change: StockChange,
    pub sequence: u64,
}

impl FeedRow {
    /// A line under `header`, or what is wrong with it (naming the column).
    pub fn parse(header: &FeedHeader, line: &str) -> Result<Self, String> {
        let record = record(line)?;
        if record.len() != header.0.len() {
            return Err(format!(
                "has {} fields where the header names {}",
                record.len(),
                header.0.len()
            ));
        }
        let text = |column: &str| {
            let at = header.0.iter().position(|name| name == column)?;
            record.get(at).filter(|text| !text.is_empty())
        };
        let required = |column: &'static str| text(column).ok_or(format!("{column}: is required"));
        let number = |column: &'static str| -> Result<Option<i64>, String> {
            text(column)
                .map(|n| {
                    n.parse::<i64>()
                        .map_err(|_| format!("{column}: must be an integer"))
                })
                .transpose()
        };
        let sku: Sku = required("sku")?
            .parse()
            .map_err(|rule| format!("sku: {rule}"))?;
        let location: LocationId = required("location")?
            .parse()
            .map_err(|rule| format!("location: {rule}"))?;
        let quantity = number("quantity")?
            .map(|n| {
                let units = u64::try_from(n).map_err(|_| "must be 0 or more".to_owned())?;
                Quantity::try_from(WholeNumber(units))
            })
            .transpose()
            .map_err(|rule| format!("quantity: {rule}"))?;
        let delta = number("delta")?
            .map(|n| Delta::try_from(Integer(n)))
            .transpose()
            .map_err(|rule| format!("delta: {rule}"))?;
        let sequence = required("sequence")?
            .parse::<u64>()
            .map_err(|_| "sequence: must be a whole number".to_owned())?;
        let change = StockChange::from_fields(quantity, delta)?;
        Ok(Self {
            sku,
            location,
            change,
            sequence,
        })
    }
}

/// One CSV record (quoted fields included) from one line.
fn record(line: &str) -> Result<csv::StringRecord, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .trim(csv::Trim::All)
        .from_reader(line.as_bytes());
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) => Ok(record),
        Ok(false) => Err("is empty".to_owned()),
        Err(error) => Err(format!("is not CSV: {error}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> FeedHeader {
        FeedHeader::parse("sku,location,quantity,delta,sequence").unwrap()
    }

    #[test]
    fn a_line_is_a_count_or_a_change() {
        let row = FeedRow::parse(&header(), "LAMP-1,FC-SEA1,12,,7").unwrap();
        assert_eq!(
            row.change,
            StockChange::Count(serde_json::from_str("12").unwrap())
        );
        assert_eq!(row.sequence, 7);
        let row = FeedRow::parse(&header(), r#""LAMP-1" , FC-SEA1 ,,-3,8"#).unwrap();
        assert_eq!(
            row.change,
            StockChange::Delta(serde_json::from_str("-3").unwrap())
        );
        assert_eq!(row.sku.to_string(), "LAMP-1");
    }

    #[test]
    fn columns_may_come_in_any_order_and_either_change_column_may_be_left_out() {
        let header = FeedHeader::parse("sequence,delta,location,sku").unwrap();
        let row = FeedRow::parse(&header, "3,5,FC-SEA1,LAMP-1").unwrap();
        assert_eq!(
            row.change,
            StockChange::Delta(serde_json::from_str("5").unwrap())
        );
    }

    #[test]
    fn a_bad_line_says_which_column_and_rule() {
        let error = |line| FeedRow::parse(&header(), line).unwrap_err();
        assert!(
            error("LAMP-1,FC-SEA1,-4,,7").starts_with("quantity: "),
            "{}",
            error("LAMP-1,FC-SEA1,-4,,7")
        );
        assert!(error("bad sku!,FC-SEA1,4,,7").starts_with("sku: "));
        assert!(error("LAMP-1,FC-SEA1,4,,seven").starts_with("sequence: "));
        assert_eq!(
            error("LAMP-1,FC-SEA1,4,2,7"),
            "must have exactly one of quantity and delta"
        );
        assert_eq!(
            error("LAMP-1,FC-SEA1,,,7"),
            "must have exactly one of quantity and delta"
        );
        assert_eq!(
            error("LAMP-1,FC-SEA1,4"),
            "has 3 fields where the header names 5"
        );
        assert_eq!(error(""), "is empty");
    }

    #[test]
    fn a_header_names_known_columns_and_what_an_update_needs() {
        assert!(FeedHeader::parse("sku,location,quantity,sequence,price").is_err());
        assert!(FeedHeader::parse("sku,quantity,sequence").is_err());
        assert!(FeedHeader::parse("sku,location,sequence").is_err());
        assert!(FeedHeader::parse("location,sku,delta,sequence").is_ok());
    }
}
