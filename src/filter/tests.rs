use super::*;
use crate::event::{AgentStatus, InteractionState, MediaType};

fn err(text: &str) -> String {
    match Filter::parse(text) {
        Ok(f) => panic!("{text:?} parsed as {f:?}"),
        Err(e) => e.to_string(),
    }
}

fn cmp(field: Field, op: Op, value: &str) -> Expr {
    Expr::Cmp {
        field,
        op,
        value: value.to_string(),
    }
}

#[test]
fn sql_is_a_syntax_error_at_column_1() {
    assert_eq!(
        err("SELECT * FROM queues"),
        "filter syntax error at column 1: expected a field (queueId, mediaType, status, userId, skill), found `SELECT`"
    );
}

#[test]
fn unknown_field_names_the_column_and_suggests() {
    assert_eq!(
        err(r#"status == "IDLE" && queueid == "q""#),
        "filter syntax error at column 21: expected a field (queueId, mediaType, status, userId, skill), found `queueid`; did you mean `queueId`?"
    );
    assert_eq!(
        err(r#"colour == "red""#),
        "filter syntax error at column 1: expected a field (queueId, mediaType, status, userId, skill), found `colour`"
    );
}

#[test]
fn unbalanced_parentheses() {
    assert_eq!(
        err(r#"(status == "IDLE""#),
        "filter syntax error at column 18: expected `)` to close the `(` at column 1, found end of filter"
    );
    assert_eq!(
        err(r#"status == "IDLE")"#),
        "filter syntax error at column 17: unexpected `)` with no matching `(`"
    );
    assert_eq!(
        err("()"),
        "filter syntax error at column 2: expected a field (queueId, mediaType, status, userId, skill), found `)`"
    );
}

#[test]
fn unterminated_string_points_at_its_opening_quote() {
    assert_eq!(
        err(r#"mediaType == "voice"#),
        "filter syntax error at column 14: unterminated string: add a closing `\"`"
    );
    assert_eq!(
        err(r#"mediaType == "voice\"#),
        "filter syntax error at column 14: unterminated string: add a closing `\"`"
    );
}

#[test]
fn other_syntax_errors() {
    assert_eq!(
        err(r#"status = "IDLE""#),
        "filter syntax error at column 8: expected `==` or `!=` after `status`, found `=`"
    );
    assert_eq!(
        err("status == IDLE"),
        "filter syntax error at column 11: expected a string in double quotes after `==`, found `IDLE`"
    );
    assert_eq!(
        err(r#"status == "IDLE" skill == "x""#),
        "filter syntax error at column 18: expected `&&`, `||` or end of filter, found `skill`"
    );
    assert_eq!(
        err(r#"status == "IDLE" &&"#),
        "filter syntax error at column 20: expected a field (queueId, mediaType, status, userId, skill), found end of filter"
    );
    assert_eq!(
        err(r#"skill == "a\nb""#),
        "filter syntax error at column 12: unknown escape `\\n` in a string (only `\\\"` and `\\\\`)"
    );
}

#[test]
fn columns_count_characters_not_bytes() {
    assert_eq!(
        err(r#"skill == "España" ?"#),
        "filter syntax error at column 19: expected `&&`, `||` or end of filter, found `?`"
    );
}

#[test]
fn length_limit() {
    let value = "x".repeat(MAX_FILTER_CHARS - 11);
    let ok = format!("skill == \"{value}\"");
    assert_eq!(ok.chars().count(), MAX_FILTER_CHARS);
    assert!(Filter::parse(&ok).is_ok());
    let long = format!("skill == \"{value}x\"");
    let e = Filter::parse(&long).unwrap_err();
    assert_eq!(e.kind, FilterErrorKind::TooLong(2049));
    assert_eq!(e.to_string(), "filter is 2049 characters (at most 2048)");
}

#[test]
fn valid_filters_build_the_expected_tree() {
    let f = Filter::parse(r#"mediaType == "voice" && status != "ended" || skill == "Spanish""#)
        .unwrap();
    assert_eq!(
        f.expr(),
        Some(&Expr::Or(vec![
            Expr::And(vec![
                cmp(Field::MediaType, Op::Eq, "voice"),
                cmp(Field::Status, Op::Ne, "ended"),
            ]),
            cmp(Field::Skill, Op::Eq, "Spanish"),
        ]))
    );
    let f = Filter::parse(r#"(queueId=="a"||queueId=="b")&&userId!="u""#).unwrap();
    assert_eq!(
        f.expr(),
        Some(&Expr::And(vec![
            Expr::Or(vec![
                cmp(Field::QueueId, Op::Eq, "a"),
                cmp(Field::QueueId, Op::Eq, "b"),
            ]),
            cmp(Field::UserId, Op::Ne, "u"),
        ]))
    );
}

#[test]
fn escapes_in_strings() {
    let f = Filter::parse(r#"skill == "say \"hi\" \\ bye""#).unwrap();
    assert_eq!(
        f.expr(),
        Some(&cmp(Field::Skill, Op::Eq, r#"say "hi" \ bye"#))
    );
    assert_eq!(f.to_string(), r#"skill == "say \"hi\" \\ bye""#);
}

#[test]
fn empty_filter_matches_everything() {
    for text in ["", "   "] {
        let f = Filter::parse(text).unwrap();
        assert!(f.is_empty());
        assert_eq!(f.to_string(), "");
        assert!(f.matches(&summary("q1")));
    }
}

#[test]
fn display_round_trips() {
    for text in [
        r#"status == "IDLE""#,
        r#"skill != "x\"y""#,
        r#"mediaType == "voice" && status != "ended" || skill == "Spanish""#,
        r#"(queueId == "a" || queueId == "b") && userId != "u""#,
        r#"((status == "a" && status == "b") && status == "c")"#,
        r#"status == "a" || (status == "b" || status == "c")"#,
        r#"(((skill == "\\")))"#,
        r#"status == "a" && (status == "b" && (status == "c" || userId == "d"))"#,
    ] {
        let f = Filter::parse(text).unwrap();
        let printed = f.to_string();
        let again = Filter::parse(&printed).unwrap();
        assert_eq!(f, again, "{text} printed as {printed}");
        assert_eq!(printed, again.to_string());
    }
}

fn summary(q: &str) -> QueueSummary {
    QueueSummary {
        queue_id: q.to_string(),
        ..Default::default()
    }
}

fn interaction(q: &str, media: &str, state: &str) -> QueueInteraction {
    QueueInteraction {
        queue_id: q.to_string(),
        conversation_id: "c1".to_string(),
        media_type: MediaType::parse(media),
        state: InteractionState::parse(state),
        wait_ms: None,
    }
}

fn agent(q: &str, user: &str, status: &str, skills: &[&str]) -> AgentState {
    AgentState {
        queue_id: q.to_string(),
        user_id: user.to_string(),
        user_name: None,
        status: AgentStatus::parse(status),
        skills: skills.iter().map(|s| s.to_string()).collect(),
    }
}

#[test]
fn evaluation_on_domain_events() {
    let voice = Filter::parse(r#"mediaType == "voice""#).unwrap();
    assert!(voice.matches(&interaction("q", "voice", "waiting")));
    assert!(!voice.matches(&interaction("q", "chat", "waiting")));
    // Events without a media type are not constrained by it.
    assert!(voice.matches(&summary("q")));
    assert!(voice.matches(&agent("q", "u", "IDLE", &[])));

    let q = Filter::parse(r#"queueId == "q1""#).unwrap();
    assert!(q.matches(&summary("q1")));
    assert!(!q.matches(&summary("q2")));
    assert!(!q.matches(&agent("q2", "u", "IDLE", &[])));

    let waiting = Filter::parse(r#"status == "waiting" || status == "alerting""#).unwrap();
    assert!(waiting.matches(&interaction("q", "chat", "alerting")));
    assert!(!waiting.matches(&interaction("q", "chat", "connected")));

    let spanish_idle = Filter::parse(r#"skill == "Spanish" && status == "IDLE""#).unwrap();
    assert!(spanish_idle.matches(&agent("q", "u", "IDLE", &["Billing", "Spanish"])));
    assert!(!spanish_idle.matches(&agent("q", "u", "IDLE", &["Billing"])));
    assert!(!spanish_idle.matches(&agent("q", "u", "INTERACTING", &["Spanish"])));

    let not_spanish = Filter::parse(r#"skill != "Spanish""#).unwrap();
    assert!(not_spanish.matches(&agent("q", "u", "IDLE", &["Billing"])));
    assert!(not_spanish.matches(&agent("q", "u", "IDLE", &[])));
    assert!(!not_spanish.matches(&agent("q", "u", "IDLE", &["Billing", "Spanish"])));

    let user = Filter::parse(r#"(userId == "u1" || userId == "u2") && queueId != "x""#).unwrap();
    assert!(user.matches(&agent("q", "u2", "IDLE", &[])));
    assert!(!user.matches(&agent("x", "u2", "IDLE", &[])));
    assert!(!user.matches(&agent("q", "u3", "IDLE", &[])));
}

#[test]
fn nesting_is_bounded() {
    let ok = format!("{}status == \"a\"{}", "(".repeat(32), ")".repeat(32));
    assert!(Filter::parse(&ok).is_ok());
    let deep = format!("{}status == \"a\"{}", "(".repeat(33), ")".repeat(33));
    assert_eq!(
        Filter::parse(&deep).unwrap_err().to_string(),
        "filter syntax error at column 33: parentheses nested more than 32 deep"
    );
    // The longest possible filter of only parentheses fails cleanly too.
    assert!(Filter::parse(&"(".repeat(2048)).is_err());
}

/// A random valid filter, with random spacing.
fn gen_expr(rng: &mut fastrand::Rng, depth: u32, out: &mut String) {
    let sp = |rng: &mut fastrand::Rng, out: &mut String| {
        if rng.bool() {
            out.push(' ');
        }
    };
    for i in 0..rng.usize(1..4) {
        if i > 0 {
            sp(rng, out);
            out.push_str(if rng.bool() { "&&" } else { "||" });
            sp(rng, out);
        }
        if depth < 3 && rng.u8(..4) == 0 {
            out.push('(');
            gen_expr(rng, depth + 1, out);
            out.push(')');
        } else {
            out.push_str(Field::ALL[rng.usize(..5)].as_str());
            sp(rng, out);
            out.push_str(if rng.bool() { "==" } else { "!=" });
            sp(rng, out);
            out.push_str(
                ["\"a\"", "\"\\\"q\\\"\"", "\"b\\\\\"", "\"é x\"", "\"\""][rng.usize(..5)],
            );
        }
    }
}

#[test]
fn random_filters_round_trip_and_mutants_never_panic() {
    let pieces = [
        "(", ")", "&&", "||", "==", "=", "&", "!", " ", "status", "SELECT", "\"", "\\", "é",
    ];
    let mut rng = fastrand::Rng::with_seed(7);
    for _ in 0..5_000 {
        let mut text = String::new();
        gen_expr(&mut rng, 0, &mut text);
        let f = Filter::parse(&text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        let printed = f.to_string();
        assert_eq!(
            Filter::parse(&printed).as_ref(),
            Ok(&f),
            "{text:?} -> {printed:?}"
        );
        // Break it at a random place: an error or another valid filter, never a panic.
        let chars: Vec<char> = text.chars().collect();
        let at = rng.usize(..=chars.len());
        let mutant: String = chars[..at].iter().collect::<String>()
            + pieces[rng.usize(..pieces.len())]
            + &chars[at..].iter().collect::<String>();
        if let Ok(m) = Filter::parse(&mutant) {
            assert_eq!(Filter::parse(&m.to_string()).as_ref(), Ok(&m), "{mutant:?}");
        }
    }
}
