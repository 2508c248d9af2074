//! The tables, as diesel sees them (both backends; see `migrations/`).

diesel::table! {
    users (id) {
        id -> BigInt,
        name -> Text,
        password_hash -> Text,
        role -> BigInt,
        perm -> BigInt,
        disabled -> Bool,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_hash -> Text,
        created_at -> BigInt,
        last_seen_at -> BigInt,
    }
}

diesel::table! {
    /// How many tasks each user owns: the sum of the user's shards (the migration says why).
    task_counts (user_id, shard) {
        user_id -> BigInt,
        shard -> SmallInt,
        tasks -> BigInt,
    }
}

diesel::table! {
    login_failures (name, address) {
        name -> Text,
        address -> Text,
        failures -> BigInt,
        first_failed_at -> BigInt,
    }
}

diesel::table! {
    tasks (id) {
        id -> BigInt,
        user_id -> BigInt,
        #[sql_name = "type"]
        type_ -> Text,
        status -> SmallInt,
        priority -> SmallInt,
        input -> Text,
        result -> Text,
        note -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    op_log (id) {
        id -> BigInt,
        user_id -> BigInt,
        endpoint -> Text,
        operation -> Text,
        request -> Text,
        created_at -> BigInt,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(tasks -> users (user_id));
diesel::joinable!(op_log -> users (user_id));
diesel::joinable!(task_counts -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(users, sessions, task_counts, login_failures, tasks, op_log);
