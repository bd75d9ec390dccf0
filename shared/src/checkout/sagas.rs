//! Starting the checkout saga: one execution per order, named by the order's id, so a replayed
//! checkout request finds its execution instead of starting a second.

use super::Saga;
use crate::config::Source;
use crate::orders::Order;

pub struct Sagas {
    sfn: aws_sdk_sfn::Client,
    state_machine: String,
}

impl Sagas {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            sfn: aws_sdk_sfn::Client::new(sdk),
            state_machine: source.required("CHECKOUT_STATE_MACHINE")?,
        })
    }

    /// Starts the saga of a new order. Its input is built from the order alone, so a second
    /// start is the same start: Step Functions answers it with the running execution (the
    /// emulator with `ExecutionAlreadyExists`, taken as the same).
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
