//! The plain cookie-jar HTTP client: a user agent that keeps cookies the way
//! a browser does on one host (every server here is on 127.0.0.1, and cookies
//! do not depend on the port), follows no redirect by itself, and keeps every
//! `Set-Cookie` it was sent for the scan for JWTs. It fills in the
//! emulator's hosted-UI login form over HTTP (the form's `txn`, the
//! username, the password).

use std::collections::BTreeMap;
use std::sync::Mutex;

/// One answer.
#[derive(Debug, Clone)]
pub struct Page {
    /// The URL asked for.
    pub url: String,
    pub status: u16,
    /// `Location`, made absolute against the URL asked for.
    pub location: Option<String>,
    /// The `Set-Cookie` headers of this answer.
    pub set_cookies: Vec<String>,
    pub content_type: Option<String>,
    pub body: String,
}

impl Page {
    /// The body as JSON (panics with the page when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }

    /// The redirect target; panics unless this is a redirect.
    pub fn redirect(&self) -> &str {
        assert!(
            (300..400).contains(&self.status),
            "expected a redirect from {}, got {}: {}",
            self.url,
            self.status,
            self.body
        );
        self.location.as_deref().expect("a redirect has a Location")
    }
}

/// A browser without JavaScript.
pub struct Browser {
    http: reqwest::Client,
    /// name -> value of the live cookies.
    jar: Mutex<BTreeMap<String, String>>,
    /// Every `Set-Cookie` received, in order.
    seen: Mutex<Vec<String>>,
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

impl Browser {
    pub fn new() -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("http client"),
            jar: Mutex::new(BTreeMap::new()),
            seen: Mutex::new(Vec::new()),
        }
    }

    /// `GET url` with the jar's cookies.
    pub async fn get(&self, url: &str) -> Page {
        self.send(self.http.get(url), url).await
    }

    /// `POST url` with a form body and the jar's cookies, from a page of
    /// `origin` (its `Origin` header, as a browser sends on a form post).
    pub async fn post_form(&self, url: &str, origin: &str, pairs: &[(&str, &str)]) -> Page {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        let req = self
            .http
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", origin)
            .body(body);
        self.send(req, url).await
    }

    /// `POST url` with an empty body, from a page of `origin`.
    pub async fn post(&self, url: &str, origin: &str) -> Page {
        self.send(self.http.post(url).header("origin", origin), url)
            .await
    }

    async fn send(&self, req: reqwest::RequestBuilder, url: &str) -> Page {
        let cookie = self.cookie_header();
        let req = if cookie.is_empty() {
            req
        } else {
            req.header("cookie", cookie)
        };
        let res = req.send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
        let status = res.status().as_u16();
        let header = |name: &str| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let location = header("location").map(|l| {
            url::Url::parse(url)
                .and_then(|base| base.join(&l))
                .map_or(l, |u| u.to_string())
        });
        let content_type = header("content-type");
        let set_cookies: Vec<String> = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        for c in &set_cookies {
            self.store(c);
        }
        let body = res.text().await.unwrap_or_default();
        Page {
            url: url.to_owned(),
            status,
            location,
            set_cookies,
            content_type,
            body,
        }
    }

    /// Applies one `Set-Cookie`: stores it, or removes it when it is
    /// expired (`Max-Age=0` or less, or an empty value with an `Expires`).
    fn store(&self, set_cookie: &str) {
        self.seen.lock().unwrap().push(set_cookie.to_owned());
        let mut parts = set_cookie.split(';');
        let Some((name, value)) = parts.next().and_then(|nv| nv.split_once('=')) else {
            return;
        };
        let (name, value) = (name.trim().to_owned(), value.trim().to_owned());
        let expired = parts.any(|a| {
            let a = a.trim().to_ascii_lowercase();
            a.strip_prefix("max-age=")
                .and_then(|v| v.parse::<i64>().ok())
                .is_some_and(|v| v <= 0)
        });
        let mut jar = self.jar.lock().unwrap();
        if expired {
            jar.remove(&name);
        } else {
            jar.insert(name, value);
        }
    }

    fn cookie_header(&self) -> String {
        self.jar
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The live cookies.
    pub fn cookies(&self) -> BTreeMap<String, String> {
        self.jar.lock().unwrap().clone()
    }

    /// Replaces the jar (to present a cookie after the server cleared it).
    pub fn set_cookies(&self, cookies: BTreeMap<String, String>) {
        *self.jar.lock().unwrap() = cookies;
    }

    /// Every `Set-Cookie` this browser was sent.
    pub fn seen_set_cookies(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }

    /// Starts a sign-in at `base`'s `/auth/sign-in` and answers the hosted
    /// UI's login form as `username`; returns the URL the hosted UI sends the
    /// browser back to (the instance's callback, with `code` and `state`),
    /// without opening it.
    pub async fn hosted_ui_until_callback(
        &self,
        base: &str,
        username: &str,
        password: &str,
    ) -> String {
        let start = self.get(&format!("{base}/auth/sign-in")).await;
        let authorize = start.redirect().to_owned();
        let login = self.get(&authorize).await;
        let login_url = login.redirect().to_owned();
        let txn = query(&login_url, "txn").expect("the login form's txn");
        let emulator = origin_of(&login_url);
        let answer = self
            .post_form(
                &format!("{emulator}/login"),
                &emulator,
                &[
                    ("txn", &txn),
                    ("username", username),
                    ("password", password),
                    ("action", "sign_in"),
                ],
            )
            .await;
        answer.redirect().to_owned()
    }

    /// A whole hosted-UI sign-in through `base`; returns the callback's
    /// answer.
    pub async fn sign_in(&self, base: &str, username: &str, password: &str) -> Page {
        let callback = self
            .hosted_ui_until_callback(base, username, password)
            .await;
        assert!(
            callback.starts_with(&format!("{base}/auth/callback")),
            "the hosted UI sent the browser to {callback}"
        );
        self.get(&callback).await
    }
}

/// The value of query parameter `key` of `url`.
pub fn query(url: &str, key: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// `url` with query parameter `key` set to `value` (others kept).
pub fn with_query(url: &str, key: &str, value: Option<&str>) -> String {
    let mut u = url::Url::parse(url).expect("url");
    let pairs: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, _)| k != key)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    {
        let mut q = u.query_pairs_mut();
        q.clear();
        for (k, v) in &pairs {
            q.append_pair(k, v);
        }
        if let Some(v) = value {
            q.append_pair(key, v);
        }
    }
    u.to_string()
}

/// `scheme://host:port` of `url`.
pub fn origin_of(url: &str) -> String {
    url::Url::parse(url)
        .expect("url")
        .origin()
        .ascii_serialization()
}
