//! The embedded key provider: AES-256-GCM master keys held in memory.

use std::fmt;
use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use aes_gcm::Aes256Gcm;
use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use super::crypto::{self, NONCE_LEN, TAG_LEN};
use super::{DataKey, EncryptionContext, KeyProvider, VaultError};
use crate::secret::Secret;

/// Name of the key file inside the data directory.
pub const KEY_FILE_NAME: &str = "vault.key";

const WRAP_LABEL: &[u8] = b"mcp-gateway vault local wrap v1\0";
const WRAPPED_LEN: usize = NONCE_LEN + 32 + TAG_LEN;
/// Longest key file accepted (a key is 44 base64 characters).
const MAX_KEY_FILE_LEN: usize = 256;

struct MasterKey {
    id: String,
    cipher: Aes256Gcm,
}

impl MasterKey {
    fn new(key: &[u8; 32]) -> Self {
        MasterKey {
            id: LocalKeyProvider::key_id_for(key),
            cipher: crypto::cipher(key),
        }
    }
}

/// Key provider holding 32-byte master keys in process memory.
///
/// A data key is wrapped as `nonce (12) || AES-256-GCM(master, data key) ||
/// tag (16)` with associated data binding the key id and the
/// [`EncryptionContext`]. Key ids are `"local:"` followed by the first 16 hex
/// digits of SHA-256 of the master key, so an operator can tell which key a
/// ciphertext needs (`base64 -d <<<"$KEY" | sha256sum`).
///
/// Earlier keys stay usable for unwrapping after a rotation; new data keys
/// are always wrapped with the current key. The key file written by
/// [`load`](Self::load) holds the key in base64 and a newline, the same text
/// the environment variable takes.
pub struct LocalKeyProvider {
    current: MasterKey,
    previous: Vec<MasterKey>,
}

