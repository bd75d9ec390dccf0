//! The account's outcomes as HTTP answers.

use super::{ApiError, Caller};
use crate::account::{AccountsStore, SavedId};
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use std::str::FromStr;

/// `DELETE` of one of the caller's saved entries, named by the path's `id`: 204, and 204 again
/// for a replay (it is gone either way).
pub async fn deleted<Id>(
    accounts: &AccountsStore,
    request: &Request,
) -> Result<Response<Body>, ApiError>
where
    Id: FromStr<Err = String> + Into<SavedId>,
{
    super::require_method(request, http::Method::DELETE)?;
    let caller = Caller::from_request(request)?;
    let id: Id = super::path_param(request, "id")?;
    if !accounts.delete(&caller.id, id.into()).await? {
        tracing::info!("deleted already");
    }
    let mut answer = Response::new(Body::Empty);
    *answer.status_mut() = StatusCode::NO_CONTENT;
    Ok(answer)
}
