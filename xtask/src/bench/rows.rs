//! What the table holds: the row groups our report binary runs, the rows
//! with their targets, and the notes under the table.
//!
//! Adding a benchmark row is a change here (and in the binary that prints
//! its `BENCH` line): a [`Row::Figure`] for a figure with a target, or a
//! [`Row::Custom`] with its own cells; a new group of rows that needs its
//! own process goes into [`GROUPS`].

use super::callgrind;
use super::results::{Results, calls_of, dash, met_cell, ratio, show, show_or_dash};

/// Our row groups, each run in its own process (`report --only <group>`).
/// Memory goes first in its own process so that nothing else's freed memory
/// hides its growth.
pub(super) const GROUPS: [&str; 6] = [
    "memory",
    "hot_path",
    "srp_maths",
    "srp_sign_in_full",
    "concurrent",
    "restore",
];

/// What bounds each row that misses its target, by row id: shown in the
/// "Met" cell after **no** ([`verdict`]). BENCHMARKS.md's prose below the
/// table gives each with its profile.
const BOUNDS: &[(&str, &str)] = &[
    (
        "fetch_auth_session_cached",
        "the returned handle's one reference count (incremented, then decremented by the caller), the thread-local replica lookup and the coarse clock read (the precise one within 1 s of the deadline); see *Cached fetch*",
    ),
    (
        "hot_path_2_threads",
        "two free cores: the ratio falls when other processes share them; see *2 threads*",
    ),
    (
        "srp_maths",
        "the 64×64-bit multiplier: over 500 Montgomery squarings of 3,072 bits for `S`; see *SRP maths*",
    ),
    (
        "srp_sign_in_full",
        "the emulator's `(A·v^u)^b`, the client's maths, two RS256 signatures and two loopback round trips on two shared vCPUs; see *Full SRP sign-in*",
    ),
    (
        "restore_file_storage",
        "the file read and the JSON of the stored session; see *Restore*",
    ),
    (
        "memory_per_session",
        "the storage's own copy of the session (4.2 KB), then the plugin's `Inner` (1.0 KB with its 128-byte-aligned header); see *Memory*",
    ),
    (
        "concurrent_force_refresh_10k",
        "a forced refresh is adopted only by calls made before it started; see *10,000 forced refreshes*",
    ),
    (
        "cli_credential_process",
        "the process start (exec, the dynamic loader, the Tokio runtime) and the store's read; see *credential_process*",
    ),
];

/// The "Met" cell of row `id`: `yes`, `–` when not measured, or **no**
/// with what bounds it.
pub(super) fn verdict(met: Option<bool>, id: &str) -> String {
    match (met, BOUNDS.iter().find(|(row, _)| *row == id)) {
        (Some(false), Some((_, bound))) => format!("**no**; bound: {bound}"),
        _ => met_cell(met).to_owned(),
    }
}

/// One row of the table, in order.
pub(super) enum Row {
    /// Our figure for `id` beside Amplify JS's and pycognito's figures for
    /// the same id, the ratios, and whether ours meets the target.
    Figure {
        label: &'static str,
        id: &'static str,
        target: &'static str,
        /// Whether our value (in the unit the row prints) meets the target.
        met: fn(f64) -> bool,
    },
    /// A row whose cells say more than one figure (calls, counts).
    Custom(fn(&Results) -> String),
}

