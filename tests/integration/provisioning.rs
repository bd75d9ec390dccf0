use crate::helpers::{repo_root, sdk_config, topic_arn, unique_prefix};
use aws_sdk_sfn::types::{StateMachineType, SyncExecutionStatus};
use rainforest_local::{Template, provision};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

#[tokio::test]
async fn every_resource_kind_is_created_as_declared_and_wired_together() {
    let sdk = sdk_config().await;
    let template = Template::load(&repo_root().join("tests/fixtures/stack.yaml")).unwrap();
    let prefix = unique_prefix();
    let stack = provision(&sdk, &template, &prefix).await.unwrap();

    // The function's environment resolves !Ref, !GetAtt and !Sub to the created resources.
    let env = stack
        .function_environment(&template, "SomeFunction")
        .unwrap();
    let table = format!("{prefix}-Things");
    assert_eq!(env["TABLE"], table);
    assert_eq!(env["COMBINED"], format!("{table}|{prefix}-Work|us-east-1"));
    assert_eq!(env["LITERAL"], "42");
    assert!(
        env["STREAM"].starts_with("arn:aws:dynamodb:"),
        "{}",
        env["STREAM"]
    );

    // The table: keys, index, stream and TTL.
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk);
    let described = dynamodb
        .describe_table()
        .table_name(&table)
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    assert_eq!(
        described.global_secondary_indexes()[0].index_name(),
        Some("ByKind")
    );
    let stream = described.stream_specification().unwrap();
    assert!(stream.stream_enabled());
    assert_eq!(
        stream.stream_view_type().map(|v| v.as_str()),
        Some("NEW_IMAGE")
    );
    let ttl = dynamodb
        .describe_time_to_live()
        .table_name(&table)
        .send()
        .await
        .unwrap();
    assert_eq!(
        ttl.time_to_live_description().unwrap().attribute_name(),
        Some("expires_at")
    );

    // The queue redrives to its DLQ after maxReceiveCount receives.
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let work = &env["QUEUE_URL"];
    sqs.send_message()
        .queue_url(work)
        .message_body("poison")
        .send()
        .await
        .unwrap();
    let receive = |url: String| {
        let sqs = sqs.clone();
        async move {
            sqs.receive_message()
                .queue_url(url)
                .visibility_timeout(0)
                .send()
                .await
                .unwrap()
                .messages
                .unwrap_or_default()
        }
    };
    assert_eq!(receive(work.clone()).await.len(), 1);
    assert!(
        receive(work.clone()).await.is_empty(),
        "received once, then moved to the DLQ"
    );
    let dlq = sqs
        .get_queue_url()
        .queue_name(format!("{prefix}-WorkDLQ"))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    assert_eq!(receive(dlq).await[0].body(), Some("poison"));

    // FIFO queues keep their suffix and attributes.
    let orders = sqs
        .get_queue_url()
        .queue_name(format!("{prefix}-Orders.fifo"))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(&orders)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
        .send()
        .await
        .unwrap();
    let attributes = attributes.attributes.unwrap();
    assert_eq!(
        attributes[&aws_sdk_sqs::types::QueueAttributeName::ContentBasedDeduplication],
        "true"
    );

    // The topic delivers raw messages that pass the filter policy, and only those.
    let sns = aws_sdk_sns::Client::new(&sdk);
    let topic = topic_arn(&sns, &format!("{prefix}-Events")).await;
    let publish = |kind: &'static str, body: &'static str| {
        sns.publish()
            .topic_arn(&topic)
            .message(body)
            .message_attributes(
                "type",
                aws_sdk_sns::types::MessageAttributeValue::builder()
                    .data_type("String")
                    .string_value(kind)
                    .build()
                    .unwrap(),
            )
            .send()
    };
    publish("stock", "{\"sku\":\"A\",\"units\":3}")
        .await
        .unwrap();
    publish("price", "{\"sku\":\"A\",\"amount\":999}")
        .await
        .unwrap();
    let prices = sqs
        .get_queue_url()
        .queue_name(format!("{prefix}-Prices"))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let delivered = sqs
        .receive_message()
        .queue_url(&prices)
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap()
        .messages
        .unwrap_or_default();
    let bodies: Vec<_> = delivered.iter().filter_map(|m| m.body()).collect();
    assert_eq!(bodies, ["{\"sku\":\"A\",\"amount\":999}"]);

    // The bucket exists under its lower-cased name.
    let s3 = shared::aws::s3(&sdk, true);
    s3.head_bucket()
        .bucket(format!("{prefix}-files"))
        .send()
        .await
        .unwrap();

    // The state machine runs with its substitutions filled in.
    let sfn = aws_sdk_sfn::Client::new(&sdk);
    let machine = stack.reference("Writer").unwrap();
    let described = sfn.describe_state_machine().state_machine_arn(&machine);
    assert_eq!(
        described.send().await.unwrap().name,
        format!("{prefix}-Writer")
    );
    let execution = sfn
        .start_execution()
        .state_machine_arn(&machine)
        .name("write-1")
        .input("{\"id\":\"item-1\"}")
        .send()
        .await
        .unwrap()
        .execution_arn;
    let started = Instant::now();
    let status = loop {
        let described = sfn
            .describe_execution()
            .execution_arn(&execution)
            .send()
            .await
            .unwrap();
        if described.status.as_str() != "RUNNING" || started.elapsed() > Duration::from_secs(90) {
            break described.status;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(status.as_str(), "SUCCEEDED");
    let item = dynamodb
        .get_item()
        .table_name(&table)
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S("item-1".into()),
        )
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(item["greeting"].as_s().unwrap(), "hello");
}