impl fmt::Debug for LocalKeyProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalKeyProvider")
            .field("current", &self.current.id)
            .field(
                "previous",
                &self.previous.iter().map(|k| &k.id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl LocalKeyProvider {
    /// A provider wrapping with `current` and also unwrapping with
    /// `previous` (duplicates are ignored).
    pub fn new(mut current: [u8; 32], mut previous: Vec<[u8; 32]>) -> Self {
        let provider = Self::from_keys(&current, previous.iter());
        current.zeroize();
        previous.zeroize();
        provider
    }

    fn from_keys<'a>(current: &[u8; 32], previous: impl Iterator<Item = &'a [u8; 32]>) -> Self {
        let current = MasterKey::new(current);
        let mut keys: Vec<MasterKey> = Vec::new();
        for key in previous {
            let key = MasterKey::new(key);
            if key.id != current.id && keys.iter().all(|k| k.id != key.id) {
                keys.push(key);
            }
        }
        LocalKeyProvider {
            current,
            previous: keys,
        }
    }

    /// A provider with a new random master key and no previous keys.
    pub fn generate() -> Result<Self, VaultError> {
        let key = crypto::random_key()?;
        Ok(Self::from_keys(&key, std::iter::empty()))
    }

    /// The provider the gateway runs with. The current key is `env_key`
    /// (base64) when given, else the key file `<data_dir>/vault.key`, which
    /// is created with mode 0600 on first run. `previous` are earlier keys
    /// in base64, still accepted for opening.
    pub fn load(
        data_dir: &Path,
        env_key: Option<&Secret>,
        previous: &[Secret],
    ) -> Result<Self, VaultError> {
        let previous = previous
            .iter()
            .enumerate()
            .map(|(i, text)| {
                parse_master_key(text.expose(), &format!("previous master key {}", i + 1))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let current = match env_key {
            Some(text) => parse_master_key(text.expose(), "master key from the environment")?,
            None => load_or_create_key_file(&Self::key_file_path(data_dir))?,
        };
        Ok(Self::from_keys(&current, previous.iter().map(|k| &**k)))
    }

    /// Where [`load`](Self::load) keeps the key for `data_dir`.
    pub fn key_file_path(data_dir: &Path) -> PathBuf {
        data_dir.join(KEY_FILE_NAME)
    }

    /// The key id of `key`: `"local:"` and 16 hex digits of its SHA-256.
    pub fn key_id_for(key: &[u8; 32]) -> String {
        let digest = Sha256::digest(key);
        format!("local:{}", hex::encode(&digest[..8]))
    }

    /// Ids of the previous keys, in the order given.
    pub fn previous_key_ids(&self) -> Vec<String> {
        self.previous.iter().map(|k| k.id.clone()).collect()
    }

    fn key(&self, key_id: &str) -> Option<&MasterKey> {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == key_id)
    }
}

fn wrap_aad(key_id: &str, ctx: &EncryptionContext) -> Vec<u8> {
    let ctx = ctx.to_bytes();
    let mut aad = Vec::with_capacity(WRAP_LABEL.len() + 1 + key_id.len() + ctx.len());
    aad.extend_from_slice(WRAP_LABEL);
    aad.push(u8::try_from(key_id.len()).unwrap_or(u8::MAX));
    aad.extend_from_slice(key_id.as_bytes());
    aad.extend_from_slice(&ctx);
    aad
}

#[async_trait]
impl KeyProvider for LocalKeyProvider {
    fn name(&self) -> &'static str {
        "local"
    }

    fn current_key_id(&self) -> String {
        self.current.id.clone()
    }

    async fn generate_data_key(&self, ctx: &EncryptionContext) -> Result<DataKey, VaultError> {
        let plaintext = crypto::random_key()?;
        let mut nonce = [0u8; NONCE_LEN];
        crypto::fill_random(&mut nonce)?;
        let mut wrapped = Vec::with_capacity(WRAPPED_LEN);
        wrapped.extend_from_slice(&nonce);
        let aad = wrap_aad(&self.current.id, ctx);
        crypto::encrypt_into(
            &self.current.cipher,
            &nonce,
            &aad,
            &plaintext[..],
            &mut wrapped,
        )?;
        Ok(DataKey {
            key_id: self.current.id.clone(),
            plaintext,
            wrapped,
        })
    }

    async fn decrypt_data_key(
        &self,
        key_id: &str,
        wrapped: &[u8],
        ctx: &EncryptionContext,
    ) -> Result<Zeroizing<[u8; 32]>, VaultError> {
        let key = self.key(key_id).ok_or_else(|| VaultError::UnknownKey {
            provider: self.name(),
            key_id: key_id.to_owned(),
        })?;
        if wrapped.len() != WRAPPED_LEN {
            return Err(VaultError::AuthenticationFailed);
        }
        let (nonce, sealed) = wrapped.split_at(NONCE_LEN);
        let plain = crypto::decrypt(&key.cipher, nonce, &wrap_aad(key_id, ctx), sealed)?;
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(&plain);
        Ok(out)
    }

    async fn ping(&self) -> Result<(), VaultError> {
        Ok(())
    }
}

/// Decodes a base64 master key; `which` names it in errors. The text and
/// the key never appear in errors.
pub fn parse_master_key(text: &str, which: &str) -> Result<Zeroizing<[u8; 32]>, VaultError> {
    let invalid = |reason| VaultError::InvalidMasterKey {
        which: which.to_owned(),
        reason,
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(invalid("it is empty"));
    }
    let mut buf = Zeroizing::new([0u8; 48]);
    let len = STANDARD
        .decode_slice(text, &mut buf[..])
        .map_err(|e| match e {
            base64::DecodeSliceError::OutputSliceTooSmall => invalid("it is not 32 bytes long"),
            base64::DecodeSliceError::DecodeError(_) => invalid("it is not valid base64"),
        })?;
    if len != 32 {
        return Err(invalid("it is not 32 bytes long"));
    }
    let mut key = Zeroizing::new([0u8; 32]);
    key.copy_from_slice(&buf[..32]);
    Ok(key)
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> VaultError + '_ {
    move |source| VaultError::KeyFileIo {
        path: path.to_owned(),
        source,
    }
}

fn load_or_create_key_file(path: &Path) -> Result<Zeroizing<[u8; 32]>, VaultError> {
    match File::open(path) {
        Ok(file) => read_key_file(path, file),
        Err(e) if e.kind() == io::ErrorKind::NotFound => create_key_file(path),
        Err(e) => Err(io_error(path)(e)),
    }
}

/// Reads a key file, refusing one that group or others can access.
fn read_key_file(path: &Path, mut file: File) -> Result<Zeroizing<[u8; 32]>, VaultError> {
    let meta = file.metadata().map_err(io_error(path))?;
    if !meta.is_file() {
        return Err(VaultError::KeyFileInvalid {
            path: path.to_owned(),
            reason: "it is not a regular file",
        });
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(VaultError::KeyFilePermissions {
            path: path.to_owned(),
            mode,
        });
    }
    let mut buf = Zeroizing::new([0u8; MAX_KEY_FILE_LEN + 1]);
    let mut len = 0;
    while len < buf.len() {
        match file.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io_error(path)(e)),
        }
    }
    let invalid = |reason| VaultError::KeyFileInvalid {
        path: path.to_owned(),
        reason,
    };
    if len > MAX_KEY_FILE_LEN {
        return Err(invalid("it is too long to hold a key"));
    }
    let text = std::str::from_utf8(&buf[..len]).map_err(|_| invalid("it is not text"))?;
    parse_master_key(text, "key").map_err(|e| match e {
        VaultError::InvalidMasterKey { reason, .. } => invalid(reason),
        other => other,
    })
}

