//! Names a reader does not trip on (docs/ARCHITECTURE.md "Conventions"):
//! in non-test code, a function longer than one screen binds no
//! one-letter local, and one-letter `let`s stay rare across src/.
//!
//! Parses each file with `syn`, so a binding is whatever a pattern binds
//! (tuples, struct fields, match arms, closure parameters), not what a
//! text scan guesses. Bindings inside macro invocations (`select!`,
//! `format!`) are token streams to the parser and are not seen.

use std::fmt::Write as _;
use std::path::Path;

use syn::visit::{self, Visit};

use crate::source::{collect, is_test_file};

/// One screen of an 80x24 terminal: a function longer than this is read
/// by scrolling, and a one-letter name has scrolled out of sight by then.
const SCREEN_LINES: usize = 24;

/// The ceiling for one-letter `let` bindings across src/, in percent; the
/// projects we compare with sit at 1-4 %.
const ONE_LETTER_LET_CEILING: f64 = 5.0;

/// A one-letter binding in a function longer than a screen.
#[derive(Debug)]
struct Finding {
    file: String,
    line: usize,
    function: String,
    name: String,
}

/// What a tree's non-test code binds.
#[derive(Debug, Default)]
struct Census {
    lets: usize,
    one_letter_lets: usize,
    findings: Vec<Finding>,
}

impl Census {
    fn one_letter_percent(&self) -> f64 {
        if self.lets == 0 {
            return 0.0;
        }
        100.0 * self.one_letter_lets as f64 / self.lets as f64
    }

    /// One line per finding, naming file, line, function and name.
    fn report(&self) -> String {
        let mut report = String::new();
        for finding in &self.findings {
            let _ = writeln!(
                report,
                "src/{}:{}: fn {} binds `{}` (longer than {SCREEN_LINES} lines: use a whole word)",
                finding.file, finding.line, finding.function, finding.name
            );
        }
        report
    }
}

/// Every non-test file under `src`, parsed and counted.
fn census(src: &Path) -> Census {
    let mut files = Vec::new();
    collect(src, &mut files);
    let mut census = Census::default();
    for path in files {
        let relative = path.strip_prefix(src).unwrap_or(&path);
        if is_test_file(relative) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let file = syn::parse_file(&text)
            .unwrap_or_else(|error| panic!("{}: {error}", relative.display()));
        let mut walker = Walker {
            file: relative.display().to_string(),
            functions: Vec::new(),
            census: &mut census,
        };
        walker.visit_file(&file);
    }
    census
}

/// The function being walked: its name and whether it is longer than a screen.
struct Function {
    name: String,
    long: bool,
}

struct Walker<'a> {
    file: String,
    functions: Vec<Function>,
    census: &'a mut Census,
}

impl Walker<'_> {
    fn enter(&mut self, name: &syn::Ident, sig: &syn::Signature, block: &syn::Block) {
        let first = sig.fn_token.span.start().line;
        let last = block.brace_token.span.close().end().line;
        let long = last + 1 - first > SCREEN_LINES;
        self.functions.push(Function {
            name: name.to_string(),
            long,
        });
        for input in &sig.inputs {
            if let syn::FnArg::Typed(typed) = input {
                self.bound(&typed.pat);
            }
        }
    }

    /// Records each one-letter name `pattern` binds inside a long function.
    fn bound(&mut self, pattern: &syn::Pat) {
        let Some(function) = self.functions.last().filter(|function| function.long) else {
            return;
        };
        for name in bindings(pattern) {
            if is_one_letter(&name) {
                self.census.findings.push(Finding {
                    file: self.file.clone(),
                    line: name.span().start().line,
                    function: function.name.clone(),
                    name: name.to_string(),
                });
            }
        }
    }
}

impl<'ast> Visit<'ast> for Walker<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        if !is_test_item(item) {
            visit::visit_item(self, item);
        }
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        self.enter(&item.sig.ident, &item.sig, &item.block);
        visit::visit_item_fn(self, item);
        self.functions.pop();
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        if is_test(&item.attrs) {
            return;
        }
        self.enter(&item.sig.ident, &item.sig, &item.block);
        visit::visit_impl_item_fn(self, item);
        self.functions.pop();
    }

    fn visit_trait_item_fn(&mut self, item: &'ast syn::TraitItemFn) {
        let Some(block) = &item.default else {
            return;
        };
        self.enter(&item.sig.ident, &item.sig, block);
        visit::visit_trait_item_fn(self, item);
        self.functions.pop();
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        for name in bindings(&local.pat) {
            self.census.lets += 1;
            if is_one_letter(&name) {
                self.census.one_letter_lets += 1;
            }
        }
        self.bound(&local.pat);
        visit::visit_local(self, local);
    }

    fn visit_expr_let(&mut self, expression: &'ast syn::ExprLet) {
        self.bound(&expression.pat);
        visit::visit_expr_let(self, expression);
    }

    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        self.bound(&arm.pat);
        visit::visit_arm(self, arm);
    }

    fn visit_expr_for_loop(&mut self, expression: &'ast syn::ExprForLoop) {
        self.bound(&expression.pat);
        visit::visit_expr_for_loop(self, expression);
    }

    fn visit_expr_closure(&mut self, closure: &'ast syn::ExprClosure) {
        for input in &closure.inputs {
            self.bound(input);
        }
        visit::visit_expr_closure(self, closure);
    }
}