/// The rows, in table order.
pub(super) const ROWS: &[Row] = &[
    Row::Figure {
        label: "`fetch_auth_session`, valid cached tokens + credentials, 1 thread (median)",
        id: "fetch_auth_session_cached",
        target: "≤ 100 ns",
        met: |ns| ns <= 100.0,
    },
    Row::Figure {
        label: "`get_current_user`, valid tokens (median)",
        id: "get_current_user",
        target: "≤ 0.2 µs",
        met: |ns| ns <= 200.0,
    },
    Row::Figure {
        label: "hot path throughput, 2 threads ÷ 1 thread",
        id: "hot_path_2_threads",
        target: "≥ 1.8×",
        met: |x| x >= 1.8,
    },
    Row::Figure {
        label: "SRP client maths, one sign-in (a, A, x, S, HKDF, signature), constant-time",
        id: "srp_maths",
        target: "≤ 4 ms",
        met: |ms| ms <= 4.0,
    },
    Row::Custom(srp_side_by_side),
    Row::Custom(srp_dudect),
    Row::Custom(srp_instructions),
    Row::Figure {
        label: "full SRP sign-in against the loopback emulator (median)",
        id: "srp_sign_in_full",
        target: "≤ 10 ms",
        met: |ms| ms <= 10.0,
    },
    Row::Custom(sign_in_cpu),
    Row::Custom(restore_row),
    Row::Custom(cli_credential_process),
    Row::Figure {
        label: "memory per signed-in session (RSS growth ÷ sessions)",
        id: "memory_per_session",
        target: "≤ 8 KiB",
        met: |kib| kib <= 8.0,
    },
    Row::Custom(bearer_side_by_side),
    Row::Custom(bff_me),
    Row::Figure {
        label: "axum BFF: memory per cached session in one instance (RSS growth ÷ sessions; 10,000 hosted-UI sign-ins in a full run)",
        id: "bff_memory_per_session",
        target: "≤ 8 KiB",
        met: |kib| kib <= 8.0,
    },
    Row::Custom(concurrent_expired),
    Row::Custom(concurrent_forced),
    Row::Custom(callgrind_row),
    Row::Custom(storage_restore),
    Row::Custom(storage_forced_refresh),
    Row::Custom(storage_redis_memory),
];

/// The SRP implementations of `benches/srp_ct.rs`, timed in turns in one
/// process, beside the peers' maths.
fn srp_side_by_side(r: &Results) -> String {
    let mine = |imp| r.get("srp_ct_maths", imp);
    let ct = mine("rust");
    let (amp, py) = (
        r.get("srp_maths", "amplify_js"),
        r.get("srp_maths", "pycognito"),
    );
    format!(
        "| SRP client maths, in turns: ours (constant-time) · ours on the portable products (CPUs without BMI2 and ADX) · the earlier variable-time code · crypto-bigint `BoxedMontyForm::pow` · ours with the 128-byte `a` of Amplify JS and pycognito (ours draws 64 bytes) | ≤ 4 ms | {} · {} · {} · {} · {} | {} | {} | {} | {} | {} |",
        show_or_dash(ct),
        show_or_dash(mine("rust-portable")),
        show_or_dash(mine("rust-vartime")),
        show_or_dash(mine("crypto-bigint")),
        show_or_dash(mine("rust-a1024")),
        show_or_dash(amp),
        show_or_dash(py),
        ratio(amp, ct),
        ratio(py, ct),
        verdict(ct.map(|f| f.value <= 4.0), "srp_maths"),
    )
}

/// Welch's t of the dudect tests: ours, and the variable-time code's for
/// contrast.
fn srp_dudect(r: &Results) -> String {
    let t = |row: &str, imp: &str| {
        r.get(row, imp).map_or_else(dash, |f| {
            if f.extra("disjoint") == Some(1.0) {
                "classes disjoint".to_owned()
            } else {
                format!("{:.2}", f.value)
            }
        })
    };
    let met = match (r.ours("srp_ct_dudect_a"), r.ours("srp_ct_dudect_s")) {
        (Some(a), Some(s)) => Some(a.value < 4.5 && s.value < 4.5),
        _ => None,
    };
    format!(
        "| SRP timing, dudect: sparse `a` and one password against random ones, max \\|t\\| | < 4.5 | `A = g^a` {}, `x, S` {} (variable-time code: {} and {}) | – | – | – | – | {} |",
        t("srp_ct_dudect_a", "rust"),
        t("srp_ct_dudect_s", "rust"),
        t("srp_ct_dudect_a", "rust-vartime"),
        t("srp_ct_dudect_s", "rust-vartime"),
        met_cell(met),
    )
}

