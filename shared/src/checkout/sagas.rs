//! Running the checkout saga. Its shopper-facing part is an Express workflow run with
//! `StartSyncExecution`, whose answer comes back in the same call; wherever it stops it starts
//! the Standard workflow, named by the order's id, which finishes or undoes the order whatever
//! happens. A checkout whose Express run did not get that far starts the Standard one from
//! the beginning: every step is idempotent, so the steps done are found done.

use super::Saga;
use crate::config::Source;
use crate::orders::Order;
use aws_sdk_sfn::types::SyncExecutionStatus;
use std::time::Duration;

pub struct Sagas {
    sfn: aws_sdk_sfn::Client,
    state_machine: String,
    express: String,
}

impl Sagas {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            sfn: aws_sdk_sfn::Client::new(sdk),
            state_machine: source.required("CHECKOUT_STATE_MACHINE")?,
            express: source.required("CHECKOUT_EXPRESS_STATE_MACHINE")?,
        })
    }

    /// Runs the shopper-facing part of a new order's saga for up to `budget`. Past the budget
    /// it goes on without us (it hands over when done); one that failed or timed out before
    /// handing over, or could not start, leaves the order to the Standard saga in full.
    #[tracing::instrument(skip_all, fields(order_id = %order.id))]
    pub async fn run(&self, order: &Order, budget: Duration) -> anyhow::Result<()> {
        let input = serde_json::to_string(&Saga::of(order))?;
        let run = self
            .sfn
            .start_sync_execution()
            .state_machine_arn(&self.express)
            .name(order.id.to_string())
            .input(input)
            .send();
        match tokio::time::timeout(budget, run).await {
            Err(_) => {
                tracing::info!("the express part is still running; it hands over when done");
                Ok(())
            }
            Ok(Ok(ran)) if ran.status == SyncExecutionStatus::Succeeded => Ok(()),
            Ok(Ok(ran)) => {
                // Not its cause, which may quote the execution's input: the shopper's address.
                let error = ran.error.unwrap_or_default();
                tracing::warn!(status = %ran.status, error, "the express part stopped before handing over");
                self.start(order).await
            }
            Ok(Err(error)) => {
                let error = format!("{:#}", anyhow::Error::from(error));
                tracing::warn!(error, "the express part did not run");
                self.start(order).await
            }
        }
    }

    /// Starts the Standard saga of `order` from the beginning, once: Step Functions answers a
    /// second start of the same name with the running execution, or `ExecutionAlreadyExists`
    /// when its input differs (the express part handed over), and either way it runs.
    #[tracing::instrument(skip_all, fields(order_id = %order.id))]
    pub async fn start(&self, order: &Order) -> anyhow::Result<()> {
        let input = serde_json::to_string(&Saga::of(order))?;
        let started = self
            .sfn
            .start_execution()
            .state_machine_arn(&self.state_machine)
            .name(order.id.to_string())
            .input(input)
            .send()
            .await;
        match started {
            Ok(_) => Ok(()),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_execution_already_exists()) =>
            {
                Ok(())
            }
            Err(error) => Err(anyhow::Error::from(error).context("starting the checkout saga")),
        }
    }
}
