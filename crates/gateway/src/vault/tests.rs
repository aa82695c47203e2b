//! Vault tests with real cryptography.

use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use super::test_support::CountingProvider;
use super::*;

fn ctx(user: &str, purpose: Purpose) -> SealContext {
    SealContext::new(user, purpose)
}

fn alice() -> SealContext {
    ctx("alice@example.com", Purpose::GoogleRefreshToken)
}

fn provider(seed: u8) -> LocalKeyProvider {
    LocalKeyProvider::new([seed; 32], vec![])
}

fn vault(p: LocalKeyProvider) -> Vault {
    Vault::new(Arc::new(p))
}

/// Byte ranges of the fields of a version 1 ciphertext, computed
/// independently of the parser.
struct Regions {
    version: Range<usize>,
    key_id_len: Range<usize>,
    key_id: Range<usize>,
    context_check: Range<usize>,
    wrapped_len: Range<usize>,
    wrapped: Range<usize>,
    nonce: Range<usize>,
    ciphertext: Range<usize>,
    tag: Range<usize>,
}

fn regions(sealed: &[u8]) -> Regions {
    let k = usize::from(sealed[1]);
    let w = usize::from(u16::from_be_bytes([sealed[6 + k], sealed[7 + k]]));
    let nonce = 8 + k + w;
    let payload = nonce + 12;
    let tag = sealed.len() - 16;
    Regions {
        version: 0..1,
        key_id_len: 1..2,
        key_id: 2..2 + k,
        context_check: 2 + k..6 + k,
        wrapped_len: 6 + k..8 + k,
        wrapped: 8 + k..nonce,
        nonce: nonce..payload,
        ciphertext: payload..tag,
        tag: tag..sealed.len(),
    }
}

#[tokio::test]
async fn round_trip_for_every_purpose_and_size() {
    let v = vault(provider(1));
    for purpose in Purpose::ALL {
        for len in [0usize, 1, 31, 1000, 100_000] {
            let plaintext: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let c = ctx("user-1", purpose);
            let sealed = v.seal(&plaintext, &c).await.unwrap();
            assert_eq!(sealed.len(), 1 + 1 + 22 + 4 + 2 + 60 + 12 + len + 16);
            if len >= 16 {
                assert!(!sealed.windows(16).any(|w| w == &plaintext[..16]));
            }
            assert_eq!(&*v.open(&sealed, &c).await.unwrap(), &plaintext);
            // A vault with a cold cache opens it through the provider.
            let cold = vault(provider(1));
            assert_eq!(&*cold.open(&sealed, &c).await.unwrap(), &plaintext);
        }
    }
}

#[tokio::test]
async fn sealing_twice_gives_different_ciphertexts() {
    let v = vault(provider(1));
    let a = v.seal(b"token", &alice()).await.unwrap();
    let b = v.seal(b"token", &alice()).await.unwrap();
    assert_ne!(a, b);
    assert_ne!(regions(&a).nonce, 0..0);
    assert_ne!(a[regions(&a).nonce], b[regions(&b).nonce]);
}

#[tokio::test]
async fn tampering_with_any_byte_is_detected() {
    let p = Arc::new(provider(1));
    let warm = Vault::new(p.clone());
    let plaintext = b"1//0refresh-token-value-that-must-stay-secret";
    let sealed = warm.seal(plaintext, &alice()).await.unwrap();
    let r = regions(&sealed);
    for i in 0..sealed.len() {
        for flip in [0x01u8, 0x80] {
            let mut bad = sealed.clone();
            bad[i] ^= flip;
            for v in [&warm, &Vault::new(p.clone())] {
                let err = v.open(&bad, &alice()).await.unwrap_err();
                let expected_kind = match i {
                    _ if r.version.contains(&i) => {
                        matches!(err, VaultError::UnsupportedVersion(_))
                    }
                    _ if r.key_id_len.contains(&i) => matches!(
                        err,
                        VaultError::Malformed(_)
                            | VaultError::UnknownKey { .. }
                            | VaultError::WrongContext
                    ),
                    _ if r.key_id.contains(&i) => {
                        matches!(
                            err,
                            VaultError::UnknownKey { .. } | VaultError::Malformed(_)
                        )
                    }
                    _ if r.context_check.contains(&i) => matches!(err, VaultError::WrongContext),
                    _ if r.wrapped_len.contains(&i) => matches!(
                        err,
                        VaultError::Malformed(_) | VaultError::AuthenticationFailed
                    ),
                    _ if r.wrapped.contains(&i)
                        || r.nonce.contains(&i)
                        || r.ciphertext.contains(&i)
                        || r.tag.contains(&i) =>
                    {
                        matches!(err, VaultError::AuthenticationFailed)
                    }
                    _ => unreachable!("byte {i} is in no region"),
                };
                assert!(expected_kind, "byte {i} flip {flip:#x}: {err:?}");
            }
        }
    }
    // Extra or missing trailing bytes.
    let mut longer = sealed.clone();
    longer.push(0);
    assert!(matches!(
        warm.open(&longer, &alice()).await,
        Err(VaultError::AuthenticationFailed)
    ));
    // The original still opens: nothing above poisoned the caches.
    assert_eq!(&*warm.open(&sealed, &alice()).await.unwrap(), plaintext);
}

