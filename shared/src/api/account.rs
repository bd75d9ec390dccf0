//! The account's outcomes as HTTP answers, and checkout with what the account keeps.

use super::{ApiError, Caller};
use crate::account::{AccountsStore, AddressId, SavedId};
use crate::error::Invalid;
use crate::orders::Address;
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
    Ok(super::no_content())
}

/// Where a checkout request ships to: an address given inline (checked by its country's rules),
/// or one of the customer's saved addresses named by `address_id`; one of the two.
pub async fn ship_to(
    accounts: &AccountsStore,
    customer: &str,
    inline: Option<&Address>,
    saved: Option<AddressId>,
) -> Result<Address, ApiError> {
    match (inline, saved) {
        (Some(address), None) => {
            address.check_country_rules()?;
            Ok(address.clone())
        }
        (None, Some(id)) => accounts.address(customer, id).await?.ok_or_else(|| {
            Invalid::relational("address_id", "is not one of the account's saved addresses").into()
        }),
        _ => Err(Invalid::relational(
            "shipping_address",
            "needs exactly one of shipping_address and address_id (a saved address)",
        )
        .into()),
    }
}

/// Checkout for routes that ship to a saved address: the account's entries, checkout, and where
/// the order's messages go.
#[cfg(feature = "sfn")]
pub struct AccountCheckout {
    pub accounts: AccountsStore,
    pub checkout: super::Checkout,
    pub notifications: crate::notifications::NotificationsStore,
}

#[cfg(feature = "sfn")]
impl AccountCheckout {
    pub fn from_source(
        sdk: &aws_config::SdkConfig,
        source: &impl crate::config::Source,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            accounts: AccountsStore::from_source(sdk, source)?,
            checkout: super::Checkout::from_source(sdk, source)?,
            notifications: crate::notifications::NotificationsStore::from_source(sdk, source)?,
        })
    }

    pub async fn connect(&self) {
        futures::future::join3(
            self.accounts.connect(),
            self.checkout.connect(),
            self.notifications.connect(),
        )
        .await;
    }

    /// Notes the caller's email as their token has it now, where the order's messages go. An
    /// order matters more than its emails: a failure is logged, and checkout goes on.
    pub async fn remember_email(&self, caller: &super::Caller) {
        let Some(email) = caller.email_address() else {
            return;
        };
        if let Err(error) = self.notifications.remember_email(&caller.id, email).await {
            tracing::warn!(
                error = format!("{error:#}"),
                "the customer's email was not noted"
            );
        }
    }
}
