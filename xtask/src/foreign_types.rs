//! `cargo xtask foreign-types [--self-test]`: fails when a type, trait or
//! function of a crate outside [`ALLOWED`] appears in the public API of the
//! library crates ([`LIBRARIES`]): `reqwest`, `aws_sdk_*`, `jsonwebtoken`,
//! `hyper`, `redis` and `axum`'s internals stay private. [`ALLOWED_IN`]
//! lists crates allowed in one library only (axum and tower in auth-axum).
//!
//! How: `cargo doc --no-deps` of the libraries, then a scan of the HTML.
//! rustdoc writes every item in a public signature, field, trait impl or
//! re-export as a link whose `title` names its full path (`struct
//! reqwest::async_impl::client::Client`). With `--no-deps` it links a
//! dependency only when `target/doc/<crate>/` exists (or the crate sets
//! `html_root_url`), so the check first makes an empty directory for every
//! dependency `cargo tree` names, and removes the libraries' old pages so
//! that rustdoc writes them again. Blanket and auto-trait implementations
//! (`impl<T> Instrument for T`) are skipped: they are the dependencies' API,
//! not ours. Items under `#[doc(hidden)]` are not documented, so not checked.
//!
//! `--self-test` runs the same check on the fixture workspace in
//! `xtask/fixtures/foreign-types/`: it must reject `leaky` (a foreign type
//! in a signature, a field and a trait impl, each named) and accept `tidy`
//! (the same dependency, used privately, with a blanket impl of its trait).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::cmd::cmd;
use crate::error::{Context as _, Error, Result, bail};
use crate::project;

/// The library crates whose public API is checked: (package, lib name).
const LIBRARIES: &[(&str, &str)] = &[
    ("auth-core", "auth_core"),
    ("auth-storage", "auth_storage"),
    ("auth-storage-redis", "auth_storage_redis"),
    ("auth-cognito", "auth_cognito"),
    ("amplify-auth", "amplify_auth"),
    ("auth-axum", "auth_axum"),
    ("srp-mulx", "srp_mulx"),
];

/// Features the libraries are documented with, so that their optional
/// public API is checked too (the keychain, Redis Cluster, the Redis test
/// servers).
const FEATURES: &str =
    "auth-storage/keychain,auth-storage-redis/cluster-async,auth-storage-redis/testing";

/// Workspace packages that are not checked, and why. A package in neither
/// list fails the check, so that a new library cannot skip it silently.
const NOT_CHECKED: &[(&str, &str)] = &[
    (
        "cognito-emulator",
        "a test tool that serves HTTP, not a library apps build on",
    ),
    ("auth-cli", "a binary"),
    ("xtask", "a binary"),
];

/// Foreign crates that may appear, and why.
const ALLOWED: &[(&str, &str)] = &[
    ("std", "the standard library"),
    ("core", "the standard library"),
    ("alloc", "the standard library"),
    (
        "aws_credential_types",
        "CognitoCredentialsProvider implements its ProvideCredentials, on purpose",
    ),
    (
        "tokio",
        "subscribe() and watch_state() hand out tokio::sync receivers (ARCHITECTURE.md)",
    ),
    (
        "serde",
        "persisted types implement Serialize and Deserialize",
    ),
    (
        "serde_core",
        "serde's traits live in serde_core and are re-exported by serde",
    ),
    (
        "rand_core",
        "the SRP maths takes its randomness injected: SrpClient::new(rng: impl CryptoRng)",
    ),
    (
        "serde_json",
        "JWT claims are JSON: JwtClaims hands out serde_json values",
    ),
];

/// Foreign crates that may appear in one library only, and why: auth-axum
/// exists to integrate with axum and tower, so their traits (`Layer`,
/// `Service`, `FromRequestParts`, `IntoResponse`) and the `http` types in
/// their signatures are its API. `hyper`, `jsonwebtoken` and `reqwest` are
/// not listed: they stay private there too.
const ALLOWED_IN: &[(&str, &[&str], &str)] = &[(
    "auth_axum",
    &["axum", "axum_core", "tower_layer", "tower_service", "http"],
    "the tower layer and axum extractors it integrates with (Layer, Service, FromRequestParts, IntoResponse, http::Request)",
)];

/// The `cargo xtask ci` step: the self-test, then the check.
pub(crate) fn ci() -> Result<()> {
    run(true)?;
    run(false)
}

