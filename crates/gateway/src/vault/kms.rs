//! The production key provider: data keys from AWS KMS.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use aws_sdk_kms::Client;
use aws_sdk_kms::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::DataKeySpec;
use zeroize::Zeroizing;

use super::format::{MAX_KEY_ID_LEN, MAX_WRAPPED_LEN};
use super::{DataKey, EncryptionContext, KeyProvider, VaultError};
use crate::metrics::{self, labels::KmsOp};

/// How long a successful KMS call keeps [`KeyProvider::ping`] from calling
/// KMS again.
pub const PING_FRESHNESS: Duration = Duration::from_secs(5);

const NAME: &str = "kms";

/// Key provider backed by one AWS KMS key.
///
/// - `generate_data_key` is `GenerateDataKey` (`AES_256`) with the
///   [`EncryptionContext`]; the key id recorded in the ciphertext is the key
///   ARN KMS reports, so a value stays bound to the key that wrapped it even
///   when an alias moves.
/// - `decrypt_data_key` is `Decrypt` with that key id and the same context:
///   KMS refuses another context or key (`AuthenticationFailed`).
/// - [`current_key_id`](KeyProvider::current_key_id) is the ARN of the
///   configured key. A key ARN is used as given; a key id or alias is
///   resolved by [`connect`](Self::connect) with one `GenerateDataKey` call
///   (which the gateway's role may make; `kms:DescribeKey` is not needed).
///
/// Rotation: KMS's automatic rotation keeps the key ARN, so nothing needs
/// re-wrapping. To move to another key, point `KMS_KEY_ID` at it and keep
/// the role allowed to `Decrypt` with the old one: values sealed under the
/// old key still open, and [`Vault::needs_rewrap`](super::Vault::needs_rewrap)
/// finds them.
///
/// Calls use the timeouts of [`crate::aws`]; network failures, timeouts and
/// throttling are [`VaultError::ProviderUnavailable`].
pub struct KmsKeyProvider {
    client: Client,
    /// The key as configured (key id, key ARN, alias name or alias ARN).
    configured: String,
    /// The ARN new data keys are wrapped under, as KMS last reported it.
    current: Mutex<String>,
    /// When a KMS call last succeeded (for `ping`).
    last_success: Mutex<Option<Instant>>,
}

impl fmt::Debug for KmsKeyProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KmsKeyProvider")
            .field("configured", &self.configured)
            .field("current", &self.current_key_id())
            .finish_non_exhaustive()
    }
}

/// Whether `key_id` is a key ARN (`arn:<partition>:kms:<region>:<account>:key/<id>`).
fn is_key_arn(key_id: &str) -> bool {
    key_id.starts_with("arn:") && key_id.contains(":kms:") && key_id.contains(":key/")
}

