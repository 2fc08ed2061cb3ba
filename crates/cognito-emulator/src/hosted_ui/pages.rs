//! The hosted UI's HTML pages: the login form, the mock provider's consent page, and
//! error pages. Everything a page echoes is escaped with [`escape`]; no page carries a
//! secret (forms carry only the random id of the authorize request kept server-side).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// HTML-escapes `text` for element content and double-quoted attributes.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A whole page with the headers every hosted-UI page carries.
fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{}</title>\n<style>body{{font-family:sans-serif;max-width:28em;margin:3em auto}}\
         label{{display:block;margin-top:1em}}input{{width:100%}}button{{margin-top:1em}}\
         .error{{color:#b00020}}</style></head>\n<body>\n<h1>{}</h1>\n{body}\n</body></html>\n",
        escape(title),
        escape(title)
    );
    let mut res = (status, html).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // No `form-action`: the login form's POST answers with a redirect to the app's
    // callback (another origin, often a loopback port), and Chromium checks that
    // redirect against `form-action` too, so `'self'` would block every sign-in (the
    // real-browser story in `interop/browser/` caught it). The forms post to this
    // origin only, as their `action` attributes are fixed paths.
    h.insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    res
}

/// The user pool's login form. `error` is shown above it; `providers` get one button
/// each.
pub(crate) fn login_form(
    txn: &str,
    app_name: &str,
    username: &str,
    error: Option<&str>,
    providers: &[String],
) -> Response {
    let error = error
        .map(|e| {
            format!(
                "<p id=\"error\" class=\"error\" role=\"alert\">{}</p>\n",
                escape(e)
            )
        })
        .unwrap_or_default();
    let mut buttons = String::new();
    for p in providers {
        buttons.push_str(&format!(
            "<button type=\"submit\" name=\"action\" value=\"provider:{0}\" id=\"provider-{0}\" \
             formnovalidate>Continue with {0}</button>\n",
            escape(p)
        ));
    }
    let body = format!(
        "<p>Sign in to <strong id=\"app\">{}</strong></p>\n{error}\
         <form method=\"post\" action=\"/login\">\n\
         <input type=\"hidden\" name=\"txn\" value=\"{}\">\n\
         <label for=\"username\">Username</label>\n\
         <input id=\"username\" name=\"username\" autocomplete=\"username\" value=\"{}\">\n\
         <label for=\"password\">Password</label>\n\
         <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\">\n\
         <button type=\"submit\" name=\"action\" value=\"sign_in\" id=\"signin\">Sign in</button>\n\
         <button type=\"submit\" name=\"action\" value=\"cancel\" id=\"cancel\" formnovalidate>Cancel</button>\n\
         {buttons}</form>",
        escape(app_name),
        escape(txn),
        escape(username),
    );
    let status = if error.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    page(status, "Sign in", &body)
}

/// The mock external provider's consent page: who to sign in as, allow or deny.
pub(crate) fn consent(txn: &str, provider: &str, app_name: &str, subject: &str) -> Response {
    let body = format!(
        "<p>This is the emulator's stand-in for <strong id=\"provider\">{p}</strong>.</p>\n\
         <p><strong>{a}</strong> wants to sign you in with your {p} account.</p>\n\
         <form method=\"post\" action=\"/oauth2/idpresponse\">\n\
         <input type=\"hidden\" name=\"txn\" value=\"{t}\">\n\
         <label for=\"subject\">{p} user id</label>\n\
         <input id=\"subject\" name=\"subject\" value=\"{s}\">\n\
         <label for=\"email\">Email</label>\n\
         <input id=\"email\" name=\"email\" value=\"{s}@example.com\">\n\
         <button type=\"submit\" name=\"action\" value=\"allow\" id=\"allow\">Allow</button>\n\
         <button type=\"submit\" name=\"action\" value=\"deny\" id=\"deny\">Cancel</button>\n\
         </form>",
        p = escape(provider),
        a = escape(app_name),
        t = escape(txn),
        s = escape(subject),
    );
    page(StatusCode::OK, &format!("Sign in with {provider}"), &body)
}

/// An error the hosted UI shows instead of redirecting (an unknown client, a redirect
/// URI that is not registered: redirecting there would be an open redirect).
pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = format!(
        "<p id=\"error\" class=\"error\" role=\"alert\"><code>{}</code>: {}</p>",
        escape(code),
        escape(message)
    );
    page(status, "Sign-in error", &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_echoed_is_escaped() {
        assert_eq!(
            escape(r#"<script>alert("x")</script>&'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"
        );
    }
}
