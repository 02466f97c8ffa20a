//! Running PostgreSQL's own `pg_dump` and `pg_restore` for a database URL of ours. sqlx URLs may
//! carry `options[search_path]=schema`, which libpq does not read: that becomes `--schema` for
//! pg_dump and `PGOPTIONS` for pg_restore. The password travels in `PGPASSWORD`, never on the
//! command line where `ps` would show it.

use std::path::Path;

use anyhow::{Context, bail};
use tokio::process::Command;
use url::Url;

/// A database URL taken apart for libpq tools.
pub struct PgTarget {
    /// The URL without password and query, e.g. `postgres://gp@127.0.0.1:5432/gp_test`.
    conninfo: String,
    password: Option<String>,
    /// `sslmode` kept from the URL.
    sslmode: Option<String>,
    pub schema: Option<String>,
}

impl PgTarget {
    pub fn parse(database_url: &str) -> anyhow::Result<Self> {
        let mut url = Url::parse(database_url).context("the database URL is not a valid URL")?;
        let password = url.password().map(|p| percent_encoding::percent_decode_str(p).decode_utf8_lossy().into_owned());
        let mut schema = None;
        let mut sslmode = None;
        for (key, value) in url.query_pairs() {
            match key.as_ref() {
                "options[search_path]" => schema = Some(value.into_owned()),
                "sslmode" => sslmode = Some(value.into_owned()),
                _ => {}
            }
        }
        let _ = url.set_password(None);
        url.set_query(None);
        Ok(Self { conninfo: url.to_string(), password, sslmode, schema })
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.arg(format!("--dbname={}", self.conninfo)).env_remove("PGOPTIONS").kill_on_drop(true);
        if let Some(password) = &self.password {
            cmd.env("PGPASSWORD", password);
        }
        if let Some(mode) = &self.sslmode {
            cmd.env("PGSSLMODE", mode);
        }
        cmd
    }

    /// `pg_dump` in custom format of the exported `snapshot` into `file`.
    pub async fn dump(&self, snapshot: &str, file: &Path) -> anyhow::Result<()> {
        let mut cmd = self.command("pg_dump");
        cmd.args(["--format=custom", "--no-owner", "--no-privileges"]).arg(format!("--snapshot={snapshot}")).arg("--file").arg(file);
        if let Some(schema) = &self.schema {
            cmd.arg(format!("--schema={schema}"));
        }
        run(cmd, "pg_dump").await
    }

    /// `pg_restore` of `file` into this (empty) database, stopping at the first error.
    pub async fn restore(&self, file: &Path) -> anyhow::Result<()> {
        let mut cmd = self.command("pg_restore");
        cmd.args(["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]).arg(file);
        run(cmd, "pg_restore").await
    }
}

async fn run(mut cmd: Command, name: &str) -> anyhow::Result<()> {
    let out = match cmd.output().await {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("{name} is not installed; it comes with PostgreSQL's client tools (Debian: postgresql-client)")
        }
        Err(e) => return Err(e).with_context(|| format!("cannot run {name}")),
    };
    if !out.status.success() {
        bail!("{name} failed: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_and_sqlx_options_leave_the_url() {
        let t = PgTarget::parse("postgres://gp:p%40ss@127.0.0.1:5432/gp_test?options[search_path]=gp_test_1&sslmode=disable").unwrap();
        assert_eq!(t.conninfo, "postgres://gp@127.0.0.1:5432/gp_test");
        assert_eq!(t.password.as_deref(), Some("p@ss"));
        assert_eq!(t.schema.as_deref(), Some("gp_test_1"));
        assert_eq!(t.sslmode.as_deref(), Some("disable"));
    }
}
