//! KMS: keys, as the emulator's KMS holds them (`!Ref` is the key id, as on AWS).

use super::{Clients, Stack};
use anyhow::Context;

pub(super) async fn create_key(
    clients: &Clients,
    stack: &mut Stack,
    id: &str,
) -> anyhow::Result<()> {
    let created = clients
        .kms
        .create_key()
        .description(stack.name(id))
        .send()
        .await?;
    let key = created.key_metadata().context("no key metadata")?;
    let arn = key.arn().context("no key ARN")?.to_owned();
    let key_id = key.key_id().to_owned();
    stack.record(id, key_id.clone(), &[("Arn", arn), ("KeyId", key_id)]);
    Ok(())
}