#[tokio::test]
async fn truncated_and_empty_input_is_rejected() {
    let v = vault(provider(1));
    let sealed = v.seal(b"secret", &alice()).await.unwrap();
    assert!(matches!(
        v.open(&[], &alice()).await,
        Err(VaultError::Malformed("empty input"))
    ));
    let payload_start = regions(&sealed).nonce.end;
    for len in 1..sealed.len() {
        let err = v.open(&sealed[..len], &alice()).await.unwrap_err();
        if len < payload_start + 16 {
            assert!(matches!(err, VaultError::Malformed(_)), "{len}: {err:?}");
        } else {
            assert!(
                matches!(err, VaultError::AuthenticationFailed),
                "{len}: {err:?}"
            );
        }
    }
    assert!(Vault::key_id_of(&[]).is_err());
    assert!(Vault::key_id_of(&sealed[..5]).is_err());
    assert!(v.needs_rewrap(&[]));
    assert!(v.needs_rewrap(b"not a vault ciphertext"));
}

#[tokio::test]
async fn wrong_user_or_purpose_is_refused() {
    let p = Arc::new(provider(1));
    let v = Vault::new(p.clone());
    let sealed = v.seal(b"secret", &alice()).await.unwrap();
    for other in [
        ctx("bob@example.com", Purpose::GoogleRefreshToken),
        ctx("alice@example.com", Purpose::GoogleAccessToken),
        ctx("alice@example.co", Purpose::GoogleRefreshToken),
    ] {
        for v in [&v, &Vault::new(p.clone())] {
            let err = v.open(&sealed, &other).await.unwrap_err();
            assert!(matches!(err, VaultError::WrongContext), "{err:?}");
        }
        // Forge the context check: the AEAD (and the provider, on a cold
        // cache) still refuse, so the context is bound cryptographically.
        let mut forged = sealed.clone();
        let r = regions(&forged);
        let check = format::context_check(&EncryptionContext::from(&other).to_bytes());
        forged[r.context_check].copy_from_slice(&check);
        for v in [&v, &Vault::new(p.clone())] {
            let err = v.open(&forged, &other).await.unwrap_err();
            assert!(matches!(err, VaultError::AuthenticationFailed), "{err:?}");
        }
    }
}

#[tokio::test]
async fn wrong_master_key_is_refused() {
    let sealed = vault(provider(1)).seal(b"secret", &alice()).await.unwrap();
    let other = vault(provider(2));
    let err = other.open(&sealed, &alice()).await.unwrap_err();
    assert!(matches!(err, VaultError::UnknownKey { .. }), "{err:?}");

    // Claim the other key's id: unwrapping fails authentication.
    let old_id = Vault::key_id_of(&sealed).unwrap();
    let new_id = other.current_key_id();
    assert_eq!(old_id.len(), new_id.len());
    let mut relabeled = sealed.clone();
    relabeled[regions(&sealed).key_id].copy_from_slice(new_id.as_bytes());
    let err = other.open(&relabeled, &alice()).await.unwrap_err();
    assert!(matches!(err, VaultError::AuthenticationFailed), "{err:?}");
}

