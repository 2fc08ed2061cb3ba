//! The storage URL: which Redis (one server or a cluster), how to reach it,
//! and this crate's own options, with a form fit for messages that never
//! shows the password.
//!
//! ```text
//! redis://[user[:password]@]host[:port][/db][?options]
//! rediss://...                                   TLS (rustls)
//! redis+unix:///path/to/redis.sock[?db=N&...]    a Unix socket
//! redis+cluster://[user[:password]@]host:port[,host:port...][?options]
//! rediss+cluster://...                           a cluster over TLS
//! ```
//!
//! Options: `prefix=NAME` (key prefix), `lease_ms=N`, `lock_timeout_ms=N`,
//! `timeout_ms=N` (each command), `ca_file=PATH` (a PEM root for TLS), and
//! `protocol=resp2|resp3`, which goes to the driver.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Why a storage URL was refused. The message names the part at fault and
/// never contains the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid Redis URL `{url}`: {message}")]
#[non_exhaustive]
pub struct InvalidUrl {
    /// The URL with its password replaced by `***`.
    pub url: String,
    /// What is wrong.
    pub message: String,
}

/// A parsed storage URL.
#[derive(Clone)]
pub(crate) struct Target {
    /// Node URLs for the driver (with credentials, never printed).
    pub(crate) nodes: Vec<String>,
    pub(crate) cluster: bool,
    pub(crate) tls: bool,
    /// `host:port[,host:port]` or the socket path: for messages.
    pub(crate) endpoint: String,
    /// The whole URL without the password: for messages.
    pub(crate) redacted: String,
    pub(crate) options: UrlOptions,
}

/// This crate's options from the URL's query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct UrlOptions {
    pub(crate) prefix: Option<String>,
    pub(crate) lease: Option<Duration>,
    pub(crate) lock_timeout: Option<Duration>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) ca_file: Option<PathBuf>,
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("url", &self.redacted)
            .field("cluster", &self.cluster)
            .finish_non_exhaustive()
    }
}

/// Replaces the password of every `user:password@` in `url` by `***`.
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, hosts)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
            let shown = if userinfo.contains(':') {
                format!("{user}:***")
            } else {
                // A lone userinfo may be a secret too.
                "***".to_owned()
            };
            format!("{scheme}://{shown}@{hosts}{tail}")
        }
        None => url.to_owned(),
    }
}

pub(crate) fn parse(url: &str) -> Result<Target, InvalidUrl> {
    let redacted = redact(url);
    let fail = |message: String| InvalidUrl {
        url: redacted.clone(),
        message,
    };
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(fail(
            "expected redis://, rediss://, redis+unix://, redis+cluster:// or rediss+cluster://"
                .into(),
        ));
    };
    let (cluster, tls, node_scheme) = match scheme {
        "redis" => (false, false, "redis"),
        "rediss" => (false, true, "rediss"),
        "redis+unix" | "unix" => (false, false, "redis+unix"),
        "redis+cluster" | "redis-cluster" => (true, false, "redis"),
        "rediss+cluster" | "rediss-cluster" => (true, true, "rediss"),
        other => return Err(fail(format!("unknown scheme `{other}`"))),
    };
    if cluster && !cfg!(feature = "cluster-async") {
        return Err(fail(
            "this build has no Redis Cluster support (the `cluster-async` feature of auth-storage-redis)".into(),
        ));
    }
    if rest.contains('#') {
        return Err(fail(
            "fragments (such as #insecure) are not accepted: give the server's CA with ca_file=PATH instead".into(),
        ));
    }
    let (before_query, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (options, driver_query) = parse_query(query).map_err(fail)?;
    if !tls && options.ca_file.is_some() {
        return Err(fail("ca_file applies to rediss:// URLs only".into()));
    }
    let suffix = if driver_query.is_empty() {
        String::new()
    } else {
        format!("?{driver_query}")
    };

    if node_scheme == "redis+unix" {
        let node = format!("redis+unix://{before_query}{suffix}");
        check_node(&node).map_err(fail)?;
        return Ok(Target {
            nodes: vec![node],
            cluster,
            tls,
            endpoint: before_query.to_owned(),
            redacted,
            options,
        });
    }

    let authority_end = before_query.find('/').unwrap_or(before_query.len());
    let (authority, path) = before_query.split_at(authority_end);
    let (userinfo, hosts) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let hosts: Vec<&str> = hosts.split(',').map(str::trim).collect();
    if hosts.iter().any(|h| h.is_empty()) {
        return Err(fail("a host is missing".into()));
    }
    if !cluster && hosts.len() > 1 {
        return Err(fail(
            "several hosts need the cluster form: redis+cluster://host:port,host:port".into(),
        ));
    }
    if cluster && !matches!(path, "" | "/" | "/0") {
        return Err(fail("a cluster has only database 0".into()));
    }
    let credentials = userinfo.map(|u| format!("{u}@")).unwrap_or_default();
    let nodes: Vec<String> = hosts
        .iter()
        .map(|host| {
            let path = if cluster { "" } else { path };
            format!("{node_scheme}://{credentials}{host}{path}{suffix}")
        })
        .collect();
    for node in &nodes {
        check_node(node).map_err(fail)?;
    }
    Ok(Target {
        nodes,
        cluster,
        tls,
        endpoint: hosts.join(","),
        redacted,
        options,
    })
}