/// The instructions inside the SRP exponentiations for the two classes.
fn srp_instructions(r: &Results) -> String {
    let f = r.ours(callgrind::CT_ROW);
    let n = |k| {
        f.and_then(|f| f.extra(k))
            .map_or_else(dash, |v| format!("{v:.0}"))
    };
    format!(
        "| instructions in the SRP exponentiations, sparse against random secrets (callgrind, {} sign-ins each) | equal | {} and {} | – | – | – | – | {} |",
        n("runs"),
        n("class0"),
        n("class1"),
        met_cell(f.map(|f| f.value == 0.0)),
    )
}

/// Bearer verification per request (auth-axum), beside `jsonwebtoken`'s
/// bare decode and aws-jwt-verify in Node, measured in one run.
fn bearer_side_by_side(r: &Results) -> String {
    let ours = r.ours("bearer_verify");
    let verifier_only = ours
        .and_then(|f| f.extra("verifier_only_ns"))
        .map_or_else(dash, |ns| format!("{:.1} µs", ns / 1e3));
    let bare = r.get("bearer_verify", "jsonwebtoken");
    let node = r.get("bearer_verify", "aws_jwt_verify");
    format!(
        "| bearer verification per request, warm JWKS: auth-axum `CognitoAuthLayer` in process · `JwksVerifier` alone · `jsonwebtoken::decode` bare (signature + `exp`, no Cognito checks) · aws-jwt-verify `CognitoJwtVerifier.verify` (Node) | – | {} · {} · {} · {} | – | – | aws-jwt-verify ÷ ours: {} | – | – |",
        show_or_dash(ours),
        verifier_only,
        show_or_dash(bare),
        show_or_dash(node),
        ratio(node, ours),
    )
}

/// `GET /me` with a warm session on one axum_bff process: cached in the
/// instance, and re-read from Redis on every request (benches/bff.rs).
fn bff_me(r: &Results) -> String {
    let cell = |id: &str| {
        r.ours(id).map_or_else(dash, |f| {
            format!(
                "{:.0} req/s, p99 {:.2} ms ({:.2} Redis commands per request)",
                f.value,
                f.extra("p99_ms").unwrap_or(f64::NAN),
                f.extra("redis_commands_per_request").unwrap_or(f64::NAN),
            )
        })
    };
    format!(
        "| axum BFF `GET /me`, warm session, 8 keep-alive clients: cached in the instance · one Redis read per request | – | {} · {} | – | – | – | – | – |",
        cell("bff_me_cached"),
        cell("bff_me_redis"),
    )
}

/// Restoring a stored session: the time and the identity-pool calls (the
/// credentials are stored too, so a valid session needs none).
fn restore_row(r: &Results) -> String {
    let f = r.ours("restore_file_storage");
    let calls = f.and_then(|f| f.extra("credential_calls_per_restore"));
    let met = f.map(|f| f.value <= 1.0 && calls == Some(0.0));
    format!(
        "| restore a session from `FileStorage` + first `fetch_auth_session` | ≤ 1 ms, 0 calls | {} | – | – | – | – | {} |",
        f.map_or_else(dash, |f| format!(
            "{}, {} GetCredentialsForIdentity calls per restore",
            show(f),
            calls.map_or_else(dash, |c| format!("{c}"))
        )),
        verdict(met, "restore_file_storage"),
    )
}

/// Where a full sign-in's CPU goes: our process (client maths, HTTP, token
/// parsing) and the emulator's (its SRP, the two RS256 signatures, HTTP),
/// per sign-in, from their CPU times around the row above. Wall time on a
/// shared machine moves with the load; CPU time much less.
fn sign_in_cpu(r: &Results) -> String {
    let client = r
        .ours("srp_sign_in_full")
        .and_then(|f| f.extra("client_cpu_ms"));
    let emulator = r.get("srp_sign_in_full_cpu", "emulator").map(|f| f.value);
    let ms = |v: Option<f64>| v.map_or_else(dash, |v| format!("{v:.2} ms"));
    format!(
        "| full SRP sign-in, CPU time per sign-in (10 ms ticks over the row's sign-ins): our process · the emulator | – | {} · {} | – | – | – | – | – |",
        ms(client),
        ms(emulator),
    )
}

