//! The binary ciphertext format (version 1); see the module documentation.

use sha2::{Digest, Sha256};

use super::VaultError;
use super::crypto::{NONCE_LEN, TAG_LEN};

/// Version byte of the current format.
pub(super) const VERSION: u8 = 1;
/// Length of the context check.
pub(super) const CONTEXT_CHECK_LEN: usize = 4;
/// Longest key id.
pub(super) const MAX_KEY_ID_LEN: usize = u8::MAX as usize;
/// Longest wrapped data key.
pub(super) const MAX_WRAPPED_LEN: usize = u16::MAX as usize;

const CONTEXT_CHECK_LABEL: &[u8] = b"mcp-gateway vault context check\0";

/// The first bytes of SHA-256 over the canonical context: lets opening tell
/// "sealed for another user or purpose" apart from tampering.
pub(super) fn context_check(context_bytes: &[u8]) -> [u8; CONTEXT_CHECK_LEN] {
    let digest = Sha256::new()
        .chain_update(CONTEXT_CHECK_LABEL)
        .chain_update(context_bytes)
        .finalize();
    let mut check = [0u8; CONTEXT_CHECK_LEN];
    check.copy_from_slice(&digest[..CONTEXT_CHECK_LEN]);
    check
}

/// Writes a version 1 header. Lengths must already be checked.
pub(super) fn write_header(
    out: &mut Vec<u8>,
    key_id: &str,
    context_check: &[u8; CONTEXT_CHECK_LEN],
    wrapped: &[u8],
    nonce: &[u8; NONCE_LEN],
) {
    debug_assert!(!key_id.is_empty() && key_id.len() <= MAX_KEY_ID_LEN);
    debug_assert!(!wrapped.is_empty() && wrapped.len() <= MAX_WRAPPED_LEN);
    out.push(VERSION);
    out.push(u8::try_from(key_id.len()).unwrap_or(u8::MAX));
    out.extend_from_slice(key_id.as_bytes());
    out.extend_from_slice(context_check);
    out.extend_from_slice(
        &u16::try_from(wrapped.len())
            .unwrap_or(u16::MAX)
            .to_be_bytes(),
    );
    out.extend_from_slice(wrapped);
    out.extend_from_slice(nonce);
}

/// A parsed ciphertext, borrowing from the input.
#[derive(Debug)]
pub(super) struct Sealed<'a> {
    /// Everything before the AES-GCM ciphertext (authenticated as AAD).
    pub header: &'a [u8],
    pub key_id: &'a str,
    pub context_check: &'a [u8],
    pub wrapped: &'a [u8],
    pub nonce: &'a [u8],
    /// Ciphertext followed by the 16-byte tag.
    pub payload: &'a [u8],
}

struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], VaultError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.input.len())
            .ok_or(VaultError::Malformed(what))?;
        let bytes = &self.input[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }
}

/// Parses `input` without decrypting anything.
pub(super) fn parse(input: &[u8]) -> Result<Sealed<'_>, VaultError> {
    let Some(&version) = input.first() else {
        return Err(VaultError::Malformed("empty input"));
    };
    if version != VERSION {
        return Err(VaultError::UnsupportedVersion(version));
    }
    let mut r = Reader { input, pos: 1 };
    let key_id_len = usize::from(r.take(1, "truncated before the key id")?[0]);
    if key_id_len == 0 {
        return Err(VaultError::Malformed("empty key id"));
    }
    let key_id = std::str::from_utf8(r.take(key_id_len, "truncated in the key id")?)
        .map_err(|_| VaultError::Malformed("key id is not UTF-8"))?;
    let context_check = r.take(CONTEXT_CHECK_LEN, "truncated in the context check")?;
    let wrapped_len = r.take(2, "truncated before the wrapped key")?;
    let wrapped_len = usize::from(u16::from_be_bytes([wrapped_len[0], wrapped_len[1]]));
    if wrapped_len == 0 {
        return Err(VaultError::Malformed("empty wrapped key"));
    }
    let wrapped = r.take(wrapped_len, "truncated in the wrapped key")?;
    let nonce = r.take(NONCE_LEN, "truncated in the nonce")?;
    let header = &input[..r.pos];
    let payload = &input[r.pos..];
    if payload.len() < TAG_LEN {
        return Err(VaultError::Malformed("truncated in the ciphertext"));
    }
    Ok(Sealed {
        header,
        key_id,
        context_check,
        wrapped,
        nonce,
        payload,
    })
}
