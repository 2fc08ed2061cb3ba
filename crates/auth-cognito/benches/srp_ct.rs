//! Constant-time SRP: the client maths of one sign-in timed side by side
//! (this crate's constant-time code, the earlier variable-time code,
//! crypto-bigint's `BoxedMontyForm::pow`), and dudect-style timing tests
//! that compare two classes of secrets (Welch's t; not a CI gate).
//!
//! ```text
//! cargo bench -p auth-cognito --bench srp_ct -- [--quick | --test] [--only speed|dudect]
//! cargo bench -p auth-cognito --bench srp_ct -- --callgrind-class 0|1 [--runs N] [--a-bytes 128]
//! ```
//!
//! Rows are printed as `BENCH {json}` lines (the format of `report.rs`),
//! after a readable summary. The dudect classes:
//!
//! - `A = g^a`: a sparse `a` (top and bottom bits only) against random ones,
//!   all [`srp::PRIVATE_KEY_LEN`] (64) bytes long, as the client draws them.
//! - `S` and the signature (`x`, `S = (B - k·g^x)^(a + u·x)`): a sparse `a`
//!   and one password against random `a` and random passwords.
//!
//! Each runs on the constant-time code and, to show that the test can see a
//! leak, on the variable-time code. `|t| < 4.5` is the usual bar.
//!
//! `--callgrind-class C` runs the constant-time maths `--runs` times on
//! class `C` inside `ct_class_run`, for
//! `valgrind --tool=callgrind --toggle-collect='*ct_class_run*'`: equal
//! instruction counts for both classes mean no secret-dependent branch.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    unreachable_pub,
    clippy::cast_precision_loss
)]

#[path = "srp_ct/dudect.rs"]
mod dudect;
#[path = "srp_ct/flows.rs"]
mod flows;
#[path = "srp_ct/vartime.rs"]
mod vartime;

use std::hint::black_box;
use std::time::Instant;

use auth_cognito::srp::{self, SrpClient};
use rand::RngExt as _;
use serde_json::{Value, json};

use flows::Inputs;

fn emit(implementation: &str, row: &str, value: f64, unit: &str, extra: Value) {
    let line =
        json!({ "impl": implementation, "row": row, "value": value, "unit": unit, "extra": extra });
    println!("BENCH {line}");
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The client's `a` ([`srp::PRIVATE_KEY_LEN`] bytes) for a class: 0 is
/// sparse (first and last bits set, all else zero), 1 is random.
fn private_value(class: usize) -> [u8; srp::PRIVATE_KEY_LEN] {
    let mut a = [0u8; srp::PRIVATE_KEY_LEN];
    if class == 0 {
        a[0] = 0x80;
        a[srp::PRIVATE_KEY_LEN - 1] = 1;
    } else {
        rand::rng().fill(&mut a[..]);
    }
    a
}

/// A random 128-byte `a`, the length Amplify JS and pycognito draw.
fn reference_length_value() -> [u8; 128] {
    let mut a = [0u8; 128];
    rand::rng().fill(&mut a[..]);
    a
}

fn random_password() -> String {
    let mut bytes = [0u8; 12];
    rand::rng().fill(&mut bytes[..]);
    hex::encode(bytes)
}

/// The fastest tenth of the samples: the figure least disturbed by other
/// processes on a shared machine.
fn p10(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 10).copied().unwrap_or(f64::NAN)
}