/// `StartSyncExecution`, which the local system supplies where the SDK sends it (the endpoint's
/// `sync-` host), answers as AWS does: an Express execution runs to its end within the call,
/// its failure is its status, and a Standard machine is refused.
#[tokio::test]
async fn start_sync_execution_runs_an_express_workflow_within_the_call() {
    let sdk = rainforest_local::local_dns::with_sync_hosts(&sdk_config().await);
    let sfn = aws_sdk_sfn::Client::new(&sdk);
    let prefix = unique_prefix();
    let create = |name: &str, kind: StateMachineType, definition: Value| {
        sfn.create_state_machine()
            .name(format!("{prefix}-{name}"))
            .r#type(kind)
            .role_arn("arn:aws:iam::123456789012:role/sync-test")
            .definition(definition.to_string())
            .send()
    };
    let express = json!({"StartAt": "Check", "States": {
        "Check": {"Type": "Choice", "Choices": [
            {"Variable": "$.refuse", "IsPresent": true, "Next": "Refuse"}], "Default": "Done"},
        "Refuse": {"Type": "Fail", "Error": "Refused", "Cause": "as asked"},
        "Done": {"Type": "Pass", "Result": {"done": true}, "ResultPath": "$.result", "End": true}}});
    let express = create("Express", StateMachineType::Express, express);
    let express = express.await.unwrap().state_machine_arn;
    let standard = json!({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": true}}});
    let standard = create("Standard", StateMachineType::Standard, standard);
    let standard = standard.await.unwrap().state_machine_arn;
    let run = |input: Value| {
        sfn.start_sync_execution()
            .state_machine_arn(&express)
            .name("order-1")
            .input(input.to_string())
            .send()
    };

    let done = run(json!({"n": 1})).await.unwrap();
    assert_eq!(done.status, SyncExecutionStatus::Succeeded);
    let output: Value = serde_json::from_str(done.output().unwrap()).unwrap();
    assert_eq!(output, json!({"n": 1, "result": {"done": true}}));
    let refused = run(json!({"refuse": true})).await.unwrap();
    assert_eq!(
        (&refused.status, refused.error(), refused.cause()),
        (
            &SyncExecutionStatus::Failed,
            Some("Refused"),
            Some("as asked")
        )
    );
    let again = run(json!({"n": 2})).await.unwrap();
    assert_eq!(
        again.status,
        SyncExecutionStatus::Succeeded,
        "a name is no key"
    );
    let not_express = sfn
        .start_sync_execution()
        .state_machine_arn(&standard)
        .send()
        .await
        .unwrap_err();
    let code = not_express
        .into_service_error()
        .meta()
        .code()
        .map(str::to_owned);
    assert_eq!(code.as_deref(), Some("StateMachineTypeNotSupported"));
}
