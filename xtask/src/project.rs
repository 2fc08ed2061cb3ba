//! Where things are: the workspace root and the paths xtask uses under it.

use std::path::{Path, PathBuf};

/// The workspace root: the parent of this crate's directory.
pub(crate) fn root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map_or_else(|| manifest_dir.to_path_buf(), Path::to_path_buf)
}

/// Cargo's target directory: `$CARGO_TARGET_DIR` if set, else `<root>/target`.
pub(crate) fn cargo_target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root().join(dir),
        _ => root().join("target"),
    }
}

/// Scratch space for xtask's own files (logs, generated outputs), kept under
/// `<root>/target/xtask` so that a clean clone has nothing to ignore.
pub(crate) fn scratch_dir() -> PathBuf {
    root().join("target").join("xtask")
}

/// A fresh, empty scratch directory for one run of one task.
pub(crate) fn fresh_scratch(name: &str) -> std::io::Result<PathBuf> {
    let dir = scratch_dir().join(format!("{name}-{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// FNV-1a, 64 bit: a stable content hash for stamp files (std's hasher is
/// not guaranteed stable across Rust releases).
pub(crate) fn stable_hash(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}
