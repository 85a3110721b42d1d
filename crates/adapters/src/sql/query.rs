//! Statements as values: [`Sql`] is a statement's text with its parameters, built the same
//! way for both databases (`$n` placeholders, which SQLite and PostgreSQL both read), and
//! run by a [`Dialect`](super::Dialect) against a pool or a transaction ([`On`]). The code
//! the two stores share builds `Sql` and never names a database; each dialect binds the
//! parameters with its own driver.

use std::fmt::Write as _;

use sqlx::database::HasStatementCache;
use sqlx::error::BoxDynError;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Arguments as _, Database, Executor, FromRow, IntoArguments, Pool, Transaction};

/// One parameter's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Arg {
    /// A 64-bit integer, or NULL.
    Int(Option<i64>),
    /// A 32-bit integer.
    Int32(i32),
    /// Text, or NULL.
    Text(Option<String>),
    /// A boolean.
    Bool(bool),
    /// Bytes.
    Bytes(Vec<u8>),
    /// An array of integers (PostgreSQL only).
    Ints(Vec<i64>),
    /// An array of texts (PostgreSQL only).
    Texts(Vec<String>),
}

impl From<i64> for Arg {
    fn from(value: i64) -> Self {
        Arg::Int(Some(value))
    }
}

impl From<Option<i64>> for Arg {
    fn from(value: Option<i64>) -> Self {
        Arg::Int(value)
    }
}

impl From<i32> for Arg {
    fn from(value: i32) -> Self {
        Arg::Int32(value)
    }
}

impl From<bool> for Arg {
    fn from(value: bool) -> Self {
        Arg::Bool(value)
    }
}

impl From<String> for Arg {
    fn from(value: String) -> Self {
        Arg::Text(Some(value))
    }
}

impl From<&str> for Arg {
    fn from(value: &str) -> Self {
        Arg::Text(Some(value.to_owned()))
    }
}

impl From<&String> for Arg {
    fn from(value: &String) -> Self {
        Arg::Text(Some(value.clone()))
    }
}

impl From<Option<String>> for Arg {
    fn from(value: Option<String>) -> Self {
        Arg::Text(value)
    }
}

impl From<Option<&str>> for Arg {
    fn from(value: Option<&str>) -> Self {
        Arg::Text(value.map(str::to_owned))
    }
}

impl From<&Option<String>> for Arg {
    fn from(value: &Option<String>) -> Self {
        Arg::Text(value.clone())
    }
}

impl From<&Vec<u8>> for Arg {
    fn from(value: &Vec<u8>) -> Self {
        Arg::Bytes(value.clone())
    }
}

impl From<&[i64]> for Arg {
    fn from(value: &[i64]) -> Self {
        Arg::Ints(value.to_vec())
    }
}

impl From<&[String]> for Arg {
    fn from(value: &[String]) -> Self {
        Arg::Texts(value.to_vec())
    }
}

/// A statement: its text and its parameters, in the order of their `$n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sql {
    text: String,
    args: Vec<Arg>,
    persistent: bool,
}

impl Sql {
    /// A statement starting with `text`. Statements are prepared once per connection and
    /// kept, unless [`Sql::plan_each_time`] says otherwise.
    pub(crate) fn new(text: impl Into<String>) -> Self {
        Sql {
            text: text.into(),
            args: Vec::new(),
            persistent: true,
        }
    }

    /// Binds the next parameter of text that already holds its `$n`.
    pub(crate) fn bind(mut self, value: impl Into<Arg>) -> Self {
        self.args.push(value.into());
        self
    }

    /// Appends text.
    pub(crate) fn push(&mut self, text: impl AsRef<str>) -> &mut Self {
        self.text.push_str(text.as_ref());
        self
    }

    /// Appends the next parameter's placeholder and binds it.
    pub(crate) fn push_bind(&mut self, value: impl Into<Arg>) -> &mut Self {
        self.args.push(value.into());
        // Writing to a String cannot fail.
        let _ = write!(self.text, "${}", self.args.len());
        self
    }

    /// Appends placeholders for each value, separated by commas.
    pub(crate) fn push_list<T: Into<Arg>>(
        &mut self,
        values: impl IntoIterator<Item = T>,
    ) -> &mut Self {
        for (index, value) in values.into_iter().enumerate() {
            if index > 0 {
                self.push(", ");
            }
            self.push_bind(value);
        }
        self
    }

    /// Whether the statement is planned for its own values every time it runs, instead of
    /// prepared once per connection and kept.
    pub(crate) fn plan_each_time(mut self, each_time: bool) -> Self {
        self.persistent = !each_time;
        self
    }

    /// The text, as the database will read it.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The text, the parameters, and whether the statement is kept prepared.
    pub(crate) fn into_parts(self) -> (String, Vec<Arg>, bool) {
        (self.text, self.args, self.persistent)
    }
}