/// Creates the key file with a new key, atomically and with mode 0600. When
/// another process created it first, reads that one instead.
fn create_key_file(path: &Path) -> Result<Zeroizing<[u8; 32]>, VaultError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(io_error(dir))?;
    }
    let key = crypto::random_key()?;
    let mut text = Zeroizing::new(String::with_capacity(64));
    STANDARD.encode_string(&key[..], &mut text);
    text.push('\n');
    let mut file = match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            // Another process is creating it: give it a moment to finish.
            for _ in 0..20 {
                let file = File::open(path).map_err(io_error(path))?;
                match read_key_file(path, file) {
                    Err(VaultError::KeyFileInvalid { .. }) => {
                        std::thread::sleep(std::time::Duration::from_millis(25));
                    }
                    result => return result,
                }
            }
            let file = File::open(path).map_err(io_error(path))?;
            return read_key_file(path, file);
        }
        Err(e) => return Err(io_error(path)(e)),
    };
    if let Err(e) = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
    {
        drop(file);
        let _ = fs::remove_file(path);
        return Err(io_error(path)(e));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // Best effort: make the new directory entry durable.
        let _ = File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::test_support::TempDir;

    fn mode_of(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn key_file_is_created_0600_on_first_run_and_reused() {
        let dir = TempDir::new();
        let data_dir = dir.path().join("data");
        let first = LocalKeyProvider::load(&data_dir, None, &[]).unwrap();
        let path = LocalKeyProvider::key_file_path(&data_dir);
        assert_eq!(mode_of(&path), 0o600);
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(text.trim().len(), 44);
        let second = LocalKeyProvider::load(&data_dir, None, &[]).unwrap();
        assert_eq!(first.current_key_id(), second.current_key_id());
        assert!(first.current_key_id().starts_with("local:"));
        assert_eq!(first.current_key_id().len(), "local:".len() + 16);
    }

    #[test]
    fn group_or_world_readable_key_file_is_refused() {
        let dir = TempDir::new();
        LocalKeyProvider::load(dir.path(), None, &[]).unwrap();
        let path = LocalKeyProvider::key_file_path(dir.path());
        for mode in [0o644, 0o640, 0o604, 0o660] {
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
            let err = LocalKeyProvider::load(dir.path(), None, &[]).unwrap_err();
            assert!(
                matches!(&err, VaultError::KeyFilePermissions { path: p, mode: m } if *p == path && *m == mode),
                "{err:?}"
            );
            let msg = err.to_string();
            assert!(msg.contains(&path.display().to_string()), "{msg}");
            assert!(msg.contains("chmod 600"), "{msg}");
        }
        fs::set_permissions(&path, fs::Permissions::from_mode(0o400)).unwrap();
        LocalKeyProvider::load(dir.path(), None, &[]).unwrap();
    }

    #[test]
    fn env_key_overrides_the_file_and_creates_none() {
        let dir = TempDir::new();
        let file_provider = LocalKeyProvider::load(dir.path(), None, &[]).unwrap();
        let env_key = [7u8; 32];
        let env_text = STANDARD.encode(env_key);
        let env_provider =
            LocalKeyProvider::load(dir.path(), Some(&Secret::new(env_text.as_str())), &[]).unwrap();
        assert_eq!(
            env_provider.current_key_id(),
            LocalKeyProvider::key_id_for(&env_key)
        );
        assert_ne!(
            env_provider.current_key_id(),
            file_provider.current_key_id()
        );

        let empty = TempDir::new();
        LocalKeyProvider::load(empty.path(), Some(&Secret::new(env_text.as_str())), &[]).unwrap();
        assert!(!LocalKeyProvider::key_file_path(empty.path()).exists());
    }

    #[test]
    fn bad_keys_are_reported_without_their_text() {
        let dir = TempDir::new();
        let short = STANDARD.encode([1u8; 16]);
        let long = STANDARD.encode([1u8; 64]);
        for (text, reason) in [
            ("", "it is empty"),
            ("not base64 !!", "it is not valid base64"),
            (short.as_str(), "it is not 32 bytes long"),
            (long.as_str(), "it is not 32 bytes long"),
        ] {
            let err =
                LocalKeyProvider::load(dir.path(), Some(&Secret::new(text)), &[]).unwrap_err();
            assert!(
                matches!(&err, VaultError::InvalidMasterKey { reason: r, .. } if *r == reason),
                "{err:?}"
            );
            if !text.is_empty() {
                assert!(!err.to_string().contains(text));
                assert!(!format!("{err:?}").contains(text));
            }
        }
        let good = Secret::new(STANDARD.encode([2u8; 32]));
        let err =
            LocalKeyProvider::load(dir.path(), Some(&good), &[good.clone(), Secret::new(short)])
                .unwrap_err();
        assert!(err.to_string().contains("previous master key 2"), "{err}");
    }

    #[test]
    fn corrupt_key_file_is_reported() {
        let dir = TempDir::new();
        let path = LocalKeyProvider::key_file_path(dir.path());
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .unwrap();
        file.write_all(b"garbage\n").unwrap();
        let err = LocalKeyProvider::load(dir.path(), None, &[]).unwrap_err();
        assert!(matches!(err, VaultError::KeyFileInvalid { .. }), "{err:?}");
        assert!(err.to_string().contains(&path.display().to_string()));
    }

    #[test]
    fn debug_shows_key_ids_only() {
        let key = [9u8; 32];
        let provider = LocalKeyProvider::new(key, vec![[8u8; 32], key]);
        let debug = format!("{provider:?}");
        assert!(debug.contains(&LocalKeyProvider::key_id_for(&key)));
        assert_eq!(provider.previous_key_ids().len(), 1);
        assert!(!debug.contains("9, 9"));
    }
}
