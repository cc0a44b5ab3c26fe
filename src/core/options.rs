//! Validated options of a cached variable.
//!
//! Durations are milliseconds as `f64`, because that is what JavaScript clocks return and what
//! crosses the wasm boundary without conversion. Validation returns a small error value rather
//! than a message: the JS layer turns it into a `TypeError`/`RangeError` naming the var, which
//! keeps float formatting (and its code size) out of the wasm.

/// How a variable keeps its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The value lives in the cache itself; concurrent callers share one load (single-flight).
    Shared,
    /// The value lives in user storage that may be scoped per request: every caller that finds
    /// the storage empty runs its own load, so no caller is handed a value loaded for another.
    PerCaller,
}

/// Freshness and load policy of one variable. Build it with [`Options::new`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Options {
    pub(crate) mode: Mode,
    pub(crate) ttl: f64,
    pub(crate) stale_while_revalidate: f64,
    pub(crate) stale_if_error: f64,
    pub(crate) timeout: f64,
    pub(crate) cooldown: f64,
    pub(crate) retry_interval: f64,
}

/// The default `retryInterval`: after a failed load, callers that `staleIfError` covers are served
/// the stale value (stored, or dropped by the last `invalidate()`) at once, and the origin is
/// retried in the background at most once per this many ms, within `staleWhileRevalidate` too —
/// a dead origin sees at most one request per 5 s per isolate, and a recovered one is noticed
/// within 5 s (given a `timeout`: a retry that never settles holds back the next). An effective
/// `invalidate()` ends the backoff: its reload goes to the origin.
pub const DEFAULT_RETRY_INTERVAL_MS: f64 = 5_000.0;

/// Which option was wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum OptionName {
    /// `ttl`
    Ttl = 1,
    /// `staleWhileRevalidate`
    StaleWhileRevalidate = 2,
    /// `staleIfError`
    StaleIfError = 3,
    /// `timeout`
    Timeout = 4,
    /// `cooldown`
    Cooldown = 5,
    /// `maxEntries` (of a cache)
    MaxEntries = 6,
    /// `retryInterval`
    RetryInterval = 7,
}

/// What was wrong with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Problem {
    /// Negative or NaN where a duration `>= 0` (or `Infinity`) was expected.
    NotNonNegative = 1,
    /// Zero, negative or NaN where a duration `> 0` was expected.
    NotPositive = 2,
    /// Not a whole number `>= 1` (or `Infinity`).
    NotCount = 3,
    /// A freshness option given to a variable whose value lives in custom storage: the storage
    /// owns the value and its lifetime, so the cache cannot know when it was stored.
    NotWithStorage = 4,
}

/// An invalid option: which one, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OptionError {
    /// The option.
    pub option: OptionName,
    /// The rule it broke.
    pub problem: Problem,
}

/// "option ttl must be a duration >= 0 (or infinite)": the option by its JS name (the Rust
/// builder's method is its snake_case), and the rule it broke.
impl std::fmt::Display for OptionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self.option {
            OptionName::Ttl => "ttl",
            OptionName::StaleWhileRevalidate => "staleWhileRevalidate",
            OptionName::StaleIfError => "staleIfError",
            OptionName::Timeout => "timeout",
            OptionName::Cooldown => "cooldown",
            OptionName::MaxEntries => "maxEntries",
            OptionName::RetryInterval => "retryInterval",
        };
        let rule = match self.problem {
            Problem::NotNonNegative => "must be a duration >= 0 (or infinite)",
            Problem::NotPositive => "must be a duration > 0 (or infinite)",
            Problem::NotCount => "must be a whole number >= 1 (or infinite)",
            Problem::NotWithStorage => "cannot be combined with custom storage",
        };
        write!(f, "option {name} {rule}")
    }
}

/// So `build()?` goes into `Box<dyn Error>` (and anyhow) like any error.
impl std::error::Error for OptionError {}

