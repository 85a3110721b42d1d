//! The SQL store's `StatsStore`: ratings, downloads and trending, for SQLite and PostgreSQL alike: the body
//! [`sql_skill_store`](crate::sql::sql_skill_store) puts together for a store type and its
//! database.

/// Implements it for `$store` over pools of `$db`.
macro_rules! sql_stats {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl skillreg_core::ports::StatsStore for $store {
            async fn put_rating(
                &self,
                skill: &skillreg_core::model::SkillUid,
                rating: &skillreg_core::model::RatingRecord,
            ) -> Result<(), skillreg_core::ports::StoreError> {
                use $crate::sql::unavailable;
                let mut tx = self.writer.begin().await.map_err(unavailable)?;
                // Lock the skill row: ratings of one skill are written one at a time, so the
                // aggregate below always counts every committed rating.
                let sql = format!("SELECT uid FROM skills WHERE uid = $1{}", Self::FOR_UPDATE);
                let exists: Option<(String,)> =
                    sqlx::query_as(&sql).bind(skill.as_str()).fetch_optional(&mut *tx).await.map_err(unavailable)?;
                if exists.is_none() {
                    return Err(skillreg_core::ports::StoreError::Missing("skill".into()));
                }
                Self::ensure_user(&mut tx, &rating.user, rating.rated_at).await?;
                sqlx::query(
                    "INSERT INTO ratings (skill_uid, user_id, half_stars, review, rated_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (skill_uid, user_id) DO UPDATE SET half_stars = excluded.half_stars, \
                     review = excluded.review, rated_at = excluded.rated_at",
                )
                .bind(skill.as_str())
                .bind(rating.user.as_str())
                .bind(i32::from(rating.stars.half_stars()))
                .bind(&rating.review)
                .bind(rating.rated_at.unix_millis())
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
                sqlx::query(
                    "UPDATE skills SET rating_count = (SELECT COUNT(*) FROM ratings WHERE skill_uid = $1), \
                     rating_sum = (SELECT COALESCE(SUM(half_stars), 0) FROM ratings WHERE skill_uid = $1) WHERE uid = $1",
                )
                .bind(skill.as_str())
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
                tx.commit().await.map_err(unavailable)
            }

            async fn ratings(
                &self,
                skill: &skillreg_core::model::SkillUid,
                limit: u32,
            ) -> Result<Vec<skillreg_core::model::RatingRecord>, skillreg_core::ports::StoreError> {
                sqlx::query_as::<_, $crate::sql::rows::RatingRow>(
                    "SELECT user_id, half_stars, review, rated_at FROM ratings WHERE skill_uid = $1 \
                     ORDER BY rated_at DESC, user_id LIMIT $2",
                )
                .bind(skill.as_str())
                .bind(i64::from(limit))
                .fetch_all(&self.reader)
                .await
                .map_err($crate::sql::unavailable)?
                .into_iter()
                .map($crate::sql::rows::RatingRow::into_record)
                .collect()
            }

            async fn rating_summary(
                &self,
                skill: &skillreg_core::model::SkillUid,
            ) -> Result<skillreg_core::model::RatingSummary, skillreg_core::ports::StoreError> {
                let (count, sum): (i64, i64) = sqlx::query_as(
                    "SELECT COUNT(*), CAST(COALESCE(SUM(half_stars), 0) AS BIGINT) FROM ratings WHERE skill_uid = $1",
                )
                .bind(skill.as_str())
                .fetch_one(&self.reader)
                .await
                .map_err($crate::sql::unavailable)?;
                let corrupt = |e: std::num::TryFromIntError| $crate::sql::rows::corrupt("rating counts", e);
                Ok(skillreg_core::model::RatingSummary {
                    count: u64::try_from(count).map_err(corrupt)?,
                    half_star_sum: u64::try_from(sum).map_err(corrupt)?,
                })
            }

            async fn record_download(
                &self,
                skill: &skillreg_core::model::SkillUid,
                _version: &skillreg_core::Version,
                at: skillreg_core::model::Timestamp,
            ) -> Result<(), skillreg_core::ports::StoreError> {
                use $crate::sql::unavailable;
                let mut tx = self.writer.begin().await.map_err(unavailable)?;
                let done = sqlx::query("UPDATE skills SET downloads = downloads + 1 WHERE uid = $1")
                    .bind(skill.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(unavailable)?;
                if done.rows_affected() == 0 {
                    return Err(skillreg_core::ports::StoreError::Missing("skill".into()));
                }
                sqlx::query(
                    "INSERT INTO downloads (skill_uid, day, count) VALUES ($1, $2, 1) \
                     ON CONFLICT (skill_uid, day) DO UPDATE SET count = downloads.count + 1",
                )
                .bind(skill.as_str())
                .bind(at.day())
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
                tx.commit().await.map_err(unavailable)
            }

            async fn record_downloads(
                &self,
                batch: &[skillreg_core::ports::DownloadCount],
            ) -> Result<(), skillreg_core::ports::StoreError> {
                use $crate::sql::unavailable;
                if batch.is_empty() {
                    return Ok(());
                }
                let mut tx = self.writer.begin().await.map_err(unavailable)?;
                for entry in batch {
                    let count = i64::try_from(entry.count).unwrap_or(i64::MAX);
                    let done = sqlx::query("UPDATE skills SET downloads = downloads + $1 WHERE uid = $2")
                        .bind(count)
                        .bind(entry.skill.as_str())
                        .execute(&mut *tx)
                        .await
                        .map_err(unavailable)?;
                    if done.rows_affected() == 0 {
                        continue;
                    }
                    sqlx::query(
                        "INSERT INTO downloads (skill_uid, day, count) VALUES ($1, $2, $3) \
                         ON CONFLICT (skill_uid, day) DO UPDATE SET count = downloads.count + $3",
                    )
                    .bind(entry.skill.as_str())
                    .bind(entry.at.day())
                    .bind(count)
                    .execute(&mut *tx)
                    .await
                    .map_err(unavailable)?;
                }
                tx.commit().await.map_err(unavailable)
            }

            async fn download_count(
                &self,
                skill: &skillreg_core::model::SkillUid,
            ) -> Result<u64, skillreg_core::ports::StoreError> {
                let count: Option<(i64,)> = sqlx::query_as("SELECT downloads FROM skills WHERE uid = $1")
                    .bind(skill.as_str())
                    .fetch_optional(&self.reader)
                    .await
                    .map_err($crate::sql::unavailable)?;
                Ok(count.map_or(0, |(n,)| u64::try_from(n).unwrap_or(0)))
            }

            async fn trending(
                &self,
                since: skillreg_core::model::Timestamp,
                limit: u32,
                hidden: &[skillreg_core::Namespace],
            ) -> Result<Vec<skillreg_core::model::TrendingEntry>, skillreg_core::ports::StoreError> {
                let mut select = sqlx::QueryBuilder::<$db>::new(
                    "SELECT s.namespace, s.name, CAST(SUM(d.count) AS BIGINT) AS installs \
                     FROM downloads d JOIN skills s ON s.uid = d.skill_uid WHERE d.day >= ",
                );
                select.push_bind(since.day());
                $crate::sql::push_hidden(&mut select, hidden);
                select
                    .push(" GROUP BY s.uid, s.namespace, s.name, s.id_key ORDER BY installs DESC, s.id_key LIMIT ")
                    .push_bind(i64::from(limit));
                let rows: Vec<(String, String, i64)> = select
                .build_query_as()
                .fetch_all(&self.reader)
                .await
                .map_err($crate::sql::unavailable)?;
                rows.into_iter()
                    .map(|(namespace, name, installs)| {
                        let corrupt = |e: &dyn std::fmt::Display| $crate::sql::rows::corrupt("trending", e);
                        Ok(skillreg_core::model::TrendingEntry {
                            id: skillreg_core::SkillId::new(
                                namespace.parse().map_err(|e| corrupt(&e))?,
                                name.parse().map_err(|e| corrupt(&e))?,
                            ),
                            installs: u64::try_from(installs).map_err(|e| corrupt(&e))?,
                        })
                    })
                    .collect()
            }
        }
    };
}
pub(crate) use sql_stats;
