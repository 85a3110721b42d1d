//! The SQL store's own helpers: the back-fill run after migrating, the shared ordered
//! search page, and what a write does inside its transaction (the right it relies on,
//! events, audit entries, a skill's search columns).

use skillreg_core::model::{
    AuditEntry, EventKind, Role, SearchQuery, SkillRecord, SkillUid, Timestamp, TokenRecord, UserId,
};
use skillreg_core::ports::{StoreError, WriteRight};
use skillreg_core::{SkillId, Version};

use crate::sql::dialect::{Dialect, SqlStore, Tx};
use crate::sql::query::Sql;
use crate::sql::rows::{
    HitRow, SKILL_COLUMNS, SkillRow, SkillVersionRow, TOKEN_COLUMNS, TokenRow,
    VERSION_COLUMNS_QUALIFIED,
};
use crate::sql::{
    COUNT_START, HIT_COLUMNS, VersionSummaryRow, push_count_end, push_hit_source, push_order,
    push_tag_count, search_fields,
};

impl<D: Dialect> SqlStore<D> {
    /// Fills in the package id of versions written before the column existed (the id is
    /// computed here, not in SQL), a batch at a time. Run after migrating.
    pub(crate) async fn backfill_package_ids(&self) -> Result<(), StoreError> {
        let sql = format!(
            "SELECT s.uid, s.namespace, s.name, s.created_by, s.created_at, s.deprecation, \
             {VERSION_COLUMNS_QUALIFIED} FROM versions v JOIN skills s ON s.uid = v.skill_uid \
             WHERE v.package_id = '' LIMIT 500"
        );
        loop {
            let mut tx = self.begin().await?;
            let found: Vec<SkillVersionRow> = tx.all(Sql::new(&sql)).await?;
            if found.is_empty() {
                return Ok(());
            }
            for row in found {
                let skill = row.skill.into_record()?;
                let version = row.version.into_record()?;
                let id = skillreg_core::package::package_id(&skill.id, &version.published);
                tx.execute(
                    Sql::new(
                        "UPDATE versions SET package_id = $1 WHERE skill_uid = $2 AND version = $3",
                    )
                    .bind(id.as_str())
                    .bind(skill.uid.as_str())
                    .bind(version.version().canonical()),
                )
                .await?;
            }
            tx.commit().await?;
        }
    }

    /// One page of hits (plus one, if there are more) and the total, among skills recorded
    /// at or before `bound`, ordered in SQL; `source_hint` follows the page query's
    /// `FROM skills s` (a dialect's way to pick how skills are read).
    pub(crate) async fn ordered_page(
        &self,
        query: &SearchQuery,
        bound: Option<i64>,
        offset: u64,
        source_hint: &str,
    ) -> Result<(Vec<HitRow>, u64), StoreError> {
        let mut select = Sql::new(HIT_COLUMNS);
        push_hit_source(&mut select, query);
        select.push(source_hint);
        D::push_matches(&mut select, query, bound);
        push_order(&mut select, query, offset);
        let hits: Vec<HitRow> = self.all(select.plan_each_time(D::PLAN_EACH_SEARCH)).await?;
        // Count only when the page does not tell: a short page is the end of the hits,
        // unless it is empty past the first page (the offset may be past the end).
        let past_the_end = hits.is_empty() && offset > 0;
        let total = if hits.len() as u64 > u64::from(query.limit) || past_the_end {
            let mut count = Sql::new(COUNT_START);
            if !push_tag_count(&mut count, query, bound) {
                count.push(" FROM skills s");
                D::push_matches(&mut count, query, bound);
            }
            push_count_end(&mut count);
            let (total,): (i64,) = self.one(count.plan_each_time(D::PLAN_EACH_SEARCH)).await?;
            u64::try_from(total).unwrap_or(0)
        } else {
            offset + hits.len() as u64
        };
        Ok((hits, total))
    }

    /// The token whose `column` (`id` or `secret_digest`, both unique) is `value`.
    pub(crate) async fn token_where(
        &self,
        column: &'static str,
        value: &str,
    ) -> Result<Option<TokenRecord>, StoreError> {
        self.optional::<TokenRow>(
            Sql::new(format!(
                "SELECT {TOKEN_COLUMNS} FROM tokens WHERE {column} = $1"
            ))
            .bind(value),
        )
        .await?
        .map(TokenRow::into_record)
        .transpose()
    }

