//! [`Vault`]: envelope encryption over a [`KeyProvider`], with a data-key
//! cache so that a warm path makes no provider call.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use aes_gcm::Aes256Gcm;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::cache::BoundedCache;
use super::crypto::{self, NONCE_LEN, TAG_LEN};
use super::format::{self, MAX_KEY_ID_LEN, MAX_WRAPPED_LEN};
use super::{EncryptionContext, KeyProvider, SealContext, VaultError};

/// Limits of the data-key caches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultOptions {
    /// Most data keys kept, for sealing and for opening each; 0 disables
    /// caching.
    pub max_cached_keys: usize,
    /// How long a data key stays cached after the provider produced it.
    pub max_key_age: Duration,
    /// Most values sealed under one cached data key. Each seal draws a random
    /// 96-bit nonce, so this stays far below the 2^32 limit for random nonces.
    pub max_uses_per_key: u32,
}

impl Default for VaultOptions {
    fn default() -> Self {
        VaultOptions {
            max_cached_keys: 10_000,
            max_key_age: Duration::from_secs(5 * 60),
            max_uses_per_key: 1 << 20,
        }
    }
}

/// Counters since the vault was built.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VaultStats {
    /// Calls to [`KeyProvider::generate_data_key`].
    pub generate_data_key_calls: u64,
    /// Calls to [`KeyProvider::decrypt_data_key`].
    pub decrypt_data_key_calls: u64,
    /// Seals served by a cached data key.
    pub seal_cache_hits: u64,
    /// Opens served by a cached data key.
    pub open_cache_hits: u64,
    /// Data keys currently cached for sealing.
    pub cached_seal_keys: usize,
    /// Data keys currently cached for opening.
    pub cached_open_keys: usize,
}

impl VaultStats {
    /// All calls made to the key provider.
    pub fn provider_calls(&self) -> u64 {
        self.generate_data_key_calls + self.decrypt_data_key_calls
    }
}

/// A data key ready for sealing under one context.
struct SealKey {
    key_id: Arc<str>,
    wrapped: Arc<[u8]>,
    cipher: Arc<Aes256Gcm>,
    uses: u32,
}

#[derive(Default)]
struct Counters {
    generate: AtomicU64,
    decrypt: AtomicU64,
    seal_hits: AtomicU64,
    open_hits: AtomicU64,
}

struct Inner {
    provider: Arc<dyn KeyProvider>,
    options: VaultOptions,
    /// Per context: the data key new values are sealed with.
    seal_keys: Mutex<BoundedCache<SealContext, SealKey>>,
    /// Unwrapped data keys by digest of (key id, wrapped key, context).
    open_keys: Mutex<BoundedCache<[u8; 32], Arc<Aes256Gcm>>>,
    counters: Counters,
}

/// Seals and opens secrets with envelope encryption. Cheap to clone; clones
/// share the caches.
#[derive(Clone)]
pub struct Vault {
    inner: Arc<Inner>,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("provider", &self.inner.provider.name())
            .field("current_key_id", &self.inner.provider.current_key_id())
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The caches hold no invariant a panic could break.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn payload_aad(header: &[u8], context_bytes: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(header.len() + context_bytes.len());
    aad.extend_from_slice(header);
    aad.extend_from_slice(context_bytes);
    aad
}

/// The open-cache key. The context is part of it, so a cached key is only
/// reused for the context the provider unwrapped it for.
fn open_cache_key(key_id: &str, wrapped: &[u8], context_bytes: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update((key_id.len() as u64).to_be_bytes());
    h.update(key_id.as_bytes());
    h.update((wrapped.len() as u64).to_be_bytes());
    h.update(wrapped);
    h.update(context_bytes);
    h.finalize().into()
}

impl Vault {
    /// A vault over `provider` with default cache limits.
    pub fn new(provider: Arc<dyn KeyProvider>) -> Self {
        Self::with_options(provider, VaultOptions::default())
    }

