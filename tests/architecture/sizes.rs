//! Sizes a reader can hold (docs/ARCHITECTURE.md "Conventions"): no file
//! in src/ over 500 lines, and no non-test function over 80 lines, from
//! `fn` to its closing brace. A longer one is split by what its parts do.
//!
//! Parses each file with `syn`, as the names check does, so a brace in a
//! string or a comment cannot end a function early.

use std::fmt::Write as _;
use std::path::Path;

use syn::visit::{self, Visit};

use crate::names::{is_test, is_test_item};
use crate::source::{collect, is_test_file};

const FILE_LINES: usize = 500;
const FUNCTION_LINES: usize = 80;

/// Every file over `FILE_LINES` and every non-test function over
/// `FUNCTION_LINES` under `src`, one per line; empty when all fit.
fn oversized(src: &Path) -> String {
    let mut files = Vec::new();
    collect(src, &mut files);
    let mut report = String::new();
    for path in files {
        let relative = path.strip_prefix(src).unwrap_or(&path);
        let text = std::fs::read_to_string(&path).unwrap();
        let lines = text.lines().count();
        if lines > FILE_LINES {
            let _ = writeln!(
                report,
                "src/{}: {lines} lines, over {FILE_LINES}: split it by what its parts do",
                relative.display()
            );
        }
        if is_test_file(relative) {
            continue;
        }
        let file = syn::parse_file(&text)
            .unwrap_or_else(|error| panic!("{}: {error}", relative.display()));
        let mut long = LongFunctions::default();
        long.visit_file(&file);
        for (line, name, length) in long.found {
            let _ = writeln!(
                report,
                "src/{}:{line}: fn {name} is {length} lines, over {FUNCTION_LINES}",
                relative.display()
            );
        }
    }
    report
}

/// Functions over `FUNCTION_LINES`, outside test items: (line, name, length).
#[derive(Default)]
struct LongFunctions {
    found: Vec<(usize, String, usize)>,
}

impl LongFunctions {
    fn measure(&mut self, sig: &syn::Signature, block: &syn::Block) {
        let first = sig.fn_token.span.start().line;
        let last = block.brace_token.span.close().end().line;
        let length = last + 1 - first;
        if length > FUNCTION_LINES {
            self.found.push((first, sig.ident.to_string(), length));
        }
    }
}

impl<'ast> Visit<'ast> for LongFunctions {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        if !is_test_item(item) {
            visit::visit_item(self, item);
        }
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        self.measure(&item.sig, &item.block);
        visit::visit_item_fn(self, item);
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        if !is_test(&item.attrs) {
            self.measure(&item.sig, &item.block);
            visit::visit_impl_item_fn(self, item);
        }
    }

    fn visit_trait_item_fn(&mut self, item: &'ast syn::TraitItemFn) {
        if let Some(block) = &item.default {
            self.measure(&item.sig, block);
        }
        visit::visit_trait_item_fn(self, item);
    }
}

#[test]
fn no_file_or_function_in_src_is_too_long() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let report = oversized(&src);
    assert!(report.is_empty(), "\n{report}");
}

#[test]
fn a_long_file_and_a_long_function_are_named_and_tests_are_not() {
    let body = |lines: usize| "    let _ = 0;\n".repeat(lines);
    // 2 lines of `fn` and `}` around the body.
    let long = format!("fn long() {{\n{}}}\n", body(FUNCTION_LINES - 1));
    let fits = format!("fn fits() {{\n{}}}\n", body(FUNCTION_LINES - 2));
    let braces = format!(
        "fn braces() {{\n    let _ = \"}}}}\";\n{}}}\n",
        body(FUNCTION_LINES - 2)
    );
    let tested = format!("#[cfg(test)]\nmod tests {{\n{long}}}\n");
    let method = format!(
        "struct S;\nimpl S {{\n{}}}\n",
        long.replace("fn long", "fn method")
    );
    let filler = "// a line\n".repeat(FILE_LINES);
    let dir = crate::tree(&[
        ("model/mod.rs", &format!("{long}{fits}{braces}{tested}")),
        ("model/mod_tests.rs", &long),
        ("ui/draw.rs", &method),
        ("ui/big.rs", &filler),
        ("ui/big_tests.rs", &format!("{filler}// one more\n")),
    ]);
    let report = oversized(dir.path());
    assert_eq!(
        report.lines().collect::<Vec<_>>(),
        [
            "src/model/mod.rs:1: fn long is 81 lines, over 80".to_string(),
            format!(
                "src/model/mod.rs:{}: fn braces is 81 lines, over 80",
                1 + 81 + 80
            ),
            "src/ui/big_tests.rs: 501 lines, over 500: split it by what its parts do".to_string(),
            "src/ui/draw.rs:3: fn method is 81 lines, over 80".to_string(),
        ],
        "\n{report}"
    );
}
