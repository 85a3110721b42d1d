//! Ratings, downloads and trending.

use super::*;

/// One rating per user per skill: rating again replaces; count and sum follow.
pub async fn one_rating_per_user(store: &dyn SkillStore) {
    let skill = create_skill(store, "acme/rated", new_version("1.0.0", "a", "x", &[], T0)).await;
    let rating = |who: &str, half: u8, when: i64, review: Option<&str>| RatingRecord {
        user: user(who),
        stars: Stars::from_half_stars(half).unwrap(),
        review: review.map(str::to_owned),
        rated_at: at(when),
    };
    store
        .put_rating(&skill.uid, &rating("alice", 10, T0, Some("great")))
        .await
        .unwrap();
    store
        .put_rating(&skill.uid, &rating("bob", 4, T0 + 1, None))
        .await
        .unwrap();
    store
        .put_rating(
            &skill.uid,
            &rating("alice", 7, T0 + 2, Some("good, not great")),
        )
        .await
        .unwrap();
    let summary = store.rating_summary(&skill.uid).await.unwrap();
    assert_eq!((summary.count, summary.half_star_sum), (2, 11));
    assert_eq!(summary.average(), Some(2.75));
    let ratings = store.ratings(&skill.uid, 10).await.unwrap();
    assert_eq!(
        ratings,
        vec![
            rating("alice", 7, T0 + 2, Some("good, not great")),
            rating("bob", 4, T0 + 1, None)
        ]
    );
    assert_eq!(store.ratings(&skill.uid, 1).await.unwrap().len(), 1);
    let nobody = "uid-nobody".parse().unwrap();
    assert!(matches!(
        store.put_rating(&nobody, &rating("bob", 4, T0, None)).await,
        Err(StoreError::Missing(_))
    ));
}

/// Downloads count forever; trending counts only the window.
pub async fn downloads_and_trending(store: &dyn SkillStore) {
    let old = create_skill(
        store,
        "acme/old-favourite",
        new_version("1.0.0", "a", "x", &[], T0 - 30 * DAY),
    )
    .await;
    let new = create_skill(
        store,
        "acme/rising",
        new_version("1.0.0", "b", "x", &[], T0 - 30 * DAY),
    )
    .await;
    let quiet = create_skill(
        store,
        "acme/quiet",
        new_version("1.0.0", "c", "x", &[], T0 - 30 * DAY),
    )
    .await;
    let v = ver("1.0.0");
    for i in 0..5 {
        store
            .record_download(&old.uid, &v, at(T0 - 20 * DAY + i))
            .await
            .unwrap();
    }
    for i in 0..3 {
        store
            .record_download(&new.uid, &v, at(T0 - DAY + i))
            .await
            .unwrap();
    }
    store
        .record_download(&old.uid, &v, at(T0 - DAY))
        .await
        .unwrap();
    assert_eq!(store.download_count(&old.uid).await.unwrap(), 6);
    assert_eq!(store.download_count(&new.uid).await.unwrap(), 3);
    assert_eq!(store.download_count(&quiet.uid).await.unwrap(), 0);
    let trending = store.trending(at(T0 - 7 * DAY), 10, &[]).await.unwrap();
    let listed: Vec<(String, u64)> = trending
        .iter()
        .map(|t| (t.id.to_string(), t.installs))
        .collect();
    assert_eq!(
        listed,
        [
            ("acme/rising".to_owned(), 3),
            ("acme/old-favourite".to_owned(), 1)
        ]
    );
    assert_eq!(
        store
            .trending(at(T0 - 7 * DAY), 1, &[])
            .await
            .unwrap()
            .len(),
        1
    );
    let nobody = "uid-nobody".parse().unwrap();
    assert!(matches!(
        store.record_download(&nobody, &v, at(T0)).await,
        Err(StoreError::Missing(_))
    ));
}

/// A batch of download counts is counted whole; counts of unknown skills are dropped.
pub async fn batched_downloads_are_counted(store: &dyn SkillStore) {
    use skillreg_core::ports::DownloadCount;
    let version = new_version("1.0.0", "files", "pdf tools", &[], T0);
    let skill = create_skill(store, "acme/pdf", version.clone()).await;
    let batch = [
        DownloadCount {
            skill: skill.uid.clone(),
            version: version.version.clone(),
            at: at(T0),
            count: 3,
        },
        DownloadCount {
            skill: skill.uid.clone(),
            version: version.version.clone(),
            at: at(T0 + DAY),
            count: 2,
        },
        DownloadCount {
            skill: "no-such-skill".parse().unwrap(),
            version: version.version.clone(),
            at: at(T0),
            count: 7,
        },
    ];
    store.record_downloads(&batch).await.unwrap();
    assert_eq!(store.download_count(&skill.uid).await.unwrap(), 5);
    let trending = store.trending(at(T0 + DAY), 10, &[]).await.unwrap();
    assert_eq!(trending.len(), 1);
    assert_eq!(trending[0].installs, 2, "counted on the day of each entry");
    store.record_downloads(&[]).await.unwrap();
    assert_eq!(store.download_count(&skill.uid).await.unwrap(), 5);
}
