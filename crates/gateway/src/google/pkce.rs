//! PKCE (RFC 7636) verifiers and S256 challenges, and random URL-safe tokens.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// Random bytes behind a verifier: 48 bytes give 64 characters.
const VERIFIER_BYTES: usize = 48;

/// A fresh code verifier: 64 characters of the unreserved alphabet
/// (base64url without padding), 384 bits from a CSPRNG.
pub fn verifier() -> String {
    random_token(VERIFIER_BYTES)
}

/// The S256 challenge of `verifier`: base64url (no padding) of its SHA-256.
pub fn challenge_s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// `bytes` random bytes from the thread-local CSPRNG (ChaCha, seeded and
/// reseeded from the OS), base64url-encoded without padding.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::fill(buf.as_mut_slice());
    URL_SAFE_NO_PAD.encode(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_is_long_enough_and_unreserved() {
        let v = verifier();
        assert!((43..=128).contains(&v.len()), "{}", v.len());
        assert!(
            v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        );
        assert_ne!(v, verifier());
    }

    #[test]
    fn challenge_matches_rfc7636_example() {
        // RFC 7636, appendix B.
        assert_eq!(
            challenge_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn random_tokens_are_base64url() {
        let t = random_token(32);
        assert_eq!(t.len(), 43);
        assert!(
            t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_ne!(t, random_token(32));
    }
}
