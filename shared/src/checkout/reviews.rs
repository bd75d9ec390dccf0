//! An admin's verdict on an order fraud screening held, sent to the saga waiting on it
//! (`AwaitReview`, a `.waitForTaskToken` task): release resumes it, reject fails the task as
//! `Rejected.ReviewRejected`, which its compensations catch like any refusal. The order moves
//! first (once, conditionally), then the saga is told; a replayed verdict tells it again, and a
//! token already answered is taken as told.

use crate::config::Source;
use crate::orders::{Failure, HeldOrder, OrderId, OrderStatus, OrdersStore, Transition};
use aws_sdk_sfn::error::{ProvideErrorMetadata, SdkError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Release,
    Reject,
}

/// What a verdict found.
#[derive(Debug)]
pub enum Decided {
    /// Applied (now or before): the order as it is now.
    Done(Box<HeldOrder>),
    /// The order is not held, and was not by this verdict: it is in this status.
    NotHeld(OrderStatus),
    NotFound,
}

pub struct Reviews {
    orders: OrdersStore,
    sfn: aws_sdk_sfn::Client,
}

impl Reviews {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            orders: OrdersStore::from_source(sdk, source)?,
            sfn: aws_sdk_sfn::Client::new(sdk),
        })
    }

    pub async fn connect(&self) {
        self.orders.connect().await;
    }

    pub fn orders(&self) -> &OrdersStore {
        &self.orders
    }

    #[tracing::instrument(skip(self))]
    pub async fn decide(&self, id: OrderId, verdict: Verdict) -> anyhow::Result<Decided> {
        let Some(held) = self.orders.held(id).await? else {
            return Ok(Decided::NotFound);
        };
        let order = &held.order;
        // A verdict sent again: the order went on from it.
        let replay = !held.task_token.is_empty()
            && match verdict {
                Verdict::Release => order.status.has_reached(OrderStatus::Processing),
                Verdict::Reject => order.failure == Some(Failure::ReviewRejected),
            };
        if order.status != OrderStatus::Held && !replay {
            return Ok(Decided::NotHeld(order.status));
        }
        if order.status == OrderStatus::Held {
            let moved = match verdict {
                Verdict::Release => self.orders.release(id).await?,
                Verdict::Reject => self.orders.fail(id, &Failure::ReviewRejected).await?,
            };
            match moved {
                Transition::Moved | Transition::Already => {}
                // Another verdict came first.
                Transition::Refused(status) => return Ok(Decided::NotHeld(status)),
                Transition::NotFound => return Ok(Decided::NotFound),
            }
        }
        match verdict {
            Verdict::Release => answered(
                self.sfn
                    .send_task_success()
                    .task_token(&held.task_token)
                    .output("{}")
                    .send()
                    .await
                    .map(drop),
            )?,
            Verdict::Reject => {
                let failure = Failure::ReviewRejected;
                let told = self
                    .sfn
                    .send_task_failure()
                    .task_token(&held.task_token)
                    .error(format!("Rejected.{}", failure.name()))
                    .cause(serde_json::to_string(&failure)?)
                    .send()
                    .await;
                answered(told.map(drop))?;
            }
        }
        tracing::info!(?verdict, "review decided");
        let now = self
            .orders
            .held(id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("order {id} is gone"))?;
        Ok(Decided::Done(Box::new(now)))
    }
}

/// Whether the saga was told; a token no task waits on any more was answered before.
fn answered<E, R>(told: Result<(), SdkError<E, R>>) -> anyhow::Result<()>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match told {
        Ok(()) => Ok(()),
        Err(error)
            if matches!(
                error.code(),
                Some("TaskTimedOut" | "TaskDoesNotExist" | "InvalidToken")
            ) =>
        {
            tracing::info!("the saga had its answer already");
            Ok(())
        }
        Err(error) => {
            Err(anyhow::Error::from(error).context("telling the saga an admin's verdict"))
        }
    }
}
