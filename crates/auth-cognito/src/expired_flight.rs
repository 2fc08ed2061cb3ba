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
//! A caller joins only a flight that started from the session it saw
//! itself (the same [`Snapshot::generation`](crate::orchestrator::Snapshot)),
//! so what it gets is what it would have got from the two flights it used
//! to join: the leader's refreshed tokens and the credentials for them. A
//! sign-in, sign-out or refresh in between changes the generation; a caller
//! that sees another generation waits for the flight in progress to end and
//! then decides again. Forced callers never come here (their tickets and
//! flights are `refresh.rs`'s and `identity/cache.rs`'s), nor do callers
//! whose tokens are valid.
//!
//! Memory: a waiter's future is a receiver and its wait (a few hundred
//! bytes, allocated once per call); the general path's future (kilobytes)
//! is allocated by the leader alone. Allocating it for each of 10,000
//! waiters cost most of the burst's time in page faults.

use std::future::Future;
use std::pin::Pin;

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
    let Some(generation) = due_generation(session) else {
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
        None => Box::pin(in_flight(flight, session, identity, generation)),
    }
}

/// The whole fetch, in one flight with the callers that saw `generation`.
async fn in_flight(
    flight: &ExpiredFlight,
    session: &Orchestrator,
    identity: Option<&IdentityPool>,
    generation: u64,
) -> CognitoAuthSession {
    flight
        .run_after(None, generation, |g| *g == generation, |_| true, || {
            alone(session, identity)
        })
        .await
}

/// The whole unforced fetch: tokens, then identity id and credentials.
fn alone<'a>(
    session: &'a Orchestrator,
    identity: Option<&'a IdentityPool>,
) -> impl Future<Output = CognitoAuthSession> + Send + 'a {
    cognito_session::fetch(session, identity, FetchAuthSessionOptions::default(), None)
}

/// The generation of the session when it is loaded and its user's tokens
/// are due for a refresh (as `current_tokens` decides it), else `None`.
fn due_generation(session: &Orchestrator) -> Option<u64> {
    let snap = session.state.load();
    let user = snap.user.as_ref()?;
    (snap.loaded && user.needs_refresh(session.now_ms(), session.token_margin_ms))
        .then_some(snap.generation)
}
