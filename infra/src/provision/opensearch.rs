//! OpenSearch: a domain is the stack's OpenSearch-API server (`OPENSEARCH_URL`). Nothing is
//! created for it: each stack's indices are named after the stack (the template's
//! `SEARCH_INDEX`), and the backfill creates them.

use super::{ACCOUNT, Stack};
use anyhow::Context;

pub(super) fn record_domain(stack: &mut Stack, id: &str) -> anyhow::Result<()> {
    let url = std::env::var("OPENSEARCH_URL")
        .context("OPENSEARCH_URL is not set: run under infra/stack.py, which starts the server")?;
    let endpoint = url
        .split_once("://")
        .map_or(url.as_str(), |(_, rest)| rest)
        .trim_end_matches('/')
        .to_owned();
    // Domain names are lower case, 3 to 28 characters.
    let name: String = stack.name(id).to_lowercase().chars().take(28).collect();
    let arn = format!("arn:aws:es:{}:{ACCOUNT}:domain/{name}", stack.region);
    stack.record(
        id,
        name.clone(),
        &[
            ("Arn", arn.clone()),
            ("DomainArn", arn),
            ("DomainEndpoint", endpoint),
        ],
    );
    Ok(())
}