#[tokio::test]
async fn unknown_key_id_is_named() {
    let p1 = provider(1);
    let id1 = p1.current_key_id();
    let sealed = vault(p1).seal(b"secret", &alice()).await.unwrap();
    let err = vault(provider(2))
        .open(&sealed, &alice())
        .await
        .unwrap_err();
    match &err {
        VaultError::UnknownKey { provider, key_id } => {
            assert_eq!(*provider, "local");
            assert_eq!(*key_id, id1);
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains(&id1));
}

#[tokio::test]
async fn rotation_keeps_old_values_readable_and_rewraps() {
    let key_a = [0xAA; 32];
    let key_b = [0xBB; 32];
    let before = vault(LocalKeyProvider::new(key_a, vec![]));
    let sealed = before.seal(b"refresh", &alice()).await.unwrap();
    let id_a = LocalKeyProvider::key_id_for(&key_a);
    assert_eq!(Vault::key_id_of(&sealed).unwrap(), id_a);
    assert!(!before.needs_rewrap(&sealed));

    let after = vault(LocalKeyProvider::new(key_b, vec![key_a]));
    assert_eq!(&*after.open(&sealed, &alice()).await.unwrap(), b"refresh");
    assert!(after.needs_rewrap(&sealed));

    let resealed = after.rewrap(&sealed, &alice()).await.unwrap();
    assert!(!after.needs_rewrap(&resealed));
    assert_eq!(
        Vault::key_id_of(&resealed).unwrap(),
        LocalKeyProvider::key_id_for(&key_b)
    );
    assert_eq!(&*after.open(&resealed, &alice()).await.unwrap(), b"refresh");
    // Only B is needed for the new value; A is needed for the old one.
    let b_only = vault(LocalKeyProvider::new(key_b, vec![]));
    assert_eq!(
        &*b_only.open(&resealed, &alice()).await.unwrap(),
        b"refresh"
    );
    assert!(matches!(
        b_only.open(&sealed, &alice()).await,
        Err(VaultError::UnknownKey { .. })
    ));
}

#[tokio::test]
async fn rotation_stops_sealing_with_cached_old_data_keys() {
    let counting = CountingProvider::new(provider(1));
    let v = Vault::new(counting.clone());
    v.seal(b"x", &alice()).await.unwrap();
    counting.replace(LocalKeyProvider::new([2; 32], vec![[1; 32]]));
    let sealed = v.seal(b"x", &alice()).await.unwrap();
    assert!(!v.needs_rewrap(&sealed));
    assert_eq!(counting.calls().0, 2);
}

#[tokio::test]
async fn warm_cache_makes_one_provider_call_each_way() {
    let counting = CountingProvider::new(provider(1));
    let sealer = Vault::new(counting.clone());
    let mut sealed = Vec::new();
    for i in 0..100 {
        sealed.push(
            sealer
                .seal(format!("v{i}").as_bytes(), &alice())
                .await
                .unwrap(),
        );
    }
    assert_eq!(counting.calls(), (1, 0));
    // The sealing vault opens its own values without the provider.
    for s in &sealed {
        sealer.open(s, &alice()).await.unwrap();
    }
    assert_eq!(counting.calls(), (1, 0));

    let opener = Vault::new(counting.clone());
    for (i, s) in sealed.iter().enumerate() {
        assert_eq!(
            &*opener.open(s, &alice()).await.unwrap(),
            format!("v{i}").as_bytes()
        );
    }
    assert_eq!(counting.calls(), (1, 1));

    let stats = sealer.stats();
    assert_eq!(stats.generate_data_key_calls, 1);
    assert_eq!(stats.decrypt_data_key_calls, 0);
    assert_eq!(stats.seal_cache_hits, 99);
    assert_eq!(stats.open_cache_hits, 100);
    let stats = opener.stats();
    assert_eq!(stats.provider_calls(), 1);
    assert_eq!(stats.open_cache_hits, 99);

    // Another context needs its own data key.
    sealer
        .seal(b"y", &ctx("bob@example.com", Purpose::GoogleRefreshToken))
        .await
        .unwrap();
    assert_eq!(counting.calls(), (2, 1));

    sealer.clear_cache();
    sealer.seal(b"z", &alice()).await.unwrap();
    assert_eq!(counting.calls(), (3, 1));
}

#[tokio::test]
async fn cache_is_bounded_by_count() {
    let counting = CountingProvider::new(provider(1));
    let options = VaultOptions {
        max_cached_keys: 2,
        ..VaultOptions::default()
    };
    let v = Vault::with_options(counting.clone(), options.clone());
    let users = ["u1", "u2", "u3"].map(|u| ctx(u, Purpose::SessionState));
    let mut sealed = Vec::new();
    for c in &users {
        sealed.push(v.seal(b"s", c).await.unwrap());
    }
    assert_eq!(counting.calls().0, 3);
    assert_eq!(v.stats().cached_seal_keys, 2);
    assert!(v.stats().cached_open_keys <= 2);
    v.seal(b"s", &users[2]).await.unwrap();
    assert_eq!(counting.calls().0, 3, "u3 is still cached");
    v.seal(b"s", &users[0]).await.unwrap();
    assert_eq!(counting.calls().0, 4, "u1 was evicted");

    let opener = Vault::with_options(counting.clone(), options);
    for _ in 0..2 {
        for (s, c) in sealed.iter().zip(&users) {
            opener.open(s, c).await.unwrap();
        }
    }
    assert_eq!(opener.stats().cached_open_keys, 2);
    // Six opens of three keys cycling through a cache of two: all miss.
    assert_eq!(opener.stats().decrypt_data_key_calls, 6);

    let disabled = Vault::with_options(
        counting.clone(),
        VaultOptions {
            max_cached_keys: 0,
            ..VaultOptions::default()
        },
    );
    let before = counting.calls();
    let s = disabled.seal(b"s", &alice()).await.unwrap();
    disabled.seal(b"s", &alice()).await.unwrap();
    disabled.open(&s, &alice()).await.unwrap();
    assert_eq!(counting.calls(), (before.0 + 2, before.1 + 1));
}

#[tokio::test]
async fn cache_is_bounded_by_age_and_uses() {
    let counting = CountingProvider::new(provider(1));
    let v = Vault::with_options(
        counting.clone(),
        VaultOptions {
            max_key_age: Duration::from_millis(100),
            ..VaultOptions::default()
        },
    );
    let sealed = v.seal(b"s", &alice()).await.unwrap();
    v.seal(b"s", &alice()).await.unwrap();
    v.open(&sealed, &alice()).await.unwrap();
    assert_eq!(counting.calls(), (1, 0));
    tokio::time::sleep(Duration::from_millis(150)).await;
    v.seal(b"s", &alice()).await.unwrap();
    v.open(&sealed, &alice()).await.unwrap();
    assert_eq!(counting.calls(), (2, 1));

    let limited = Vault::with_options(
        counting.clone(),
        VaultOptions {
            max_uses_per_key: 3,
            ..VaultOptions::default()
        },
    );
    let mut wrapped = std::collections::HashSet::new();
    for _ in 0..7 {
        let s = limited.seal(b"s", &alice()).await.unwrap();
        wrapped.insert(s[regions(&s).wrapped].to_vec());
    }
    assert_eq!(limited.stats().generate_data_key_calls, 3);
    assert_eq!(wrapped.len(), 3);
}

#[tokio::test]
async fn invalid_contexts_are_refused() {
    let v = vault(provider(1));
    let empty = ctx("", Purpose::ClientSecret);
    assert!(matches!(
        v.seal(b"s", &empty).await,
        Err(VaultError::InvalidContext(_))
    ));
    let long = ctx(&"x".repeat(MAX_USER_LEN + 1), Purpose::ClientSecret);
    assert!(matches!(
        v.seal(b"s", &long).await,
        Err(VaultError::InvalidContext(_))
    ));
    let sealed = v.seal(b"s", &alice()).await.unwrap();
    assert!(matches!(
        v.open(&sealed, &empty).await,
        Err(VaultError::InvalidContext(_))
    ));
}

#[tokio::test]
async fn secrets_never_show_in_errors_or_debug() {
    let key = [0x5A; 32];
    let v = vault(LocalKeyProvider::new(key, vec![]));
    let secret = b"ya29.secret-access-token";
    let sealed = v.seal(secret, &alice()).await.unwrap();
    let mut bad = sealed.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let err = v.open(&bad, &alice()).await.unwrap_err();
    let plain = v.open(&sealed, &alice()).await.unwrap();
    let texts = [
        err.to_string(),
        format!("{err:?}"),
        format!("{v:?}"),
        format!("{plain:?}"),
    ];
    let key_b64 = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(key)
    };
    for text in &texts {
        assert!(!text.contains("secret-access-token"), "{text}");
        assert!(!text.contains(&key_b64), "{text}");
        assert!(!text.contains("90, 90"), "{text}");
    }
    assert!(
        err.to_string()
            .starts_with("authentication failed: the ciphertext was altered")
    );
}

