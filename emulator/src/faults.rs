//! Fault injection: rules that add latency or replace answers with
//! throttling, server errors, resets, stalls or broken bodies, per operation
//! or per secret, programmatically or from a JSON file.
//!
//! A plan is a list of rules checked in order for every authorized request
//! (the bearer challenge is never faulted, so clients can always sign in).
//! Latency rules add up and let the request go on; the first matching rule
//! of any other kind replaces the answer. A rule with `times` fires that
//! many times and then stays in the plan, spent.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::EmulatorError;
use crate::random;
use crate::routes::Operation;

/// Describes one injected fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Fault {
    /// Waits a random time in `min_ms..=max_ms` (fixed when equal), then
    /// answers normally.
    Latency {
        /// The shortest added delay, in milliseconds.
        min_ms: u64,
        /// The longest added delay, in milliseconds.
        max_ms: u64,
    },
    /// Answers 429 `Throttled` with `Retry-After` in whole seconds.
    Throttle {
        /// The `Retry-After` value, in seconds.
        retry_after_secs: u64,
    },
    /// Answers with a server error status (such as 500 or 503) and the
    /// service's error body, with `Retry-After` when given.
    Status {
        /// The HTTP status to send, 400 to 599.
        status: u16,
        /// An optional `Retry-After` value, in seconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after_secs: Option<u64>,
    },
    /// Answers 403 `Forbidden` with the inner code and message the service
    /// sends when a firewall, network setting or permission blocks the caller.
    Forbidden {
        /// Which refusal to imitate.
        reason: ForbiddenReason,
    },
    /// Closes the connection without answering.
    ConnectionReset,
    /// Waits this long before answering normally, to outlast a client's
    /// read timeout.
    Stall {
        /// How long to wait, in milliseconds.
        stall_ms: u64,
    },
    /// Answers 200 with a truncated JSON body.
    MalformedBody,
}

impl Fault {
    /// Creates a fixed added latency.
    pub fn latency(delay: Duration) -> Self {
        let ms = millis(delay);
        Fault::Latency {
            min_ms: ms,
            max_ms: ms,
        }
    }

    /// Creates a random added latency between `min` and `max`.
    pub fn random_latency(min: Duration, max: Duration) -> Self {
        Fault::Latency {
            min_ms: millis(min),
            max_ms: millis(max).max(millis(min)),
        }
    }

    /// Creates a 429 answer with `Retry-After: secs`.
    pub fn throttle(retry_after_secs: u64) -> Self {
        Fault::Throttle { retry_after_secs }
    }

    /// Creates an error answer with the given status.
    pub fn status(status: u16) -> Self {
        Fault::Status {
            status,
            retry_after_secs: None,
        }
    }

    /// Creates a 403 answer for the given refusal.
    pub fn forbidden(reason: ForbiddenReason) -> Self {
        Fault::Forbidden { reason }
    }

    /// Creates a stall of the given length before a normal answer.
    pub fn stall(duration: Duration) -> Self {
        Fault::Stall {
            stall_ms: millis(duration),
        }
    }

    fn validate(&self) -> Result<(), String> {
        match self {
            Fault::Status { status, .. } if !(400..=599).contains(status) => Err(format!(
                "status {status} is not an error status (400 to 599)"
            )),
            Fault::Latency { min_ms, max_ms } if min_ms > max_ms => {
                Err(format!("latency min_ms {min_ms} is above max_ms {max_ms}"))
            }
            _ => Ok(()),
        }
    }
}

/// Names the service's 403 refusals other than a disabled secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ForbiddenReason {
    /// `ForbiddenByFirewall`: the caller's IP is not in the network rules.
    Firewall,
    /// `ForbiddenByConnection`: public network access is disabled.
    Connection,
    /// `ForbiddenByRbac`: no role assignment allows the action.
    Rbac,
    /// `ForbiddenByPolicy`: no access policy allows the action.
    Policy,
}

impl ForbiddenReason {
    /// Returns the `innererror.code` the service sends.
    pub fn inner_code(self) -> &'static str {
        match self {
            ForbiddenReason::Firewall => "ForbiddenByFirewall",
            ForbiddenReason::Connection => "ForbiddenByConnection",
            ForbiddenReason::Rbac => "ForbiddenByRbac",
            ForbiddenReason::Policy => "ForbiddenByPolicy",
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Selects requests and says which fault they get.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// Only requests for this operation; any operation when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<Operation>,
    /// Only requests naming this secret (case-insensitive); any when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// What happens to a selected request.
    pub fault: Fault,
    /// How many more requests the rule applies to; unlimited when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
}

impl FaultRule {
    /// Creates a rule that applies the fault to every request, every time.
    pub fn new(fault: Fault) -> Self {
        Self {
            operation: None,
            secret: None,
            fault,
            times: None,
        }
    }

