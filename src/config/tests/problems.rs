//! Problems in the file: each says where (file, line, column, key), all
//! are reported, not only the first.

use super::*;

#[test]
fn unknown_keys_suggest_the_nearest_and_all_problems_are_reported() {
    let text = "[genesys]\nenviroment = \"mypurecloud.com\"\nprotocol = \"websocket\"\n\n[ui]\nfps = 500\ntheme = 3\n\n[alerts]\nwaitng = 4\n\n[colours]\n";
    let e = errors(text);
    assert_eq!(
        e[..6],
        [
            "c.toml:2:1: genesys.enviroment: unknown key `enviroment`; did you mean `environment`? (only the keys of docs/CONFIG.md)",
            "c.toml:3:12: genesys.protocol: `websocket` is not \"notifications\" or \"realtime\" (values of docs/CONFIG.md)",
            "c.toml:6:7: ui.fps: 500 is out of range (1 to 60) (value ranges of docs/CONFIG.md)",
            "c.toml:7:9: ui.theme: expected a string, found integer (value types of docs/CONFIG.md)",
            "c.toml:10:1: alerts.waitng: unknown key `waitng`; did you mean `waiting`? (only the keys of docs/CONFIG.md)",
            "c.toml:12:2: colours: unknown key `colours` (only the keys of docs/CONFIG.md)",
        ]
    );
}

#[test]
fn queue_problems_name_the_queue_line() {
    let text = format!(
        "[genesys]\nprotocol = \"realtime\"\nrealtime_url = \"wss://gw.example/e\"\n[[queue]]\nid = \"{Q1}\"\nfilter = 'mediaType == \"voice\" && SELECT'\n\n[[queue]]\nname = \"Sales\"\n\n[[queue]]\nid = \"has space\"\nevents = [\"queue-summary\", \"agent-states\"]\n"
    );
    let e = errors(&text);
    assert_eq!(
        e[..4],
        [
            "c.toml:6:35: queue[1].filter: filter syntax error at column 25: expected a field (queueId, mediaType, status, userId, skill), found `SELECT` (filters parse and have at most 2048 characters)",
            "c.toml:8:1: queue[2]: the queue has a name but no id; the realtime feed needs `id` (a UUID) (queue ids are UUIDs or [A-Za-z0-9_-]+)",
            "c.toml:12:6: queue[3].id: queue id `has space` is neither a UUID nor made of letters, digits, `_` and `-` (queue ids are UUIDs or [A-Za-z0-9_-]+)",
            "c.toml:13:28: queue[3].events: unknown event type `agent-states`; did you mean `agent-state`? (events are queue-summary, queue-interaction, agent-state)",
        ]
    );
}

#[test]
fn filter_errors_point_into_the_file_through_escapes() {
    for (line, col) in [
        (r#"filter = "status == \"a\" && nope""#, 30),
        (r#"filter = "skill == \"\u00e9\" && nope""#, 34),
        (r#"filter = "skill == \"\\\\\" && nope""#, 32),
        ("filter = 'skill == \"é\" && nope'", 27),
        // "end of filter": the closing quote.
        (r#"filter = "status == \"a\" &&""#, 29),
    ] {
        let e = errors(&format!("{QUEUE}{line}\n"));
        assert!(
            e[0].starts_with(&format!(
                "c.toml:3:{col}: queue[1].filter: filter syntax error"
            )),
            "{line}: {}",
            e[0]
        );
    }
}

#[test]
fn more_than_100_realtime_subscriptions_is_an_error() {
    let mut text =
        String::from("[genesys]\nprotocol = \"realtime\"\nrealtime_url = \"wss://gw.example/e\"");
    for i in 0..34 {
        text.push_str(&format!(
            "\n[[queue]]\nid = \"00000000-0000-4000-8000-{i:012}\"\nevents = [\"queue-summary\", \"queue-interaction\", \"agent-state\"]\n"
        ));
    }
    let e = errors(&text);
    // Queue 34 brings it to 102; its [[queue]] header is on line 3 + 33*4 + 1.
    assert!(e[0].starts_with("c.toml:136:1: queue[34]: too many subscriptions: 102 (at most 100 per connection); this queue brings"), "{}", e[0]);
    // The same queues on the notifications feed are fine.
    ok(&text.replace("= \"realtime\"", "= \"notifications\""));
}

#[test]
fn toml_syntax_errors_have_a_position() {
    let e = errors("[genesys]\nclient_id = \"abc\n");
    assert!(e[0].starts_with("c.toml:2:"), "{}", e[0]);
    // Only the syntax: nothing the parser recovered, no credentials warning.
    let e = errors("[genesys\nclient_id = \"x\"\n");
    assert_eq!(
        e,
        ["c.toml:1:9: (toml): unclosed table, expected `]` (the file must be valid TOML)"]
    );
}

#[test]
fn environment_values_are_checked() {
    let e = errors("[genesys]\nenvironment = \"https://api.mypurecloud.com/api/v2\"\n");
    assert!(
        e[0].starts_with(
            "c.toml:2:15: genesys.environment: `https://api.mypurecloud.com/api/v2` is a URL; write environment = \"mypurecloud.com\""
        ),
        "{}",
        e[0]
    );
    let e = Config::from_toml_str("", "c.toml", &env(&[("GENESYS_ENVIRONMENT", "bad host")]))
        .unwrap_err();
    assert!(
        e[0].to_string().starts_with(
            "$GENESYS_ENVIRONMENT: genesys.environment: `bad host` is not a region domain"
        ),
        "{}",
        e[0]
    );
}