/// Lets the driver parse one node URL, reporting only its own error kind.
fn check_node(node: &str) -> Result<(), String> {
    use redis::IntoConnectionInfo;
    node.into_connection_info()
        .map(|_| ())
        .map_err(|e| match e.detail() {
            Some(detail) => format!("{} ({detail})", e.category()),
            None => e.category().to_owned(),
        })
}

/// Splits the query into this crate's options and the driver's.
fn parse_query(query: &str) -> Result<(UrlOptions, String), String> {
    let mut options = UrlOptions::default();
    let mut driver = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let millis = || {
            value
                .parse::<u64>()
                .ok()
                .filter(|ms| *ms > 0)
                .map(Duration::from_millis)
                .ok_or_else(|| format!("`{key}` must be a positive number of milliseconds"))
        };
        match key {
            "prefix" => {
                if value.is_empty() || value.contains(['{', '}']) {
                    return Err("`prefix` must be non-empty and without braces".into());
                }
                options.prefix = Some(value.to_owned());
            }
            "lease_ms" => options.lease = Some(millis()?),
            "lock_timeout_ms" => options.lock_timeout = Some(millis()?),
            "timeout_ms" => options.timeout = Some(millis()?),
            "ca_file" => {
                if value.is_empty() {
                    return Err("`ca_file` needs a path".into());
                }
                options.ca_file = Some(PathBuf::from(percent_decode(value)));
            }
            "protocol" | "db" => driver.push(pair.to_owned()),
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    Ok((options, driver.join("&")))
}

fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                let (h, l) = (hex(h).unwrap_or(0), hex(l).unwrap_or(0));
                out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn single_server_urls_keep_credentials_for_the_driver_only() {
        let t = parse("redis://app:s3cret@127.0.0.1:6380/2").unwrap();
        assert!(!t.cluster && !t.tls);
        assert_eq!(
            t.nodes,
            vec!["redis://app:s3cret@127.0.0.1:6380/2".to_owned()]
        );
        assert_eq!(t.endpoint, "127.0.0.1:6380");
        assert_eq!(t.redacted, "redis://app:***@127.0.0.1:6380/2");
        assert!(!format!("{t:?}").contains("s3cret"));
    }

    #[test]
    fn options_are_ours_and_protocol_goes_to_the_driver() {
        let t = parse("rediss://h:1/0?prefix=svc&lease_ms=2000&lock_timeout_ms=9000&timeout_ms=500&ca_file=%2Ftmp%2Fca.pem&protocol=resp3").unwrap();
        assert!(t.tls);
        assert_eq!(t.options.prefix.as_deref(), Some("svc"));
        assert_eq!(t.options.lease, Some(Duration::from_millis(2000)));
        assert_eq!(t.options.lock_timeout, Some(Duration::from_millis(9000)));
        assert_eq!(t.options.timeout, Some(Duration::from_millis(500)));
        assert_eq!(t.options.ca_file, Some(PathBuf::from("/tmp/ca.pem")));
        assert_eq!(t.nodes, vec!["rediss://h:1/0?protocol=resp3".to_owned()]);
    }

    #[test]
    fn the_cluster_form_lists_its_seed_nodes() {
        let t =
            parse("redis+cluster://u:pw@127.0.0.1:7000,127.0.0.1:7001, 127.0.0.1:7002?prefix=p")
                .unwrap();
        assert!(t.cluster);
        assert_eq!(
            t.nodes,
            vec![
                "redis://u:pw@127.0.0.1:7000".to_owned(),
                "redis://u:pw@127.0.0.1:7001".to_owned(),
                "redis://u:pw@127.0.0.1:7002".to_owned(),
            ]
        );
        assert_eq!(t.endpoint, "127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002");
        assert_eq!(
            t.redacted,
            "redis+cluster://u:***@127.0.0.1:7000,127.0.0.1:7001, 127.0.0.1:7002?prefix=p"
        );
        let tls = parse("rediss+cluster://h1:1,h2:2").unwrap();
        assert!(tls.cluster && tls.tls);
        assert!(tls.nodes.iter().all(|n| n.starts_with("rediss://")));
    }

    #[test]
    fn bad_urls_say_what_is_wrong_without_the_password() {
        for (url, needle) in [
            ("http://h:1", "unknown scheme"),
            ("localhost:6379", "expected redis://"),
            ("redis://h:1,h:2", "cluster form"),
            ("redis+cluster://h:1,h:2/3", "database 0"),
            ("redis://u:pw@h:1?lease_ms=0", "lease_ms"),
            ("redis://u:pw@h:1?leese_ms=5", "unknown option `leese_ms`"),
            ("rediss://u:pw@h:1/#insecure", "ca_file"),
            ("redis://u:pw@h:1?ca_file=/x", "rediss://"),
            ("redis://u:pw@h:1?prefix={x}", "braces"),
            ("redis+cluster://u:pw@h:1,,h:2", "host is missing"),
            ("redis://u:pw@h:notaport", "invalid"),
        ] {
            let err = parse(url).unwrap_err();
            let text = err.to_string();
            assert!(text.contains(needle), "{url}: {text}");
            assert!(!text.contains("pw@"), "{url}: {text}");
        }
    }

    #[test]
    fn redaction_covers_a_password_without_user() {
        assert_eq!(redact("redis://:pw@h:1"), "redis://:***@h:1");
        assert_eq!(redact("redis://pw@h:1"), "redis://***@h:1");
        assert_eq!(redact("redis://h:1"), "redis://h:1");
    }
}
