//! Two instances of a service share one user's session through Redis.
//!
//! ```sh
//! cargo run --example redis_shared_session                 # starts a local redis-server
//! REDIS_URL=redis://127.0.0.1:6379 cargo run --example redis_shared_session
//! ```
//!
//! Both instances run against the embedded Cognito emulator with refresh-token
//! rotation and no grace period, the setting where two instances refreshing
//! at once sign the user out in Amplify. Here both force a refresh at the same
//! moment: one refreshes under the session's lease in Redis, the other adopts
//! its tokens, and both stay signed in. Without `REDIS_URL` the example starts
//! `redis-server` itself (Debian: `redis-server`) on a free loopback port.

use std::sync::Arc;
use std::time::Duration;

use amplify_auth::prelude::*;
use auth_storage_redis::RedisStore;
use auth_storage_redis::testing::RedisServer;
use cognito_emulator::{ClientOptions, Emulator};

type Error = Box<dyn std::error::Error>;

/// One instance of the service: its own Redis connection, the shared namespace.
async fn instance(url: &str, config: &CognitoConfig) -> Result<CognitoAuthPlugin, Error> {
    let redis = RedisStore::builder(url)?.connect().await?;
    let storage = redis.storage("demo-client:alice")?;
    Ok(CognitoAuthPlugin::builder(config.clone())
        .storage(Arc::new(storage))
        .build()?)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (_local, url) = match std::env::var("REDIS_URL") {
        Ok(url) => (None, url),
        Err(_) => match RedisServer::start()? {
            Some(server) => {
                let url = server.url("");
                (Some(server), url)
            }
            None => {
                eprintln!("no redis-server here: install it, or set REDIS_URL");
                return Ok(());
            }
        },
    };
    println!(
        "Redis: {}",
        RedisStore::builder(&url)?.connect().await?.url()
    );

    let emu = Emulator::start().await?;
    let pool = emu.create_user_pool("demo")?;
    let client = emu.create_user_pool_client(
        &pool,
        ClientOptions {
            refresh_token_rotation: Some(Duration::ZERO),
            ..Default::default()
        },
    )?;
    emu.admin_create_user(&pool, "alice", "Demo-Passw0rd!", true)?;
    let config = CognitoConfig::builder()
        .user_pool(&pool, &client.id)
        .user_pool_endpoint(emu.endpoint())
        .build()?;

    let a = instance(&url, &config).await?;
    let b = instance(&url, &config).await?;
    a.sign_in("alice", "Demo-Passw0rd!", SignInOptions::default())
        .await?;
    println!("instance B sees {}", b.get_current_user().await?.username);

    emu.reset_counters();
    let (ra, rb) = tokio::join!(
        a.fetch_auth_session(FetchAuthSessionOptions::force_refresh()),
        b.fetch_auth_session(FetchAuthSessionOptions::force_refresh()),
    );
    println!(
        "both forced a refresh: A signed in {}, B signed in {}, {} refresh call(s) to Cognito",
        ra?.is_signed_in(),
        rb?.is_signed_in(),
        emu.count("GetTokensFromRefreshToken")
    );
    a.sign_out(SignOutOptions::default()).await?;
    emu.shutdown().await;
    Ok(())
}
