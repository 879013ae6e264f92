//! The durable outbox: every webhook event is written here before the call that caused it is
//! answered, and delivered from here, at least once, whatever happens to the proxy or to the
//! partner's backend meanwhile (see [`crate::webhook`]). It is the proxy's only state.
//!
//! Two stores behind one contract, through sqlx's `Any` driver: **SQLite** in a file
//! (`--outbox sqlite:PATH`, the embedded default; one replica needs nothing else) and
//! **Postgres** (`--outbox postgres://…`), which replicas share. An event is leased to one
//! replica at a time (`FOR UPDATE SKIP LOCKED` on Postgres; SQLite serializes its writers), so
//! each is delivered once in normal operation and again only after a replica died holding it.
//! Delivered and failed events are kept, so that they can be listed and sent again
//! (`socialchat-proxy webhooks list | retry`).

use std::borrow::Cow;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

/// The environment variable that may hold the outbox's URL (a Postgres URL holds a password:
/// better there than in argv).
pub const URL_VAR: &str = "SOCIALCHAT_OUTBOX_URL";

/// The outbox's URL when none is given: a SQLite file in the working directory, created on
/// start.
pub const DEFAULT_URL: &str = "sqlite:socialchat-outbox.sqlite3";

/// One event, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// The Standard Webhooks `webhook-id`: stable across attempts, the receiver's key to
    /// deduplicate.
    pub id: String,
    /// `channel.connected`, `channel.created`.
    pub event_type: String,
    /// The JSON payload, exactly as it is signed and sent.
    pub body: String,
    /// Unix seconds (the `webhook-timestamp` of every attempt is its own).
    pub created_at: i64,
}

/// Where an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Pending,
    Delivered,
    /// Still failing after the whole retry schedule; kept until sent again by hand.
    Failed,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Delivered => "delivered",
            State::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Result<State, String> {
        [State::Pending, State::Delivered, State::Failed]
            .into_iter()
            .find(|state| state.as_str() == text)
            .ok_or_else(|| format!("an outbox row has the unknown state {text:?}"))
    }
}

/// An event as stored, with its delivery so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub event: NewEvent,
    pub state: State,
    pub attempts: i64,
    /// Unix milliseconds.
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
}

/// The schema: created if it is not there, statement by statement (under a lock on Postgres,
/// so that two replicas starting together do not race). The outbox's tables are its own,
/// prefixed, beside whatever else the database holds.
const SCHEMA: [&str; 3] = [
    "CREATE TABLE IF NOT EXISTS socialchat_webhook_outbox (
        id TEXT PRIMARY KEY,
        event_type TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        state TEXT NOT NULL,
        attempts BIGINT NOT NULL,
        next_attempt_at BIGINT NOT NULL,
        leased_until BIGINT NOT NULL,
        lease_owner TEXT,
        last_error TEXT,
        finished_at BIGINT
    )",
    "CREATE INDEX IF NOT EXISTS socialchat_webhook_outbox_due
        ON socialchat_webhook_outbox (state, next_attempt_at)",
    "CREATE TABLE IF NOT EXISTS socialchat_outbox_probe (id BIGINT PRIMARY KEY, at BIGINT NOT NULL)",
];

/// The key of the Postgres advisory lock the schema is created under.
const SCHEMA_LOCK: i64 = 0x5c_0bb0_0001;

/// Which database holds the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

pub struct Outbox {
    pool: AnyPool,
    kind: Kind,
    /// What the logs may say of where the outbox is: the SQLite file, or "postgres" (a Postgres
    /// URL holds a password).
    pub label: String,
}

/// Creates the tables that are not there yet.
async fn create_schema(pool: &AnyPool, kind: Kind) -> Result<(), sqlx::Error> {
    let mut connection = pool.acquire().await?;
    if kind == Kind::Postgres {
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(SCHEMA_LOCK)
            .execute(&mut *connection)
            .await?;
    }
    let mut created = Ok(());
    for statement in SCHEMA {
        created = sqlx::query(statement)
            .execute(&mut *connection)
            .await
            .map(|_| ());
        if created.is_err() {
            break;
        }
    }
    if kind == Kind::Postgres {
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(SCHEMA_LOCK)
            .execute(&mut *connection)
            .await?;
    }
    created
}

/// How long a query may wait for a connection of the pool.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

