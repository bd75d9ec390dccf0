//! The search engine's REST API over reqwest, SigV4-signed with the function's AWS credentials
//! (an OpenSearch-API server locally ignores the signature).
//!
//! The `opensearch` crate's transport builds its own reqwest client, which reads and parses the
//! system's trust store in every new process (4 of search-products' 8 ms of init on the bench)
//! and cannot be given another; the few requests the index needs are plain REST.

use anyhow::Context;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{
    PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde_json::Value;
use std::time::{Duration, SystemTime};

/// How long one request to the engine may take.
const TIMEOUT: Duration = Duration::from_secs(10);

pub(super) struct Engine {
    http: reqwest::Client,
    url: Url,
    signer: Option<Signer>,
}

struct Signer {
    credentials: SharedCredentialsProvider,
    region: String,
}

/// What a request sends: one JSON document, or the newline-delimited ones `_bulk` takes.
pub(super) enum Body {
    Json(Value),
    Lines(Vec<Value>),
}

impl Body {
    fn encode(&self) -> anyhow::Result<(&'static str, Vec<u8>)> {
        match self {
            Body::Json(value) => Ok(("application/json", serde_json::to_vec(value)?)),
            Body::Lines(values) => {
                let mut bytes = Vec::new();
                for value in values {
                    serde_json::to_writer(&mut bytes, value)?;
                    bytes.push(b'\n');
                }
                Ok(("application/x-ndjson", bytes))
            }
        }
    }
}

impl Engine {
    /// Requests are signed for the `es` service when the SDK's configuration has credentials
    /// and a region, as a function's always has.
    pub fn new(url: Url, sdk: &aws_config::SdkConfig) -> anyhow::Result<Self> {
        let builder = reqwest::Client::builder().no_proxy().timeout(TIMEOUT);
        let signer = match (sdk.credentials_provider(), sdk.region()) {
            (Some(credentials), Some(region)) => Some(Signer {
                credentials,
                region: region.to_string(),
            }),
            _ => None,
        };
        Ok(Self {
            http: crate::aws::reqwest_client(&url, builder)?,
            url,
            signer,
        })
    }

    /// Sends `method` to the path made of `segments` (each percent-encoded; a list of names
    /// is one segment, comma-separated); the answer's status and JSON (null when it has none).
    pub async fn send(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<Body>,
    ) -> anyhow::Result<(StatusCode, Value)> {
        let mut url = self.url.clone();
        url.path_segments_mut()
            .map_err(|()| anyhow::anyhow!("the search endpoint {} has no path", self.url))?
            .pop_if_empty()
            .extend(segments);
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            let (content_type, bytes) = body.encode()?;
            request = request.header(CONTENT_TYPE, content_type).body(bytes);
        }
        let mut request = request.build()?;
        if let Some(signer) = &self.signer {
            signer.sign(&mut request).await.context("signing")?;
        }
        let response = self.http.execute(request).await?;
        let status = response.status();
        let bytes = response.bytes().await?;
        // A proxy's or a throttle's answer (`429 Too Many Requests`, an HTML 502) is not JSON:
        // its text is kept, so the caller still sees the status and the words.
        let answer = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Ok((status, answer))
    }
}

