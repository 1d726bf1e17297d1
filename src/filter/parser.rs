//! The filter parser: recursive descent over characters, so every error
//! carries the 1-based column (in characters) where it went wrong.

use super::{Expr, Field, FilterError, FilterErrorKind, Op};

/// Parses non-empty text; `Ok(None)` for blank text (the filter that matches everything).
pub(super) fn parse(text: &str) -> Result<Option<Expr>, FilterError> {
    let mut parser = Parser {
        chars: text.chars().collect(),
        pos: 0,
        depth: 0,
    };
    parser.skip_ws();
    if parser.pos == parser.chars.len() {
        return Ok(None);
    }
    let root = parser.expr()?;
    let (col, tok) = parser.next_token()?;
    match tok {
        Token::End => Ok(Some(root)),
        Token::Close => Err(syntax(col, "unexpected `)` with no matching `(`".into())),
        other => Err(syntax(
            col,
            format!(
                "expected `&&`, `||` or end of filter, found {}",
                other.describe()
            ),
        )),
    }
}

fn syntax(column: usize, message: String) -> FilterError {
    FilterError {
        column,
        message,
        kind: FilterErrorKind::Syntax,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    And,
    Or,
    Eq,
    Ne,
    Str(String),
    Word(String),
    End,
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Token::Open => "`(`".into(),
            Token::Close => "`)`".into(),
            Token::And => "`&&`".into(),
            Token::Or => "`||`".into(),
            Token::Eq => "`==`".into(),
            Token::Ne => "`!=`".into(),
            Token::Str(s) => format!("the string \"{s}\""),
            Token::Word(w) => format!("`{w}`"),
            Token::End => "end of filter".into(),
        }
    }
}

const FIELD_LIST: &str = "queueId, mediaType, status, userId, skill";

/// Recursive descent over chars; tokens are read lazily so the first error
/// by position is the one reported.
struct Parser {
    chars: Vec<char>,
    pos: usize,
    /// Open parentheses around the current position.
    depth: usize,
}

/// Deeper nesting is refused, so a hostile filter cannot exhaust the stack.
pub const MAX_DEPTH: usize = 32;

impl Parser {
    fn skip_ws(&mut self) {
        while self.chars.get(self.pos).is_some_and(|c| c.is_whitespace()) {
            self.pos += 1;
        }
    }

    fn peek_token(&mut self) -> Result<(usize, Token), FilterError> {
        let save = self.pos;
        let token = self.next_token();
        self.pos = save;
        token
    }

    /// Returns the token and its 1-based column.
    fn next_token(&mut self) -> Result<(usize, Token), FilterError> {
        self.skip_ws();
        let start = self.pos;
        let col = start + 1;
        let Some(&letter) = self.chars.get(start) else {
            return Ok((col, Token::End));
        };
        let next = self.chars.get(start + 1).copied();
        let two = |parser: &mut Parser, token: Token| {
            parser.pos += 2;
            Ok((col, token))
        };
        match (letter, next) {
            ('(', _) => {
                self.pos += 1;
                Ok((col, Token::Open))
            }
            (')', _) => {
                self.pos += 1;
                Ok((col, Token::Close))
            }
            ('&', Some('&')) => two(self, Token::And),
            ('|', Some('|')) => two(self, Token::Or),
            ('=', Some('=')) => two(self, Token::Eq),
            ('!', Some('=')) => two(self, Token::Ne),
            ('"', _) => self.string(col),
            _ => {
                // A bare word: everything up to a space, a bracket, a quote or
                // an operator character (at least one char, so no endless loop).
                self.pos += 1;
                while let Some(&letter) = self.chars.get(self.pos) {
                    if letter.is_whitespace() || "()\"&|=!".contains(letter) {
                        break;
                    }
                    self.pos += 1;
                }
                let word: String = self.chars[start..self.pos].iter().collect();
                Ok((col, Token::Word(word)))
            }
        }
    }

