//! Queue and stream consumers. Each record is handled on its own and a failure is reported for
//! that record alone (`ReportBatchItemFailures`), so only it is retried and, past the retry
//! limit, lands in the dead-letter destination. Every failure is logged with its cause chain.

use aws_lambda_events::event::dynamodb::{Event as StreamEvent, EventRecord};
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::future::Future;
use tracing::Instrument;

/// Runs an event handler in the Lambda runtime with dependencies built once per process.
pub async fn serve<'a, D, E, R, F, Fut>(
    deps: &'a D,
    handler: F,
) -> Result<(), lambda_runtime::Error>
where
    D: Sync,
    E: DeserializeOwned + Send + 'static,
    R: Serialize + Send + 'static,
    F: Fn(&'a D, E) -> Fut,
    Fut: Future<Output = R> + Send + 'a,
{
    lambda_runtime::run(service_fn(|event: LambdaEvent<E>| {
        let outcome = handler(deps, event.payload);
        async move { Ok::<R, lambda_runtime::Error>(outcome.await) }
    }))
    .await
}

/// Runs a handler whose error fails the invocation, reported under the error's name: a Step
/// Functions task's `StepError` (what `Retry` and `Catch` match on), or an authorizer's
/// failure, which API Gateway answers with 500.
pub async fn serve_fallible<'a, D, E, R, X, F, Fut>(
    deps: &'a D,
    handler: F,
) -> Result<(), lambda_runtime::Error>
where
    D: Sync,
    E: DeserializeOwned + Send + 'static,
    R: Serialize + Send + 'static,
    X: Into<Diagnostic>,
    F: Fn(&'a D, E) -> Fut,
    Fut: Future<Output = Result<R, X>> + Send + 'a,
{
    lambda_runtime::run(service_fn(|event: LambdaEvent<E>| {
        let outcome = handler(deps, event.payload);
        async move {
            outcome.await.map_err(|error| {
                let diagnostic: Diagnostic = error.into();
                tracing::warn!(error_type = %diagnostic.error_type, error = %diagnostic.error_message, "invocation failed");
                diagnostic
            })
        }
    }))
    .await
}

/// An unexpected failure as Lambda reports it: `Unhandled`, with its cause chain.
pub fn unhandled(error: anyhow::Error) -> Diagnostic {
    Diagnostic {
        error_type: "Unhandled".to_owned(),
        error_message: format!("{error:#}"),
    }
}

/// How a Step Functions task fails. Its name becomes Lambda's `errorType`, which the state
/// machine's `Retry` and `Catch` match on: `Retryable` for what may pass on another try (a
/// throttle, a timeout), `Rejected.<Reason>` for a business refusal the saga compensates
/// (`Rejected.OutOfStock`). A task's handler returns `Result<_, StepError>` to
/// `lambda_runtime::run`, which reports the error under that name (through `Diagnostic`).
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// Any unexpected failure (a throttle, a timeout, a bug) is tried again, then compensated.
    #[error("retryable: {0:#}")]
    Retryable(#[from] anyhow::Error),
    /// `detail` is the Lambda error's message: the saga reads the shopper's reason from it.
    #[error("{detail}")]
    Rejected {
        reason: &'static str,
        detail: String,
    },
}

impl StepError {
    pub fn error_type(&self) -> String {
        match self {
            Self::Retryable(_) => "Retryable".to_owned(),
            Self::Rejected { reason, .. } => format!("Rejected.{reason}"),
        }
    }
}

impl From<StepError> for Diagnostic {
    fn from(error: StepError) -> Self {
        Self {
            error_type: error.error_type(),
            error_message: error.to_string(),
        }
    }
}

/// Handles every message of an SQS batch; the failed ones go back to the queue.
pub async fn sqs_batch<F, Fut>(event: SqsEvent, process: F) -> SqsBatchResponse
where
    F: Fn(SqsMessage) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let mut response = SqsBatchResponse::default();
    for message in event.records {
        let id = message.message_id.clone().unwrap_or_default();
        let outcome = process(message)
            .instrument(tracing::info_span!("message", message_id = %id))
            .await;
        if let Err(error) = outcome {
            tracing::error!(message_id = %id, error = format!("{error:#}"), "message failed; it returns to the queue");
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
        }
    }
    response
}

/// Handles a stream batch in order, stopping at the first failure: Lambda retries from that
/// record, so the records after it are not lost and order per item is kept.
pub async fn stream_batch<F, Fut>(event: StreamEvent, process: F) -> DynamoDbEventResponse
where
    F: Fn(EventRecord) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let mut response = DynamoDbEventResponse::default();
    for record in event.records {
        let sequence = record.change.sequence_number.clone();
        let id = record.event_id.clone();
        let outcome = process(record)
            .instrument(tracing::info_span!("record", event_id = %id))
            .await;
        if let Err(error) = outcome {
            tracing::error!(event_id = %id, error = format!("{error:#}"), "stream record failed; the batch resumes here");
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = sequence;
            response.batch_item_failures.push(failure);
            break;
        }
    }
    response
}

