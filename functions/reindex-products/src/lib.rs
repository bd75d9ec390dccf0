//! The search backfill, run by hand (`aws lambda invoke`) after a mapping change and by the
//! local system at start: builds a new index from the catalog table and moves the alias to it
//! when it is complete, so searches keep answering throughout (see `SearchIndex::backfill`).

use serde::Deserialize;
use shared::search::Backfill;

/// What the handler needs, built once per process: the catalog to read, the index to write.
pub use shared::search::CatalogIndex as Deps;

/// The invocation's payload: `{}`; nothing to choose.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {}

pub async fn handle(deps: &Deps, _: Request) -> Result<Backfill, shared::events::StepError> {
    deps.index
        .backfill(deps.catalog.families())
        .await
        .map_err(shared::events::StepError::Retryable)
}
