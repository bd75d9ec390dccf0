//! S3: buckets.

use super::{Clients, Stack};

pub(super) async fn create_bucket(
    clients: &Clients,
    stack: &mut Stack,
    id: &str,
) -> anyhow::Result<()> {
    let s3 = &clients.s3;
    let name = stack.name(id).to_ascii_lowercase();
    s3.create_bucket().bucket(&name).send().await?;
    let arn = format!("arn:aws:s3:::{name}");
    let domain = format!("{name}.s3.amazonaws.com");
    stack.record(
        id,
        name,
        &[
            ("Arn", arn),
            ("DomainName", domain.clone()),
            ("RegionalDomainName", domain),
        ],
    );
    Ok(())
}
