//! The products index, through the engine's REST API (`engine`).
//!
//! Shoppers search the alias `<index>`. Writers write to every index behind `<index>` and
//! `<index>-next`: while a backfill builds a new index it is `-next`, so the stream's changes
//! reach it too, and moving the alias loses none of them.

use super::engine::{Body, Engine};
use super::{Action, Indexing, Prefix, SearchPage, SearchRequest, Suggestions};
#[cfg(feature = "dynamodb")]
use crate::catalog::FamilyScan;
use crate::config::Source;
use anyhow::{Context, bail};
use reqwest::{Method, StatusCode, Url};
use serde_json::{Value, json};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct SearchConfig {
    url: Url,
    /// The alias shoppers search; index names must be lower case.
    alias: String,
}

impl SearchConfig {
    /// `SEARCH_ENDPOINT` is the domain's endpoint (`!GetAtt Domain.DomainEndpoint`, no scheme);
    /// `OPENSEARCH_URL`, when set, is a whole URL that wins over it, as `AWS_ENDPOINT_URL` does
    /// for the SDK: how the local OpenSearch-API server is reached.
    pub fn from_source(source: &impl Source) -> anyhow::Result<Self> {
        let url = match source.get("OPENSEARCH_URL").filter(|url| !url.is_empty()) {
            Some(url) => url,
            None => format!("https://{}", source.required("SEARCH_ENDPOINT")?),
        };
        Ok(Self {
            url: url.parse().context("the search endpoint's URL")?,
            alias: source.required("SEARCH_INDEX")?.to_lowercase(),
        })
    }
}

/// A search the engine refused (a query it cannot run): the shopper's to fix, not a fault.
#[derive(Debug, thiserror::Error)]
#[error("the search engine refused the query: {0}")]
pub struct SearchRefused(pub String);

/// What became of one [`Indexing`] in every index written.
#[derive(Debug, PartialEq)]
pub enum IndexOutcome {
    /// Written, or refused because the index holds this version or a newer one already.
    Done,
    Failed(String),
}

/// What a backfill built.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Backfill {
    pub index: String,
    pub indexed: u64,
    /// Families with nothing on sale, left out.
    pub delisted: u64,
    /// The indices the alias left, now deleted.
    pub replaced: Vec<String>,
}

pub struct SearchIndex {
    engine: Engine,
    alias: String,
}

/// What the indexer and the backfill need: the catalog to read, the index to write.
#[cfg(feature = "dynamodb")]
pub struct CatalogIndex {
    pub catalog: crate::catalog::CatalogStore,
    pub index: SearchIndex,
}

#[cfg(feature = "dynamodb")]
impl CatalogIndex {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            catalog: crate::catalog::CatalogStore::from_source(sdk, source)?,
            index: SearchIndex::from_source(sdk, source)?,
        })
    }

    pub async fn connect(&self) {
        tokio::join!(self.catalog.connect(), self.index.connect());
    }
}

