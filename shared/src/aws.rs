//! AWS SDK configuration, loaded once per process.
//!
//! Endpoints come from the SDK's standard settings (`AWS_ENDPOINT_URL`,
//! `AWS_ENDPOINT_URL_DYNAMODB`, ...), so the same binary talks to AWS, LocalStack or the local
//! emulator without a code path of its own for each.

use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::SharedHttpClient;

/// The root CAs every AWS service endpoint chains to (Amazon Trust Services).
const AMAZON_ROOTS: &str = include_str!("../certs/amazon-trust-services.pem");

pub async fn sdk_config() -> SdkConfig {
    let loader = aws_config::defaults(BehaviorVersion::latest());
    if https_endpoint_override() {
        return loader.load().await;
    }
    match amazon_trust_client() {
        Ok(client) => loader.http_client(client),
        Err(error) => {
            let error = format!("{error:#}");
            tracing::warn!(error, "the system's trust store instead of Amazon's roots");
            loader
        }
    }
    .load()
    .await
}

/// An HTTPS client that trusts Amazon's roots only. The SDK's default reads and parses the
/// system's whole store (a few hundred certificates) in every new process: 3-4 ms of each cold
/// start on this project's bench, for trust AWS's endpoints never use.
fn amazon_trust_client() -> anyhow::Result<SharedHttpClient> {
    let roots = TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(AMAZON_ROOTS.as_bytes());
    let client = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(TlsContext::builder().with_trust_store(roots).build()?)
        .build_https();
    Ok(client)
}

/// An `https://` endpoint override (`AWS_ENDPOINT_URL*`) is an emulator or proxy whose
/// certificate may chain to any root: the system's store decides then.
fn https_endpoint_override() -> bool {
    std::env::vars().any(|(name, value)| {
        name.starts_with("AWS_ENDPOINT_URL") && value.trim().to_lowercase().starts_with("https:")
    })
}

/// The outcome of a request a function makes during init only to open its connection (the TLS
/// handshake and credentials the first invocation would otherwise pay for). A failure is logged,
/// not fatal: the first invocation then connects as it would have anyway.
pub fn connected<T, E>(service: &str, probe: Result<T, E>)
where
    E: std::error::Error + Send + Sync + 'static,
{
    if let Err(error) = probe {
        let error = anyhow::Error::from(error);
        tracing::warn!(
            service,
            error = format!("{error:#}"),
            "no connection opened at init"
        );
    }
}

#[cfg(feature = "dynamodb")]
pub fn dynamodb(config: &SdkConfig) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(config)
}

#[cfg(feature = "s3")]
/// Path-style addressing is needed where buckets are not DNS names (emulators on 127.0.0.1).
pub fn s3(config: &SdkConfig, force_path_style: bool) -> aws_sdk_s3::Client {
    let s3_config = aws_sdk_s3::config::Builder::from(config)
        .force_path_style(force_path_style)
        .build();
    aws_sdk_s3::Client::from_conf(s3_config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls_pki_types::pem::PemObject;

    #[test]
    fn the_amazon_trust_store_holds_the_five_amazon_trust_services_roots() {
        let roots = rustls_pki_types::CertificateDer::pem_slice_iter(AMAZON_ROOTS.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        assert_eq!(roots.len(), 5);
        for root in &roots {
            webpki::anchor_from_trusted_cert(root).unwrap();
        }
        amazon_trust_client().unwrap();
    }
}
