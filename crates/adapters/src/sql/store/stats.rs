//! The SQL store's `StatsStore`: ratings, downloads and trending.

use async_trait::async_trait;
use skillreg_core::model::{RatingRecord, RatingSummary, SkillUid, Timestamp, TrendingEntry};
use skillreg_core::ports::{DownloadCount, StatsStore, StoreError};
use skillreg_core::{Namespace, SkillId, Version};

use crate::sql::dialect::{Dialect, PointReads, SqlStore};
use crate::sql::push_hidden;
use crate::sql::query::Sql;
use crate::sql::rows::{RatingRow, corrupt};

#[async_trait]
impl<D: PointReads> StatsStore for SqlStore<D> {
    async fn put_rating(&self, skill: &SkillUid, rating: &RatingRecord) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        // Lock the skill row: ratings of one skill are written one at a time, so the
        // aggregate below always counts every committed rating.
        let exists: Option<(String,)> = tx
            .optional(
                Sql::new(format!(
                    "SELECT uid FROM skills WHERE uid = $1{}",
                    D::FOR_UPDATE
                ))
                .bind(skill.as_str()),
            )
            .await?;
        if exists.is_none() {
            return Err(StoreError::Missing("skill".into()));
        }
        tx.ensure_user(&rating.user, rating.rated_at).await?;
        tx.execute(
            Sql::new(
                "INSERT INTO ratings (skill_uid, user_id, half_stars, review, rated_at) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (skill_uid, user_id) DO UPDATE SET half_stars = excluded.half_stars, \
                 review = excluded.review, rated_at = excluded.rated_at",
            )
            .bind(skill.as_str())
            .bind(rating.user.as_str())
            .bind(i32::from(rating.stars.half_stars()))
            .bind(&rating.review)
            .bind(rating.rated_at.unix_millis()),
        )
        .await?;
        tx.execute(
            Sql::new(
                "UPDATE skills SET rating_count = (SELECT COUNT(*) FROM ratings WHERE skill_uid = $1), \
                 rating_sum = (SELECT COALESCE(SUM(half_stars), 0) FROM ratings WHERE skill_uid = $1) \
                 WHERE uid = $1",
            )
            .bind(skill.as_str()),
        )
        .await?;
        tx.commit().await
    }

    async fn ratings(&self, skill: &SkillUid, limit: u32) -> Result<Vec<RatingRecord>, StoreError> {
        D::rating_rows(self, skill.as_str(), limit)
            .await?
            .into_iter()
            .map(RatingRow::into_record)
            .collect()
    }

    async fn rating_summary(&self, skill: &SkillUid) -> Result<RatingSummary, StoreError> {
        // The skill's row keeps the count and the sum, updated with each rating in its
        // transaction; a skill that does not exist has no ratings.
        let (_, count, sum) = D::skill_counters(self, skill.as_str())
            .await?
            .unwrap_or_default();
        let counted = |n: i64| u64::try_from(n).map_err(|e| corrupt("rating counts", e));
        Ok(RatingSummary {
            count: counted(count)?,
            half_star_sum: counted(sum)?,
        })
    }

    async fn record_download(
        &self,
        skill: &SkillUid,
        _version: &Version,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        if tx.count_downloads(skill, at, 1).await? == 0 {
            return Err(StoreError::Missing("skill".into()));
        }
        tx.commit().await
    }

    async fn record_downloads(&self, batch: &[DownloadCount]) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        for entry in batch {
            let count = i64::try_from(entry.count).unwrap_or(i64::MAX);
            tx.count_downloads(&entry.skill, entry.at, count).await?;
        }
        tx.commit().await
    }

    async fn download_count(&self, skill: &SkillUid) -> Result<u64, StoreError> {
        let counters = D::skill_counters(self, skill.as_str()).await?;
        Ok(counters.map_or(0, |(n, _, _)| u64::try_from(n).unwrap_or(0)))
    }

    async fn trending(
        &self,
        since: Timestamp,
        limit: u32,
        hidden: &[Namespace],
    ) -> Result<Vec<TrendingEntry>, StoreError> {
        let mut select = Sql::new(
            "SELECT s.namespace, s.name, CAST(SUM(d.count) AS BIGINT) AS installs \
             FROM downloads d JOIN skills s ON s.uid = d.skill_uid WHERE d.day >= ",
        );
        select.push_bind(since.day());
        push_hidden(&mut select, hidden);
        select
            .push(" GROUP BY s.uid, s.namespace, s.name, s.id_key ORDER BY installs DESC, s.id_key LIMIT ")
            .push_bind(i64::from(limit));
        let found: Vec<(String, String, i64)> = self.all(select).await?;
        found
            .into_iter()
            .map(|(namespace, name, installs)| {
                let corrupt = |e: &dyn std::fmt::Display| corrupt("trending", e);
                Ok(TrendingEntry {
                    id: SkillId::new(
                        namespace.parse().map_err(|e| corrupt(&e))?,
                        name.parse().map_err(|e| corrupt(&e))?,
                    ),
                    installs: u64::try_from(installs).map_err(|e| corrupt(&e))?,
                })
            })
            .collect()
    }
}

impl<D: Dialect> crate::sql::dialect::Tx<D> {
    /// Adds `count` installs of `skill` on the day of `at` to its total and to the day's
    /// bucket; returns 0 (and counts nothing) when there is no such skill.
    async fn count_downloads(
        &mut self,
        skill: &SkillUid,
        at: Timestamp,
        count: i64,
    ) -> Result<u64, StoreError> {
        let changed = self
            .execute(
                Sql::new("UPDATE skills SET downloads = downloads + $1 WHERE uid = $2")
                    .bind(count)
                    .bind(skill.as_str()),
            )
            .await?;
        if changed == 0 {
            return Ok(0);
        }
        self.execute(
            Sql::new(
                "INSERT INTO downloads (skill_uid, day, count) VALUES ($1, $2, $3) \
                 ON CONFLICT (skill_uid, day) DO UPDATE SET count = downloads.count + $3",
            )
            .bind(skill.as_str())
            .bind(at.day())
            .bind(count),
        )
        .await?;
        Ok(changed)
    }
}

/// The counters of a skill, through the pool: downloads, ratings, sum of half stars.
pub(crate) async fn skill_counters<D: Dialect>(
    store: &SqlStore<D>,
    uid: &str,
) -> Result<Option<(i64, i64, i64)>, StoreError> {
    store
        .optional(
            Sql::new("SELECT downloads, rating_count, rating_sum FROM skills WHERE uid = $1")
                .bind(uid),
        )
        .await
}

/// The newest ratings of a skill, through the pool.
pub(crate) async fn rating_rows<D: Dialect>(
    store: &SqlStore<D>,
    uid: &str,
    limit: u32,
) -> Result<Vec<RatingRow>, StoreError> {
    store
        .all(
            Sql::new(
                "SELECT user_id, half_stars, review, rated_at FROM ratings WHERE skill_uid = $1 \
                 ORDER BY rated_at DESC, user_id LIMIT $2",
            )
            .bind(uid)
            .bind(i64::from(limit)),
        )
        .await
}
