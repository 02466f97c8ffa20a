//! Background tasks run in rounds (the mail task every half second, the indexer every 200 ms).
//! A failure that lasts, such as a database that is down, would otherwise be logged on every
//! round: [`FailureLog`] says when to log it — once when it starts, again only if the error
//! changes — and once when the task works again.

/// What one task knows of its last failure.
#[derive(Debug, Default)]
pub struct FailureLog {
    failing: Option<String>,
}

impl FailureLog {
    /// A round failed with `message`: true when this should be logged (the first failure, or a
    /// different one).
    pub fn failed(&mut self, message: &str) -> bool {
        if self.failing.as_deref() == Some(message) {
            return false;
        }
        self.failing = Some(message.to_string());
        true
    }

    /// A round worked: true when it ends a failure that was logged (log that it recovered).
    pub fn succeeded(&mut self) -> bool {
        self.failing.take().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_failure_is_logged_once_and_its_end_once() {
        let mut log = FailureLog::default();
        assert!(!log.succeeded(), "nothing to recover from");
        assert!(log.failed("database down"));
        assert!(!log.failed("database down"), "the same failure on the next round is not logged again");
        assert!(log.failed("disk full"), "a different failure is logged");
        assert!(log.succeeded());
        assert!(!log.succeeded());
        assert!(log.failed("database down"), "a new failure after recovering is logged");
    }
}