/// `cargo xtask foreign-types [--self-test]`.
pub(crate) fn run(self_test: bool) -> Result<()> {
    if self_test {
        return run_self_test();
    }
    check_every_package_is_listed()?;
    let packages: Vec<&str> = LIBRARIES.iter().map(|(p, _)| *p).collect();
    let libs: Vec<&str> = LIBRARIES.iter().map(|(_, l)| *l).collect();
    let leaks = check(
        &project::root(),
        &project::cargo_target_dir(),
        &packages,
        &libs,
        Some(FEATURES),
        &allowed(),
        ALLOWED_IN,
    )?;
    report(&leaks)?;
    println!(
        "foreign-types: no foreign type in the public API of {}",
        packages.join(", ")
    );
    Ok(())
}

fn allowed() -> BTreeSet<String> {
    ALLOWED.iter().map(|(c, _)| (*c).to_owned()).collect()
}

/// One foreign item on one page.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Leak {
    /// The page, relative to the doc root (`auth_cognito/struct.X.html`).
    page: String,
    /// The item, as rustdoc titles it (`struct reqwest::Client`).
    item: String,
}

fn report(leaks: &[Leak]) -> Result<()> {
    if leaks.is_empty() {
        return Ok(());
    }
    println!("foreign types in the public API:");
    for leak in leaks {
        println!("  {}: {}", leak.page, leak.item);
    }
    println!("allowed foreign crates:");
    for (name, why) in ALLOWED {
        println!("  {name}: {why}");
    }
    for (lib, crates, why) in ALLOWED_IN {
        println!("  in {lib} only: {}: {why}", crates.join(", "));
    }
    bail!(
        "{} foreign item(s) in the public API; keep them private, or allow the crate in xtask/src/foreign_types.rs with a reason",
        leaks.len()
    )
}

/// Documents `packages` of the workspace at `root` into `target/doc` and
/// returns every foreign item their pages name.
fn check(
    root: &Path,
    target: &Path,
    packages: &[&str],
    libs: &[&str],
    features: Option<&str>,
    allowed: &BTreeSet<String>,
    allowed_in: &[(&str, &[&str], &str)],
) -> Result<Vec<Leak>> {
    let doc_root = target.join("doc");
    std::fs::create_dir_all(&doc_root).context(format!("creating {}", doc_root.display()))?;
    for dep in dependencies(root, packages, features)? {
        if !libs.contains(&dep.as_str()) {
            let dir = doc_root.join(&dep);
            std::fs::create_dir_all(&dir).context(format!("creating {}", dir.display()))?;
        }
    }
    for lib in libs {
        let dir = doc_root.join(lib);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).context(format!("removing {}", dir.display()))?;
        }
    }
    let mut doc = cmd("cargo", ["doc", "--no-deps"]).dir(root);
    for p in packages {
        doc = doc.arg("-p").arg(p);
    }
    if let Some(features) = features {
        doc = doc.arg("--features").arg(features);
    }
    doc.arg("--target-dir").arg(target).run()?;
    let mut leaks = Vec::new();
    for lib in libs {
        let mut allowed = allowed.clone();
        for (_, crates, _) in allowed_in.iter().filter(|(l, _, _)| l == lib) {
            allowed.extend(crates.iter().map(|c| (*c).to_owned()));
        }
        let mut pages = Vec::new();
        html_files(&doc_root.join(lib), &mut pages)?;
        if pages.is_empty() {
            bail!("cargo doc wrote no pages for {lib}");
        }
        for page in pages {
            let html =
                std::fs::read_to_string(&page).context(format!("reading {}", page.display()))?;
            let name = page
                .strip_prefix(&doc_root)
                .unwrap_or(&page)
                .display()
                .to_string();
            for item in foreign_items(&html, libs, &allowed) {
                leaks.push(Leak {
                    page: name.clone(),
                    item,
                });
            }
        }
    }
    leaks.sort();
    leaks.dedup();
    Ok(leaks)
}

