//! The validation error the domain returns: which field broke which rule. The HTTP edge
//! (`api/`) decides what status it becomes.

/// A request field that broke a rule: the answer names both. A rule of the field's own shape,
/// which the API description states, is a 400; a rule about how it relates to other fields or
/// to stored data, which no schema can state, is a 422.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: String,
    pub rule: String,
    pub relational: bool,
}

impl Invalid {
    pub fn new(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            rule: rule.into(),
            relational: false,
        }
    }

    /// A rule about the field's relation to other fields or to stored data.
    pub fn relational(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self {
            relational: true,
            ..Self::new(field, rule)
        }
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.rule)
    }
}
