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

use auth_core::error::AuthError;
use auth_core::types::{AuthSession, FetchAuthSessionOptions};

use crate::cognito_session::{self, CognitoAuthSession};
use crate::flight::Flight;
use crate::identity::IdentityPool;
use crate::orchestrator::Orchestrator;

/// The flight of the unforced fetches, keyed by the session generation
/// their callers saw.
pub(crate) type ExpiredFlight = Flight<u64, Arc<Outcome>>;

/// A boxed session fetch.
pub(crate) type BoxedFetch<'a, R> = Pin<Box<dyn Future<Output = R> + Send + 'a>>;

/// What a flight hands each of its callers: the session in both forms,
/// built once by the leader, so that a waiter clones a reference count or
/// two instead of building its own (an allocation and seven counts).
pub(crate) struct Outcome {
    cognito: CognitoAuthSession,
    auth: Result<AuthSession, AuthError>,
}

impl Outcome {
    fn new(cognito: CognitoAuthSession) -> Arc<Self> {
        let auth = cognito.clone().into_auth_session();
        Arc::new(Self { cognito, auth })
    }
}

/// The answer a caller wants: `fetch_auth_session`'s or
/// `fetch_cognito_session`'s. From a flight's [`Outcome`] it is cloned;
/// from a fetch made alone it is converted, without building the other.
pub(crate) trait Answer: Sized {
    /// This answer out of a flight's outcome.
    fn of_outcome(outcome: &Outcome) -> Self;
    /// This answer out of a session fetched alone.
    fn of_session(session: CognitoAuthSession) -> Self;
}

impl Answer for Result<AuthSession, AuthError> {
    fn of_outcome(outcome: &Outcome) -> Self {
        outcome.auth.clone()
    }
    fn of_session(session: CognitoAuthSession) -> Self {
        session.into_auth_session()
    }
}

impl Answer for CognitoAuthSession {
    fn of_outcome(outcome: &Outcome) -> Self {
        outcome.cognito.clone()
    }
    fn of_session(session: CognitoAuthSession) -> Self {
        session
    }
}

/// The unforced general path of `fetch_auth_session` and
/// `fetch_cognito_session` (`R` is the answer wanted), decided when it
/// runs: a caller that finds a flight in progress for the session it sees
/// waits for it in a future of a few hundred bytes; any other caller gets
/// the whole fetch (kilobytes), leading a flight when its tokens are due,
/// else alone.
pub(crate) fn fetch_unforced<'a, R: Answer + 'a>(
    flight: &'a ExpiredFlight,
    session: &'a Orchestrator,
    identity: Option<&'a IdentityPool>,
) -> BoxedFetch<'a, R> {
    let Some((generation, due)) = seen(session) else {
        return Box::pin(async move { R::of_session(alone(session, identity).await) });
    };
    match flight.join_now(|g| *g == generation) {
        Some(joined) => Box::pin(async move {
            match joined.result().await {
                Some(value) => R::of_outcome(&value),
                // The leader's future was dropped before it published.
                None => R::of_outcome(
                    &*Box::pin(in_flight(flight, session, identity, generation)).await,
                ),
            }
        }),
        None if due => Box::pin(async move {
            R::of_outcome(&*in_flight(flight, session, identity, generation).await)
        }),
        None => Box::pin(async move { R::of_session(alone(session, identity).await) }),
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
) -> Arc<Outcome> {
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
        .run_after(
            None,
            generation,
            |g| *g == generation,
            |_| true,
            || async { Outcome::new(lead().await) },
        )
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
