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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_the_engine_refuses_is_the_shoppers_to_change_not_a_fault() {
        let refused: Result<(), _> = Err(SearchRefused("failed to create query".into()));
        match searched(refused, "q") {
            Err(ApiError::Invalid(invalid)) => assert_eq!(invalid.field, "q"),
            other => panic!("{other:?}"),
        }
        assert!(searched(Ok::<_, SearchRefused>(7), "q").is_ok_and(|n| n == 7));
    }
}