/// The release `amplify-auth credentials --format credential-process` on
/// a stored valid session, one process per call (`cli.rs`).
fn cli_credential_process(r: &Results) -> String {
    let f = r.ours("cli_credential_process");
    let calls = f.and_then(|f| f.extra("network_calls"));
    let met = f.map(|f| f.value <= 10.0 && calls == Some(0.0));
    format!(
        "| `amplify-auth credentials --format credential-process`, release build, stored valid session (median wall time per process) | ≤ 10 ms, 0 calls | {} | – | – | – | – | {} |",
        f.map_or_else(dash, |f| format!(
            "{} (p90 {}), {} network calls in {} processes; `amplify-auth --version` alone {}",
            show(f),
            extra_ms(f, "p90_ms"),
            calls.map_or_else(dash, |c| format!("{c:.0}")),
            f.extra("runs").map_or_else(dash, |c| format!("{c:.0}")),
            extra_ms(f, "version_ms"),
        )),
        verdict(met, "cli_credential_process"),
    )
}

/// `{:.2} ms` of an `extra` number, or `–`.
fn extra_ms(f: &super::results::Figure, key: &str) -> String {
    f.extra(key).map_or_else(dash, |v| format!("{v:.2} ms"))
}

/// Restore from Redis beside `FileStorage` (benches/storage.rs).
fn storage_restore(r: &Results) -> String {
    let f = r.ours("storage_restore");
    let met = f.and_then(|f| Some(f.extra("redis_ms")? <= f.extra("file_ms")? + 1.0));
    format!(
        "| restore a stored session + first `fetch_auth_session`: Redis beside `FileStorage` | Redis ≤ file + 1 ms | {} | – | – | – | – | {} |",
        f.map_or_else(dash, |f| format!(
            "Redis {} (with a new connection {}), file {}; tokens only: Redis {} ({}), file {}",
            extra_ms(f, "redis_ms"),
            extra_ms(f, "redis_new_connection_ms"),
            extra_ms(f, "file_ms"),
            extra_ms(f, "redis_tokens_only_ms"),
            extra_ms(f, "redis_new_connection_tokens_only_ms"),
            extra_ms(f, "file_tokens_only_ms"),
        )),
        met_cell(met)
    )
}

/// A forced refresh under the Redis lease beside no lock (benches/storage.rs).
fn storage_forced_refresh(r: &Results) -> String {
    let f = r.ours("storage_forced_refresh");
    let met = f.and_then(|f| Some(f.extra("lock_overhead_ms")? <= 2.0));
    format!(
        "| forced refresh (`GetTokensFromRefreshToken` + write) under the Redis lease beside no lock | lease ≤ no lock + 2 ms | {} | – | – | – | – | {} |",
        f.map_or_else(dash, |f| format!(
            "lease {}, no lock {} (lock {}); file lock {}",
            extra_ms(f, "redis_lease_ms"),
            extra_ms(f, "redis_no_lock_ms"),
            f.extra("lock_overhead_ms")
                .map_or_else(dash, |v| format!("{v:+.2} ms")),
            extra_ms(f, "file_lock_ms"),
        )),
        met_cell(met)
    )
}

/// Redis memory per stored session (benches/storage.rs).
fn storage_redis_memory(r: &Results) -> String {
    let f = r.ours("storage_redis_memory");
    let met = f.and_then(|f| Some(f.extra("used_memory_per_session_bytes")? <= 8192.0));
    let bytes =
        |f: &super::results::Figure, k: &str| f.extra(k).map_or_else(dash, |v| format!("{v:.0} B"));
    format!(
        "| Redis memory per stored session | ≤ 8 KiB | {} | – | – | – | – | {} |",
        f.map_or_else(dash, |f| format!(
            "`MEMORY USAGE` {}; `used_memory` {} per session over {} sessions ({} of keys and values, {} fields)",
            bytes(f, "memory_usage_bytes"),
            bytes(f, "used_memory_per_session_bytes"),
            f.extra("sessions").map_or_else(dash, |v| format!("{v:.0}")),
            bytes(f, "stored_bytes_per_session"),
            f.extra("fields").map_or_else(dash, |v| format!("{v:.0}")),
        )),
        met_cell(met)
    )
}

