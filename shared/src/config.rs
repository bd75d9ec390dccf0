//! Typed settings read once at start-up from the function's environment (set by `template.yaml`).

use anyhow::{anyhow, bail};

/// Where settings come from: the process environment in Lambda, a map in tests.
pub trait Source {
    fn get(&self, key: &str) -> Option<String>;

    fn required(&self, key: &str) -> anyhow::Result<String> {
        match self.get(key) {
            Some(value) if !value.is_empty() => Ok(value),
            _ => bail!("environment variable {key} is not set"),
        }
    }

    fn parsed<T>(&self, key: &str, default: T) -> anyhow::Result<T>
    where
        T: std::str::FromStr,
        T::Err: std::fmt::Display,
    {
        match self.get(key) {
            Some(value) => value
                .parse()
                .map_err(|e| anyhow!("environment variable {key}={value:?} is invalid: {e}")),
            None => Ok(default),
        }
    }
}

/// The process environment.
pub struct Env;

impl Source for Env {
    fn get(&self, key: &str) -> Option<String> {
        std::env::var(key).ok()
    }
}

impl Source for std::collections::HashMap<String, String> {
    fn get(&self, key: &str) -> Option<String> {
        std::collections::HashMap::get(self, key).cloned()
    }
}