    /// A vault over `provider` with the given cache limits.
    pub fn with_options(provider: Arc<dyn KeyProvider>, options: VaultOptions) -> Self {
        let (count, age) = (options.max_cached_keys, options.max_key_age);
        Vault {
            inner: Arc::new(Inner {
                provider,
                seal_keys: Mutex::new(BoundedCache::new(count, age)),
                open_keys: Mutex::new(BoundedCache::new(count, age)),
                options,
                counters: Counters::default(),
            }),
        }
    }

    /// Name of the key provider.
    pub fn provider_name(&self) -> &'static str {
        self.inner.provider.name()
    }

    /// Id of the key new values are sealed under.
    pub fn current_key_id(&self) -> String {
        self.inner.provider.current_key_id()
    }

    /// Encrypts `plaintext` for `ctx`. The result can be stored anywhere;
    /// only [`open`](Self::open) with the same context recovers it.
    pub async fn seal(&self, plaintext: &[u8], ctx: &SealContext) -> Result<Vec<u8>, VaultError> {
        ctx.validate()?;
        let enc_ctx = EncryptionContext::from(ctx);
        let ctx_bytes = enc_ctx.to_bytes();
        let (key_id, wrapped, cipher) = self.seal_key(ctx, &enc_ctx, &ctx_bytes).await?;
        let mut nonce = [0u8; NONCE_LEN];
        crypto::fill_random(&mut nonce)?;
        let header_len = 2 + key_id.len() + format::CONTEXT_CHECK_LEN + 2 + wrapped.len();
        let mut out = Vec::with_capacity(header_len + NONCE_LEN + plaintext.len() + TAG_LEN);
        let check = format::context_check(&ctx_bytes);
        format::write_header(&mut out, &key_id, &check, &wrapped, &nonce);
        let aad = payload_aad(&out, &ctx_bytes);
        crypto::encrypt_into(&cipher, &nonce, &aad, plaintext, &mut out)?;
        Ok(out)
    }

    /// Decrypts what [`seal`](Self::seal) produced for the same context.
    pub async fn open(
        &self,
        sealed: &[u8],
        ctx: &SealContext,
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        ctx.validate()?;
        let parsed = format::parse(sealed)?;
        let enc_ctx = EncryptionContext::from(ctx);
        let ctx_bytes = enc_ctx.to_bytes();
        if parsed.context_check != format::context_check(&ctx_bytes) {
            return Err(VaultError::WrongContext);
        }
        let cipher = self
            .open_key(parsed.key_id, parsed.wrapped, &enc_ctx, &ctx_bytes)
            .await?;
        let aad = payload_aad(parsed.header, &ctx_bytes);
        crypto::decrypt(&cipher, parsed.nonce, &aad, parsed.payload)
    }

    /// Opens `sealed` and seals it again under the current key.
    pub async fn rewrap(&self, sealed: &[u8], ctx: &SealContext) -> Result<Vec<u8>, VaultError> {
        let plaintext = self.open(sealed, ctx).await?;
        self.seal(&plaintext, ctx).await
    }

    /// The id of the master key that wrapped the data key of `sealed`.
    pub fn key_id_of(sealed: &[u8]) -> Result<String, VaultError> {
        Ok(format::parse(sealed)?.key_id.to_owned())
    }

    /// Whether `sealed` should be re-sealed: true unless it is a well-formed
    /// ciphertext of the current format under the provider's current key.
    pub fn needs_rewrap(&self, sealed: &[u8]) -> bool {
        match format::parse(sealed) {
            Ok(parsed) => parsed.key_id != self.inner.provider.current_key_id(),
            Err(_) => true,
        }
    }

    /// Readiness of the key provider.
    pub async fn ping(&self) -> Result<(), VaultError> {
        self.inner.provider.ping().await
    }

