//! The filter language (docs/PROTOCOL.md, "The filter language"): parser
//! and evaluator.
//!
//! ```text
//! expr   := term (("&&" | "||") term)*
//! term   := "(" expr ")" | field ("==" | "!=") string
//! field  := "queueId" | "mediaType" | "status" | "userId" | "skill"
//! string := '"' chars, with \" and \\ escapes '"'
//! ```
//!
//! The grammar does not say how `&&` and `||` mix without parentheses; we
//! use the usual rule (`&&` binds tighter), and `Display` adds parentheses
//! wherever they are needed, so printing and parsing again gives the same tree.

use std::fmt;

use crate::event::{AgentState, QueueEventKind, QueueInteraction, QueueSummary};

mod parser;

/// The longest filter the protocol accepts, in characters.
pub const MAX_FILTER_CHARS: usize = 2048;

/// A field a filter can test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    QueueId,
    MediaType,
    Status,
    UserId,
    Skill,
}

impl Field {
    pub const ALL: [Field; 5] = [
        Field::QueueId,
        Field::MediaType,
        Field::Status,
        Field::UserId,
        Field::Skill,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Field::QueueId => "queueId",
            Field::MediaType => "mediaType",
            Field::Status => "status",
            Field::UserId => "userId",
            Field::Skill => "skill",
        }
    }

    pub fn parse(s: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `==` or `!=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Eq,
    Ne,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "==",
            Op::Ne => "!=",
        }
    }
}

/// A parsed filter expression. `And`/`Or` hold at least two operands.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Expr {
    Cmp { field: Field, op: Op, value: String },
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

/// What a field of an event holds, for filter evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldValues<'a> {
    /// The event does not carry this field (a queue summary has no
    /// `mediaType`): the comparison does not constrain it and passes, so one
    /// filter can serve every event type of a queue.
    NotApplicable,
    One(&'a str),
    /// Any of these (an agent's skills); `==` holds when one matches,
    /// `!=` when none does.
    Many(&'a [String]),
}

/// Something a filter can be evaluated against.
pub trait FilterSubject {
    fn field(&self, field: Field) -> FieldValues<'_>;
}

impl FilterSubject for QueueSummary {
    fn field(&self, field: Field) -> FieldValues<'_> {
        match field {
            Field::QueueId => FieldValues::One(&self.queue_id),
            _ => FieldValues::NotApplicable,
        }
    }
}

impl FilterSubject for QueueInteraction {
    fn field(&self, field: Field) -> FieldValues<'_> {
        match field {
            Field::QueueId => FieldValues::One(&self.queue_id),
            Field::MediaType => FieldValues::One(self.media_type.as_str()),
            Field::Status => FieldValues::One(self.state.as_str()),
            Field::UserId | Field::Skill => FieldValues::NotApplicable,
        }
    }
}

impl FilterSubject for AgentState {
    fn field(&self, field: Field) -> FieldValues<'_> {
        match field {
            Field::QueueId => FieldValues::One(&self.queue_id),
            Field::UserId => FieldValues::One(&self.user_id),
            Field::Status => FieldValues::One(self.status.as_str()),
            Field::Skill => FieldValues::Many(&self.skills),
            Field::MediaType => FieldValues::NotApplicable,
        }
    }
}

impl FilterSubject for QueueEventKind {
    fn field(&self, field: Field) -> FieldValues<'_> {
        match self {
            QueueEventKind::Summary(s) => s.field(field),
            QueueEventKind::Interaction(i) => i.field(field),
            QueueEventKind::Agent(a) => a.field(field),
            QueueEventKind::Totals(t) => match field {
                Field::QueueId => FieldValues::One(&t.queue_id),
                _ => FieldValues::NotApplicable,
            },
        }
    }
}

/// Why a filter was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterErrorKind {
    Syntax,
    /// Longer than [`MAX_FILTER_CHARS`]; holds the length in characters.
    TooLong(usize),
}

/// A filter that does not parse, with the 1-based column (in characters)
/// where it went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    pub column: usize,
    pub message: String,
    pub kind: FilterErrorKind,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            FilterErrorKind::TooLong(n) => {
                write!(f, "filter is {n} characters (at most {MAX_FILTER_CHARS})")
            }
            FilterErrorKind::Syntax => write!(
                f,
                "filter syntax error at column {}: {}",
                self.column, self.message
            ),
        }
    }
}

impl std::error::Error for FilterError {}

/// A filter that parsed. The empty filter matches everything.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Filter {
    root: Option<Expr>,
}

impl Filter {
    /// Parses a filter; empty (or blank) text is the filter that matches everything.
    pub fn parse(text: &str) -> Result<Filter, FilterError> {
        let len = text.chars().count();
        if len > MAX_FILTER_CHARS {
            return Err(FilterError {
                column: MAX_FILTER_CHARS + 1,
                message: format!("the filter is longer than {MAX_FILTER_CHARS} characters"),
                kind: FilterErrorKind::TooLong(len),
            });
        }
        parser::parse(text).map(|root| Filter { root })
    }

    /// True when the filter matches everything.
    pub fn is_empty(&self) -> bool {
        self.root.is_none()
    }

    /// The parsed tree; None for the empty filter.
    pub fn expr(&self) -> Option<&Expr> {
        self.root.as_ref()
    }

    pub fn matches(&self, subject: &dyn FilterSubject) -> bool {
        self.root.as_ref().is_none_or(|e| eval(e, subject))
    }
}

fn eval(e: &Expr, s: &dyn FilterSubject) -> bool {
    match e {
        Expr::And(v) => v.iter().all(|e| eval(e, s)),
        Expr::Or(v) => v.iter().any(|e| eval(e, s)),
        Expr::Cmp { field, op, value } => {
            let hit = match s.field(*field) {
                FieldValues::NotApplicable => return true,
                FieldValues::One(x) => x == value,
                FieldValues::Many(xs) => xs.iter().any(|x| x == value),
            };
            match op {
                Op::Eq => hit,
                Op::Ne => !hit,
            }
        }
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.root {
            Some(e) => write!(f, "{e}"),
            None => Ok(()),
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Cmp { field, op, value } => {
                write!(f, "{field} {} \"", op.as_str())?;
                for c in value.chars() {
                    if c == '"' || c == '\\' {
                        f.write_str("\\")?;
                    }
                    write!(f, "{c}")?;
                }
                f.write_str("\"")
            }
            Expr::And(v) => join(f, v, " && ", |e| !matches!(e, Expr::Cmp { .. })),
            // `&&` binds tighter, so an And inside an Or needs no parentheses.
            Expr::Or(v) => join(f, v, " || ", |e| matches!(e, Expr::Or(_))),
        }
    }
}

fn join(
    f: &mut fmt::Formatter<'_>,
    items: &[Expr],
    sep: &str,
    needs_parens: impl Fn(&Expr) -> bool,
) -> fmt::Result {
    for (i, e) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        if needs_parens(e) {
            write!(f, "({e})")?;
        } else {
            write!(f, "{e}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
