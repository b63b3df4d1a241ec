//! The request log: one entry per request the emulator answered (or
//! dropped), for assertions about what clients sent and what they got.

use std::net::SocketAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::faults::Fault;
use crate::routes::Operation;

/// Describes one request and the emulator's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The HTTP method, such as `GET`.
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// The operation the path routes to, if it routes at all.
    pub operation: Option<Operation>,
    /// The secret named in the path, if any.
    pub secret_name: Option<String>,
    /// The client's `x-ms-client-request-id`, if sent.
    pub client_request_id: Option<String>,
    /// The address the request came from.
    pub peer: SocketAddr,
    /// Whether an `Authorization` header was present.
    pub had_authorization: bool,
    /// Whether it carried a token the emulator accepted.
    pub authorized: bool,
    /// The status sent; `None` when the connection was closed instead.
    pub status: Option<u16>,
    /// When the request's headers arrived.
    pub started: Instant,
    /// When the answer was ready (after any injected delay).
    pub finished: Instant,
    /// The injected fault that replaced or delayed the answer, if any.
    pub fault: Option<Fault>,
    /// The latency injected before answering, if any.
    pub added_latency: Option<Duration>,
}

impl RecordedRequest {
    /// Returns how long the emulator took to answer.
    pub fn elapsed(&self) -> Duration {
        self.finished.saturating_duration_since(self.started)
    }
}

/// Collects log entries (vault or token requests) in the order their
/// answers were sent.
#[derive(Debug)]
pub(crate) struct RequestLog<T> {
    entries: Mutex<Vec<T>>,
}

impl<T> Default for RequestLog<T> {
    fn default() -> Self {
        RequestLog {
            entries: Mutex::new(Vec::new()),
        }
    }
}

impl<T: Clone> RequestLog<T> {
    pub(crate) fn push(&self, entry: T) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(entry);
    }

    pub(crate) fn entries(&self) -> Vec<T> {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}
