//! The accounts table, one partition per customer (`CUSTOMER#<id>`):
//! - `ADDRESS#<id>`: a saved address, its fields sealed (sealing.rs), only the country clear;
//! - `CARD#<id>`: a saved payment method (a token, a brand, four digits: nothing to seal);
//! - `DEFAULTS`: the ids of the default address and payment method. The first one saved
//!   becomes the default; deleting the default leaves none until another is chosen.

use super::{
    AddressId, Defaults, MAX_SAVED, NewAddress, NewPaymentMethod, PaymentMethodId, SavedAddress,
    SavedId, SavedPaymentMethod, Sealed, Sealer,
};
use crate::config::Source;
use crate::dynamo::{self, Item, is_condition_failure, item, key, put_new};
use crate::orders::{Address, CountryCode};
use anyhow::Context;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Serialize, Deserialize)]
struct AddressItem {
    pk: String,
    sk: String,
    id: AddressId,
    country: CountryCode,
    sealed: Sealed,
}

#[derive(Serialize, Deserialize)]
struct CardItem {
    pk: String,
    sk: String,
    #[serde(flatten)]
    method: SavedPaymentMethod,
}

#[derive(Default, Deserialize)]
struct DefaultsItem {
    #[serde(default)]
    address: Option<AddressId>,
    #[serde(default)]
    payment_method: Option<PaymentMethodId>,
}

/// Which list an entry belongs to: its items' key prefix and its slot in `DEFAULTS`.
#[derive(Clone, Copy)]
enum List {
    Addresses,
    PaymentMethods,
}

impl List {
    fn prefix(self) -> &'static str {
        match self {
            Self::Addresses => "ADDRESS#",
            Self::PaymentMethods => "CARD#",
        }
    }

    fn slot(self) -> &'static str {
        match self {
            Self::Addresses => "address",
            Self::PaymentMethods => "payment_method",
        }
    }
}

/// A customer's partition, read at once.
#[derive(Default)]
struct Account {
    addresses: Vec<AddressItem>,
    cards: Vec<CardItem>,
    defaults: DefaultsItem,
}

impl Account {
    fn count(&self, list: List) -> usize {
        match list {
            List::Addresses => self.addresses.len(),
            List::PaymentMethods => self.cards.len(),
        }
    }

    fn default_id(&self, list: List) -> Option<String> {
        match list {
            List::Addresses => self.defaults.address.map(|id| id.to_string()),
            List::PaymentMethods => self.defaults.payment_method.map(|id| id.to_string()),
        }
    }
}

pub struct AccountsStore {
    client: Client,
    table: String,
    sealer: Sealer,
}

fn pk(customer: &str) -> String {
    format!("CUSTOMER#{customer}")
}