impl Signer {
    /// SigV4 for the `es` service (an OpenSearch Service domain), with the payload's hash in
    /// `x-amz-content-sha256`, as the `opensearch` crate signed.
    async fn sign(&self, request: &mut reqwest::Request) -> anyhow::Result<()> {
        let identity = Identity::from(self.credentials.provide_credentials().await?);
        let mut settings = SigningSettings::default();
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .name("es")
            .region(&self.region)
            .time(SystemTime::now())
            .settings(settings)
            .build()?
            .into();
        let headers = request
            .headers()
            .iter()
            .map(|(name, value)| Ok((name.as_str(), value.to_str()?)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let body = request
            .body()
            .and_then(reqwest::Body::as_bytes)
            .unwrap_or_default();
        let signable = SignableRequest::new(
            request.method().as_str(),
            request.url().as_str(),
            headers.into_iter(),
            SignableBody::Bytes(body),
        )?;
        let (instructions, _) = sign(signable, &params)?.into_parts();
        let (headers, query) = instructions.into_parts();
        for header in headers {
            let mut value = HeaderValue::from_str(header.value())?;
            value.set_sensitive(header.sensitive());
            request.headers_mut().insert(header.name(), value);
        }
        for (name, value) in query {
            request
                .url_mut()
                .query_pairs_mut()
                .append_pair(name, &value);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_credential_types::Credentials;
    use std::collections::HashMap;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A stand-in engine's socket on loopback, and its URL.
    async fn stand_in() -> (tokio::net::TcpListener, Url) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        (listener, url.parse().unwrap())
    }

    /// The request one connection brings, as the server read it: request line, headers (names
    /// lower case) and body; `response` is the answer.
    async fn receive_one(
        listener: tokio::net::TcpListener,
        response: &str,
    ) -> (String, HashMap<String, String>, Vec<u8>) {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut bytes = Vec::new();
        let mut chunk = [0_u8; 4096];
        let end = loop {
            let read = stream.read(&mut chunk).await.unwrap();
            bytes.extend_from_slice(&chunk[..read]);
            if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
                break at;
            }
        };
        let head = String::from_utf8(bytes[..end].to_vec()).unwrap();
        let mut lines = head.split("\r\n");
        let request_line = lines.next().unwrap().to_owned();
        let headers: HashMap<String, String> = lines
            .map(|line| line.split_once(": ").unwrap())
            .map(|(name, value)| (name.to_lowercase(), value.to_owned()))
            .collect();
        let length: usize = headers["content-length"].parse().unwrap();
        let mut body = bytes[end + 4..].to_vec();
        while body.len() < length {
            let read = stream.read(&mut chunk).await.unwrap();
            body.extend_from_slice(&chunk[..read]);
        }
        stream.write_all(response.as_bytes()).await.unwrap();
        (request_line, headers, body)
    }

    /// What the server received is what was signed, for the `es` service in the function's
    /// region with its session token: signing it again from the received parts gives the same
    /// signature, and the payload hash is the received body's.
    #[tokio::test]
    async fn requests_reach_the_engine_signed_for_es_as_sent() {
        let (listener, url) = stand_in().await;
        let credentials =
            Credentials::new("AKIDEXAMPLE", "secret", Some("token".into()), None, "test");
        let sdk = aws_config::SdkConfig::builder()
            .credentials_provider(SharedCredentialsProvider::new(credentials.clone()))
            .region(aws_config::Region::new("eu-west-1"))
            .build();
        let engine = Engine::new(url.clone(), &sdk).unwrap();
        let lines = vec![
            serde_json::json!({"index": {"_index": "products-v1"}}),
            serde_json::json!({"title": "Kettle ü"}),
        ];
        let (sent, received) = tokio::join!(
            engine.send(
                Method::POST,
                &["products,products-next", "_bulk"],
                Some(Body::Lines(lines))
            ),
            receive_one(
                listener,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 21\r\n\r\n{\"acknowledged\":true}"
            )
        );
        let (status, answer) = sent.unwrap();
        assert_eq!(
            (status, answer),
            (StatusCode::OK, serde_json::json!({"acknowledged": true}))
        );

        let (request_line, headers, body) = received;
        assert_eq!(request_line, "POST /products,products-next/_bulk HTTP/1.1");
        assert_eq!(
            body,
            "{\"index\":{\"_index\":\"products-v1\"}}\n{\"title\":\"Kettle ü\"}\n".as_bytes()
        );
        assert_eq!(headers["content-type"], "application/x-ndjson");
        assert_eq!(headers["x-amz-security-token"], "token");
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &body);
        let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(headers["x-amz-content-sha256"], hex);
        let authorization = &headers["authorization"];
        let date = &headers["x-amz-date"][..8];
        assert!(
            authorization.starts_with(&format!(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/{date}/eu-west-1/es/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature="
            )),
            "{authorization}"
        );

        let time = signing_time(&headers["x-amz-date"]);
        let identity = Identity::from(credentials);
        let mut settings = SigningSettings::default();
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .name("es")
            .region("eu-west-1")
            .time(time)
            .settings(settings)
            .build()
            .unwrap()
            .into();
        let path = request_line.split(' ').nth(1).unwrap();
        let unsigned = ["content-type", "host"].map(|name| (name, headers[name].as_str()));
        let signable = SignableRequest::new(
            "POST",
            format!("http://{}{path}", headers["host"]),
            unsigned.into_iter(),
            SignableBody::Bytes(&body),
        )
        .unwrap();
        let (instructions, signature) = sign(signable, &params).unwrap().into_parts();
        drop(instructions);
        assert!(
            authorization.ends_with(&format!("Signature={signature}")),
            "{authorization}"
        );
    }

    /// `x-amz-date` (`20261203T193000Z`) as a time.
    fn signing_time(stamp: &str) -> SystemTime {
        let (date, time) = (&stamp[..8], &stamp[9..15]);
        let rfc3339 = format!(
            "{}-{}-{}T{}:{}:{}Z",
            &date[..4],
            &date[4..6],
            &date[6..],
            &time[..2],
            &time[2..4],
            &time[4..]
        );
        let parsed = aws_smithy_types::DateTime::from_str(
            &rfc3339,
            aws_smithy_types::date_time::Format::DateTime,
        )
        .unwrap();
        SystemTime::try_from(parsed).unwrap()
    }

    /// A throttle's plain-text answer reaches the caller with its status and words, not as an
    /// error about JSON.
    #[tokio::test]
    async fn an_answer_that_is_not_json_keeps_its_status_and_text() {
        let (listener, url) = stand_in().await;
        let engine = Engine::new(url, &aws_config::SdkConfig::builder().build()).unwrap();
        let throttled = "HTTP/1.1 429 Too Many Requests\r\ncontent-type: text/plain\r\ncontent-length: 32\r\n\r\n429 Too Many Requests /_bulk\r\n\r\n";
        let (sent, _) = tokio::join!(
            engine.send(Method::POST, &["_bulk"], Some(Body::Json(Value::Null))),
            receive_one(listener, throttled)
        );
        let (status, answer) = sent.unwrap();
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            answer,
            Value::String("429 Too Many Requests /_bulk\r\n\r\n".into())
        );
    }
}
