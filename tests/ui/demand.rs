//! Skill demand from a truncated list of waiting interactions is shown as
//! "at least N", in Unicode and in ASCII.

use crate::common;
use crate::common::drawing::screen;
use crate::common::{Fixture, ascii_ui, fixture};
use queuetop::ui::keys::Action;
use queuetop::ui::{Ui, ViewState};

/// The zoomed detail of the first queue with skills, as text.
fn detail(f: &Fixture, ui: &Ui) -> String {
    let mut view = ViewState::new();
    view.selected = f
        .state
        .queues()
        .iter()
        .find(|q| q.summary.as_ref().is_some_and(|s| !s.skills.is_empty()))
        .map(|q| q.id.clone());
    view.apply(Action::Zoom, &f.state, f.now);
    screen(f, &view, ui, 120, 40)
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect()
}

fn truncated(mut f: Fixture) -> Fixture {
    f.state.edit(|parts| {
        for q in &mut parts.queues {
            if let Some(s) = &mut q.summary {
                s.demand_truncated = true;
            }
        }
    });
    f
}

#[test]
fn truncated_demand_reads_at_least() {
    let plain = detail(&fixture(), &common::ui());
    assert!(plain.contains("Req"), "the skills table is shown: {plain}");
    assert!(!plain.contains('≥'));
    let f = truncated(fixture());
    assert!(detail(&f, &common::ui()).contains('≥'));
    let ascii = detail(&f, &ascii_ui());
    assert!(ascii.contains(">="), "{ascii}");
    assert!(ascii.is_ascii());
}