impl SearchIndex {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        let config = SearchConfig::from_source(source)?;
        Ok(Self {
            engine: Engine::new(config.url, sdk)?,
            alias: config.alias,
        })
    }

    /// Opens the connection during init (see `aws::connect`): any answer will do.
    pub async fn connect(&self) {
        let probe = self.engine.send(Method::HEAD, &[], None);
        match tokio::time::timeout(Duration::from_secs(2), probe).await {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => {
                let error = format!("{error:#}");
                tracing::warn!(error, "no search connection opened at init");
            }
            Err(_) => tracing::warn!("no search connection opened at init: no answer in 2 s"),
        }
    }

    pub fn alias(&self) -> &str {
        &self.alias
    }

    fn next_alias(&self) -> String {
        format!("{}-next", self.alias)
    }

    /// One page of results, or the engine's refusal of the query.
    #[tracing::instrument(skip_all, fields(sort = ?request.sort))]
    pub async fn search(
        &self,
        request: &SearchRequest,
    ) -> anyhow::Result<Result<SearchPage, SearchRefused>> {
        let answer = self.query(request.body()).await?;
        match answer {
            Ok(answer) => Ok(Ok(request.page(answer)?)),
            Err(refused) => Ok(Err(refused)),
        }
    }

    #[tracing::instrument(skip_all)]
    pub async fn suggest(
        &self,
        prefix: &Prefix,
    ) -> anyhow::Result<Result<Suggestions, SearchRefused>> {
        let answer = self.query(prefix.body()).await?;
        Ok(answer.map(|answer| prefix.suggestions(&answer)))
    }

    async fn query(&self, body: Value) -> anyhow::Result<Result<Value, SearchRefused>> {
        let (status, answer) = self
            .engine
            .send(
                Method::POST,
                &[&self.alias, "_search"],
                Some(Body::Json(body)),
            )
            .await
            .context("searching")?;
        match status {
            StatusCode::OK => Ok(Ok(answer)),
            StatusCode::BAD_REQUEST => Ok(Err(SearchRefused(reason(&answer)))),
            _ => bail!("search answered {status}: {}", reason(&answer)),
        }
    }

    /// Applies each indexing to every index shoppers search or a backfill is building; the
    /// outcomes are in the same order.
    #[tracing::instrument(skip_all, fields(documents = indexings.len()))]
    pub async fn apply(&self, indexings: &[Indexing]) -> anyhow::Result<Vec<IndexOutcome>> {
        let targets = self.holders(&[&self.alias, &self.next_alias()]).await?;
        if targets.is_empty() {
            bail!("no index behind {}: run the backfill", self.alias);
        }
        self.bulk(&targets, indexings).await
    }

    async fn bulk(
        &self,
        targets: &[String],
        indexings: &[Indexing],
    ) -> anyhow::Result<Vec<IndexOutcome>> {
        if indexings.is_empty() {
            return Ok(Vec::new());
        }
        let mut lines = Vec::new();
        for target in targets {
            for indexing in indexings {
                let meta = json!({"_index": target, "_id": indexing.id.to_string(),
                    "version": indexing.version, "version_type": "external"});
                match &indexing.action {
                    Action::Index(document) => {
                        lines.push(json!({"index": meta}));
                        lines.push(serde_json::to_value(document)?);
                    }
                    Action::Delete => lines.push(json!({"delete": meta})),
                }
            }
        }
        let answer = self
            .ok(
                Method::POST,
                &["_bulk"],
                Some(Body::Lines(lines)),
                "a bulk write",
            )
            .await
            .context("writing to the search index")?;
        let items = answer["items"]
            .as_array()
            .context("a bulk answer without items")?;
        if items.len() != targets.len() * indexings.len() {
            bail!(
                "a bulk answer of {} items for {} writes",
                items.len(),
                targets.len() * indexings.len()
            );
        }
        let mut outcomes: Vec<IndexOutcome> =
            indexings.iter().map(|_| IndexOutcome::Done).collect();
        for (n, item) in items.iter().enumerate() {
            let result = item
                .as_object()
                .and_then(|o| o.values().next())
                .unwrap_or(&Value::Null);
            let status = result["status"].as_u64().unwrap_or(0);
            let deleting = item.get("delete").is_some();
            // 409: this version or a newer one is there; 404: a delete of what is not there.
            let done = (200..300).contains(&status) || status == 409 || (deleting && status == 404);
            if !done {
                outcomes[n % indexings.len()] =
                    IndexOutcome::Failed(format!("{status}: {}", reason(result)));
            }
        }
        Ok(outcomes)
    }

    /// The indices `aliases` point at.
    async fn holders(&self, aliases: &[&str]) -> anyhow::Result<Vec<String>> {
        // A missing alias is a 404 whose body still lists the others.
        let (status, answer) = self
            .engine
            .send(Method::GET, &["_alias", &aliases.join(",")], None)
            .await
            .context("reading the search aliases")?;
        if !(status.is_success() || status == StatusCode::NOT_FOUND) {
            bail!(
                "reading the search aliases answered {status}: {}",
                reason(&answer)
            );
        }
        let mut indices: Vec<String> = answer
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(_, holder)| holder.get("aliases").is_some())
            .map(|(index, _)| index.clone())
            .collect();
        indices.sort();
        Ok(indices)
    }

    /// Builds a new index from every family `scan` walks, then moves the alias to it in one
    /// step (shoppers never see a half-built index) and deletes the indices it replaced.
    #[cfg(feature = "dynamodb")]
    #[tracing::instrument(skip_all, fields(alias = %self.alias))]
    pub async fn backfill(&self, mut scan: FamilyScan<'_>) -> anyhow::Result<Backfill> {
        let index = format!(
            "{}-v{}-{}",
            self.alias,
            super::MAPPING_VERSION,
            ulid::Ulid::new().to_string().to_lowercase()
        );
        let body = Body::Json(super::index_body());
        self.ok(
            Method::PUT,
            &[&index],
            Some(body),
            "creating a search index",
        )
        .await?;
        let next = self.next_alias();
        let mut actions: Vec<Value> = self
            .holders(&[&next])
            .await?
            .into_iter()
            .map(|old| json!({"remove": {"index": old, "alias": next}}))
            .collect();
        actions.push(json!({"add": {"index": index, "alias": next}}));
        self.update_aliases(actions).await?;

        let (mut indexed, mut delisted) = (0, 0);
        let targets = [index.clone()];
        while let Some(families) = scan.next_page().await? {
            let today = crate::catalog::today();
            let indexings: Vec<Indexing> = families
                .iter()
                .map(|family| Indexing::of(family, today))
                .collect();
            for (indexing, outcome) in indexings.iter().zip(self.bulk(&targets, &indexings).await?)
            {
                if let IndexOutcome::Failed(reason) = outcome {
                    bail!("indexing {} failed: {reason}", indexing.id);
                }
                match indexing.action {
                    Action::Index(_) => indexed += 1,
                    Action::Delete => delisted += 1,
                }
            }
        }
        self.ok(
            Method::POST,
            &[&index, "_refresh"],
            None,
            "refreshing the new search index",
        )
        .await?;

        let replaced = self.holders(&[&self.alias]).await?;
        let mut actions: Vec<Value> = replaced
            .iter()
            .map(|old| json!({"remove": {"index": old, "alias": self.alias}}))
            .collect();
        actions.push(json!({"add": {"index": index, "alias": self.alias}}));
        actions.push(json!({"remove": {"index": index, "alias": next}}));
        self.update_aliases(actions).await?;
        if !replaced.is_empty() {
            let names = replaced.join(",");
            self.ok(
                Method::DELETE,
                &[&names],
                None,
                "deleting the replaced search indices",
            )
            .await?;
        }
        tracing::info!(%index, indexed, delisted, ?replaced, "search index built and in use");
        Ok(Backfill {
            index,
            indexed,
            delisted,
            replaced,
        })
    }

    #[cfg(feature = "dynamodb")]
    async fn update_aliases(&self, actions: Vec<Value>) -> anyhow::Result<()> {
        let body = Body::Json(json!({"actions": actions}));
        self.ok(
            Method::POST,
            &["_aliases"],
            Some(body),
            "moving a search alias",
        )
        .await
        .map(drop)
    }

    /// The answer's JSON when the request succeeded; otherwise an error with the engine's
    /// reason.
    async fn ok(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<Body>,
        what: &str,
    ) -> anyhow::Result<Value> {
        let (status, answer) = self
            .engine
            .send(method, segments, body)
            .await
            .with_context(|| what.to_owned())?;
        if !status.is_success() {
            bail!("{what} answered {status}: {}", reason(&answer));
        }
        Ok(answer)
    }
}

/// The engine's own words for a failure.
fn reason(answer: &Value) -> String {
    let error = answer.get("error").unwrap_or(answer);
    error
        .get("reason")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| error.to_string())
}
