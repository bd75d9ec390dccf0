//! Names as AWS's DNS has them. Step Functions answers `StartSyncExecution` on a `sync-` host
//! of its endpoint (`sync-states.us-east-1.amazonaws.com`), and every SDK puts that prefix on a
//! custom endpoint too: `http://127.0.0.1:4566` becomes `sync-127.0.0.1`, which no resolver
//! knows. Here such a name resolves as the endpoint's own, where the emulator serves it, the way
//! a hosts-file entry would; the functions keep calling the API as they do on AWS.

use aws_config::SdkConfig;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::dns::{DnsFuture, ResolveDns, ResolveDnsError};
use std::net::IpAddr;

/// The functions' SDK settings: `sdk` with an HTTP client that resolves `sync-` names.
pub fn with_sync_hosts(sdk: &SdkConfig) -> SdkConfig {
    let client = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
        .build_with_resolver(SyncHosts);
    sdk.to_builder().http_client(client).build()
}

#[derive(Debug, Clone)]
struct SyncHosts;

impl ResolveDns for SyncHosts {
    fn resolve_dns<'a>(&'a self, name: &'a str) -> DnsFuture<'a> {
        let host = name.strip_prefix("sync-").unwrap_or(name).to_owned();
        DnsFuture::new(async move {
            if let Ok(ip) = host.parse::<IpAddr>() {
                return Ok(vec![ip]);
            }
            let found = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(ResolveDnsError::new)?;
            Ok(found.map(|address| address.ip()).collect())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_sync_name_resolves_as_its_endpoint() {
        let ips = |name: &'static str| async move { SyncHosts.resolve_dns(name).await.unwrap() };
        let loopback: IpAddr = "127.0.0.1".parse().unwrap();
        assert_eq!(ips("sync-127.0.0.1").await, vec![loopback]);
        assert_eq!(ips("127.0.0.1").await, vec![loopback]);
        let localhost = ips("sync-localhost").await;
        assert!(!localhost.is_empty() && localhost.iter().all(IpAddr::is_loopback));
    }
}