/// The library names of every normal dependency of `packages`, transitive.
fn dependencies(
    root: &Path,
    packages: &[&str],
    features: Option<&str>,
) -> Result<BTreeSet<String>> {
    let mut tree = cmd(
        "cargo",
        [
            "tree", "-e", "normal", "--prefix", "none", "--format", "{lib}",
        ],
    )
    .dir(root);
    for p in packages {
        tree = tree.arg("-p").arg(p);
    }
    if let Some(features) = features {
        tree = tree.arg("--features").arg(features);
    }
    let out = tree
        .spawn(Stdio::null(), Stdio::piped(), Stdio::inherit())?
        .wait_with_output()
        .context("running cargo tree")?;
    if !out.status.success() {
        bail!("cargo tree failed ({})", out.status);
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect())
}

/// Every `.html` file under `dir`.
fn html_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).context(format!("reading {}", dir.display()))?;
    for entry in entries {
        let path = entry.context(format!("reading {}", dir.display()))?.path();
        if path.is_dir() {
            html_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "html") {
            out.push(path);
        }
    }
    out.sort();
    Ok(())
}

/// The kinds of item rustdoc puts in a link's `title`.
const ITEM_KINDS: &[&str] = &[
    "struct",
    "enum",
    "union",
    "trait",
    "traitalias",
    "type",
    "fn",
    "mod",
    "macro",
    "attr",
    "derive",
    "constant",
    "static",
    "primitive",
    "foreigntype",
    "associatedtype",
    "associatedconstant",
    "method",
    "tymethod",
    "variant",
    "structfield",
];

/// The primitive types, whose methods rustdoc titles `method str::find`
/// (for a type that derefs to `str`, say): the standard library's, not a
/// crate's.
const PRIMITIVES: &[&str] = &[
    "bool",
    "char",
    "str",
    "slice",
    "array",
    "tuple",
    "unit",
    "never",
    "pointer",
    "reference",
    "fn",
    "u8",
    "u16",
    "u32",
    "u64",
    "u128",
    "usize",
    "i8",
    "i16",
    "i32",
    "i64",
    "i128",
    "isize",
    "f16",
    "f32",
    "f64",
    "f128",
];

/// The foreign items `html` (one rustdoc page) names, outside its blanket and
/// auto-trait implementations.
fn foreign_items(html: &str, own: &[&str], allowed: &BTreeSet<String>) -> Vec<String> {
    let end = [
        "id=\"synthetic-implementations\"",
        "id=\"blanket-implementations\"",
    ]
    .iter()
    .filter_map(|marker| html.find(marker))
    .min()
    .unwrap_or(html.len());
    let mut found = Vec::new();
    let mut rest = &html[..end];
    while let Some(at) = rest.find("title=\"") {
        rest = &rest[at + "title=\"".len()..];
        let Some(close) = rest.find('"') else { break };
        let title = &rest[..close];
        rest = &rest[close..];
        let Some((kind, path)) = title.split_once(' ') else {
            continue;
        };
        let Some((krate, _)) = path.split_once("::") else {
            continue;
        };
        if ITEM_KINDS.contains(&kind)
            && !own.contains(&krate)
            && !allowed.contains(krate)
            && !PRIMITIVES.contains(&krate)
        {
            found.push(title.to_owned());
        }
    }
    found
}

/// Fails when a workspace package under `crates/` is in neither list.
fn check_every_package_is_listed() -> Result<()> {
    let crates = project::root().join("crates");
    let mut unlisted = Vec::new();
    for entry in std::fs::read_dir(&crates).context(format!("reading {}", crates.display()))? {
        let manifest = entry.context("reading crates/")?.path().join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        let Some(name) = package_name(&text) else {
            continue;
        };
        let listed = LIBRARIES.iter().any(|(p, _)| *p == name)
            || NOT_CHECKED.iter().any(|(p, _)| *p == name);
        if !listed {
            unlisted.push(name);
        }
    }
    if !unlisted.is_empty() {
        bail!(
            "packages {} are in neither LIBRARIES nor NOT_CHECKED of xtask/src/foreign_types.rs",
            unlisted.join(", ")
        );
    }
    Ok(())
}

/// `name = "..."` of the `[package]` table.
fn package_name(manifest: &str) -> Option<String> {
    let mut in_package = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package
            && let Some(value) = line.strip_prefix("name")
            && let Some(value) = value.trim_start().strip_prefix('=')
        {
            return Some(value.trim().trim_matches('"').to_owned());
        }
    }
    None
}