impl Outbox {
    /// Opens (creating a SQLite file and the schema if need be) the outbox at `url`:
    /// `sqlite:PATH` or `postgres://…`.
    pub async fn open(url: &str) -> Result<Outbox, String> {
        sqlx::any::install_default_drivers();
        let (kind, url, label) = if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.trim_start_matches("//");
            if path.is_empty() || path.starts_with(":memory:") || path.contains('?') {
                return Err(
                    "--outbox sqlite:PATH needs the path of a file (the outbox must outlive the \
                     process)"
                        .into(),
                );
            }
            // rwc: create the file if it is not there.
            let url = format!("sqlite://{path}?mode=rwc");
            (Kind::Sqlite, url, format!("sqlite:{path}"))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Kind::Postgres, url.to_owned(), "postgres".to_owned())
        } else {
            return Err(
                "--outbox takes sqlite:PATH or postgres://USER:PASSWORD@HOST/DATABASE".into(),
            );
        };
        let mut options = AnyPoolOptions::new().acquire_timeout(ACQUIRE_TIMEOUT);
        if kind == Kind::Sqlite {
            // One writer at a time is SQLite's rule; WAL lets the readers (the CLI) in meanwhile,
            // and a busy database is waited for, not failed at once.
            options = options.max_connections(4).after_connect(|connection, _| {
                Box::pin(async move {
                    sqlx::query("PRAGMA journal_mode = WAL")
                        .execute(&mut *connection)
                        .await?;
                    sqlx::query("PRAGMA busy_timeout = 5000")
                        .execute(&mut *connection)
                        .await?;
                    Ok(())
                })
            });
        } else {
            options = options.max_connections(8);
        }
        let pool = options
            .connect(&url)
            .await
            .map_err(|e| format!("cannot open the outbox ({label}): {}", describe(&e)))?;
        create_schema(&pool, kind)
            .await
            .map_err(|e| format!("cannot set up the outbox ({label}): {}", describe(&e)))?;
        Ok(Outbox { pool, kind, label })
    }

    /// `sql` written with Postgres's `$1` parameters, as this database takes them (SQLite's
    /// numbered `?1` are the same parameters).
    fn sql(&self, sql: impl Into<Cow<'static, str>>) -> Cow<'static, str> {
        let sql = sql.into();
        match self.kind {
            Kind::Postgres => sql,
            Kind::Sqlite => Cow::Owned(sql.replace('$', "?")),
        }
    }

    /// Writes `event`, due at once. An event whose id is already there (the same scan seen by
    /// two polls, or two replicas) is written once.
    pub async fn add(&self, event: &NewEvent, now_ms: i64) -> Result<(), String> {
        let sql = self.sql(
            "INSERT INTO socialchat_webhook_outbox \
             (id, event_type, body, created_at, state, attempts, next_attempt_at, leased_until) \
             VALUES ($1, $2, $3, $4, 'pending', 0, $5, 0) ON CONFLICT (id) DO NOTHING",
        );
        sqlx::query(&sql)
            .bind(&event.id)
            .bind(&event.event_type)
            .bind(&event.body)
            .bind(event.created_at)
            .bind(now_ms)
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(|e| describe(&e))
    }

    /// Leases up to `max` events due at `now_ms` to `owner` until `until_ms`: no other replica
    /// takes them meanwhile.
    pub async fn lease(
        &self,
        owner: &str,
        now_ms: i64,
        until_ms: i64,
        max: i64,
    ) -> Result<Vec<Stored>, String> {
        let sql = match self.kind {
            Kind::Postgres => Cow::Borrowed(
                "UPDATE socialchat_webhook_outbox SET leased_until = $1, lease_owner = $2 \
                 WHERE id IN (SELECT id FROM socialchat_webhook_outbox \
                   WHERE state = 'pending' AND next_attempt_at <= $3 AND leased_until <= $3 \
                   ORDER BY next_attempt_at LIMIT $4 FOR UPDATE SKIP LOCKED) \
                 RETURNING id, event_type, body, created_at, state, attempts, next_attempt_at, last_error",
            ),
            Kind::Sqlite => Cow::Borrowed(
                "UPDATE socialchat_webhook_outbox SET leased_until = ?1, lease_owner = ?2 \
                 WHERE id IN (SELECT id FROM socialchat_webhook_outbox \
                   WHERE state = 'pending' AND next_attempt_at <= ?3 AND leased_until <= ?3 \
                   ORDER BY next_attempt_at LIMIT ?4) \
                 RETURNING id, event_type, body, created_at, state, attempts, next_attempt_at, last_error",
            ),
        };
        let rows = sqlx::query(&sql)
            .bind(until_ms)
            .bind(owner)
            .bind(now_ms)
            .bind(max)
            .fetch_all(&self.pool)
            .await
            .map_err(|e| describe(&e))?;
        rows.iter().map(stored).collect()
    }

    /// Records an attempt of `id` by `owner`: delivered, due again at `next_ms`, or failed for
    /// good. An event whose lease another replica has taken since is left to it (an error).
    pub async fn attempted(
        &self,
        id: &str,
        owner: &str,
        outcome: Attempted<'_>,
        now_ms: i64,
    ) -> Result<(), String> {
        let (state, next_ms, error) = match outcome {
            Attempted::Delivered => (State::Delivered, now_ms, None),
            Attempted::Retry { next_ms, error } => (State::Pending, next_ms, Some(error)),
            Attempted::Failed { error } => (State::Failed, now_ms, Some(error)),
        };
        let finished = (state != State::Pending).then_some(now_ms);
        let sql = self.sql(
            "UPDATE socialchat_webhook_outbox SET state = $1, attempts = attempts + 1, \
             next_attempt_at = $2, leased_until = 0, lease_owner = NULL, last_error = $3, \
             finished_at = $4 WHERE id = $5 AND lease_owner = $6",
        );
        let done = sqlx::query(&sql)
            .bind(state.as_str())
            .bind(next_ms)
            .bind(error)
            .bind(finished)
            .bind(id)
            .bind(owner)
            .execute(&self.pool)
            .await
            .map_err(|e| describe(&e))?;
        if done.rows_affected() == 0 {
            return Err("its lease had run out and another replica holds it now".into());
        }
        Ok(())
    }

    /// The events, newest first (at most `limit`), only the failed ones when `failed_only`.
    pub async fn list(&self, failed_only: bool, limit: i64) -> Result<Vec<Stored>, String> {
        let sql = self.sql(
            "SELECT id, event_type, body, created_at, state, attempts, next_attempt_at, last_error \
             FROM socialchat_webhook_outbox WHERE ($1 = 0 OR state = 'failed') \
             ORDER BY created_at DESC, id LIMIT $2",
        );
        let rows = sqlx::query(&sql)
            .bind(i64::from(failed_only))
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(|e| describe(&e))?;
        rows.iter().map(stored).collect()
    }

    /// Makes event `id` (or, with `None`, every failed event) due again at `now_ms`, with a
    /// fresh schedule; an event a replica is attempting right now is left to it. How many were.
    pub async fn retry(&self, id: Option<&str>, now_ms: i64) -> Result<u64, String> {
        let reset = "UPDATE socialchat_webhook_outbox SET state = 'pending', attempts = 0, \
             next_attempt_at = $1, leased_until = 0, lease_owner = NULL, finished_at = NULL \
             WHERE leased_until <= $1 AND ";
        let (sql, key) = match id {
            Some(id) => (format!("{reset}id = $2"), id),
            None => (format!("{reset}state = 'failed' AND $2 = ''"), ""),
        };
        sqlx::query(&self.sql(sql))
            .bind(now_ms)
            .bind(key)
            .execute(&self.pool)
            .await
            .map(|done| done.rows_affected())
            .map_err(|e| describe(&e))
    }

    /// How many events wait to be delivered, and when the oldest of them was written (unix
    /// seconds).
    pub async fn pending(&self) -> Result<(i64, Option<i64>), String> {
        let row = sqlx::query(
            "SELECT COUNT(*), MIN(created_at) FROM socialchat_webhook_outbox \
             WHERE state = 'pending'",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(|e| describe(&e))?;
        let count: i64 = row.try_get(0).map_err(|e| describe(&e))?;
        let oldest: Option<i64> = row.try_get(1).map_err(|e| describe(&e))?;
        Ok((count, oldest))
    }

    /// Whether the outbox takes a write now (a row of its own probe table, written over).
    pub async fn writable(&self, now_ms: i64) -> Result<(), String> {
        let sql = self.sql(
            "INSERT INTO socialchat_outbox_probe (id, at) VALUES (1, $1) \
             ON CONFLICT (id) DO UPDATE SET at = excluded.at",
        );
        sqlx::query(&sql)
            .bind(now_ms)
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(|e| describe(&e))
    }

    /// Closes the pool (the CLI's, and a test's).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// How an attempt ended.
#[derive(Debug, Clone, Copy)]
pub enum Attempted<'a> {
    Delivered,
    Retry { next_ms: i64, error: &'a str },
    Failed { error: &'a str },
}

fn stored(row: &AnyRow) -> Result<Stored, String> {
    let get = |e: sqlx::Error| describe(&e);
    Ok(Stored {
        event: NewEvent {
            id: row.try_get(0).map_err(get)?,
            event_type: row.try_get(1).map_err(get)?,
            body: row.try_get(2).map_err(get)?,
            created_at: row.try_get(3).map_err(get)?,
        },
        state: State::parse(&row.try_get::<String, _>(4).map_err(get)?)?,
        attempts: row.try_get(5).map_err(get)?,
        next_attempt_at: row.try_get(6).map_err(get)?,
        last_error: row.try_get(7).map_err(get)?,
    })
}

/// A database error as an operator reads it: what failed, without the URL (which may hold a
/// password).
fn describe(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(e) => format!("the database refused: {}", e.message()),
        sqlx::Error::PoolTimedOut => "the database did not answer in time".into(),
        sqlx::Error::Io(e) => format!("cannot reach the database: {e}"),
        other => other.to_string(),
    }
}