impl AccountsStore {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            client: crate::aws::dynamodb(sdk),
            table: source.required("ACCOUNTS_TABLE")?,
            sealer: Sealer::new(
                aws_sdk_kms::Client::new(sdk),
                source.required("ACCOUNT_KEY_ID")?,
            ),
        })
    }

    pub async fn connect(&self) {
        dynamo::connect(&self.client, &self.table).await;
    }

    async fn account(&self, customer: &str) -> anyhow::Result<Account> {
        let items = dynamo::partition(
            &self.client,
            &self.table,
            pk(customer),
            "reading an account",
        )
        .await?;
        let mut account = Account::default();
        for found in items {
            let sk = match found.get("sk") {
                Some(AttributeValue::S(sk)) => sk.clone(),
                _ => continue,
            };
            if sk.starts_with(List::Addresses.prefix()) {
                account.addresses.push(dynamo::decode(found)?);
            } else if sk.starts_with(List::PaymentMethods.prefix()) {
                account.cards.push(dynamo::decode(found)?);
            } else if sk == "DEFAULTS" {
                account.defaults = dynamo::decode(found)?;
            }
        }
        Ok(account)
    }

    /// The customer's addresses, oldest first, opened (their data keys decrypted at once).
    pub async fn addresses(&self, customer: &str) -> anyhow::Result<Vec<SavedAddress>> {
        let account = self.account(customer).await?;
        let opened = account.addresses.iter().map(|found| async {
            Ok(SavedAddress {
                id: found.id,
                address: self.open(customer, found).await?,
                is_default: account.defaults.address == Some(found.id),
            })
        });
        futures::future::try_join_all(opened).await
    }

    /// Whether the customer may save one more to `list`.
    async fn has_room(&self, customer: &str, list: List) -> anyhow::Result<bool> {
        Ok(self.account(customer).await?.count(list) < MAX_SAVED)
    }

    /// Saves an address; `None` when the customer keeps as many as they may.
    pub async fn add_address(
        &self,
        customer: &str,
        new: &NewAddress,
    ) -> anyhow::Result<Option<SavedAddress>> {
        if !self.has_room(customer, List::Addresses).await? {
            return Ok(None);
        }
        let id = AddressId::generate();
        let a = &new.address;
        let mut fields = vec![
            ("name", a.name.as_ref()),
            ("line1", a.line1.as_ref()),
            ("city", a.city.as_ref()),
            ("postal_code", a.postal_code.as_ref()),
        ];
        fields.extend(a.line2.as_ref().map(|l| ("line2", l.as_ref())));
        fields.extend(a.region.as_ref().map(|r| ("region", r.as_ref())));
        let record = AddressItem {
            pk: pk(customer),
            sk: format!("{}{id}", List::Addresses.prefix()),
            id,
            country: a.country.clone(),
            sealed: self.sealer.seal(customer, &fields).await?,
        };
        let is_default = self
            .save(
                customer,
                item(&record)?,
                List::Addresses,
                &id.to_string(),
                new.default,
            )
            .await?;
        Ok(Some(SavedAddress {
            id,
            address: a.clone(),
            is_default,
        }))
    }

    pub async fn payment_methods(&self, customer: &str) -> anyhow::Result<Vec<SavedPaymentMethod>> {
        let account = self.account(customer).await?;
        Ok(account
            .cards
            .into_iter()
            .map(|card| SavedPaymentMethod {
                is_default: account.defaults.payment_method == Some(card.method.id),
                ..card.method
            })
            .collect())
    }

    /// Saves a payment method; `None` when the customer keeps as many as they may.
    pub async fn add_payment_method(
        &self,
        customer: &str,
        new: &NewPaymentMethod,
    ) -> anyhow::Result<Option<SavedPaymentMethod>> {
        if !self.has_room(customer, List::PaymentMethods).await? {
            return Ok(None);
        }
        let id = PaymentMethodId::generate();
        let method = SavedPaymentMethod {
            id,
            payment_token: new.payment_token.clone(),
            brand: new.brand,
            last_four: new.last_four.clone(),
            is_default: false,
        };
        let record = CardItem {
            pk: pk(customer),
            sk: format!("{}{id}", List::PaymentMethods.prefix()),
            method: method.clone(),
        };
        let is_default = self
            .save(
                customer,
                item(&record)?,
                List::PaymentMethods,
                &id.to_string(),
                new.default,
            )
            .await?;
        Ok(Some(SavedPaymentMethod {
            is_default,
            ..method
        }))
    }

    /// One of the customer's saved addresses, opened; `None` when they have no such address.
    pub async fn address(&self, customer: &str, id: AddressId) -> anyhow::Result<Option<Address>> {
        let sk = format!("{}{id}", List::Addresses.prefix());
        let found: Option<AddressItem> = dynamo::get(
            &self.client,
            &self.table,
            (pk(customer), sk),
            "reading an address",
        )
        .await?;
        match found {
            Some(found) => Ok(Some(self.open(customer, &found).await?)),
            None => Ok(None),
        }
    }

    /// The default address and payment method, when the customer has both.
    pub async fn defaults(&self, customer: &str) -> anyhow::Result<Option<Defaults>> {
        let account = self.account(customer).await?;
        let address = account
            .addresses
            .iter()
            .find(|a| account.defaults.address == Some(a.id));
        let card = account
            .cards
            .iter()
            .find(|c| account.defaults.payment_method == Some(c.method.id));
        let (Some(address), Some(card)) = (address, card) else {
            return Ok(None);
        };
        Ok(Some(Defaults {
            address: self.open(customer, address).await?,
            payment_token: card.method.payment_token.clone(),
        }))
    }

    async fn open(&self, customer: &str, found: &AddressItem) -> anyhow::Result<Address> {
        let mut fields: BTreeMap<String, String> =
            self.sealer.open(customer, &found.sealed).await?;
        let mut take = |name: &str| fields.remove(name);
        let value = serde_json::json!({
            "name": take("name"), "line1": take("line1"), "line2": take("line2"),
            "city": take("city"), "region": take("region"), "postal_code": take("postal_code"),
            "country": found.country,
        });
        serde_json::from_value(value).context("an opened address")
    }

    /// Writes an entry and, in the same transaction, makes it the default when asked to or
    /// when its list has none; whether it is the default now.
    async fn save(
        &self,
        customer: &str,
        entry: Item,
        list: List,
        id: &str,
        make_default: bool,
    ) -> anyhow::Result<bool> {
        let set = if make_default {
            "SET #slot = :id"
        } else {
            "SET #slot = if_not_exists(#slot, :id)"
        };
        let defaults = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key((pk(customer), "DEFAULTS".to_owned()))))
            .update_expression(set)
            .expression_attribute_names("#slot", list.slot())
            .expression_attribute_values(":id", AttributeValue::S(id.to_owned()))
            .build()
            .context("building an account update")?;
        let writes = vec![
            put_new(&self.table, entry)?,
            TransactWriteItem::builder().update(defaults).build(),
        ];
        if dynamo::transact(&self.client, writes, "saving to an account")
            .await?
            .is_some()
        {
            anyhow::bail!("a new id {id} that is taken");
        }
        let account = self.account(customer).await?;
        Ok(account.default_id(list).as_deref() == Some(id))
    }

    /// Deletes a saved entry; it stops being the default. `false` when there was none.
    pub async fn delete(&self, customer: &str, saved: SavedId) -> anyhow::Result<bool> {
        let (list, id) = match saved {
            SavedId::Address(id) => (List::Addresses, id.to_string()),
            SavedId::PaymentMethod(id) => (List::PaymentMethods, id.to_string()),
        };
        let id = id.as_str();
        let deleted = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key((pk(customer), format!("{}{id}", list.prefix())))))
            .condition_expression("attribute_exists(pk)")
            .send()
            .await;
        match deleted {
            Ok(_) => {}
            Err(error) if is_condition_failure(&error) => return Ok(false),
            Err(error) => return Err(error).context("deleting from an account"),
        }
        let undefault = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key((pk(customer), "DEFAULTS".to_owned()))))
            .update_expression("REMOVE #slot")
            .condition_expression("#slot = :id")
            .expression_attribute_names("#slot", list.slot())
            .expression_attribute_values(":id", AttributeValue::S(id.to_owned()))
            .send()
            .await;
        match undefault {
            Ok(_) => Ok(true),
            Err(error) if is_condition_failure(&error) => Ok(true),
            Err(error) => Err(error).context("updating an account's defaults"),
        }
    }
}
