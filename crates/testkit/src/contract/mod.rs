//! The port contract suites: plain async functions that take any implementation of a port
//! and check the MUST sentences of its docs. Every adapter runs them unchanged, through
//! [`skill_store_contract!`](crate::skill_store_contract) and
//! [`blob_store_contract!`](crate::blob_store_contract), so the in-memory fake, SQLite and
//! Postgres are held to one specification.

pub mod blob_store;
pub mod limit_store;
pub mod skill_store;

/// Generates one `#[tokio::test]` per [`skill_store`] contract check. `$make` is an async
/// expression giving a fresh, empty `Arc<dyn SkillStore>` (or anything that derefs to a
/// `SkillStore`) for each test.
#[macro_export]
macro_rules! skill_store_contract {
    ($make:expr) => {
        $crate::skill_store_contract!(@tests $make;
            namespaces_and_members, concurrent_owner_removals_keep_an_owner, rights_are_checked_in_the_write, tokens_are_found_by_secret_and_revoked, publisher_keys_belong_to_one_user,
            versions_are_immutable, skill_names_are_unique_by_lookup_key, existing_target_keeps_identity,
            existing_target_that_vanished_or_changed_owner_fails, versions_are_listed_in_order,
            one_rating_per_user, yanking_flags_and_emits_events, deprecation_is_kept,
            downloads_and_trending, search_text_relevance_and_filters, search_follows_the_latest_version, search_sorts,
            search_pages_neither_repeat_nor_skip, events_and_audit_follow_writes, skills_named_across_namespaces,
            skill_with_versions_agrees, search_totals_are_capped, versions_are_found_by_package_id, batched_downloads_are_counted, versions_are_read_in_one_batch,
            visibility_is_kept_and_audited, hidden_namespaces_are_left_out_of_lists,
            audit_changes_apply_at_their_revision, stale_audits_are_walked_in_order,
            profiles_are_created_once_and_listed, profile_edits_bind_skill_uids,
            concurrent_profile_edits_get_their_own_revisions, a_moved_skill_keeps_its_uid_and_bindings,
            the_log_follows_installable_changes, concurrent_appends_leave_no_gap,
            the_log_key_is_claimed_once);
    };
    (@tests $make:expr; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let store = $make.await;
                $crate::contract::skill_store::$check(&*store).await;
            }
        )*
    };
}

/// Generates one `#[tokio::test]` per [`blob_store`] contract check. `$make` is an async
/// expression giving a fresh, empty blob store.
#[macro_export]
macro_rules! blob_store_contract {
    ($make:expr) => {
        $crate::blob_store_contract!(@tests $make;
            put_get_exists_list_delete, put_is_create_only, put_refuses_mismatched_bytes,
            concurrent_puts_of_one_blob_agree);
    };
    (@tests $make:expr; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let store = $make.await;
                $crate::contract::blob_store::$check(&*store).await;
            }
        )*
    };
}