fn kms_context(ctx: &EncryptionContext) -> HashMap<String, String> {
    ctx.iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// Copies a 32-byte plaintext data key out of KMS's answer, zeroizing the
/// answer's copy.
fn data_key(plaintext: Option<Blob>) -> Result<Zeroizing<[u8; 32]>, VaultError> {
    let plaintext = Zeroizing::new(plaintext.map(Blob::into_inner).unwrap_or_default());
    if plaintext.len() != 32 {
        return Err(VaultError::Provider {
            provider: NAME,
            reason: format!(
                "KMS returned a {}-byte data key, expected 32",
                plaintext.len()
            ),
        });
    }
    let mut key = Zeroizing::new([0u8; 32]);
    key.copy_from_slice(&plaintext);
    Ok(key)
}

impl KmsKeyProvider {
    /// A provider for `key_id` (key id, key ARN, alias name or alias ARN)
    /// without calling KMS. Until the first data key is generated,
    /// [`current_key_id`](KeyProvider::current_key_id) is `key_id` as given;
    /// use [`connect`](Self::connect) unless it is a key ARN.
    pub fn new(client: Client, key_id: impl Into<String>) -> Self {
        let configured = key_id.into();
        KmsKeyProvider {
            client,
            current: Mutex::new(configured.clone()),
            configured,
            last_success: Mutex::new(None),
        }
    }

    /// A provider for `key_id`, resolved to its key ARN: a key ARN as given,
    /// anything else with one `GenerateDataKey` call (which also proves that
    /// the key is usable).
    pub async fn connect(client: Client, key_id: &str) -> Result<Self, VaultError> {
        let provider = Self::new(client, key_id);
        if !is_key_arn(key_id) {
            provider.probe().await?;
        }
        Ok(provider)
    }

    /// A `GenerateDataKey` call whose key is thrown away: resolves the
    /// current key ARN and proves KMS works.
    async fn probe(&self) -> Result<(), VaultError> {
        let ctx = HashMap::from([("purpose".to_owned(), "readiness_probe".to_owned())]);
        self.generate(ctx).await.map(drop)
    }

    async fn generate(&self, ctx: HashMap<String, String>) -> Result<DataKey, VaultError> {
        let started = Instant::now();
        let sent = self
            .client
            .generate_data_key()
            .key_id(&self.configured)
            .key_spec(DataKeySpec::Aes256)
            .set_encryption_context(Some(ctx))
            .send()
            .await;
        metrics::kms_call(KmsOp::GenerateDataKey, started.elapsed(), sent.is_ok());
        let mut out = sent.map_err(|e| self.error("GenerateDataKey", &self.configured, e))?;
        let plaintext = data_key(out.plaintext.take())?;
        let key_id = out.key_id().unwrap_or(&self.configured).to_owned();
        if key_id.is_empty() || key_id.len() > MAX_KEY_ID_LEN {
            return Err(self.invalid(format!(
                "KMS reported a key id of {} bytes (1 to {MAX_KEY_ID_LEN} fit in a ciphertext)",
                key_id.len()
            )));
        }
        let wrapped = out.ciphertext_blob.take().map(Blob::into_inner);
        let wrapped = wrapped.unwrap_or_default();
        if wrapped.is_empty() || wrapped.len() > MAX_WRAPPED_LEN {
            return Err(self.invalid(format!(
                "KMS returned a wrapped data key of {} bytes (1 to {MAX_WRAPPED_LEN} fit)",
                wrapped.len()
            )));
        }
        {
            let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
            if *current != key_id {
                tracing::info!(configured = %self.configured, key_arn = %key_id, "KMS key resolved");
                current.clone_from(&key_id);
            }
        }
        self.succeeded();
        Ok(DataKey {
            key_id,
            plaintext,
            wrapped,
        })
    }

    fn succeeded(&self) {
        *self
            .last_success
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
    }

    fn invalid(&self, reason: String) -> VaultError {
        VaultError::Provider {
            provider: NAME,
            reason,
        }
    }

    fn error<E, R>(&self, op: &str, key_id: &str, e: SdkError<E, R>) -> VaultError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: fmt::Debug,
    {
        let unavailable = |reason: String| VaultError::ProviderUnavailable {
            provider: NAME,
            reason,
        };
        let service = match &e {
            SdkError::ServiceError(service) => service.err(),
            SdkError::TimeoutError(_) => {
                return unavailable(format!(
                    "KMS {op} with key {key_id} timed out (limit {:?} with retries)",
                    crate::aws::OPERATION_TIMEOUT
                ));
            }
            _ => {
                return unavailable(format!(
                    "KMS {op} with key {key_id}: cannot reach KMS: {}",
                    DisplayErrorContext(&e)
                ));
            }
        };
        match service.code() {
            // Another context, another key, or altered bytes.
            Some("InvalidCiphertextException" | "IncorrectKeyException") => {
                VaultError::AuthenticationFailed
            }
            Some("NotFoundException") => VaultError::UnknownKey {
                provider: NAME,
                key_id: key_id.to_owned(),
            },
            Some(
                "DependencyTimeoutException"
                | "KMSInternalException"
                | "KeyUnavailableException"
                | "ThrottlingException",
            ) => unavailable(format!(
                "KMS {op} with key {key_id}: {}",
                DisplayErrorContext(&e)
            )),
            _ => VaultError::Provider {
                provider: NAME,
                reason: format!("KMS {op} with key {key_id}: {}", DisplayErrorContext(&e)),
            },
        }
    }
}

#[async_trait]
impl KeyProvider for KmsKeyProvider {
    fn name(&self) -> &'static str {
        NAME
    }

    fn current_key_id(&self) -> String {
        self.current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    async fn generate_data_key(&self, ctx: &EncryptionContext) -> Result<DataKey, VaultError> {
        self.generate(kms_context(ctx)).await
    }

    async fn decrypt_data_key(
        &self,
        key_id: &str,
        wrapped: &[u8],
        ctx: &EncryptionContext,
    ) -> Result<Zeroizing<[u8; 32]>, VaultError> {
        let started = Instant::now();
        let sent = self
            .client
            .decrypt()
            .key_id(key_id)
            .ciphertext_blob(Blob::new(wrapped))
            .set_encryption_context(Some(kms_context(ctx)))
            .send()
            .await;
        metrics::kms_call(KmsOp::Decrypt, started.elapsed(), sent.is_ok());
        let mut out = sent.map_err(|e| self.error("Decrypt", key_id, e))?;
        let key = data_key(out.plaintext.take())?;
        self.succeeded();
        Ok(key)
    }

    /// `Ok` when a KMS call succeeded within [`PING_FRESHNESS`]; otherwise
    /// one `GenerateDataKey` call decides.
    async fn ping(&self) -> Result<(), VaultError> {
        let fresh = self
            .last_success
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some_and(|at| at.elapsed() < PING_FRESHNESS);
        if fresh { Ok(()) } else { self.probe().await }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_key_arns() {
        for arn in [
            "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/mrk-1234",
        ] {
            assert!(is_key_arn(arn), "{arn}");
        }
        for other in [
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            "alias/mcp-gateway",
            "arn:aws:kms:eu-west-1:123456789012:alias/mcp-gateway",
        ] {
            assert!(!is_key_arn(other), "{other}");
        }
    }

    #[test]
    fn data_keys_must_be_32_bytes() {
        assert_eq!(*data_key(Some(Blob::new([7u8; 32]))).unwrap(), [7u8; 32]);
        for bad in [None, Some(Blob::new([1u8; 16])), Some(Blob::new([1u8; 33]))] {
            assert!(matches!(data_key(bad), Err(VaultError::Provider { .. })));
        }
    }

    #[tokio::test]
    async fn an_unreachable_kms_is_unavailable_and_fails_fast() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let sdk = crate::aws::local_emulator(&endpoint).await;
        let provider = KmsKeyProvider::new(Client::new(&sdk), "alias/gateway");
        let kms = &crate::metrics::registry::registry().kms;
        let errors = |op: KmsOp| kms[op as usize].errors.get();
        let (generate_errors, decrypt_errors) =
            (errors(KmsOp::GenerateDataKey), errors(KmsOp::Decrypt));
        let started = Instant::now();
        let err = provider.ping().await.unwrap_err();
        assert!(
            matches!(
                &err,
                VaultError::ProviderUnavailable {
                    provider: "kms",
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("KMS"), "{err}");
        assert!(started.elapsed() < crate::aws::OPERATION_TIMEOUT + Duration::from_secs(2));
        let ctx = EncryptionContext::from(&super::super::SealContext::new(
            "u",
            super::super::Purpose::SessionState,
        ));
        let err = provider
            .decrypt_data_key("alias/gateway", b"wrapped", &ctx)
            .await
            .unwrap_err();
        assert!(
            matches!(err, VaultError::ProviderUnavailable { .. }),
            "{err:?}"
        );
        // Counted (other tests of this process may add their own).
        assert!(errors(KmsOp::GenerateDataKey) > generate_errors);
        assert!(errors(KmsOp::Decrypt) > decrypt_errors);
    }
}
