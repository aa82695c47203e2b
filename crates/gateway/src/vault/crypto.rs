//! Thin helpers over AES-256-GCM and the system random number generator.

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, aead};
use rand::TryRng;
use rand::rngs::SysRng;
use zeroize::{Zeroize, Zeroizing};

use super::VaultError;

/// AES-GCM nonce length.
pub(super) const NONCE_LEN: usize = 12;
/// AES-GCM tag length.
pub(super) const TAG_LEN: usize = 16;

/// A cipher for `key`. The key schedule is zeroized when the cipher drops.
pub(super) fn cipher(key: &[u8; 32]) -> Aes256Gcm {
    Aes256Gcm::new(&(*key).into())
}

/// Random bytes from the operating system.
pub(super) fn fill_random(buf: &mut [u8]) -> Result<(), VaultError> {
    SysRng.try_fill_bytes(buf).map_err(|_| VaultError::Random)
}

/// A new random 32-byte key.
pub(super) fn random_key() -> Result<Zeroizing<[u8; 32]>, VaultError> {
    let mut key = Zeroizing::new([0u8; 32]);
    fill_random(&mut key[..])?;
    Ok(key)
}

/// Appends the encryption of `plaintext` and its tag to `out`. `out` gets
/// room for both first, so no copy of the plaintext is left behind by a
/// reallocation.
pub(super) fn encrypt_into(
    cipher: &Aes256Gcm,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    plaintext: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), VaultError> {
    out.reserve_exact(plaintext.len() + TAG_LEN);
    let start = out.len();
    out.extend_from_slice(plaintext);
    let nonce = aead::Nonce::<Aes256Gcm>::from(*nonce);
    match cipher.encrypt_inout_detached(&nonce, aad, (&mut out[start..]).into()) {
        Ok(tag) => {
            out.extend_from_slice(&tag);
            Ok(())
        }
        Err(_) => {
            out[start..].zeroize();
            out.truncate(start);
            Err(VaultError::TooLarge)
        }
    }
}

/// Decrypts `ciphertext_and_tag`; any failure is
/// [`VaultError::AuthenticationFailed`].
pub(super) fn decrypt(
    cipher: &Aes256Gcm,
    nonce: &[u8],
    aad: &[u8],
    ciphertext_and_tag: &[u8],
) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    let nonce =
        aead::Nonce::<Aes256Gcm>::try_from(nonce).map_err(|_| VaultError::AuthenticationFailed)?;
    let split = ciphertext_and_tag
        .len()
        .checked_sub(TAG_LEN)
        .ok_or(VaultError::AuthenticationFailed)?;
    let (ciphertext, tag) = ciphertext_and_tag.split_at(split);
    let tag =
        aead::Tag::<Aes256Gcm>::try_from(tag).map_err(|_| VaultError::AuthenticationFailed)?;
    let mut buf = Zeroizing::new(ciphertext.to_vec());
    cipher
        .decrypt_inout_detached(&nonce, aad, buf.as_mut_slice().into(), &tag)
        .map_err(|_| VaultError::AuthenticationFailed)?;
    Ok(buf)
}