/// The burst on expired tokens: calls matter more than time.
fn concurrent_expired(r: &Results) -> String {
    let expired = r.ours("concurrent_expired_10k");
    let amp_forced = r.get("concurrent_force_refresh_10k", "amplify_js");
    let met = expired.map(|f| {
        f.extra("token_calls") == Some(1.0)
            && f.extra("get_id_calls").is_some_and(|n| n <= 1.0)
            && f.extra("credential_calls") == Some(1.0)
            && f.extra("budget_ms").is_some_and(|b| f.value <= b)
    });
    format!(
        "| concurrent callers on expired tokens + credentials | 1 token, ≤ 1 GetId, 1 credential call; all done within one round trip + 20 ms | {} | {} | – | – | – | {} |",
        expired.map_or_else(dash, |f| format!(
            "{} (the most of any burst); all done in {} (median of {} bursts, the slowest {:.2} ms; one caller's round trip {:.1} ms, budget {:.1} ms)",
            calls_of(f),
            show(f),
            f.extra("bursts").unwrap_or(1.0),
            f.extra("worst_ms").unwrap_or(f.value),
            f.extra("one_caller_round_trip_ms").unwrap_or(f64::NAN),
            f.extra("budget_ms").unwrap_or(f64::NAN)
        )),
        amp_forced.map_or_else(dash, |f| format!(
            "forceRefresh: {}; {}",
            calls_of(f),
            show(f)
        )),
        met_cell(met)
    )
}

/// The forced-refresh burst, as Amplify JS's row measures it (the calls made
/// in one loop, then run), with the gated figure beside it: tasks that each
/// make their call only after a gate opens.
fn concurrent_forced(r: &Results) -> String {
    let forced = r.ours("concurrent_force_refresh_10k");
    let amp_forced = r.get("concurrent_force_refresh_10k", "amplify_js");
    let met = forced
        .map(|f| f.extra("token_calls") == Some(1.0) && f.extra("credential_calls") == Some(1.0));
    let gated = |f: &super::results::Figure| {
        let n = |k| f.extra(k).map_or_else(dash, |v| format!("{v:.0}"));
        format!(
            "; called after a gate opens: {} token, {} credential calls, {}",
            n("gated_token_calls"),
            n("gated_credential_calls"),
            f.extra("gated_ms")
                .map_or_else(dash, |ms| format!("{ms:.2} ms"))
        )
    };
    format!(
        "| concurrent `fetch_auth_session(force_refresh)`, the calls made in one loop then run (as the peer row) | 1 token, 1 credential call | {} | {} | – | {} | – | {} |",
        forced.map_or_else(dash, |f| format!(
            "{}; {}{}",
            calls_of(f),
            show(f),
            gated(f)
        )),
        amp_forced.map_or_else(dash, |f| format!("{}; {}", calls_of(f), show(f))),
        ratio(amp_forced, forced),
        verdict(met, "concurrent_force_refresh_10k"),
    )
}

/// Instructions per cached `fetch_auth_session`, counted by callgrind.
fn callgrind_row(r: &Results) -> String {
    match r.ours(callgrind::ROW) {
        Some(f) => format!(
            "| instructions per cached `fetch_auth_session` (callgrind, {} calls) | – | {:.0} | – | – | – | – | – |",
            f.extra("calls").map_or_else(dash, |c| format!("{c:.0}")),
            f.value
        ),
        None => {
            "| instructions per cached `fetch_auth_session` (callgrind) | – | – | – | – | – | – | – |"
                .to_owned()
        }
    }
}

/// The paragraphs under the table, each written when its figures exist.
pub(super) const NOTES: &[fn(&Results) -> Option<String>] = &[
    srp_and_hot_path,
    restore,
    memory,
    bff_memory,
    pycognito_cache,
];

fn srp_and_hot_path(r: &Results) -> Option<String> {
    let (srp, hot) = (r.ours("srp_maths")?, r.ours("hot_path_2_threads")?);
    Some(format!(
        "\nDetails: SRP `a` + `A = g^a` (can run before the password is known) {:.2} ms, the rest {:.2} ms. Hot path: {:.2} M calls/s on 1 thread, {:.2} M calls/s on 2.",
        srp.extra("a_ms").unwrap_or(f64::NAN),
        srp.extra("after_password_ms").unwrap_or(f64::NAN),
        hot.extra("one_thread_per_s").unwrap_or(f64::NAN) / 1e6,
        hot.extra("two_threads_per_s").unwrap_or(f64::NAN) / 1e6,
    ))
}

