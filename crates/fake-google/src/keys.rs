//! RS256 signing keys, their rotation, and the published JWKS.
//!
//! RSA key generation is slow in debug builds, so generated keys are kept in a
//! process-wide pool: the n-th key of every fake instance in a process is the
//! same key. Rotations generate the next pool key on first use.

use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const KEY_BITS: usize = 2048;

/// One RSA key pair as the fake uses it.
pub(crate) struct KeyMaterial {
    pub kid: String,
    encoding: EncodingKey,
    jwk: Value,
}

static POOL: Mutex<Vec<Arc<KeyMaterial>>> = Mutex::new(Vec::new());

fn pool_key(index: usize) -> Arc<KeyMaterial> {
    let mut pool = POOL.lock().expect("key pool poisoned");
    while pool.len() <= index {
        pool.push(Arc::new(generate()));
    }
    pool[index].clone()
}

fn generate() -> KeyMaterial {
    let mut rng = rsa::rand_core::OsRng;
    let private = rsa::RsaPrivateKey::new(&mut rng, KEY_BITS).expect("RSA key generation");
    let der = private.to_pkcs1_der().expect("PKCS#1 encoding");
    let n = URL_SAFE_NO_PAD.encode(private.n().to_bytes_be());
    let e = URL_SAFE_NO_PAD.encode(private.e().to_bytes_be());
    // Google's kids are 40 hex digits.
    let digest = Sha256::digest(n.as_bytes());
    let kid: String = digest[..20].iter().map(|b| format!("{b:02x}")).collect();
    let jwk = json!({ "e": e, "n": n, "kid": kid, "alg": "RS256", "use": "sig", "kty": "RSA" });
    KeyMaterial {
        kid,
        encoding: EncodingKey::from_rsa_der(der.as_bytes()),
        jwk,
    }
}

/// The keys of one fake instance: the last one signs, all are published.
pub(crate) struct KeySet {
    next_index: usize,
    keys: Vec<Arc<KeyMaterial>>,
}

impl KeySet {
    pub fn new() -> Self {
        KeySet {
            next_index: 1,
            keys: vec![pool_key(0)],
        }
    }

    /// Adds a new key that signs from now on; returns its kid.
    pub fn rotate(&mut self) -> String {
        let key = pool_key(self.next_index);
        self.next_index += 1;
        let kid = key.kid.clone();
        self.keys.push(key);
        kid
    }

    /// Drops every key but the signing one from the JWKS.
    pub fn retire_old(&mut self) {
        let current = self.current();
        self.keys = vec![current];
    }

    pub fn current(&self) -> Arc<KeyMaterial> {
        self.keys.last().expect("at least one key").clone()
    }

    pub fn kids(&self) -> Vec<String> {
        self.keys.iter().map(|k| k.kid.clone()).collect()
    }

    pub fn jwks(&self) -> Value {
        let keys: Vec<&Value> = self.keys.iter().rev().map(|k| &k.jwk).collect();
        json!({ "keys": keys })
    }
}

impl KeyMaterial {
    pub fn sign<T: Serialize>(&self, claims: &T) -> String {
        let mut header = Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).expect("RS256 signing")
    }
}

/// `at_hash`: base64url of the left half of SHA-256 of the access token.
pub(crate) fn at_hash(access_token: &str) -> String {
    let digest = Sha256::digest(access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}
