//! The builder of a [`MemoryCache`] or [`CachedVar`]: options, clock, error hook.

use std::marker::PhantomData;
use std::rc::Rc;
use std::time::Duration;

use crate::core::{max_entries, Mode, OptionError, Options};

use super::cache::{Clock, ErrorHook, Loader, MemoryCache};
use super::error::Error;
use super::var::CachedVar;
use super::LoadContext;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Options of a [`MemoryCache`] (applied to each of its keys) or of a [`CachedVar`], with the
/// same meaning as the JS package's options. Durations are [`Duration`]s; an option left unset
/// keeps its default.
///
/// ```no_run
/// use std::time::Duration;
/// use simple_memory_cache::{Builder, CachedVar};
///
/// let config: CachedVar<String, String> = Builder::new()
///     .ttl(Duration::from_secs(60))
///     .stale_while_revalidate(Duration::from_secs(10))
///     .stale_if_error(Duration::from_secs(600))
///     .timeout(Duration::from_secs(5))
///     .build_var(|_ctx| async { Ok::<_, String>("value".to_string()) })
///     .expect("valid options");
/// ```
pub struct Builder<K, T, E> {
    ttl: f64,
    stale_while_revalidate: f64,
    stale_if_error: f64,
    timeout: f64,
    cooldown: f64,
    retry_interval: f64,
    max_entries: f64,
    clock: Option<Clock>,
    on_error: Option<ErrorHook<K, E>>,
    _values: PhantomData<fn() -> T>,
}

impl<K, T, E> Default for Builder<K, T, E> {
    fn default() -> Self {
        Builder::new()
    }
}

impl<K, T, E> Builder<K, T, E> {
    /// The defaults: fresh forever, no stale serving, no timeout, no cooldown, a 5 s
    /// `retryInterval`, no size bound, `Date.now()` as the clock, no error hook.
    pub fn new() -> Self {
        let d = Options::DEFAULT;
        Builder {
            ttl: d.ttl(),
            stale_while_revalidate: 0.0,
            stale_if_error: 0.0,
            timeout: d.timeout(),
            cooldown: 0.0,
            retry_interval: crate::core::DEFAULT_RETRY_INTERVAL_MS,
            max_entries: f64::INFINITY,
            clock: None,
            on_error: None,
            _values: PhantomData,
        }
    }

    /// A stored value is fresh for this long after it was stored, unless its load chose its own
    /// lifetime ([`LoadContext::set_ttl`]). Default: forever.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ms(ttl);
        self
    }

    /// For this long after expiry, `get()` returns the stale value at once and starts exactly
    /// one background reload. Default: 0.
    pub fn stale_while_revalidate(mut self, window: Duration) -> Self {
        self.stale_while_revalidate = ms(window);
        self
    }

    /// For this long after expiry, a failed (or timed-out) reload gives its callers the stale
    /// value instead of the error. Default: 0.
    pub fn stale_if_error(mut self, window: Duration) -> Self {
        self.stale_if_error = ms(window);
        self
    }

    /// A load not settled within this time fails its callers with [`Error::Timeout`] and aborts
    /// the loader's [`LoadContext::signal`]; its late value is discarded. Must be more than zero
    /// (checked by `build`). Default: none — on workerd, callers then wait 30 s from a load's
    /// start before they ask again and may run the load themselves (a load whose request ended
    /// may never settle there); elsewhere they wait however long it takes. Over 2^31−1 ms
    /// (about 24.8 days), which timers cannot wait, it is the same as none.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = ms(timeout);
        self
    }

    /// An `invalidate()` within this time of the last store or effective invalidate is ignored.
    /// Default: 0.
    pub fn cooldown(mut self, cooldown: Duration) -> Self {
        self.cooldown = ms(cooldown);
        self
    }

    /// After a failed load, callers that `stale_if_error` covers get the stale value (the stored
    /// one, or the one the last `invalidate()` dropped) at once, and one background retry runs
    /// per this interval — within `stale_while_revalidate` too. An `invalidate()` still sends its
    /// reload to the origin. A retry that never settles holds back the next: set a `timeout`.
    /// Default: 5 s.
    pub fn retry_interval(mut self, interval: Duration) -> Self {
        self.retry_interval = ms(interval);
        self
    }

    /// A [`MemoryCache`] holds at most this many values; the least recently used are dropped
    /// and reload on their next `get()`. Must be at least 1 (checked by `build`). Default: no
    /// bound. A key that holds nothing and runs no load is let go too (see [`MemoryCache`]).
    pub fn max_entries(mut self, n: u32) -> Self {
        self.max_entries = f64::from(n);
        self
    }

    /// The clock, in milliseconds, that every window is measured with. Default:
    /// `js_sys::Date::now`. Inject one to drive time in tests.
    pub fn clock(mut self, clock: impl Fn() -> f64 + 'static) -> Self {
        self.clock = Some(Rc::new(clock));
        self
    }

    /// Called once per failed load — foreground or background — with its key, its error and
    /// whether it ran in the background (nobody waited on it). It must not panic.
    pub fn on_error(mut self, hook: impl Fn(&K, &Error<E>, bool) + 'static) -> Self {
        self.on_error = Some(Rc::new(hook));
        self
    }

    fn options(&self) -> Result<(Options, usize), OptionError> {
        let opts = Options::new(
            Mode::Shared,
            self.ttl,
            self.stale_while_revalidate,
            self.stale_if_error,
            self.timeout,
            self.cooldown,
        )?
        .with_retry_interval(self.retry_interval)?;
        Ok((opts, max_entries(self.max_entries)?))
    }
}

impl<K, T, E> Builder<K, T, E>
where
    K: Ord + Clone + 'static,
    T: 'static,
    E: 'static,
{
    /// A keyed cache whose values `loader` loads, one load per key at a time.
    pub fn build<F, Fut>(self, loader: F) -> Result<MemoryCache<K, T, E>, OptionError>
    where
        F: Fn(K, LoadContext<T>) -> Fut + 'static,
        Fut: std::future::Future<Output = Result<T, E>> + 'static,
    {
        let (opts, bound) = self.options()?;
        let loader: Loader<K, T, E> = Box::new(move |k, ctx| Box::pin(loader(k, ctx)));
        let clock = self.clock.unwrap_or_else(|| Rc::new(js_sys::Date::now));
        Ok(MemoryCache::from_parts(
            opts,
            bound,
            loader,
            clock,
            self.on_error,
        ))
    }
}

impl<T, E> Builder<(), T, E>
where
    T: 'static,
    E: 'static,
{
    /// One cached variable whose value `loader` loads.
    pub fn build_var<F, Fut>(self, loader: F) -> Result<CachedVar<T, E>, OptionError>
    where
        F: Fn(LoadContext<T>) -> Fut + 'static,
        Fut: std::future::Future<Output = Result<T, E>> + 'static,
    {
        self.build(move |(), ctx| loader(ctx))
            .map(CachedVar::from_cache)
    }
}