    /// Restricts the rule to one operation.
    pub fn operation(mut self, operation: Operation) -> Self {
        self.operation = Some(operation);
        self
    }

    /// Restricts the rule to requests naming one secret.
    pub fn secret(mut self, name: impl Into<String>) -> Self {
        self.secret = Some(name.into());
        self
    }

    /// Limits the rule to the next `n` matching requests.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    fn matches(&self, operation: Option<Operation>, secret: Option<&str>) -> bool {
        let operation_ok = self.operation.is_none() || self.operation == operation;
        let secret_ok = match (&self.secret, secret) {
            (None, _) => true,
            (Some(want), Some(got)) => want.eq_ignore_ascii_case(got),
            (Some(_), None) => false,
        };
        operation_ok && secret_ok && self.times != Some(0)
    }

    fn consume(&mut self) {
        if let Some(n) = self.times.as_mut() {
            *n = n.saturating_sub(1);
        }
    }
}

/// Holds the fault rules of an emulator.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultPlan {
    /// The rules, checked in order.
    #[serde(default)]
    pub rules: Vec<FaultRule>,
}

/// What the plan decided for one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Injection {
    /// The total latency to add before answering.
    pub latency: Option<Duration>,
    /// The fault that replaces or delays the answer.
    pub fault: Option<Fault>,
}

impl FaultPlan {
    /// Creates an empty plan: no faults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a rule.
    pub fn rule(mut self, rule: FaultRule) -> Self {
        self.rules.push(rule);
        self
    }

    /// Parses a plan from JSON such as
    /// `{"rules":[{"operation":"get_secret","fault":{"kind":"throttle","retry_after_secs":1},"times":2}]}`.
    pub fn from_json(json: &str) -> Result<Self, EmulatorError> {
        let plan: Self = serde_json::from_str(json).map_err(|e| EmulatorError::FaultPlan {
            reason: e.to_string(),
        })?;
        plan.validate()?;
        Ok(plan)
    }

    /// Reads and parses a JSON plan file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, EmulatorError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| EmulatorError::ReadFile {
            path: path.to_owned(),
            source,
        })?;
        Self::from_json(&text).map_err(|e| match e {
            EmulatorError::FaultPlan { reason } => EmulatorError::FaultPlan {
                reason: format!("{}: {reason}", path.display()),
            },
            other => other,
        })
    }

    /// Checks every rule's values.
    pub fn validate(&self) -> Result<(), EmulatorError> {
        for (index, rule) in self.rules.iter().enumerate() {
            rule.fault
                .validate()
                .map_err(|reason| EmulatorError::FaultPlan {
                    reason: format!("rule {index}: {reason}"),
                })?;
        }
        Ok(())
    }

    /// Decides the faults for a request and spends the rules that fired.
    pub(crate) fn take(&mut self, operation: Option<Operation>, secret: Option<&str>) -> Injection {
        let mut injection = Injection::default();
        for rule in &mut self.rules {
            if !rule.matches(operation, secret) {
                continue;
            }
            if let Fault::Latency { min_ms, max_ms } = rule.fault {
                let added = Duration::from_millis(random::in_range(min_ms, max_ms));
                injection.latency = Some(injection.latency.unwrap_or_default() + added);
                rule.consume();
            } else if injection.fault.is_none() {
                injection.fault = Some(rule.fault.clone());
                rule.consume();
            }
        }
        injection
    }
}

/// Changes an emulator's fault plan while it runs; clones share the plan.
#[derive(Debug, Clone, Default)]
pub struct FaultHandle {
    plan: Arc<Mutex<FaultPlan>>,
}

impl FaultHandle {
    pub(crate) fn new(plan: FaultPlan) -> Self {
        Self {
            plan: Arc::new(Mutex::new(plan)),
        }
    }

    /// Replaces the whole plan.
    pub fn set(&self, plan: FaultPlan) {
        *self.lock() = plan;
    }