    /// Runs `change` (an `UPDATE`) in a transaction of its own, with `audit` recorded only
    /// when it changed a row; returns whether it did.
    pub(crate) async fn update_audited(
        &self,
        change: Sql,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let changed = tx.execute(change).await? > 0;
        if changed {
            tx.insert_audit(audit).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }
}

impl<D: Dialect> Tx<D> {
    /// Checks that the right the write relies on still holds: the namespace's row is
    /// locked in share mode (member changes lock it exclusively), so no member change lands
    /// between this check and the commit.
    pub(crate) async fn check_right(&mut self, right: &WriteRight) -> Result<(), StoreError> {
        let Some((namespace, user)) = right.subject() else {
            return Ok(());
        };
        let key = namespace.key();
        let exists: Option<(String,)> = self
            .optional(
                Sql::new(format!(
                    "SELECT key FROM namespaces WHERE key = $1{}",
                    D::FOR_SHARE
                ))
                .bind(key.as_str()),
            )
            .await?;
        let role: Option<(String,)> = match exists {
            None => None,
            Some(_) => self.member_role(key.as_str(), user.as_str()).await?,
        };
        let role = role.map(|(role,)| match role.as_str() {
            "owner" => Role::Owner,
            _ => Role::Member,
        });
        if right.holds(role) {
            Ok(())
        } else {
            Err(StoreError::RightEnded)
        }
    }

    /// The role of `user` in the namespace with key `key`, as stored.
    pub(crate) async fn member_role(
        &mut self,
        key: &str,
        user: &str,
    ) -> Result<Option<(String,)>, StoreError> {
        self.optional(
            Sql::new(
                "SELECT role FROM namespace_members WHERE namespace_key = $1 AND user_id = $2",
            )
            .bind(key)
            .bind(user),
        )
        .await
    }

    pub(crate) async fn insert_audit(&mut self, audit: &AuditEntry) -> Result<(), StoreError> {
        self.execute(
            Sql::new("INSERT INTO audit_log (actor, action, target, at) VALUES ($1, $2, $3, $4)")
                .bind(audit.actor.as_str())
                .bind(&audit.action)
                .bind(&audit.target)
                .bind(audit.at.unix_millis()),
        )
        .await?;
        Ok(())
    }

    /// The skill with this uid, its row locked until the transaction ends.
    pub(crate) async fn locked_skill(
        &mut self,
        uid: &SkillUid,
    ) -> Result<Option<SkillRecord>, StoreError> {
        self.optional::<SkillRow>(
            Sql::new(format!(
                "SELECT {SKILL_COLUMNS} FROM skills WHERE uid = $1{}",
                D::FOR_UPDATE
            ))
            .bind(uid.as_str()),
        )
        .await?
        .map(SkillRow::into_record)
        .transpose()
    }

    pub(crate) async fn insert_event(
        &mut self,
        kind: EventKind,
        skill: &SkillId,
        version: &Version,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.execute(
            Sql::new("INSERT INTO events (kind, skill_id, version, at) VALUES ($1, $2, $3, $4)")
                .bind(kind.as_str())
                .bind(skill.to_string())
                .bind(version.to_string())
                .bind(at.unix_millis()),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn ensure_user(
        &mut self,
        user: &UserId,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.execute(
            Sql::new(
                "INSERT INTO users (id, created_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
            )
            .bind(user.as_str())
            .bind(at.unix_millis()),
        )
        .await?;
        Ok(())
    }

    /// Recomputes a skill's search columns from its versions (core decides which is
    /// latest) and updates the full-text index.
    pub(crate) async fn refresh_skill(&mut self, uid: &str) -> Result<(), StoreError> {
        let (seq, name, created_at): (i64, String, i64) = self
            .one(Sql::new("SELECT seq, name, created_at FROM skills WHERE uid = $1").bind(uid))
            .await?;
        let summaries: Vec<VersionSummaryRow> = self
            .all(
                Sql::new(
                    "SELECT version_text, yanked, description, tags, verdict, published_at FROM versions \
                     WHERE skill_uid = $1",
                )
                .bind(uid),
            )
            .await?;
        let fields = search_fields(&summaries, created_at)?;
        self.execute(
            Sql::new(
                "UPDATE skills SET latest_version = $1, description = $2, tags = $3, updated_at = $4, \
                 verdict = $5 WHERE uid = $6",
            )
            .bind(&fields.latest_version)
            .bind(&fields.description)
            .bind(&fields.tags)
            .bind(fields.updated_at)
            .bind(&fields.verdict)
            .bind(uid),
        )
        .await?;
        self.execute(Sql::new("DELETE FROM skill_tags WHERE skill_uid = $1").bind(uid))
            .await?;
        let mut tags: Vec<&str> = fields.tags.split_whitespace().collect();
        tags.sort_unstable();
        tags.dedup();
        for tag in tags {
            self.execute(
                Sql::new("INSERT INTO skill_tags (skill_uid, tag) VALUES ($1, $2)")
                    .bind(uid)
                    .bind(tag),
            )
            .await?;
        }
        D::index_search(self, seq, &name, &fields).await
    }
}