#[tokio::test]
async fn concurrent_seal_and_open() {
    let counting = CountingProvider::new(provider(1));
    let v = Vault::new(counting.clone());
    let mut tasks = Vec::new();
    for t in 0..8 {
        let v = v.clone();
        tasks.push(tokio::spawn(async move {
            let c = ctx(&format!("user-{}", t % 2), Purpose::SessionState);
            for i in 0..50 {
                let msg = format!("{t}-{i}");
                let s = v.seal(msg.as_bytes(), &c).await.unwrap();
                assert_eq!(&*v.open(&s, &c).await.unwrap(), msg.as_bytes());
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    // Two contexts; racing cold seals may each fetch a key, but not many.
    assert!(counting.calls().0 <= 8, "{:?}", counting.calls());
}

#[test]
fn purpose_strings_are_stable() {
    let names: Vec<&str> = Purpose::ALL.iter().map(|p| p.as_str()).collect();
    assert_eq!(
        names,
        [
            "google_refresh_token",
            "google_access_token",
            "client_secret",
            "session_state",
            "pending_authorization"
        ]
    );
    for p in Purpose::ALL {
        assert_eq!(p.as_str().parse::<Purpose>().unwrap(), p);
        assert_eq!(p.to_string(), p.as_str());
    }
    assert!("nope".parse::<Purpose>().is_err());
    let enc = EncryptionContext::from(&alice());
    assert_eq!(
        enc.iter().collect::<Vec<_>>(),
        [
            ("purpose", "google_refresh_token"),
            ("user", "alice@example.com")
        ]
    );
}

#[tokio::test]
async fn ping_reports_ready() {
    vault(provider(1)).ping().await.unwrap();
}
