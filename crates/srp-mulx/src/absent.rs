//! Architectures other than x86-64: no [`Mulx`] can exist, so these are
//! never called.

use crate::Mulx;

pub(crate) fn mul48(cpu: Mulx, _: &[u64; 48], _: &[u64; 48], _: &mut [u64; 96]) {
    match cpu._proof {}
}

pub(crate) fn sqr48(cpu: Mulx, _: &[u64; 48], _: &mut [u64; 96]) {
    match cpu._proof {}
}

pub(crate) fn reduce48(cpu: Mulx, _: &mut [u64; 96], _: &[u64; 48], _: u64) -> u64 {
    match cpu._proof {}
}
