//! One mapping from failures to HTTP answers. The body names the field and
//! the reason; internal details are logged, never returned.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use relance::credits::CreditError;
use relance::domain::FieldError;
use relance::domain::invoice::InvoiceRuleError;
use relance::invoicing::InvoicingError;
use relance::retry::Safety;
use relance::store::StoreError;
use serde_json::json;

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    errors: Vec<FieldError>,
    /// What a cap has left, when a cap refused the request.
    remaining_minor: Option<i64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            errors: Vec::new(),
            remaining_minor: None,
        }
    }

    pub fn field(status: StatusCode, field: &str, reason: impl Into<String>) -> Self {
        let reason = reason.into();
        Self {
            status,
            code: "invalid_request",
            message: format!("{field}: {reason}"),
            errors: vec![FieldError::new(field, reason)],
            remaining_minor: None,
        }
    }

    pub fn invalid(errors: Vec<FieldError>) -> Self {
        let message = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.reason))
            .collect::<Vec<_>>()
            .join("; ");
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "invalid_request",
            message,
            errors,
            remaining_minor: None,
        }
    }

    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("no such {what}"))
    }

    pub fn internal(err: &dyn std::error::Error) -> Self {
        tracing::error!(error = %err, "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on our side; nothing was changed, please retry",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        if !err.is_transient() {
            return Self::internal(&err);
        }
        tracing::warn!(error = %err, "store unavailable");
        match err.safety() {
            Safety::DidNotHappen => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "the store is busy; nothing was changed, please retry",
            ),
            // A timeout: the write may be in the table. A keyed request
            // repeated with the same Idempotency-Key is answered once.
            Safety::MayHaveHappened => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "uncertain",
                "the store did not answer in time and the change may have been made: repeat the request with the same Idempotency-Key, or read before acting again",
            ),
        }
    }
}

impl From<InvoicingError> for ApiError {
    fn from(err: InvoicingError) -> Self {
        match err {
            InvoicingError::Invalid(errors) => Self::invalid(errors),
            InvoicingError::UnknownCustomer => Self::field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "customer_id",
                "no customer with this id; create it first with PUT /customers/{id}",
            ),
            InvoicingError::UnknownInvoice => Self::not_found("invoice"),
            InvoicingError::KeyReused => Self::field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Idempotency-Key",
                "this key was already used with a different request; use a new key for a new request",
            ),
            InvoicingError::Rule(rule) => match rule {
                InvoiceRuleError::Overpayment { .. } | InvoiceRuleError::AlreadyPaid | InvoiceRuleError::Credited => {
                    Self::field(StatusCode::UNPROCESSABLE_ENTITY, "amount_minor", rule.to_string())
                }
                InvoiceRuleError::DisputeAlreadyOpen | InvoiceRuleError::NoOpenDispute => {
                    Self::new(StatusCode::CONFLICT, "conflict", rule.to_string())
                }
            },
            InvoicingError::Busy => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "too many concurrent changes; please retry",
            ),
            InvoicingError::Store(e) => e.into(),
            InvoicingError::Encode(e) => Self::internal(&e),
        }
    }
}

impl From<CreditError> for ApiError {
    fn from(err: CreditError) -> Self {
        match err {
            CreditError::Invalid(errors) => Self::invalid(errors),
            CreditError::UnknownCustomer => Self::not_found("customer"),
            CreditError::UnknownCredit => Self::not_found("credit"),
            CreditError::UnknownInvoice => Self::not_found("invoice"),
            CreditError::KeyReused => Self::field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Idempotency-Key",
                "this key was already used with a different request; use a new key for a new request",
            ),
            CreditError::OverCap { remaining_minor, .. } => {
                let mut e = Self::new(StatusCode::CONFLICT, "cap_exceeded", err.to_string());
                e.remaining_minor = Some(remaining_minor);
                e
            }
            CreditError::SameApprover => Self::new(StatusCode::FORBIDDEN, "same_approver", err.to_string()),
            CreditError::Conflict(reason) => Self::new(StatusCode::CONFLICT, "conflict", reason),
            CreditError::Busy => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "too many concurrent changes; please retry",
            ),
            CreditError::Store(e) => e.into(),
            CreditError::Encode(e) => Self::internal(&e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.code, "message": self.message, "errors": self.errors });
        if let (Some(remaining), Some(obj)) = (self.remaining_minor, body.as_object_mut()) {
            obj.insert("remaining_minor".into(), remaining.into());
        }
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}