impl OptionError {
    /// `option * 16 + problem`: one number for the wasm boundary.
    pub fn code(self) -> u32 {
        (self.option as u32)
            .saturating_mul(16)
            .saturating_add(self.problem as u32)
    }
}

fn non_negative(option: OptionName, v: f64) -> Result<f64, OptionError> {
    if v >= 0.0 {
        Ok(v)
    } else {
        Err(OptionError {
            option,
            problem: Problem::NotNonNegative,
        })
    }
}

impl Options {
    /// The defaults: memory storage, fresh forever, no stale serving, no timeout, no cooldown.
    pub const DEFAULT: Options = Options {
        mode: Mode::Shared,
        ttl: f64::INFINITY,
        stale_while_revalidate: 0.0,
        stale_if_error: 0.0,
        timeout: f64::INFINITY,
        cooldown: 0.0,
        retry_interval: DEFAULT_RETRY_INTERVAL_MS,
    };

    /// Validates a full set of options. `ttl`, `stale_while_revalidate`, `stale_if_error` and
    /// `cooldown` must be `>= 0`; `timeout` must be `> 0`; any may be `Infinity`, none `NaN`.
    /// With [`Mode::PerCaller`] only `timeout` may differ from its default.
    pub fn new(
        mode: Mode,
        ttl: f64,
        stale_while_revalidate: f64,
        stale_if_error: f64,
        timeout: f64,
        cooldown: f64,
    ) -> Result<Options, OptionError> {
        let opts = Options {
            mode,
            ttl: non_negative(OptionName::Ttl, ttl)?,
            stale_while_revalidate: non_negative(
                OptionName::StaleWhileRevalidate,
                stale_while_revalidate,
            )?,
            stale_if_error: non_negative(OptionName::StaleIfError, stale_if_error)?,
            timeout: if timeout > 0.0 {
                timeout
            } else {
                return Err(OptionError {
                    option: OptionName::Timeout,
                    problem: Problem::NotPositive,
                });
            },
            cooldown: non_negative(OptionName::Cooldown, cooldown)?,
            retry_interval: DEFAULT_RETRY_INTERVAL_MS,
        };
        if mode == Mode::PerCaller {
            let d = Options::DEFAULT;
            let freshness = [
                (OptionName::Ttl, opts.ttl, d.ttl),
                (
                    OptionName::StaleWhileRevalidate,
                    opts.stale_while_revalidate,
                    d.stale_while_revalidate,
                ),
                (
                    OptionName::StaleIfError,
                    opts.stale_if_error,
                    d.stale_if_error,
                ),
                (OptionName::Cooldown, opts.cooldown, d.cooldown),
            ];
            for (option, given, default) in freshness {
                if given != default {
                    return Err(OptionError {
                        option,
                        problem: Problem::NotWithStorage,
                    });
                }
            }
        }
        Ok(opts)
    }

    /// The same options with `retryInterval` (ms, `>= 0` or `Infinity`): see
    /// [`DEFAULT_RETRY_INTERVAL_MS`]. It has no effect with [`Mode::PerCaller`] (no stale value).
    pub fn with_retry_interval(self, retry_interval: f64) -> Result<Options, OptionError> {
        Ok(Options {
            retry_interval: non_negative(OptionName::RetryInterval, retry_interval)?,
            ..self
        })
    }

    /// The freshness lifetime in ms of a value stored without one of its own.
    pub fn ttl(&self) -> f64 {
        self.ttl
    }

    /// The load timeout in ms (`Infinity` when none).
    pub fn timeout(&self) -> f64 {
        self.timeout
    }

    /// How the variable keeps its value.
    pub fn mode(&self) -> Mode {
        self.mode
    }
}