fn restore(r: &Results) -> Option<String> {
    let f = r.ours("restore_file_storage")?;
    Some(format!(
        "Restore: tokens only (`get_current_user`) {:.2} ms, of which building the plugin (its HTTP clients) {:.2} ms; {:.1} `GetCredentialsForIdentity` call(s) per restore (0 while the stored credentials are valid: they are persisted with the tokens).",
        f.extra("tokens_only_ms").unwrap_or(f64::NAN),
        f.extra("build_plugin_ms").unwrap_or(f64::NAN),
        f.extra("credential_calls_per_restore").unwrap_or(f64::NAN)
    ))
}

fn bff_memory(r: &Results) -> Option<String> {
    let f = r.ours("bff_memory_per_session")?;
    Some(format!(
        "axum BFF memory: {:.0} sessions signed in through the hosted UI ({:.0} sign-ins/s), each loaded by one `GET /me`, all cached in one `axum_bff` process (sessions in Redis, the emulator in the bench's process).",
        f.extra("sessions").unwrap_or(f64::NAN),
        f.extra("sign_ins_per_s").unwrap_or(f64::NAN),
    ))
}

fn memory(r: &Results) -> Option<String> {
    let f = r.ours("memory_per_session")?;
    Some(format!(
        "Memory: {:.0} sessions, {:.0} bytes of stored session data each.",
        f.extra("sessions").unwrap_or(f64::NAN),
        f.extra("stored_bytes_per_session").unwrap_or(f64::NAN)
    ))
}

fn pycognito_cache(r: &Results) -> Option<String> {
    r.get("fetch_auth_session_cached", "pycognito")?;
    Some(
        "pycognito has no session cache with credentials: its cached-session figure is `Cognito.check_token(renew=False)` (the access token's expiry only).".to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_miss_names_its_bound_and_a_hit_does_not() {
        assert_eq!(verdict(Some(true), "srp_sign_in_full"), "yes");
        assert_eq!(verdict(None, "srp_sign_in_full"), "–");
        let miss = verdict(Some(false), "srp_sign_in_full");
        assert!(miss.starts_with("**no**; bound: "), "{miss}");
        assert!(miss.contains("RS256"), "{miss}");
        // A row without a bound entry is a bare **no**.
        assert_eq!(verdict(Some(false), "storage_restore"), "**no**");
    }

    #[test]
    fn the_forced_row_shows_the_gated_figure_beside_the_loop() {
        let lines = [
            r#"{"impl":"rust","row":"concurrent_force_refresh_10k","value":40,"unit":"ms","extra":{"callers":10000,"token_calls":1,"get_id_calls":0,"credential_calls":1,"gated_ms":70.5,"gated_token_calls":16,"gated_credential_calls":15}}"#.to_owned(),
        ];
        let row = concurrent_forced(&Results::parse(&lines));
        assert!(
            row.contains("1 token, 0 GetId, 1 credential calls; 40.00 ms; called after a gate opens: 16 token, 15 credential calls, 70.50 ms"),
            "{row}"
        );
        assert!(row.ends_with("| yes |"), "{row}");
        let missed = lines[0].replace(r#""token_calls":1,"#, r#""token_calls":2,"#);
        let row = concurrent_forced(&Results::parse(&[missed]));
        assert!(row.contains("**no**; bound: "), "{row}");
    }

    #[test]
    fn every_bound_names_a_row_of_the_table() {
        let figures: Vec<&str> = ROWS
            .iter()
            .filter_map(|r| match r {
                Row::Figure { id, .. } => Some(*id),
                Row::Custom(_) => None,
            })
            .collect();
        let custom = [
            "restore_file_storage",
            "concurrent_force_refresh_10k",
            "cli_credential_process",
        ];
        for (id, _) in BOUNDS {
            assert!(
                figures.contains(id) || custom.contains(id),
                "bound for unknown row {id}"
            );
        }
    }
}
