//! Keys of the notifications feed.

use super::{QUEUE, errors, ok};

#[test]
fn observations_interval_defaults_to_10_s_and_is_bounded() {
    let l = ok(QUEUE);
    assert_eq!(l.config.genesys.observations_interval_s, 10);
    let l = ok(&format!("{QUEUE}[genesys]\nobservations_interval_s = 30\n"));
    assert_eq!(l.config.genesys.observations_interval_s, 30);
    for bad in ["0", "3601", "\"10\""] {
        let e = errors(&format!(
            "{QUEUE}[genesys]\nobservations_interval_s = {bad}\n"
        ));
        assert!(
            e.iter()
                .any(|m| m.contains("genesys.observations_interval_s")),
            "{bad}: {e:?}"
        );
    }
}