/// Handles a stream batch a key at a time, for consumers that act on the whole batch at once
/// (one bulk write): `key_of` names what a record is about (`None`: nothing to do), `apply`
/// acts once on each distinct key and answers the keys that failed. The batch resumes at the
/// first record whose key failed or could not be read; the records after it come again, which
/// is harmless when `apply` is idempotent.
pub async fn stream_batch_keyed<K, Fut>(
    event: StreamEvent,
    key_of: impl Fn(&EventRecord) -> anyhow::Result<Option<K>>,
    apply: impl FnOnce(Vec<K>) -> Fut,
) -> DynamoDbEventResponse
where
    K: Eq + std::hash::Hash + Clone,
    Fut: Future<Output = std::collections::HashSet<K>>,
{
    let mut keyed: Vec<(&EventRecord, Option<K>)> = Vec::new();
    let mut unreadable = None;
    for record in &event.records {
        match key_of(record) {
            Ok(key) => keyed.push((record, key)),
            Err(error) => {
                tracing::error!(event_id = %record.event_id, error = format!("{error:#}"), "unreadable stream record; the batch resumes here");
                unreadable = Some(record);
                break;
            }
        }
    }
    let mut distinct = Vec::new();
    for key in keyed.iter().filter_map(|(_, key)| key.clone()) {
        if !distinct.contains(&key) {
            distinct.push(key);
        }
    }
    let failed = apply(distinct).await;
    let first_failed = keyed
        .iter()
        .find(|(_, key)| key.as_ref().is_some_and(|key| failed.contains(key)))
        .map(|(record, _)| *record)
        .or(unreadable);
    let mut response = DynamoDbEventResponse::default();
    if let Some(record) = first_failed {
        let mut failure = DynamoDbBatchItemFailure::default();
        failure.item_identifier = record.change.sequence_number.clone();
        response.batch_item_failures.push(failure);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sqs_event(bodies: &[&str]) -> SqsEvent {
        let records: Vec<_> = bodies
            .iter()
            .enumerate()
            .map(|(i, body)| json!({"messageId": format!("m{i}"), "body": body, "attributes": {}, "messageAttributes": {}}))
            .collect();
        serde_json::from_value(json!({"Records": records})).unwrap()
    }

    #[test]
    fn step_errors_are_named_for_retry_and_catch() {
        let retryable = StepError::Retryable(anyhow::anyhow!("throttled"));
        let rejected = StepError::Rejected {
            reason: "OutOfStock",
            detail: "SKU-1 has 0 of 2".into(),
        };
        let diagnostic = lambda_runtime::Diagnostic::from(rejected);
        assert_eq!(diagnostic.error_type, "Rejected.OutOfStock");
        assert!(diagnostic.error_message.contains("SKU-1 has 0 of 2"));
        assert_eq!(
            lambda_runtime::Diagnostic::from(retryable).error_type,
            "Retryable"
        );
    }

    #[tokio::test]
    async fn only_failed_messages_are_reported() {
        let event = sqs_event(&["ok", "bad", "ok", "bad"]);
        let response = sqs_batch(event, |m| async move {
            anyhow::ensure!(m.body.as_deref() == Some("ok"), "poison");
            Ok(())
        })
        .await;
        let failed: Vec<_> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        assert_eq!(failed, ["m1", "m3"]);
    }

    #[tokio::test]
    async fn a_stream_batch_stops_at_its_first_failure() {
        let records: Vec<_> = (1..=4)
            .map(|n| json!({"eventID": format!("e{n}"), "eventName": "INSERT", "awsRegion": "us-east-1",
                "eventSource": "aws:dynamodb", "eventVersion": "1.1",
                "dynamodb": {"SequenceNumber": format!("{n}00"), "Keys": {}, "SizeBytes": 1, "StreamViewType": "NEW_IMAGE",
                             "ApproximateCreationDateTime": 1_700_000_000.0}}))
            .collect();
        let event: StreamEvent = serde_json::from_value(json!({"Records": records})).unwrap();
        let seen = std::sync::Mutex::new(Vec::new());
        let response = stream_batch(event, |record| {
            seen.lock().unwrap().push(record.event_id.clone());
            async move {
                anyhow::ensure!(record.event_id != "e2", "poison");
                Ok(())
            }
        })
        .await;
        assert_eq!(*seen.lock().unwrap(), ["e1", "e2"]);
        assert_eq!(
            response.batch_item_failures[0].item_identifier.as_deref(),
            Some("200")
        );
    }

    #[tokio::test]
    async fn a_keyed_batch_acts_once_per_key_and_resumes_at_the_first_record_of_a_failed_key() {
        let records: Vec<_> = ["a", "b", "a", "c", "b"]
            .iter()
            .enumerate()
            .map(|(i, key)| json!({"eventID": format!("e{i}"), "eventName": "MODIFY", "eventSource": "aws:dynamodb",
                "awsRegion": "us-east-1", "eventVersion": "1.1",
                "dynamodb": {"SequenceNumber": format!("{i}"), "Keys": {"pk": {"S": key}}, "StreamViewType": "KEYS_ONLY", "SizeBytes": 10}}))
            .collect();
        let event: StreamEvent = serde_json::from_value(json!({"Records": records})).unwrap();
        let key_of = |record: &EventRecord| -> anyhow::Result<Option<String>> {
            match record.change.keys.get("pk") {
                Some(serde_dynamo::AttributeValue::S(key)) => Ok(Some(key.clone())),
                _ => anyhow::bail!("no key"),
            }
        };
        let seen = std::sync::Mutex::new(Vec::new());
        let response = stream_batch_keyed(event.clone(), key_of, |keys| {
            seen.lock().unwrap().extend(keys.clone());
            async move { keys.into_iter().filter(|k| k == "b").collect() }
        })
        .await;
        assert_eq!(*seen.lock().unwrap(), ["a", "b", "c"]);
        let failed: Vec<_> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.clone())
            .collect();
        assert_eq!(failed, [Some("1".to_owned())]);
        let response = stream_batch_keyed(event, key_of, |_| async { Default::default() }).await;
        assert!(response.batch_item_failures.is_empty());
    }
}
