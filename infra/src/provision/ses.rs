//! SES: the identities email is sent from. The emulator, like SES in its sandbox, refuses to
//! send from an address it was not told about.

use super::{Clients, Stack, text};
use serde_json::Value;

pub(super) async fn create_email_identity(
    clients: &Clients,
    stack: &mut Stack,
    id: &str,
    properties: &Value,
) -> anyhow::Result<()> {
    let properties = stack.resolve(properties)?;
    let identity = text(&properties, "EmailIdentity")?;
    let created = clients
        .ses
        .create_email_identity()
        .email_identity(identity)
        .send()
        .await;
    // Stacks side by side share one sender address: the second finds it verified already.
    if let Err(error) = created {
        let exists = error
            .as_service_error()
            .is_some_and(|e| e.is_already_exists_exception());
        if !exists {
            return Err(anyhow::Error::from(error));
        }
    }
    stack.record(id, identity.to_owned(), &[]);
    Ok(())
}
