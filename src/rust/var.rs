//! `CachedVar<T, E>`: one cached value, a [`MemoryCache`] with a single key.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use crate::core::{State, Stats};

use super::cache::MemoryCache;
use super::error::Error;

/// One lazily loaded, single-flight cached value for Rust code on wasm32: the Rust counterpart
/// of the JS package's `CachedVar`. Build it with [`Builder::build_var`].
///
/// A handle: clones share the same value. `!Send` and `!Sync`, like [`MemoryCache`], and so are
/// its futures: see [`MemoryCache`] for the path frameworks that demand `Send` futures take.
///
/// ```no_run
/// use std::time::Duration;
/// use simple_memory_cache::{Builder, CachedVar};
///
/// thread_local! {
///     static JWKS: CachedVar<String, String> = Builder::new()
///         .ttl(Duration::from_secs(600))
///         .stale_if_error(Duration::from_secs(3600))
///         .timeout(Duration::from_secs(5))
///         .build_var(|_ctx| async { Ok("{\"keys\":[]}".to_string()) })
///         .expect("valid options");
/// }
///
/// # async fn handler() -> Result<(), simple_memory_cache::Error<String>> {
/// let jwks = JWKS.with(CachedVar::clone);
/// let keys = jwks.get().await?;
/// # let _ = keys; Ok(()) }
/// ```
///
/// [`Builder::build_var`]: super::Builder::build_var
pub struct CachedVar<T, E> {
    cache: MemoryCache<(), T, E>,
}

impl<T, E> Clone for CachedVar<T, E> {
    fn clone(&self) -> Self {
        CachedVar {
            cache: self.cache.clone(),
        }
    }
}

impl<T: 'static, E: 'static> CachedVar<T, E> {
    pub(crate) fn from_cache(cache: MemoryCache<(), T, E>) -> Self {
        CachedVar { cache }
    }

    /// The value: see [`MemoryCache::get`].
    pub fn get(&self) -> impl Future<Output = Result<Rc<T>, Error<E>>> + '_ {
        self.cache.get(&())
    }

    /// The value, a background reload handed to `wait_until`: see
    /// [`MemoryCache::get_with_wait_until`].
    pub fn get_with_wait_until<'a>(
        &'a self,
        wait_until: impl Fn(Pin<Box<dyn Future<Output = ()>>>) + 'a,
    ) -> impl Future<Output = Result<Rc<T>, Error<E>>> + 'a {
        self.cache.get_with_wait_until(&(), wait_until)
    }

    /// The stored value, fresh or stale, without loading.
    pub fn peek(&self) -> Option<Rc<T>> {
        self.cache.peek(&())
    }

    /// Stores `value` as if loaded: see [`MemoryCache::set`].
    pub fn set(&self, value: T) -> Result<(), Error<E>> {
        self.cache.set((), value)
    }

    /// Drops the value: see [`MemoryCache::invalidate`].
    pub fn invalidate(&self) -> bool {
        self.cache.invalidate(&())
    }

    /// What a `get()` would find now.
    pub fn state(&self) -> State {
        self.cache.state(&())
    }

    /// The counters.
    pub fn stats(&self) -> Stats {
        self.cache.stats(&())
    }
}
