//! Search's outcomes as HTTP answers.

use super::ApiError;
use crate::error::Invalid;
use crate::search::SearchRefused;

/// A query the engine refused is the shopper's to change (400 naming `field`), never a 500.
pub fn searched<T>(outcome: Result<T, SearchRefused>, field: &str) -> Result<T, ApiError> {
    outcome.map_err(|refused| {
        tracing::warn!(reason = %refused.0, "the search engine refused a query");
        Invalid::new(field, "could not be searched as it is; try other words").into()
    })
}
