//! AWS SDK configuration, loaded once per process.
//!
//! Endpoints come from the SDK's standard settings (`AWS_ENDPOINT_URL`,
//! `AWS_ENDPOINT_URL_DYNAMODB`, ...), so the same binary talks to AWS, LocalStack or the local
//! emulator without a code path of its own for each.

use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_runtime_api::client::result::SdkError;

/// The root CAs every AWS service endpoint chains to (Amazon Trust Services).
pub(crate) const AMAZON_ROOTS: &str = include_str!("../certs/amazon-trust-services.pem");

pub async fn sdk_config() -> SdkConfig {
    let loader = aws_config::defaults(BehaviorVersion::latest());
    if !amazon_roots_suffice(std::env::vars()) {
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

/// Whether every endpoint this process reaches chains to Amazon's roots: not when a setting
/// brings another party in (an `https://` endpoint override, a proxy, a CA of its own through
/// `SSL_CERT_*`) nor in partitions with CAs of their own (China, ISO, the European Sovereign
/// Cloud). The SDK's default client then decides, with the system's store and its proxy settings.
fn amazon_roots_suffice(mut settings: impl Iterator<Item = (String, String)>) -> bool {
    let own_ca_region = ["cn-", "us-iso", "eusc-"];
    !settings.any(|(name, value)| match name.to_uppercase().as_str() {
        "HTTPS_PROXY" | "HTTP_PROXY" | "ALL_PROXY" | "SSL_CERT_FILE" | "SSL_CERT_DIR" => true,
        "AWS_REGION" | "AWS_DEFAULT_REGION" => own_ca_region.iter().any(|p| value.starts_with(p)),
        name if name.starts_with("AWS_ENDPOINT_URL") => {
            value.trim().to_lowercase().starts_with("https:")
        }
        _ => false,
    })
}

/// An HTTPS client that trusts Amazon's roots only. The SDK's default reads and parses the
/// system's whole store (a few hundred certificates) in every new process: 3-4 ms of each cold
/// start on this project's bench (Debian's store; Amazon Linux's is smaller).
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

/// A reqwest client for requests to `url`, trusting Amazon's roots alone unless `url` is HTTPS
/// to a host outside AWS or a setting brings another party in (as for the SDK's client above).
/// reqwest's default reads and parses the system's whole store as the client is built.
#[cfg(any(feature = "jwt", feature = "opensearch"))]
pub(crate) fn reqwest_client(
    url: &reqwest::Url,
    builder: reqwest::ClientBuilder,
) -> anyhow::Result<reqwest::Client> {
    use anyhow::Context;
    let outside_aws = url.scheme() == "https"
        && !url
            .host_str()
            .is_some_and(|host| host.ends_with(".amazonaws.com"));
    let builder = if outside_aws || !amazon_roots_suffice(std::env::vars()) {
        builder
    } else {
        let roots = reqwest::Certificate::from_pem_bundle(AMAZON_ROOTS.as_bytes())
            .context("reading Amazon's roots")?;
        builder.tls_certs_only(roots)
    };
    builder.build().context("building an HTTPS client")
}

/// Runs a request a function makes during init only to open its connection: the TLS handshake
/// and credentials the first invocation would otherwise pay for. Any answer, even a refusal,
/// means the connection is open. It gets 2 s of Lambda's 10 s init; a service out of reach is
/// logged, not fatal: the first invocation then connects as it would have anyway.
pub async fn connect<T, E, R>(service: &str, probe: impl Future<Output = Result<T, SdkError<E, R>>>)
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match tokio::time::timeout(CONNECT_BUDGET, probe).await {
        Ok(Ok(_) | Err(SdkError::ServiceError(_))) => {}
        Ok(Err(error)) => {
            let error = format!("{:#}", anyhow::Error::from(error));
            tracing::warn!(service, error, "no connection opened at init");
        }
        Err(_) => tracing::warn!(service, "no connection opened at init: no answer in 2 s"),
    }
}

const CONNECT_BUDGET: std::time::Duration = std::time::Duration::from_secs(2);

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
        #[cfg(any(feature = "jwt", feature = "opensearch"))]
        reqwest_client(
            &"https://search-shop.eu-west-1.es.amazonaws.com"
                .parse()
                .unwrap(),
            reqwest::Client::builder(),
        )
        .unwrap();
    }

    #[test]
    fn amazon_roots_serve_aws_and_plain_http_emulators_only() {
        let suffice = |settings: &[(&str, &str)]| {
            amazon_roots_suffice(settings.iter().map(|(k, v)| (k.to_string(), v.to_string())))
        };
        assert!(suffice(&[("AWS_REGION", "eu-west-1"), ("PATH", "/bin")]));
        assert!(suffice(&[("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")]));
        for other in [
            (
                "AWS_ENDPOINT_URL_DYNAMODB",
                "https://localhost.localstack.cloud:4566",
            ),
            ("https_proxy", "http://proxy:3128"),
            ("SSL_CERT_FILE", "/etc/inspection-ca.pem"),
            ("AWS_REGION", "cn-north-1"),
            ("AWS_DEFAULT_REGION", "us-isob-east-1"),
        ] {
            assert!(!suffice(&[other]), "{other:?}");
        }
    }
}