/// An item under `#[test]` or `#[cfg(test)]`: a test, or a test module.
pub(crate) fn is_test_item(item: &syn::Item) -> bool {
    let attributes = match item {
        syn::Item::Fn(item) => &item.attrs,
        syn::Item::Mod(item) => &item.attrs,
        syn::Item::Impl(item) => &item.attrs,
        syn::Item::Trait(item) => &item.attrs,
        syn::Item::Const(item) => &item.attrs,
        syn::Item::Static(item) => &item.attrs,
        syn::Item::Use(item) => &item.attrs,
        _ => return false,
    };
    is_test(attributes)
}

/// `#[test]`, `#[tokio::test]` or `#[cfg(test)]`.
pub(crate) fn is_test(attributes: &[syn::Attribute]) -> bool {
    attributes.iter().any(|attribute| {
        let path = attribute.path();
        if path
            .segments
            .last()
            .is_some_and(|last| last.ident == "test")
        {
            return true;
        }
        path.is_ident("cfg")
            && attribute
                .parse_args::<syn::Ident>()
                .is_ok_and(|argument| argument == "test")
    })
}

/// A lowercase single letter: `_` is no name, and an uppercase one in a
/// pattern is a constant or a variant.
fn is_one_letter(name: &syn::Ident) -> bool {
    let text = name.to_string();
    let text = text.strip_prefix("r#").unwrap_or(&text);
    text.len() == 1 && text.chars().all(|letter| letter.is_ascii_lowercase())
}

/// The names a pattern binds; `None` or `MAX` in a pattern is a variant
/// or a constant, not a binding.
fn bindings(pattern: &syn::Pat) -> Vec<syn::Ident> {
    struct Names(Vec<syn::Ident>);
    impl<'ast> Visit<'ast> for Names {
        fn visit_pat_ident(&mut self, binding: &'ast syn::PatIdent) {
            self.0.push(binding.ident.clone());
            visit::visit_pat_ident(self, binding);
        }
    }
    let mut names = Names(Vec::new());
    names.visit_pat(pattern);
    names
        .0
        .into_iter()
        .filter(|name| !name.to_string().starts_with(char::is_uppercase))
        .collect()
}

#[test]
fn no_long_function_in_src_binds_a_one_letter_name() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let census = census(&src);
    assert!(
        census.lets > 1000,
        "the scan found only {} let bindings: is it reading src/?",
        census.lets
    );
    let percent = census.one_letter_percent();
    println!(
        "one-letter let bindings in src/ (non-test): {} of {} ({percent:.1} %)",
        census.one_letter_lets, census.lets
    );
    let report = census.report();
    assert!(report.is_empty(), "\n{report}");
    assert!(
        percent < ONE_LETTER_LET_CEILING,
        "{percent:.1} % of the let bindings in src/ are one letter, over the \
         {ONE_LETTER_LET_CEILING} % ceiling: name what the value is"
    );
}

#[test]
fn every_one_letter_binding_in_a_long_function_is_named_and_short_ones_pass() {
    let filler = "    let _ = 0;\n".repeat(SCREEN_LINES);
    let long = format!(
        "fn long(c: u8, (left, r): (u8, u8)) {{\n\
         \x20   let q = 1;\n\
         \x20   let (word, x) = (1, 2);\n\
         \x20   if let Some(v) = None::<u8> {{}}\n\
         \x20   while let Some(w) = None::<u8> {{}}\n\
         \x20   for i in 0..2 {{}}\n\
         \x20   match 1 {{ n => {{}} }}\n\
         \x20   let _ = [1].iter().map(|e| e + 1);\n\
         \x20   let None = None::<u8> else {{ return }};\n\
         \x20   let _ = \"let s = 1;\";\n\
         {filler}}}\n"
    );
    let short = "fn short(c: u8) { let q = 1; for i in 0..2 {} }\n";
    // Exactly one screen, braces included: still short.
    let screen = format!(
        "fn screen() {{\n    let q = 1;\n{}}}\n",
        "    let _ = 0;\n".repeat(SCREEN_LINES - 3)
    );
    let tested = format!(
        "#[cfg(test)]\nmod tests {{\n    {long}}}\n#[test]\n{}",
        long.replace("fn long", "fn tested")
    );
    let dir = crate::tree(&[
        ("model/mod.rs", &format!("{long}{short}{screen}")),
        ("model/mixed.rs", &tested),
        ("model/mod_tests.rs", &long),
        (
            "ui/draw.rs",
            &format!(
                "struct Screen;\nimpl Screen {{\n{}}}\n",
                long.replace("fn long(", "fn draw(&self, ")
            ),
        ),
    ]);
    let census = census(dir.path());
    let names = [
        (1, "c"),
        (1, "r"),
        (2, "q"),
        (3, "x"),
        (4, "v"),
        (5, "w"),
        (6, "i"),
        (7, "n"),
        (8, "e"),
    ];
    let at = |file: &str, offset: usize, function: &str| {
        names.map(|(line, name)| {
            format!(
                "src/{file}:{}: fn {function} binds `{name}` (longer than 24 lines: use a whole word)",
                line + offset
            )
        })
    };
    let expected: Vec<String> = at("model/mod.rs", 0, "long")
        .into_iter()
        .chain(at("ui/draw.rs", 2, "draw"))
        .collect();
    let report = census.report();
    assert_eq!(report.lines().collect::<Vec<_>>(), expected, "\n{report}");
    // Non-test lets: long's three bindings from its two `let`s with names
    // (`q`, `word`, `x`), short's and screen's `q`, draw's three, nothing
    // from tests.
    assert_eq!((census.lets, census.one_letter_lets), (8, 6));
}