    /// Appends one rule.
    pub fn push(&self, rule: FaultRule) {
        self.lock().rules.push(rule);
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.lock().rules.clear();
    }

    /// Returns a copy of the current plan, with the remaining counts.
    pub fn plan(&self) -> FaultPlan {
        self.lock().clone()
    }

    pub(crate) fn take(&self, operation: Option<Operation>, secret: Option<&str>) -> Injection {
        self.lock().take(operation, secret)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FaultPlan> {
        self.plan.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_rules_fire_n_times_then_stop() {
        let handle =
            FaultHandle::new(FaultPlan::new().rule(FaultRule::new(Fault::throttle(1)).times(2)));
        for _ in 0..2 {
            assert_eq!(
                handle.take(Some(Operation::GetSecret), Some("a")).fault,
                Some(Fault::throttle(1))
            );
        }
        assert_eq!(
            handle.take(Some(Operation::GetSecret), Some("a")),
            Injection::default()
        );
        assert_eq!(handle.plan().rules[0].times, Some(0));
    }

    #[test]
    fn rules_select_by_operation_and_secret() {
        let mut plan = FaultPlan::new()
            .rule(FaultRule::new(Fault::status(503)).operation(Operation::SetSecret))
            .rule(FaultRule::new(Fault::ConnectionReset).secret("DB-password"));
        assert_eq!(
            plan.take(Some(Operation::GetSecret), Some("other")).fault,
            None
        );
        assert_eq!(
            plan.take(Some(Operation::SetSecret), Some("x")).fault,
            Some(Fault::status(503))
        );
        assert_eq!(
            plan.take(Some(Operation::GetSecret), Some("db-password"))
                .fault,
            Some(Fault::ConnectionReset)
        );
        assert_eq!(plan.take(None, None).fault, None);
    }

    #[test]
    fn latencies_add_up_and_the_first_other_fault_wins() {
        let mut plan = FaultPlan::new()
            .rule(FaultRule::new(Fault::latency(Duration::from_millis(10))))
            .rule(FaultRule::new(Fault::status(500)).times(1))
            .rule(FaultRule::new(Fault::random_latency(
                Duration::from_millis(5),
                Duration::from_millis(7),
            )))
            .rule(FaultRule::new(Fault::MalformedBody).times(1));
        let first = plan.take(None, None);
        assert_eq!(first.fault, Some(Fault::status(500)));
        let latency = first.latency.unwrap();
        assert!(latency >= Duration::from_millis(15) && latency <= Duration::from_millis(17));
        assert_eq!(plan.rules[3].times, Some(1), "a losing rule is not spent");
        assert_eq!(plan.take(None, None).fault, Some(Fault::MalformedBody));
    }

    #[test]
    fn json_plans_round_trip_and_reject_typos() {
        let json = r#"{"rules":[
            {"operation":"get_secret","secret":"a","fault":{"kind":"throttle","retry_after_secs":2},"times":3},
            {"fault":{"kind":"latency","min_ms":5,"max_ms":50}},
            {"fault":{"kind":"status","status":503,"retry_after_secs":1}},
            {"fault":{"kind":"connection_reset"}},
            {"fault":{"kind":"forbidden","reason":"firewall"}},
            {"fault":{"kind":"stall","stall_ms":100}},
            {"fault":{"kind":"malformed_body"}}
        ]}"#;
        let plan = FaultPlan::from_json(json).unwrap();
        assert_eq!(plan.rules.len(), 7);
        assert_eq!(
            plan.rules[4].fault,
            Fault::forbidden(ForbiddenReason::Firewall)
        );
        assert_eq!(plan.rules[0].operation, Some(Operation::GetSecret));
        let again = FaultPlan::from_json(&serde_json::to_string(&plan).unwrap()).unwrap();
        assert_eq!(again, plan);
        for bad in [
            r#"{"rules":[{"fault":{"kind":"throttle","retry_after":2}}]}"#,
            r#"{"rules":[{"operaton":"get_secret","fault":{"kind":"malformed_body"}}]}"#,
            r#"{"rules":[{"fault":{"kind":"status","status":200}}]}"#,
            r#"{"rules":[{"fault":{"kind":"latency","min_ms":9,"max_ms":1}}]}"#,
        ] {
            assert!(
                matches!(
                    FaultPlan::from_json(bad),
                    Err(EmulatorError::FaultPlan { .. })
                ),
                "{bad}"
            );
        }
    }
}
