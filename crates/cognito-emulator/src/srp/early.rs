//! The premaster secret `S = (A·v^u)^b mod N` of a `USER_SRP_AUTH`
//! exchange, started on its own thread as soon as `InitiateAuth` has made
//! `B`: everything `S` needs is known then. It runs while the response
//! travels and the client works out its proof, so `RespondToAuthChallenge`
//! finds it done, as a real server's work would be off the client's CPU.
//! `S` is the same value as the one computed inline; only when it is
//! computed changes.

use std::thread::JoinHandle;

use num_bigint::BigUint;

use super::{PowCache, ServerEphemeral, premaster};

/// `S` being computed for one verifier.
pub(crate) struct EarlyPremaster {
    /// The verifier it was started for: a password changed in between
    /// makes the answer check compute `S` again from the new one.
    v: BigUint,
    handle: JoinHandle<Option<BigUint>>,
}

impl std::fmt::Debug for EarlyPremaster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EarlyPremaster").finish_non_exhaustive()
    }
}

impl EarlyPremaster {
    /// Starts `S` for client value `a`, verifier `v` (with its powers) and
    /// the exchange's `eph`; `None` when no thread could be started (the
    /// answer check then computes it inline).
    pub(crate) fn start(
        a: &BigUint,
        v: &BigUint,
        powers: &PowCache,
        eph: &ServerEphemeral,
    ) -> Option<Self> {
        let (a, v_owned, powers, eph) = (a.clone(), v.clone(), powers.clone(), eph.clone());
        let handle = std::thread::Builder::new()
            .name("srp-premaster".into())
            .spawn(move || premaster(&a, &v_owned, Some(&powers), &eph))
            .ok()?;
        Some(Self {
            v: v.clone(),
            handle,
        })
    }

    /// `S`, if it was started for verifier `v` and finished normally.
    pub(crate) fn take(self, v: &BigUint) -> Option<BigUint> {
        if &self.v != v {
            return None;
        }
        self.handle.join().ok().flatten()
    }
}