/// The check against a fixture with a known answer.
fn run_self_test() -> Result<()> {
    let fixture = project::root().join("xtask/fixtures/foreign-types");
    let target = project::scratch_dir().join("foreign-types-fixture");
    let allowed: BTreeSet<String> = ["std", "core", "alloc"].map(str::to_owned).into();
    let leaks = check(
        &fixture,
        &target,
        &["leaky", "tidy"],
        &["leaky", "tidy"],
        None,
        &allowed,
        &[],
    )?;
    let expected = [
        ("leaky/fn.connect.html", "struct foreign_http::Client"),
        (
            "leaky/struct.Session.html",
            "enum foreign_http::error::Error",
        ),
        ("leaky/struct.Session.html", "struct foreign_http::Client"),
        ("leaky/struct.Session.html", "trait foreign_http::Transport"),
    ];
    let expected: Vec<Leak> = expected
        .iter()
        .map(|(page, item)| Leak {
            page: (*page).to_owned(),
            item: (*item).to_owned(),
        })
        .collect();
    let leaky: Vec<Leak> = leaks
        .iter()
        .filter(|l| l.page.starts_with("leaky/") && !l.page.ends_with("index.html"))
        .cloned()
        .collect();
    // The blanket impl is on tidy's page, so skipping it is exercised.
    let tidy_page = target.join("doc/tidy/struct.Session.html");
    let html =
        std::fs::read_to_string(&tidy_page).context(format!("reading {}", tidy_page.display()))?;
    if !html.contains("title=\"trait foreign_http::Instrument\"") {
        bail!("self-test: the blanket impl of foreign_http::Instrument is not on tidy's page");
    }
    let tidy: Vec<&Leak> = leaks
        .iter()
        .filter(|l| l.page.starts_with("tidy/"))
        .collect();
    if !tidy.is_empty() {
        return Err(Error::msg(format!(
            "self-test: the clean fixture was rejected: {tidy:?}"
        )));
    }
    for want in &expected {
        if !leaky.contains(want) {
            return Err(Error::msg(format!(
                "self-test: the leak {want:?} was not found; found {leaky:?}"
            )));
        }
    }
    println!(
        "foreign-types --self-test: the leaky fixture fails with {} leaks, the tidy one passes",
        leaky.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed() -> BTreeSet<String> {
        ["std", "core"].map(str::to_owned).into()
    }

    #[test]
    fn foreign_titles_are_found_and_own_and_allowed_ones_are_not() {
        let html = r#"<a class="struct" href="../reqwest/struct.Client.html" title="struct reqwest::Client">Client</a>
            <a class="struct" href="struct.Own.html" title="struct mine::Own">Own</a>
            <a class="enum" href="https://doc.rust-lang.org/nightly/core/option/enum.Option.html" title="enum core::option::Option">Option</a>
            <a href="x" title="Copy item path to clipboard">x</a>
            <a class="trait" title="trait aws_sdk_s3::Thing">Thing</a>
            <a href="https://doc.rust-lang.org/nightly/std/primitive.str.html#method.find" title="method str::find">find</a>
            <a href="https://doc.rust-lang.org/nightly/std/primitive.char.html#method.is_ascii" title="method char::is_ascii">is_ascii</a>"#;
        assert_eq!(
            foreign_items(html, &["mine"], &allowed()),
            ["struct reqwest::Client", "trait aws_sdk_s3::Thing"]
        );
    }

    #[test]
    fn blanket_and_auto_trait_sections_are_skipped() {
        let html = r#"<h2 id="trait-implementations">Trait Implementations</h2>
            <a class="trait" title="trait hyper::Body">Body</a>
            <h2 id="synthetic-implementations">Auto Trait Implementations</h2>
            <a class="trait" title="trait tracing::Instrument">Instrument</a>
            <h2 id="blanket-implementations">Blanket Implementations</h2>
            <a class="trait" title="trait tracing::WithSubscriber">WithSubscriber</a>"#;
        assert_eq!(
            foreign_items(html, &["mine"], &allowed()),
            ["trait hyper::Body"]
        );
    }

    #[test]
    fn package_names_come_from_the_package_table() {
        let manifest = "[package]\nname = \"auth-axum\"\n[dependencies]\nname = \"x\"\n";
        assert_eq!(package_name(manifest).as_deref(), Some("auth-axum"));
        assert_eq!(package_name("[workspace]\nmembers = []\n"), None);
    }
}
