//! Envelope encryption of personal data: each record gets its own data key from KMS
//! (`GenerateDataKey`, AES-256, bound to its owner by the encryption context); each field is
//! sealed with it (AES-256-GCM, the field's name as associated data, so fields cannot be
//! swapped); only the KMS-encrypted data key is stored beside them. Reading a field back takes
//! KMS's `Decrypt`: without the key, the table holds nothing readable.

use anyhow::{Context, bail};
use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::DataKeySpec;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Sealed fields and the encrypted key that opens them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    /// The data key, encrypted under the KMS key (base64).
    key: String,
    /// Each field's nonce and ciphertext (base64).
    fields: BTreeMap<String, String>,
}

pub struct Sealer {
    kms: aws_sdk_kms::Client,
    key_id: String,
}

/// What binds a data key to its owner: KMS refuses to decrypt it for anyone else's record.
const OWNER: &str = "customer_id";

impl Sealer {
    pub fn new(kms: aws_sdk_kms::Client, key_id: String) -> Self {
        Self { kms, key_id }
    }

    pub async fn seal(&self, owner: &str, fields: &[(&str, &str)]) -> anyhow::Result<Sealed> {
        let generated = self
            .kms
            .generate_data_key()
            .key_id(&self.key_id)
            .key_spec(DataKeySpec::Aes256)
            .encryption_context(OWNER, owner)
            .send()
            .await
            .context("generating a data key")?;
        let plain = generated
            .plaintext()
            .context("a data key without its plaintext")?;
        let encrypted = generated
            .ciphertext_blob()
            .context("a data key without its ciphertext")?;
        let key = data_key(plain.as_ref())?;
        let mut sealed = BTreeMap::new();
        for (name, value) in fields {
            let mut nonce = [0u8; NONCE_LEN];
            aws_lc_rs::rand::fill(&mut nonce).map_err(|_| anyhow::anyhow!("no random nonce"))?;
            let mut data = value.as_bytes().to_vec();
            key.seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(name.as_bytes()),
                &mut data,
            )
            .map_err(|_| anyhow::anyhow!("sealing {name}"))?;
            let mut stored = nonce.to_vec();
            stored.extend(data);
            sealed.insert((*name).to_owned(), STANDARD.encode(stored));
        }
        Ok(Sealed {
            key: STANDARD.encode(encrypted.as_ref()),
            fields: sealed,
        })
    }

    /// The fields of `sealed`, which must be `owner`'s.
    pub async fn open(
        &self,
        owner: &str,
        sealed: &Sealed,
    ) -> anyhow::Result<BTreeMap<String, String>> {
        let encrypted = STANDARD.decode(&sealed.key).context("a stored data key")?;
        let decrypted = self
            .kms
            .decrypt()
            .key_id(&self.key_id)
            .ciphertext_blob(Blob::new(encrypted))
            .encryption_context(OWNER, owner)
            .send()
            .await
            .context("decrypting a data key")?;
        let plain = decrypted
            .plaintext()
            .context("a decrypted key without plaintext")?;
        let key = data_key(plain.as_ref())?;
        let mut fields = BTreeMap::new();
        for (name, stored) in &sealed.fields {
            let stored = STANDARD.decode(stored).context("a sealed field")?;
            if stored.len() < NONCE_LEN {
                bail!("a sealed field shorter than its nonce");
            }
            let (nonce, data) = stored.split_at(NONCE_LEN);
            let nonce =
                Nonce::try_assume_unique_for_key(nonce).map_err(|_| anyhow::anyhow!("a nonce"))?;
            let mut data = data.to_vec();
            let opened = key
                .open_in_place(nonce, Aad::from(name.as_bytes()), &mut data)
                .map_err(|_| anyhow::anyhow!("field {name} does not open with its key"))?;
            fields.insert(name.clone(), String::from_utf8(opened.to_vec())?);
        }
        Ok(fields)
    }
}

fn data_key(bytes: &[u8]) -> anyhow::Result<LessSafeKey> {
    let key = UnboundKey::new(&AES_256_GCM, bytes)
        .map_err(|_| anyhow::anyhow!("a data key of the wrong size"))?;
    Ok(LessSafeKey::new(key))
}