fn speed(runs: usize) {
    let inputs = Inputs::new("Passw0rd!");
    // All four must sign the same claim for the same a.
    let a = private_value(1);
    let expect = flows::constant_time(&inputs, &a);
    assert_eq!(flows::variable_time(&inputs, &a), expect, "variable-time");
    assert_eq!(flows::crypto_bigint(&inputs, &a), expect, "crypto-bigint");
    srp::use_portable_products(true);
    assert_eq!(
        flows::constant_time(&inputs, &a),
        expect,
        "portable products"
    );
    srp::use_portable_products(false);

    let mut a_only = Vec::with_capacity(runs);
    let mut rest = Vec::with_capacity(runs);
    for _ in 0..runs + 2 {
        let a = private_value(1);
        let t = Instant::now();
        let client = SrpClient::from_private_key(&a).unwrap();
        let ta = t.elapsed();
        black_box(flows::constant_time_claim(&inputs, &client));
        a_only.push(ta.as_secs_f64() * 1e3);
        rest.push((t.elapsed() - ta).as_secs_f64() * 1e3);
    }
    let (ct_a, ct_rest) = (median(a_only.clone()), median(rest.clone()));
    let (ct_a10, ct_rest10) = (p10(a_only), p10(rest));
    // The implementations take turns, so that whatever else runs on the
    // machine slows them alike.
    let mut times: [Vec<f64>; 5] = Default::default();
    for i in 0..runs + 2 {
        let a = private_value(1);
        let mut lap = |k: usize, f: &dyn Fn(&[u8]) -> String, a: &[u8]| {
            let t = Instant::now();
            black_box(f(a));
            if i >= 2 {
                times[k].push(t.elapsed().as_secs_f64() * 1e3);
            }
        };
        lap(0, &|a| flows::constant_time(&inputs, a), &a);
        // The same code on its portable products (what a CPU without BMI2
        // and ADX, or another architecture, runs).
        srp::use_portable_products(true);
        lap(4, &|a| flows::constant_time(&inputs, a), &a);
        srp::use_portable_products(false);
        lap(1, &|a| flows::variable_time(&inputs, a), &a);
        // The same code with the 128-byte a of Amplify JS and pycognito
        // (S's exponent a + u·x then has 1,025 bits instead of 513).
        lap(
            2,
            &|a| flows::constant_time(&inputs, a),
            &reference_length_value(),
        );
        // A quarter of the turns (slower; the first counted turn included).
        if i < 2 || (i - 2) % 4 == 0 {
            lap(3, &|a| flows::crypto_bigint(&inputs, a), &a);
        }
    }
    let [ct, vt, short, cb, portable] = times.map(|xs| (median(xs.clone()), p10(xs)));
    println!("SRP client maths, one sign-in, median (fastest tenth) of {runs} runs:");
    println!(
        "  constant-time (this crate)      {:7.2} ms ({:.2})  a, A: {ct_a:.2} ({ct_a10:.2}); x, S, key, signature: {ct_rest:.2} ({ct_rest10:.2})",
        ct.0, ct.1
    );
    println!(
        "  constant-time, portable products {:6.2} ms ({:.2})  (no mulx/adx rows)",
        portable.0, portable.1
    );
    println!(
        "  variable-time (before)          {:7.2} ms ({:.2})",
        vt.0, vt.1
    );
    println!(
        "  crypto-bigint BoxedMontyForm    {:7.2} ms ({:.2})",
        cb.0, cb.1
    );
    println!(
        "  constant-time, 128-byte a       {:7.2} ms ({:.2})  (the reference clients' length)",
        short.0, short.1
    );
    emit(
        "rust",
        "srp_ct_maths",
        ct.0,
        "ms",
        json!({ "p10_ms": ct.1, "a_ms": ct_a, "after_password_ms": ct_rest, "runs": runs }),
    );
    emit(
        "rust-portable",
        "srp_ct_maths",
        portable.0,
        "ms",
        json!({ "p10_ms": portable.1, "runs": runs }),
    );
    emit(
        "rust-vartime",
        "srp_ct_maths",
        vt.0,
        "ms",
        json!({ "p10_ms": vt.1, "runs": runs }),
    );
    emit(
        "rust-a1024",
        "srp_ct_maths",
        short.0,
        "ms",
        json!({ "p10_ms": short.1, "runs": runs }),
    );
    emit(
        "crypto-bigint",
        "srp_ct_maths",
        cb.0,
        "ms",
        json!({ "p10_ms": cb.1, "runs": runs.div_ceil(4) }),
    );
}