    fn string(&mut self, col: usize) -> Result<(usize, Token), FilterError> {
        self.pos += 1;
        let mut text = String::new();
        loop {
            match self.chars.get(self.pos).copied() {
                None => {
                    return Err(syntax(
                        col,
                        "unterminated string: add a closing `\"`".into(),
                    ));
                }
                Some('"') => {
                    self.pos += 1;
                    return Ok((col, Token::Str(text)));
                }
                Some('\\') => match self.chars.get(self.pos + 1).copied() {
                    Some(escaped @ ('"' | '\\')) => {
                        text.push(escaped);
                        self.pos += 2;
                    }
                    Some(escaped) => {
                        return Err(syntax(
                            self.pos + 1,
                            format!(
                                "unknown escape `\\{escaped}` in a string (only `\\\"` and `\\\\`)"
                            ),
                        ));
                    }
                    None => {
                        return Err(syntax(
                            col,
                            "unterminated string: add a closing `\"`".into(),
                        ));
                    }
                },
                Some(letter) => {
                    text.push(letter);
                    self.pos += 1;
                }
            }
        }
    }

    /// `expr := term (("&&" | "||") term)*`, `&&` binding tighter.
    fn expr(&mut self) -> Result<Expr, FilterError> {
        let mut ors: Vec<Expr> = Vec::new();
        let mut ands: Vec<Expr> = vec![self.term()?];
        loop {
            match self.peek_token()?.1 {
                Token::And => {
                    self.next_token()?;
                    ands.push(self.term()?);
                }
                Token::Or => {
                    self.next_token()?;
                    ors.push(collapse(std::mem::take(&mut ands), Expr::And));
                    ands.push(self.term()?);
                }
                _ => break,
            }
        }
        let last = collapse(ands, Expr::And);
        if ors.is_empty() {
            return Ok(last);
        }
        ors.push(last);
        Ok(Expr::Or(ors))
    }

    fn term(&mut self) -> Result<Expr, FilterError> {
        let (col, tok) = self.next_token()?;
        match tok {
            Token::Open => {
                if self.depth == MAX_DEPTH {
                    return Err(syntax(
                        col,
                        format!("parentheses nested more than {MAX_DEPTH} deep"),
                    ));
                }
                self.depth += 1;
                let expression = self.expr()?;
                self.depth -= 1;
                match self.next_token()? {
                    (_, Token::Close) => Ok(expression),
                    (column, other) => Err(syntax(
                        column,
                        format!(
                            "expected `)` to close the `(` at column {col}, found {}",
                            other.describe()
                        ),
                    )),
                }
            }
            Token::Word(word) => match Field::parse(&word) {
                Some(field) => self.comparison(field),
                None => Err(syntax(col, unknown_field(&word))),
            },
            other => Err(syntax(
                col,
                format!(
                    "expected a field ({FIELD_LIST}), found {}",
                    other.describe()
                ),
            )),
        }
    }

    fn comparison(&mut self, field: Field) -> Result<Expr, FilterError> {
        let (col, tok) = self.next_token()?;
        let op = match tok {
            Token::Eq => Op::Eq,
            Token::Ne => Op::Ne,
            other => {
                return Err(syntax(
                    col,
                    format!(
                        "expected `==` or `!=` after `{field}`, found {}",
                        other.describe()
                    ),
                ));
            }
        };
        match self.next_token()? {
            (_, Token::Str(value)) => Ok(Expr::Cmp { field, op, value }),
            (column, other) => Err(syntax(
                column,
                format!(
                    "expected a string in double quotes after `{}`, found {}",
                    op.as_str(),
                    other.describe()
                ),
            )),
        }
    }
}

fn collapse(mut v: Vec<Expr>, wrap: fn(Vec<Expr>) -> Expr) -> Expr {
    if v.len() == 1 { v.remove(0) } else { wrap(v) }
}

fn unknown_field(w: &str) -> String {
    let near = Field::ALL
        .into_iter()
        .map(|f| {
            (
                strsim::levenshtein(&w.to_lowercase(), &f.as_str().to_lowercase()),
                f,
            )
        })
        .min_by_key(|(d, _)| *d);
    match near {
        Some((d, f)) if d <= 2 => {
            format!("expected a field ({FIELD_LIST}), found `{w}`; did you mean `{f}`?")
        }
        _ => format!("expected a field ({FIELD_LIST}), found `{w}`"),
    }
}
