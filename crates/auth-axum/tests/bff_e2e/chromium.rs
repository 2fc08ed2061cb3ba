//! The two-instance scenario in real Chromium: `interop/browser/bff_two_instances.mjs`
//! (playwright-core, Debian's chromium) against this bed.
