//! The embedded backend: one SQLite file (`<DATA_DIR>/gateway.db`) in WAL mode.
//!
//! All records live in one `records` table keyed by `(kind, key)`; the layout
//! and the migration rule are described in `docs/store.md`.
//!
//! Versions come from a single-row counter that every write bumps inside its
//! own transaction, so a new version is greater than any version ever handed
//! out in this file, including versions of keys deleted since.
//!
//! Every write runs in a `BEGIN IMMEDIATE` transaction, which takes SQLite's
//! write lock before reading anything: a conditional write is atomic across
//! connections and across processes sharing the file, and writers that find
//! the lock taken wait up to [`BUSY_TIMEOUT`] instead of failing. Within one
//! process the writer connection sits behind a mutex; reads use a small pool
//! of separate connections, which WAL lets run beside the writer.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use rusqlite::{
    Connection, ErrorCode, OptionalExtension, Row, TransactionBehavior, named_params, params,
};

use super::{Expect, Kind, Put, Record, Store, StoreError, StoreResult, now_unix};

/// How long a statement waits for another connection's lock before failing.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Idle read connections kept open for reuse.
const MAX_IDLE_READERS: usize = 4;

/// Schema migrations in order: entry `i` brings the schema to version `i + 1`.
/// Released entries are never edited or reordered; changes are appended.
const MIGRATIONS: &[&str] = &["CREATE TABLE records (
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        value BLOB NOT NULL,
        version INTEGER NOT NULL,
        grp TEXT NULL,
        expires_at INTEGER NULL,
        PRIMARY KEY (kind, key)
    );
    CREATE INDEX records_kind_grp ON records (kind, grp);
    CREATE INDEX records_expires_at ON records (expires_at);
    CREATE TABLE version_counter (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        value INTEGER NOT NULL
    );
    INSERT INTO version_counter (id, value) VALUES (1, 0);"];

const LIVE: &str = "(expires_at IS NULL OR expires_at > :now)";

const BUMP_VERSION: &str =
    "UPDATE version_counter SET value = value + 1 WHERE id = 1 RETURNING value";

const UPSERT_ANY: &str = "INSERT INTO records (kind, key, value, version, grp, expires_at)
    VALUES (:kind, :key, :value, :version, :grp, :expires_at)
    ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, version = excluded.version,
        grp = excluded.grp, expires_at = excluded.expires_at";

const UPSERT_IF_ABSENT: &str = "INSERT INTO records (kind, key, value, version, grp, expires_at)
    VALUES (:kind, :key, :value, :version, :grp, :expires_at)
    ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, version = excluded.version,
        grp = excluded.grp, expires_at = excluded.expires_at
    WHERE records.expires_at IS NOT NULL AND records.expires_at <= :now";

const UPDATE_IF_VERSION: &str = "UPDATE records
    SET value = :value, version = :version, grp = :grp, expires_at = :expires_at
    WHERE kind = :kind AND key = :key AND version = :expected
        AND (expires_at IS NULL OR expires_at > :now)";

const COLUMNS: &str = "key, value, version, grp, expires_at";