/// A row type both databases can read.
pub trait SqlRow:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin + 'static
{
}

impl<T> SqlRow for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin + 'static
{
}

/// Where a statement runs: a pool (one connection taken for it) or an open transaction.
#[derive(Debug)]
pub enum On<'a, DB: Database> {
    /// Any connection of the pool.
    Pool(&'a Pool<DB>),
    /// The transaction's connection.
    Tx(&'a mut Transaction<'static, DB>),
}

/// How a database binds array parameters (one without them refuses).
pub(crate) trait Arrays: Database {
    /// Adds `array` ([`Arg::Ints`] or [`Arg::Texts`]) to `out`.
    fn add_array(out: &mut Self::Arguments<'_>, array: Arg) -> Result<(), BoxDynError>;
}

/// The parameters as `DB` binds them: the scalar kinds both databases take, and arrays
/// as [`Arrays`] says.
pub(crate) fn arguments<'q, DB>(args: Vec<Arg>) -> Result<DB::Arguments<'q>, sqlx::Error>
where
    DB: Arrays,
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i32: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Vec<u8>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let mut out = DB::Arguments::default();
    for arg in args {
        match arg {
            Arg::Int(value) => out.add(value),
            Arg::Int32(value) => out.add(value),
            Arg::Text(value) => out.add(value),
            Arg::Bool(value) => out.add(value),
            Arg::Bytes(value) => out.add(value),
            other @ (Arg::Ints(_) | Arg::Texts(_)) => DB::add_array(&mut out, other),
        }
        .map_err(sqlx::Error::Encode)?;
    }
    Ok(out)
}

/// Runs `sql` on `DB` for its rows.
pub(crate) async fn fetch_all<DB, R>(on: On<'_, DB>, sql: Sql) -> Result<Vec<R>, sqlx::Error>
where
    DB: Arrays + HasStatementCache,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i32: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Vec<u8>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    R: for<'r> FromRow<'r, DB::Row> + Send + Unpin,
{
    let (text, args, persistent) = sql.into_parts();
    let query =
        sqlx::query_as_with::<DB, R, _>(&text, arguments::<DB>(args)?).persistent(persistent);
    match on {
        On::Pool(pool) => query.fetch_all(pool).await,
        On::Tx(tx) => query.fetch_all(&mut **tx).await,
    }
}

/// Runs `sql` on `DB` for its effect: the number of rows it changed.
pub(crate) async fn execute<DB>(on: On<'_, DB>, sql: Sql) -> Result<u64, sqlx::Error>
where
    DB: Arrays + HasStatementCache,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i32: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Vec<u8>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    DB::QueryResult: RowsAffected,
{
    let (text, args, persistent) = sql.into_parts();
    let query = sqlx::query_with::<DB, _>(&text, arguments::<DB>(args)?).persistent(persistent);
    let done = match on {
        On::Pool(pool) => query.execute(pool).await?,
        On::Tx(tx) => query.execute(&mut **tx).await?,
    };
    Ok(done.rows_affected())
}

/// A statement's outcome that says how many rows it changed.
pub(crate) trait RowsAffected {
    fn rows_affected(&self) -> u64;
}

impl RowsAffected for sqlx::sqlite::SqliteQueryResult {
    fn rows_affected(&self) -> u64 {
        sqlx::sqlite::SqliteQueryResult::rows_affected(self)
    }
}

impl RowsAffected for sqlx::postgres::PgQueryResult {
    fn rows_affected(&self) -> u64 {
        sqlx::postgres::PgQueryResult::rows_affected(self)
    }
}

#[cfg(test)]
mod tests {
    use super::{Arg, Sql};

    #[test]
    fn placeholders_follow_the_parameters_bound_before_them() {
        let mut sql = Sql::new("SELECT 1 FROM t WHERE a = $1").bind("x");
        sql.push(" AND b IN (").push_list([1_i64, 2]).push(")");
        sql.push(" AND c = ").push_bind(Some("y"));
        let (text, args, persistent) = sql.into_parts();
        assert_eq!(
            text,
            "SELECT 1 FROM t WHERE a = $1 AND b IN ($2, $3) AND c = $4"
        );
        assert_eq!(
            args,
            vec![
                Arg::Text(Some("x".into())),
                Arg::Int(Some(1)),
                Arg::Int(Some(2)),
                Arg::Text(Some("y".into())),
            ]
        );
        assert!(persistent);
    }

    #[test]
    fn a_statement_planned_each_time_is_not_kept() {
        let (_, _, persistent) = Sql::new("SELECT 1").plan_each_time(true).into_parts();
        assert!(!persistent);
    }
}
