//! The cross-process lock as a Redis lease: `SET key token NX PX lease`,
//! renewed while held, released by a compare-and-delete script. A holder
//! that dies stops renewing, so its lease ends within one lease.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use async_trait::async_trait;
use auth_core::storage::{LeaseGuard, StorageError, StorageLock};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::connection::Link;

/// Extends the lease only while it is still ours.
static RENEW: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0",
    )
});

/// Deletes the lease only while it is still ours.
static RELEASE: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0",
    )
});

/// First pause between two attempts to take a held lease; doubles up to [`MAX_POLL`].
const FIRST_POLL: Duration = Duration::from_millis(5);
const MAX_POLL: Duration = Duration::from_millis(50);

/// What a lease needs to know about where it lives.
#[derive(Clone)]
pub(crate) struct LeaseSpec {
    pub(crate) link: Link,
    pub(crate) key: String,
    pub(crate) lease: Duration,
}

/// Takes the lease, waiting until `deadline` for another holder's to end.
pub(crate) async fn acquire(
    spec: LeaseSpec,
    timeout: Duration,
) -> Result<StorageLock, StorageError> {
    let deadline = Instant::now() + timeout;
    let token = uuid::Uuid::new_v4().simple().to_string();
    let millis = u64::try_from(spec.lease.as_millis())
        .unwrap_or(u64::MAX)
        .max(1);
    let mut set = redis::cmd("SET");
    set.arg(&spec.key)
        .arg(&token)
        .arg("NX")
        .arg("PX")
        .arg(millis);
    let mut pause = FIRST_POLL;
    loop {
        let taken: Option<String> = spec.link.query("SET NX PX (lock)", &set).await?;
        if taken.is_some() {
            break;
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(StorageError::LockTimeout {
                detail: format!(
                    "{}: the lease `{}` stayed held by another holder for {timeout:?}",
                    spec.link.place(),
                    spec.key
                ),
            });
        }
        tokio::time::sleep(pause.min(deadline - now)).await;
        pause = (pause * 2).min(MAX_POLL);
    }
    let held = Arc::new(AtomicBool::new(true));
    let renewer = tokio::spawn(renew(spec.clone(), token.clone(), Arc::clone(&held)));
    Ok(StorageLock::lease(Box::new(Lease {
        spec,
        token,
        held,
        renewer: Some(renewer),
    })))
}

/// Renews every third of the lease; gives up, marking the lease lost, when
/// Redis says it is no longer ours or could not be reached for a whole lease.
async fn renew(spec: LeaseSpec, token: String, held: Arc<AtomicBool>) {
    let millis = u64::try_from(spec.lease.as_millis())
        .unwrap_or(u64::MAX)
        .max(1);
    let mut last_renewed = Instant::now();
    loop {
        tokio::time::sleep(spec.lease / 3).await;
        let mut invocation = RENEW.key(&spec.key);
        invocation.arg(&token).arg(millis);
        match spec.link.invoke::<i64>("renew lease", &invocation).await {
            Ok(1) => last_renewed = Instant::now(),
            Ok(_) => {
                tracing::warn!(key = %spec.key, "the storage lease was lost: another holder has it now");
                held.store(false, Ordering::Release);
                return;
            }
            Err(e) if last_renewed.elapsed() >= spec.lease => {
                tracing::warn!(key = %spec.key, error = %e, "the storage lease could not be renewed for a whole lease; it is lost");
                held.store(false, Ordering::Release);
                return;
            }
            Err(e) => {
                tracing::debug!(key = %spec.key, error = %e, "lease renewal failed; retrying")
            }
        }
    }
}

/// A held lease. `release` (or drop) stops the renewal and deletes the
/// lease if it is still ours.
struct Lease {
    spec: LeaseSpec,
    token: String,
    held: Arc<AtomicBool>,
    renewer: Option<JoinHandle<()>>,
}

impl Lease {
    fn stop_renewing(&mut self) {
        if let Some(renewer) = self.renewer.take() {
            renewer.abort();
        }
    }
}

async fn release(spec: &LeaseSpec, token: &str) -> Result<(), StorageError> {
    let mut invocation = RELEASE.key(&spec.key);
    invocation.arg(token);
    let _: i64 = spec.link.invoke("release lease", &invocation).await?;
    Ok(())
}

#[async_trait]
impl LeaseGuard for Lease {
    async fn release(mut self: Box<Self>) -> Result<(), StorageError> {
        self.stop_renewing();
        let token = std::mem::take(&mut self.token);
        release(&self.spec, &token).await
    }

    fn is_held(&self) -> bool {
        self.held.load(Ordering::Acquire)
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.stop_renewing();
        if self.token.is_empty() {
            return; // released already
        }
        let token = std::mem::take(&mut self.token);
        let spec = self.spec.clone();
        // Best effort in the background; if it cannot run (no runtime, or
        // the process exits first), the lease ends by itself.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(e) = release(&spec, &token).await {
                    tracing::debug!(key = %spec.key, error = %e, "lease release failed; it expires by itself");
                }
            });
        }
    }
}
