//! DynamoDB and DynamoDB Streams for the local stack: dynoxide (DynamoDB on SQLite, checked
//! against real DynamoDB by a public conformance suite), embedded. moto's DynamoDB loses
//! conditional updates and transactional writes under concurrency, walks the whole table for
//! every query and never applies TTL (../shared/notes/local-aws.md); dynoxide does none of that.

use anyhow::Context;
use std::path::Path;
use std::time::Duration;

/// Serves DynamoDB and its streams on `port` until SIGINT or SIGTERM, deleting expired items
/// every `ttl_sweep`, and at once on SIGUSR1, as DynamoDB's TTL does (their REMOVE records reach
/// the streams). The data lives in memory, or in the SQLite file `db_path` when given.
pub async fn serve(port: u16, db_path: Option<&Path>, ttl_sweep: Duration) -> anyhow::Result<()> {
    let db = match db_path {
        Some(path) => {
            let db = dynoxide::Database::new(&path.to_string_lossy())
                .with_context(|| format!("opening {}", path.display()))?;
            // A developer's data, not a ledger: no fsync per write (a commit survives this
            // process dying, not the machine), or loading the demo catalog takes minutes.
            db.enable_bulk_loading()
                .context("tuning the database file")?;
            db
        }
        None => dynoxide::Database::memory().context("creating the database")?,
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| format!("binding port {port}"))?;
    let sweeper = db.clone();
    let mut now = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::user_defined1())
        .context("a SIGUSR1 handler")?;
    tokio::spawn(async move {
        let mut every = tokio::time::interval(ttl_sweep);
        loop {
            tokio::select! {
                _ = every.tick() => {}
                _ = now.recv() => {}
            }
            let db = sweeper.clone();
            match tokio::task::spawn_blocking(move || db.sweep_ttl()).await {
                Ok(Ok(0)) => {}
                Ok(Ok(deleted)) => tracing::info!(deleted, "TTL sweep deleted expired items"),
                Ok(Err(error)) => tracing::error!(%error, "TTL sweep failed"),
                Err(error) => tracing::error!(%error, "TTL sweep panicked"),
            }
        }
    });
    println!("dynamodb: serving on http://{}", listener.local_addr()?);
    dynoxide::server::serve_with_shutdown(listener, db, crate::up::stop_signal())
        .await
        .map_err(anyhow::Error::msg)
}