    /// Counters and cache sizes.
    pub fn stats(&self) -> VaultStats {
        let c = &self.inner.counters;
        VaultStats {
            generate_data_key_calls: c.generate.load(Ordering::Relaxed),
            decrypt_data_key_calls: c.decrypt.load(Ordering::Relaxed),
            seal_cache_hits: c.seal_hits.load(Ordering::Relaxed),
            open_cache_hits: c.open_hits.load(Ordering::Relaxed),
            cached_seal_keys: lock(&self.inner.seal_keys).len(),
            cached_open_keys: lock(&self.inner.open_keys).len(),
        }
    }

    /// Drops every cached data key.
    pub fn clear_cache(&self) {
        lock(&self.inner.seal_keys).clear();
        lock(&self.inner.open_keys).clear();
    }

    async fn seal_key(
        &self,
        ctx: &SealContext,
        enc_ctx: &EncryptionContext,
        ctx_bytes: &[u8],
    ) -> Result<(Arc<str>, Arc<[u8]>, Arc<Aes256Gcm>), VaultError> {
        let inner = &*self.inner;
        let current = inner.provider.current_key_id();
        {
            let mut cache = lock(&inner.seal_keys);
            if let Some(key) = cache.get_mut(ctx, Instant::now())
                && *key.key_id == *current
                && key.uses < inner.options.max_uses_per_key
            {
                key.uses += 1;
                inner.counters.seal_hits.fetch_add(1, Ordering::Relaxed);
                return Ok((key.key_id.clone(), key.wrapped.clone(), key.cipher.clone()));
            }
        }
        inner.counters.generate.fetch_add(1, Ordering::Relaxed);
        let data_key = inner.provider.generate_data_key(enc_ctx).await?;
        let invalid = |reason: &str| VaultError::Provider {
            provider: inner.provider.name(),
            reason: reason.to_owned(),
        };
        if data_key.key_id.is_empty() || data_key.key_id.len() > MAX_KEY_ID_LEN {
            return Err(invalid("it returned a key id of unsupported length"));
        }
        if data_key.wrapped.is_empty() || data_key.wrapped.len() > MAX_WRAPPED_LEN {
            return Err(invalid("it returned a wrapped key of unsupported length"));
        }
        let cipher = Arc::new(crypto::cipher(&data_key.plaintext));
        let key_id: Arc<str> = data_key.key_id.as_str().into();
        let wrapped: Arc<[u8]> = data_key.wrapped.as_slice().into();
        let now = Instant::now();
        lock(&inner.open_keys).insert(
            open_cache_key(&key_id, &wrapped, ctx_bytes),
            cipher.clone(),
            now,
        );
        lock(&inner.seal_keys).insert(
            ctx.clone(),
            SealKey {
                key_id: key_id.clone(),
                wrapped: wrapped.clone(),
                cipher: cipher.clone(),
                uses: 1,
            },
            now,
        );
        Ok((key_id, wrapped, cipher))
    }

    async fn open_key(
        &self,
        key_id: &str,
        wrapped: &[u8],
        enc_ctx: &EncryptionContext,
        ctx_bytes: &[u8],
    ) -> Result<Arc<Aes256Gcm>, VaultError> {
        let inner = &*self.inner;
        let cache_key = open_cache_key(key_id, wrapped, ctx_bytes);
        if let Some(cipher) = lock(&inner.open_keys).get_mut(&cache_key, Instant::now()) {
            inner.counters.open_hits.fetch_add(1, Ordering::Relaxed);
            return Ok(cipher.clone());
        }
        inner.counters.decrypt.fetch_add(1, Ordering::Relaxed);
        let plaintext = inner
            .provider
            .decrypt_data_key(key_id, wrapped, enc_ctx)
            .await?;
        let cipher = Arc::new(crypto::cipher(&plaintext));
        lock(&inner.open_keys).insert(cache_key, cipher.clone(), Instant::now());
        Ok(cipher)
    }
}