fn report(implementation: &str, row: &str, what: &str, v: &dudect::Verdict) {
    let t = v.max_abs_t();
    let verdict = if v.per_class.iter().any(|n| *n < 10) {
        "too few samples to judge"
    } else if t < 4.5 {
        "no leak found"
    } else {
        "LEAK: classes differ"
    };
    let crops: Vec<String> = v
        .t_by_crop
        .iter()
        .map(|(p, t)| format!("p{p} {t:+.2}"))
        .collect();
    println!(
        "  {what:34} max |t| {t:7.2}  {verdict:24} means {:.1} / {:.1} µs, n = {} / {}  [{}]",
        v.mean_us[0],
        v.mean_us[1],
        v.per_class[0],
        v.per_class[1],
        crops.join(", ")
    );
    // JSON has no infinity: classes that do not even overlap are flagged.
    let disjoint = !t.is_finite();
    emit(
        implementation,
        row,
        if disjoint { 1e9 } else { t },
        "|t|",
        json!({
            "disjoint": u8::from(disjoint),
            "t_by_crop": v.t_by_crop,
            "per_class": v.per_class,
            "mean_us": v.mean_us,
        }),
    );
}

fn dudect(samples: usize) {
    let inputs = Inputs::new("Passw0rd!");
    let with_password = |class: usize| {
        if class == 0 {
            inputs.with_password("Passw0rd!")
        } else {
            inputs.with_password(&random_password())
        }
    };
    println!("dudect, class 0 = sparse a / one password, class 1 = random:");
    let v = dudect::run(samples, private_value, |a| {
        black_box(SrpClient::from_private_key(&a).unwrap());
    });
    report("rust", "srp_ct_dudect_a", "constant-time A = g^a", &v);
    let v = dudect::run(
        samples / 4,
        |class| {
            let client = SrpClient::from_private_key(&private_value(class)).unwrap();
            (client, with_password(class))
        },
        |(client, inputs)| {
            black_box(flows::constant_time_claim(&inputs, &client));
        },
    );
    report(
        "rust",
        "srp_ct_dudect_s",
        "constant-time x, S, signature",
        &v,
    );
    let v = dudect::run(samples / 4, private_value, |a| {
        let a = num_bigint::BigUint::from_bytes_be(&a);
        black_box(vartime::pow_g(&a));
    });
    report(
        "rust-vartime",
        "srp_ct_dudect_a",
        "variable-time A = g^a",
        &v,
    );
    let v = dudect::run(
        samples / 16,
        |class| (private_value(class), with_password(class)),
        |(a, inputs)| {
            black_box(flows::variable_time(&inputs, &a));
        },
    );
    report(
        "rust-vartime",
        "srp_ct_dudect_s",
        "variable-time a, A, x, S, signature",
        &v,
    );
}

/// The constant-time maths on one class, for callgrind's toggle.
#[inline(never)]
fn ct_class_run(inputs: &Inputs, a: &[u8]) -> String {
    flows::constant_time(inputs, a)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| args.iter().any(|a| a == name);
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    srp::precompute();
    vartime::warm_up();

    if let Some(class) = value("--callgrind-class") {
        let class: usize = class.parse().expect("--callgrind-class 0|1");
        let runs: usize = value("--runs").and_then(|r| r.parse().ok()).unwrap_or(3);
        // `--a-bytes 128`: class 1 with the reference clients' length.
        let long = value("--a-bytes").is_some_and(|n| n == "128");
        let base = Inputs::new("Passw0rd!");
        for _ in 0..runs {
            let inputs = if class == 0 {
                base.with_password("Passw0rd!")
            } else {
                base.with_password(&random_password())
            };
            if long {
                black_box(ct_class_run(&inputs, &reference_length_value()));
            } else {
                black_box(ct_class_run(&inputs, &private_value(class)));
            }
        }
        println!("ct_class_run: {runs} runs of class {class}");
        return;
    }

    let (runs, samples) = if flag("--test") {
        (1, 16)
    } else if flag("--quick") {
        (30, 2_000)
    } else {
        (100, 8_000)
    };
    let samples = value("--samples")
        .and_then(|s| s.parse().ok())
        .unwrap_or(samples);
    let only = value("--only");
    let wants = |name: &str| only.as_deref().is_none_or(|o| o == name);
    if wants("speed") {
        speed(runs);
    }
    if wants("dudect") {
        dudect(samples);
    }
}
