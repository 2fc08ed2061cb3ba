//! One session fetch for the unforced callers whose tokens expired
//! together.
//!
//! Without it, each of N callers on expired tokens went through two
//! single flights in turn: it waited for the token refresh, was woken with
//! the others, then waited for the credentials call, and was woken again.
//! Each wake-up is a pass of the runtime over every waiter, and the
//! credentials call (whose connection task queues behind them) could not
//! start before the first pass had run. Here the first caller to find the
//! tokens due leads one whole fetch (tokens, then identity id and
//! credentials, `cognito_session::fetch`), and the callers that find the
//! same tokens due meanwhile wait for its session: one wake-up each.
//!
//! A caller joins only a flight for the session it saw itself (the same
//! [`Snapshot::generation`](crate::orchestrator::Snapshot)): the one the
//! leader started from, or, once the leader's tokens are refreshed and it
//! asks the identity pool for their credentials, the refreshed tokens'
//! generation (the flight is rekeyed; a caller then finds no credentials
//! for them and would otherwise take the general path). So what it gets is
//! what it would have got from the two flights it used to join: the
//! leader's refreshed tokens and the credentials for them. A sign-in,
//! sign-out or other refresh in between changes the generation; a caller
//! that sees another generation does not join (one whose tokens are due
//! waits for the flight in progress to end, then decides again). Forced callers never come here (their tickets and
//! flights are `refresh.rs`'s and `identity/cache.rs`'s), nor do callers
//! whose tokens are valid.
//!
//! Memory: a waiter's future is a receiver and its wait (a few hundred
//! bytes, allocated once per call); the general path's future (kilobytes)
//! is allocated by the leader alone. Allocating it for each of 10,000
//! waiters cost most of the burst's time in page faults.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use auth_core::types::FetchAuthSessionOptions;

use crate::cognito_session::{self, CognitoAuthSession};
use crate::flight::Flight;
use crate::identity::IdentityPool;
use crate::orchestrator::Orchestrator;

/// The flight of the unforced fetches, keyed by the session generation
/// their callers saw.
pub(crate) type ExpiredFlight = Flight<u64, CognitoAuthSession>;

/// A boxed session fetch.
pub(crate) type BoxedFetch<'a> = Pin<Box<dyn Future<Output = CognitoAuthSession> + Send + 'a>>;

/// The unforced general path of `fetch_auth_session` and
/// `fetch_cognito_session`, decided when it is called: a caller that finds
/// its tokens due while a flight for the same session runs waits for it in
/// a future of a few hundred bytes; any other caller gets the whole fetch
/// (kilobytes), in one flight with the callers that find the same tokens
/// due, else alone.
pub(crate) fn fetch_unforced<'a>(
    flight: &'a ExpiredFlight,
    session: &'a Orchestrator,
    identity: Option<&'a IdentityPool>,
) -> BoxedFetch<'a> {
    let Some((generation, due)) = seen(session) else {
        return Box::pin(alone(session, identity));
    };
    match flight.join_now(|g| *g == generation) {
        Some(joined) => Box::pin(async move {
            match joined.result().await {
                Some(value) => value,
                // The leader's future was dropped before it published.
                None => Box::pin(in_flight(flight, session, identity, generation)).await,
            }
        }),
        None if due => Box::pin(in_flight(flight, session, identity, generation)),
        None => Box::pin(alone(session, identity)),
    }
}

/// The whole fetch, in one flight with the callers that saw `generation`,
/// and, once its tokens are refreshed, with those that see the refreshed
/// tokens' generation (while it asks the identity pool for their
/// credentials, they would otherwise each take the general path).
async fn in_flight(
    flight: &ExpiredFlight,
    session: &Orchestrator,
    identity: Option<&IdentityPool>,
    generation: u64,
) -> CognitoAuthSession {
    let lead = || {
        let options = FetchAuthSessionOptions::default();
        cognito_session::fetch_then(session, identity, options, None, move |tokens| {
            // The generation these tokens are the session of, if they are.
            let snap = session.state.load();
            if let (Ok(tokens), Some(user)) = (tokens, &snap.user)
                && Arc::ptr_eq(tokens, user)
                && snap.generation != generation
            {
                flight.rekey(&generation, snap.generation);
            }
        })
    };
    flight
        .run_after(None, generation, |g| *g == generation, |_| true, lead)
        .await
}

/// The whole unforced fetch: tokens, then identity id and credentials.
fn alone<'a>(
    session: &'a Orchestrator,
    identity: Option<&'a IdentityPool>,
) -> impl Future<Output = CognitoAuthSession> + Send + 'a {
    cognito_session::fetch(session, identity, FetchAuthSessionOptions::default(), None)
}

/// The generation of the loaded session of a signed-in user, and whether
/// its tokens are due for a refresh (as `current_tokens` decides it).
fn seen(session: &Orchestrator) -> Option<(u64, bool)> {
    let snap = session.state.load();
    let user = snap.user.as_ref().filter(|_| snap.loaded)?;
    let due = user.needs_refresh(session.now_ms(), session.token_margin_ms);
    Some((snap.generation, due))
}