/// The SQLite store. Cloning is cheap and shares the connections.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    writer: Mutex<Connection>,
    /// `None` for an in-memory database, whose only connection is the writer.
    path: Option<PathBuf>,
    readers: Mutex<Vec<Connection>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`, creating missing
    /// parent directories, and brings its schema up to date.
    pub fn open(path: &Path) -> StoreResult<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| {
                StoreError::Unavailable(format!(
                    "cannot create directory {}: {e}",
                    parent.display()
                ))
            })?;
        }
        let mut writer = open_connection(path)?;
        let mode: String = writer
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(|e| map_error("enable WAL", e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Unavailable(format!(
                "SQLite database {} cannot use WAL mode (journal mode is {mode})",
                path.display()
            )));
        }
        migrate(&mut writer)?;
        Ok(Self::from_parts(writer, Some(path.to_path_buf())))
    }

    /// A private in-memory database (one connection), for tests.
    pub fn open_in_memory() -> StoreResult<Self> {
        let mut conn =
            Connection::open_in_memory().map_err(|e| map_error("open in-memory database", e))?;
        configure(&conn)?;
        migrate(&mut conn)?;
        Ok(Self::from_parts(conn, None))
    }

    fn from_parts(writer: Connection, path: Option<PathBuf>) -> Self {
        SqliteStore {
            inner: Arc::new(Inner {
                writer: Mutex::new(writer),
                path,
                readers: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Runs `f` on a blocking thread with access to the connections.
    async fn run<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Inner) -> StoreResult<T> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || f(&inner))
            .await
            .map_err(|e| StoreError::Unavailable(format!("SQLite worker failed: {e}")))?
    }
}

impl Inner {
    fn writer(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves the connection usable: an
        // unfinished transaction was rolled back when it was dropped.
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn read<T>(&self, f: impl FnOnce(&Connection) -> StoreResult<T>) -> StoreResult<T> {
        let Some(path) = &self.path else {
            return f(&self.writer());
        };
        let idle = self.readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match idle {
            Some(conn) => conn,
            None => {
                let conn = open_connection(path)?;
                conn.pragma_update(None, "query_only", true)
                    .map_err(|e| map_error("configure reader", e))?;
                conn
            }
        };
        let result = f(&conn);
        let mut idle = self.readers.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
        result
    }
}

fn open_connection(path: &Path) -> StoreResult<Connection> {
    let conn = Connection::open(path).map_err(|e| {
        let err = map_error("open", e);
        match err {
            StoreError::Unavailable(msg) => StoreError::Unavailable(format!(
                "cannot open SQLite database {}: {msg}",
                path.display()
            )),
            other => other,
        }
    })?;
    configure(&conn)?;
    Ok(conn)
}

fn configure(conn: &Connection) -> StoreResult<()> {
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| map_error("configure", e))?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(|e| map_error("configure", e))?;
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(|e| map_error("configure", e))?;
    Ok(())
}

/// Applies the migrations this binary knows and the database lacks, each in
/// its own transaction. Safe when several processes open the file at once.
fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let err = |e| map_error("migrate schema", e);
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            applied_at INTEGER NOT NULL
        )",
    )
    .map_err(err)?;
    let known = MIGRATIONS.len() as i64;
    for (index, sql) in MIGRATIONS.iter().enumerate() {
        let target = index as i64 + 1;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let current = schema_version(&tx)?;
        if current > known {
            return Err(StoreError::Corrupt(format!(
                "the database schema is at version {current} but this gateway knows only up to \
                 version {known}; run a newer gateway or restore a backup"
            )));
        }
        if current >= target {
            continue;
        }
        tx.execute_batch(sql).map_err(err)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
            params![target, now_unix()],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
    }
    Ok(())
}

fn schema_version(conn: &Connection) -> StoreResult<i64> {
    conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |row| row.get(0),
    )
    .map_err(|e| map_error("read schema version", e))
}

fn map_error(op: &str, e: rusqlite::Error) -> StoreError {
    use rusqlite::Error as E;
    match &e {
        E::SqliteFailure(failure, _) => match failure.code {
            ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => {
                StoreError::Corrupt(format!("SQLite {op}: {e}"))
            }
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                StoreError::Unavailable(format!(
                    "SQLite {op}: the database stayed locked by another connection for over {BUSY_TIMEOUT:?}"
                ))
            }
            _ => StoreError::Unavailable(format!("SQLite {op}: {e}")),
        },
        E::FromSqlConversionFailure(..)
        | E::IntegralValueOutOfRange(..)
        | E::InvalidColumnType(..) => StoreError::Corrupt(format!("SQLite {op}: {e}")),
        _ => StoreError::Unavailable(format!("SQLite {op}: {e}")),
    }
}

/// Reads `(key, record)` from a row selected with [`COLUMNS`].
fn row_to_entry(row: &Row<'_>) -> rusqlite::Result<(String, i64, Record)> {
    let version: i64 = row.get(2)?;
    let record = Record {
        value: row.get(1)?,
        version: 0,
        group: row.get(3)?,
        expires_at: row.get(4)?,
    };
    Ok((row.get(0)?, version, record))
}

fn finish_entry(
    (key, version, mut record): (String, i64, Record),
) -> StoreResult<(String, Record)> {
    record.version = u64::try_from(version)
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| StoreError::Corrupt(format!("record has invalid version {version}")))?;
    Ok((key, record))
}

fn list(
    conn: &Connection,
    sql: &str,
    params: &[(&str, &dyn rusqlite::ToSql)],
) -> StoreResult<Vec<(String, Record)>> {
    let err = |e| map_error("list", e);
    let mut stmt = conn.prepare_cached(sql).map_err(err)?;
    let rows = stmt.query_map(params, row_to_entry).map_err(err)?;
    rows.map(|row| finish_entry(row.map_err(err)?)).collect()
}

struct OwnedPut {
    kind: Kind,
    key: String,
    value: Vec<u8>,
    group: Option<String>,
    expires_at: Option<i64>,
    expect: Expect,
}

fn write(conn: &mut Connection, put: &OwnedPut, now: i64) -> StoreResult<u64> {
    let err = |e| map_error("put", e);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(err)?;
    let version: i64 = tx
        .query_row(BUMP_VERSION, [], |row| row.get(0))
        .map_err(err)?;
    let common = named_params! {
        ":kind": put.kind.as_str(),
        ":key": put.key,
        ":value": put.value,
        ":version": version,
        ":grp": put.group,
        ":expires_at": put.expires_at,
    };
    let changed = match put.expect {
        Expect::Any => tx
            .prepare_cached(UPSERT_ANY)
            .and_then(|mut s| s.execute(common)),
        Expect::Absent => tx.prepare_cached(UPSERT_IF_ABSENT).and_then(|mut s| {
            let mut all = common.to_vec();
            all.push((":now", &now));
            s.execute(all.as_slice())
        }),
        Expect::Version(expected) => {
            // A version no write could have produced never matches.
            let Ok(expected) = i64::try_from(expected) else {
                return Err(StoreError::Conflict);
            };
            tx.prepare_cached(UPDATE_IF_VERSION).and_then(|mut s| {
                let mut all = common.to_vec();
                all.push((":now", &now));
                all.push((":expected", &expected));
                s.execute(all.as_slice())
            })
        }
    }
    .map_err(err)?;
    if changed == 0 {
        // Dropping the transaction rolls back the counter bump too.
        return Err(StoreError::Conflict);
    }
    tx.commit().map_err(err)?;
    u64::try_from(version)
        .map_err(|_| StoreError::Corrupt(format!("version counter is invalid ({version})")))
}

fn remove(conn: &Connection, kind: Kind, key: &str, expect: Expect, now: i64) -> StoreResult<bool> {
    let err = |e| map_error("delete", e);
    let kind = kind.as_str();
    match expect {
        Expect::Any => {
            // Removes an expired leftover too, but reports only a live record.
            let was_live: Option<bool> = conn
                .prepare_cached(&format!(
                    "DELETE FROM records WHERE kind = :kind AND key = :key RETURNING {LIVE}"
                ))
                .and_then(|mut s| {
                    s.query_row(
                        named_params! {":kind": kind, ":key": key, ":now": now},
                        |row| row.get(0),
                    )
                    .optional()
                })
                .map_err(err)?;
            Ok(was_live.unwrap_or(false))
        }
        Expect::Absent => {
            let live: bool = conn
                .prepare_cached(&format!(
                    "SELECT EXISTS (SELECT 1 FROM records WHERE kind = :kind AND key = :key AND {LIVE})"
                ))
                .and_then(|mut s| {
                    s.query_row(
                        named_params! {":kind": kind, ":key": key, ":now": now},
                        |row| row.get(0),
                    )
                })
                .map_err(err)?;
            if live {
                Err(StoreError::Conflict)
            } else {
                Ok(false)
            }
        }
        Expect::Version(expected) => {
            let Ok(expected) = i64::try_from(expected) else {
                return Err(StoreError::Conflict);
            };
            let changed = conn
                .prepare_cached(&format!(
                    "DELETE FROM records WHERE kind = :kind AND key = :key AND version = :expected AND {LIVE}"
                ))
                .and_then(|mut s| {
                    s.execute(named_params! {
                        ":kind": kind, ":key": key, ":expected": expected, ":now": now,
                    })
                })
                .map_err(err)?;
            if changed == 0 {
                Err(StoreError::Conflict)
            } else {
                Ok(true)
            }
        }
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn get(&self, kind: Kind, key: &str) -> StoreResult<Option<Record>> {
        let key = key.to_owned();
        self.run(move |inner| {
            inner.read(|conn| {
                let err = |e| map_error("get", e);
                let entry = conn
                    .prepare_cached(&format!(
                        "SELECT {COLUMNS} FROM records WHERE kind = :kind AND key = :key AND {LIVE}"
                    ))
                    .and_then(|mut s| {
                        s.query_row(
                            named_params! {":kind": kind.as_str(), ":key": key, ":now": now_unix()},
                            row_to_entry,
                        )
                        .optional()
                    })
                    .map_err(err)?;
                entry.map(|e| finish_entry(e).map(|(_, r)| r)).transpose()
            })
        })
        .await
    }

    async fn put(&self, put: Put<'_>) -> StoreResult<u64> {
        let put = OwnedPut {
            kind: put.kind,
            key: put.key.to_owned(),
            value: put.value.to_vec(),
            group: put.group.map(str::to_owned),
            expires_at: put.expires_at,
            expect: put.expect,
        };
        self.run(move |inner| write(&mut inner.writer(), &put, now_unix()))
            .await
    }

    async fn delete(&self, kind: Kind, key: &str, expect: Expect) -> StoreResult<bool> {
        let key = key.to_owned();
        self.run(move |inner| remove(&inner.writer(), kind, &key, expect, now_unix()))
            .await
    }

    async fn list_group(&self, kind: Kind, group: &str) -> StoreResult<Vec<(String, Record)>> {
        let group = group.to_owned();
        self.run(move |inner| {
            inner.read(|conn| {
                list(
                    conn,
                    &format!(
                        "SELECT {COLUMNS} FROM records WHERE kind = :kind AND grp = :grp AND {LIVE}"
                    ),
                    named_params! {":kind": kind.as_str(), ":grp": group, ":now": now_unix()},
                )
            })
        })
        .await
    }

    async fn list_kind(&self, kind: Kind) -> StoreResult<Vec<(String, Record)>> {
        self.run(move |inner| {
            inner.read(|conn| {
                list(
                    conn,
                    &format!("SELECT {COLUMNS} FROM records WHERE kind = :kind AND {LIVE}"),
                    named_params! {":kind": kind.as_str(), ":now": now_unix()},
                )
            })
        })
        .await
    }

    async fn purge_expired(&self) -> StoreResult<u64> {
        self.run(|inner| {
            let removed = inner
                .writer()
                .execute(
                    "DELETE FROM records WHERE expires_at IS NOT NULL AND expires_at <= ?1",
                    [now_unix()],
                )
                .map_err(|e| map_error("purge expired records", e))?;
            Ok(removed as u64)
        })
        .await
    }

    async fn ping(&self) -> StoreResult<()> {
        self.run(|inner| {
            inner.read(|conn| {
                conn.query_row("SELECT 1", [], |row| row.get::<_, i64>(0))
                    .map(drop)
                    .map_err(|e| map_error("ping", e))
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::conformance::{self, Fixture};

    async fn fresh_file() -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SqliteStore::open(&dir.path().join("gateway.db")).expect("open");
        Fixture::new(store, dir)
    }

    async fn fresh_memory() -> Fixture {
        Fixture::new(SqliteStore::open_in_memory().expect("open"), ())
    }

    mod file {
        crate::store_conformance_tests!(super::fresh_file);
    }

    mod memory {
        crate::store_conformance_tests!(super::fresh_memory);
    }

    fn applied_migrations(path: &Path) -> Vec<i64> {
        let conn = Connection::open(path).expect("open");
        let mut stmt = conn
            .prepare("SELECT version FROM schema_migrations ORDER BY version")
            .expect("prepare");
        stmt.query_map([], |row| row.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    }

    fn put<'a>(key: &'a str, value: &'a [u8], expect: Expect) -> Put<'a> {
        Put {
            kind: Kind::Lease,
            key,
            value,
            group: None,
            expires_at: None,
            expect,
        }
    }

    #[tokio::test]
    async fn migrations_apply_once_and_reopen_is_idempotent() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("gateway.db");
        let all: Vec<i64> = (1..=MIGRATIONS.len() as i64).collect();
        let first = {
            let store = SqliteStore::open(&path).expect("open");
            store
                .put(put("k", b"v", Expect::Absent))
                .await
                .expect("put")
        };
        assert_eq!(applied_migrations(&path), all);
        let store = SqliteStore::open(&path).expect("reopen");
        assert_eq!(applied_migrations(&path), all);
        let record = store
            .get(Kind::Lease, "k")
            .await
            .expect("get")
            .expect("kept");
        assert_eq!(
            (record.value.as_slice(), record.version),
            (&b"v"[..], first)
        );
        // The version counter survives a restart too.
        let next = store
            .put(put("other", b"v", Expect::Any))
            .await
            .expect("put");
        assert!(next > first);
    }

    #[tokio::test]
    async fn refuses_a_newer_schema() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("gateway.db");
        drop(SqliteStore::open(&path).expect("open"));
        let newer = MIGRATIONS.len() as i64 + 1;
        Connection::open(&path)
            .expect("open")
            .execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, 0)",
                [newer],
            )
            .expect("insert");
        match SqliteStore::open(&path) {
            Err(StoreError::Corrupt(msg)) => {
                assert!(msg.contains(&format!("version {newer}")), "{msg}");
                assert!(msg.contains("newer gateway"), "{msg}");
            }
            Err(e) => panic!("wrong error: {e}"),
            Ok(_) => panic!("opened a database with a newer schema"),
        }
    }

    #[tokio::test]
    async fn uses_wal_and_the_configured_pragmas() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("gateway.db");
        let store = SqliteStore::open(&path).expect("open");
        let conn = Connection::open(&path).expect("open");
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |row| row.get(0))
            .expect("journal_mode");
        assert_eq!(mode, "wal");
        let writer = store.inner.writer();
        let pragma = |name| -> i64 {
            writer
                .pragma_query_value(None, name, |row| row.get(0))
                .expect(name)
        };
        assert_eq!(pragma("synchronous"), 1, "NORMAL");
        assert_eq!(pragma("foreign_keys"), 1);
        assert_eq!(pragma("busy_timeout"), BUSY_TIMEOUT.as_millis() as i64);
    }

    #[tokio::test]
    async fn creates_missing_parent_directories() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("a").join("b").join("gateway.db");
        let store = SqliteStore::open(&path).expect("open");
        store.ping().await.expect("ping");
        assert!(path.is_file());
    }

    #[tokio::test]
    async fn unusable_files_are_reported() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("gateway.db");
        std::fs::write(&path, vec![b'x'; 8192]).expect("write");
        assert!(matches!(
            SqliteStore::open(&path),
            Err(StoreError::Corrupt(_))
        ));
        let blocked = dir.path().join("file").join("gateway.db");
        std::fs::write(dir.path().join("file"), b"").expect("write");
        assert!(matches!(
            SqliteStore::open(&blocked),
            Err(StoreError::Unavailable(_))
        ));
    }

    #[tokio::test]
    async fn bad_stored_data_is_corrupt() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("gateway.db");
        let store = SqliteStore::open(&path).expect("open");
        Connection::open(&path)
            .expect("open")
            .execute(
                "INSERT INTO records (kind, key, value, version) VALUES ('lease', 'bad', x'00', -5)",
                [],
            )
            .expect("insert");
        assert!(matches!(
            store.get(Kind::Lease, "bad").await,
            Err(StoreError::Corrupt(_))
        ));
        assert!(matches!(
            store.list_kind(Kind::Lease).await,
            Err(StoreError::Corrupt(_))
        ));
    }

    /// Two stores on one file behave like two gateway processes.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn two_stores_on_one_file_share_state_and_race_correctly() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("gateway.db");
        let stores: [Arc<dyn Store>; 2] = [
            Arc::new(SqliteStore::open(&path).expect("open a")),
            Arc::new(SqliteStore::open(&path).expect("open b")),
        ];
        let [a, b] = &stores;

        let v = a
            .put(put("shared", b"from a", Expect::Absent))
            .await
            .expect("put");
        let seen = b
            .get(Kind::Lease, "shared")
            .await
            .expect("get")
            .expect("visible");
        assert_eq!((seen.value.as_slice(), seen.version), (&b"from a"[..], v));
        let w = b
            .put(put("shared", b"from b", Expect::Version(v)))
            .await
            .expect("put");
        assert!(w > v, "versions are shared across stores");
        assert!(matches!(
            a.put(put("shared", b"stale", Expect::Version(v))).await,
            Err(StoreError::Conflict)
        ));

        // Racing creates from both stores: exactly one wins.
        let handles: Vec<_> = (0..32)
            .map(|i| {
                let store = Arc::clone(&stores[i % 2]);
                tokio::spawn(async move {
                    let value = format!("writer {i}");
                    store
                        .put(put("contended", value.as_bytes(), Expect::Absent))
                        .await
                })
            })
            .collect();
        let mut wins = 0;
        for handle in handles {
            match handle.await.expect("task") {
                Ok(_) => wins += 1,
                Err(StoreError::Conflict) => {}
                Err(e) => panic!("writer failed: {e}"),
            }
        }
        assert_eq!(wins, 1);
    }

    const CHILD_DB: &str = "MCP_GATEWAY_TEST_SQLITE_CHILD_DB";
    const CROSS_KEYS: usize = 50;
    const CROSS_INCREMENTS: usize = 200;

    /// One side of the cross-process test: creates-if-absent each contended
    /// key, then increments the shared counter. Returns how many keys it won.
    async fn cross_process_work(store: &SqliteStore) -> usize {
        let mut wins = 0;
        for i in 0..CROSS_KEYS {
            let key = format!("contended-{i}");
            match store.put(put(&key, b"", Expect::Absent)).await {
                Ok(_) => wins += 1,
                Err(StoreError::Conflict) => {}
                Err(e) => panic!("create failed: {e}"),
            }
        }
        for _ in 0..CROSS_INCREMENTS {
            conformance::increment(store, Kind::Lease, "counter").await;
        }
        wins
    }

    /// Runs only as the child process of `two_processes_share_one_file`.
    #[tokio::test]
    #[ignore = "helper process started by two_processes_share_one_file"]
    #[expect(
        clippy::disallowed_methods,
        reason = "the parent test passes the database path to its child process"
    )]
    async fn cross_process_child() {
        let Some(path) = std::env::var_os(CHILD_DB) else {
            return;
        };
        let store = SqliteStore::open(Path::new(&path)).expect("open");
        store
            .put(put("child-ready", b"", Expect::Any))
            .await
            .expect("put");
        let wins = cross_process_work(&store).await.to_string();
        store
            .put(put("child-wins", wins.as_bytes(), Expect::Any))
            .await
            .expect("put");
    }

    #[tokio::test]
    async fn two_processes_share_one_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("gateway.db");
        let store = SqliteStore::open(&path).expect("open");
        let (_, module) = module_path!().split_once("::").expect("crate prefix");
        let mut child = tokio::process::Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "--exact",
                &format!("{module}::cross_process_child"),
                "--ignored",
                "--quiet",
            ])
            .env(CHILD_DB, &path)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start child process");
        // Start together, so the two processes really contend.
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while store
            .get(Kind::Lease, "child-ready")
            .await
            .expect("get")
            .is_none()
        {
            assert!(std::time::Instant::now() < deadline, "child never started");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let wins = cross_process_work(&store).await;
        assert!(child.wait().await.expect("child").success(), "child failed");
        let child_wins = store.get(Kind::Lease, "child-wins").await.expect("get");
        let child_wins: usize = String::from_utf8(child_wins.expect("reported").value)
            .expect("text")
            .parse()
            .expect("number");
        assert_eq!(
            wins + child_wins,
            CROSS_KEYS,
            "each key has exactly one creator"
        );
        let counter = store.get(Kind::Lease, "counter").await.expect("get");
        let want = (2 * CROSS_INCREMENTS).to_string();
        assert_eq!(counter.map(|r| r.value), Some(want.into_bytes()));
    }
}