/// Validates a cache's `maxEntries`: a whole number `>= 1`, or `Infinity` for no bound.
/// Returns the bound as a count (`usize::MAX` for none).
pub fn max_entries(v: f64) -> Result<usize, OptionError> {
    if v == f64::INFINITY {
        Ok(usize::MAX)
    } else if v >= 1.0 && v.fract() == 0.0 && v <= u32::MAX as f64 {
        Ok(v as usize)
    } else {
        Err(OptionError {
            option: OptionName::MaxEntries,
            problem: Problem::NotCount,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared(
        ttl: f64,
        swr: f64,
        sie: f64,
        timeout: f64,
        cooldown: f64,
    ) -> Result<Options, OptionError> {
        Options::new(Mode::Shared, ttl, swr, sie, timeout, cooldown)
    }

    #[test]
    fn accepts_defaults_and_infinities() {
        let inf = f64::INFINITY;
        assert!(shared(inf, 0.0, 0.0, inf, 0.0).is_ok());
        assert!(shared(0.0, inf, inf, 1.0, inf).is_ok());
    }

    #[test]
    fn rejects_negative_nan_and_zero_timeout() {
        let e = shared(-1.0, 0.0, 0.0, 1.0, 0.0).unwrap_err();
        assert_eq!(
            e,
            OptionError {
                option: OptionName::Ttl,
                problem: Problem::NotNonNegative
            }
        );
        let e = shared(1.0, f64::NAN, 0.0, 1.0, 0.0).unwrap_err();
        assert_eq!(e.option, OptionName::StaleWhileRevalidate);
        let e = shared(1.0, 0.0, 0.0, 0.0, 0.0).unwrap_err();
        assert_eq!(
            e,
            OptionError {
                option: OptionName::Timeout,
                problem: Problem::NotPositive
            }
        );
        let e = shared(1.0, 0.0, 0.0, f64::NAN, 0.0).unwrap_err();
        assert_eq!(e.problem, Problem::NotPositive);
        assert_eq!(
            shared(1.0, 0.0, 0.0, 1.0, -0.5).unwrap_err().option,
            OptionName::Cooldown
        );
        assert_eq!(e.code(), 4 * 16 + 2);
    }

    #[test]
    fn per_caller_takes_only_a_timeout() {
        let inf = f64::INFINITY;
        assert!(Options::new(Mode::PerCaller, inf, 0.0, 0.0, 50.0, 0.0).is_ok());
        let e = Options::new(Mode::PerCaller, 10.0, 0.0, 0.0, inf, 0.0).unwrap_err();
        assert_eq!(
            e,
            OptionError {
                option: OptionName::Ttl,
                problem: Problem::NotWithStorage
            }
        );
        let e = Options::new(Mode::PerCaller, inf, 0.0, 0.0, inf, 5.0).unwrap_err();
        assert_eq!(e.option, OptionName::Cooldown);
    }

    #[test]
    fn retry_interval_defaults_to_5_s_and_is_a_non_negative_duration() {
        let o = shared(1.0, 0.0, 0.0, 1.0, 0.0).expect("valid");
        assert_eq!(o.retry_interval, DEFAULT_RETRY_INTERVAL_MS);
        assert_eq!(
            o.with_retry_interval(0.0).map(|o| o.retry_interval),
            Ok(0.0)
        );
        let inf = f64::INFINITY;
        assert_eq!(
            o.with_retry_interval(inf).map(|o| o.retry_interval),
            Ok(inf)
        );
        for bad in [-1.0, f64::NAN, f64::NEG_INFINITY] {
            let e = o.with_retry_interval(bad).unwrap_err();
            assert_eq!(e.code(), 7 * 16 + 1, "{bad}");
        }
    }

    #[test]
    fn max_entries_is_a_count_or_infinity() {
        assert_eq!(max_entries(f64::INFINITY), Ok(usize::MAX));
        assert_eq!(max_entries(3.0), Ok(3));
        for bad in [0.0, -1.0, 1.5, f64::NAN, f64::NEG_INFINITY, 1e300] {
            assert!(max_entries(bad).is_err(), "{bad}");
        }
    }
}
