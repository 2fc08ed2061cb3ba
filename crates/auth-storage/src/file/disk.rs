//! Blocking file operations: read, atomic replace, move aside.
//!
//! Everything here blocks; callers run it in `spawn_blocking`.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use auth_core::storage::StorageError;

use crate::format::{self, Entries};
use crate::io_error;

/// How the file at a path reads.
pub(crate) enum Contents {
    /// No file: an empty store.
    Missing,
    /// A well-formed file.
    Entries(Entries),
}

impl Contents {
    pub(crate) fn into_entries(self) -> Entries {
        match self {
            Self::Missing => Entries::new(),
            Self::Entries(entries) => entries,
        }
    }
}

/// Reads and parses the file at `path`.
pub(crate) fn read(path: &Path) -> Result<Contents, StorageError> {
    match fs::read(path) {
        Ok(bytes) => format::decode(&bytes, &path.display()).map(Contents::Entries),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(Contents::Missing),
        Err(e) => Err(io_error("read", path, &e)),
    }
}

/// Replaces the file at `path` with `entries`: a temporary file in the same
/// directory (mode 0600), fsync, rename over `path`, fsync of the directory.
pub(crate) fn write(path: &Path, entries: &Entries) -> Result<(), StorageError> {
    let bytes = format::encode(entries, &path.display())?;
    let dir = parent(path);
    let (tmp, mut file) = create_temp(path, dir)?;
    let result = file
        .write_all(&bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| io_error("write temporary file for", path, &e))
        .and_then(|()| {
            drop(file);
            fs::rename(&tmp, path).map_err(|e| io_error("rename temporary file over", path, &e))
        });
    if let Err(e) = result {
        // Best effort: the rename did not happen, so the temp file is ours.
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    sync_dir(dir).map_err(|e| io_error("sync directory of", path, &e))
}

/// Moves the file at `path` to `<path>.corrupt-<unix millis>` and returns
/// the new path.
pub(crate) fn move_aside(path: &Path) -> Result<PathBuf, StorageError> {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    let mut aside = with_suffix(path, &format!(".corrupt-{millis}"));
    let mut n = 1u32;
    while aside.exists() {
        aside = with_suffix(path, &format!(".corrupt-{millis}-{n}"));
        n += 1;
    }
    fs::rename(path, &aside).map_err(|e| io_error("move aside corrupt", path, &e))?;
    sync_dir(parent(path)).map_err(|e| io_error("sync directory of", path, &e))?;
    Ok(aside)
}

/// `path` with `suffix` appended to its file name.
pub(crate) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn parent(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new("."))
}

fn create_temp(path: &Path, dir: &Path) -> Result<(PathBuf, File), StorageError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut attempts = 0;
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.tmp-{}-{n}", std::process::id()));
        match options.open(&tmp) {
            Ok(file) => return Ok((tmp, file)),
            // A leftover of a crashed writer with the same pid: try another name.
            Err(e) if e.kind() == ErrorKind::AlreadyExists && attempts < 16 => attempts += 1,
            Err(e) => return Err(io_error("create temporary file for", path, &e)),
        }
    }
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    // Directories cannot be opened for fsync on this platform; the rename
    // itself is the commit point.
    Ok(())
}

/// Removes the temporary files that writers killed mid-write left next to
/// `path` (`.<name>.tmp-<pid>-<n>` of processes that no longer run). Best
/// effort: errors are ignored, and where liveness cannot be checked (no
/// `/proc`), nothing is removed.
pub(crate) fn remove_stale_temps(path: &Path) {
    #[cfg(target_os = "linux")]
    {
        let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            return;
        };
        let prefix = format!(".{name}.tmp-");
        let Ok(entries) = std::fs::read_dir(parent(path)) else {
            return;
        };
        let me = std::process::id();
        for entry in entries.flatten() {
            let file_name = entry.file_name();
            let Some(rest) = file_name.to_str().and_then(|f| f.strip_prefix(&prefix)) else {
                continue;
            };
            let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
                continue;
            };
            if pid != me && !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = path;
}
