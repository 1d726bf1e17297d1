//! `queuetop queues [--json] [PATTERN]`: the queues the client can see,
//! numbered, with what a supervisor knows them by. Nothing is written.

use std::io::Write;

use crate::config::GenesysConfig;
use crate::feed::queue_list::{OrgQueue, list_queues, name_matches};

/// Lists (filtered by `pattern`) to stdout. Exit 0; 2 when nothing
/// matches; 1 when the server cannot be reached or refuses.
pub async fn run(
    cfg: &GenesysConfig,
    json: bool,
    pattern: Option<&str>,
) -> color_eyre::Result<i32> {
    let all = match list_queues(cfg).await {
        Ok(queues) => queues,
        Err(error) => {
            eprintln!(
                "queuetop: cannot list the queues of {}: {error}",
                cfg.server_label()
            );
            return Ok(1);
        }
    };
    let shown: Vec<OrgQueue> = all
        .into_iter()
        .filter(|queue| pattern.is_none_or(|wanted| name_matches(&queue.name, wanted)))
        .collect();
    if shown.is_empty() {
        let why = match pattern {
            Some(pattern) => format!("no queue name matches `{pattern}`"),
            None => "the client sees no queue; check its roles and divisions".to_string(),
        };
        eprintln!("queuetop: nothing to show: {why}");
        return Ok(2);
    }
    let text = if json {
        let mut rendered = serde_json::to_string_pretty(&shown)?;
        rendered.push('\n');
        rendered
    } else {
        table(&shown)
    };
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(color_eyre::eyre::eyre!("cannot write to stdout: {error}"))
        }
        _ => Ok(0),
    }
}

/// Numbered columns: `#`, name, division, members, id.
pub fn table(queues: &[OrgQueue]) -> String {
    let rows: Vec<[String; 5]> = queues
        .iter()
        .enumerate()
        .map(|(position, queue)| {
            [
                (position + 1).to_string(),
                queue.name.clone(),
                queue.division.clone().unwrap_or_else(|| "-".into()),
                queue
                    .member_count
                    .map_or("-".into(), |members| members.to_string()),
                queue.id.clone(),
            ]
        })
        .collect();
    let head = ["#", "NAME", "DIVISION", "MEMBERS", "ID"].map(String::from);
    let mut widths = [0usize; 5];
    for row in std::iter::once(&head).chain(&rows) {
        for (column, cell) in row.iter().enumerate() {
            widths[column] = widths[column].max(cell.chars().count());
        }
    }
    let mut text = String::new();
    for row in std::iter::once(&head).chain(&rows) {
        let line = format!(
            "{:>w0$}  {:<w1$}  {:<w2$}  {:>w3$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3]
        );
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

/// The queues a selection names: numbers and ranges of the listing
/// (`1,3-5`), or a name pattern (`Support*`); `all` for every one.
pub fn select<'a>(queues: &'a [OrgQueue], selection: &str) -> Result<Vec<&'a OrgQueue>, String> {
    let selection = selection.trim();
    if selection.eq_ignore_ascii_case("all") {
        return Ok(queues.iter().collect());
    }
    let numeric = selection
        .chars()
        .all(|letter| letter.is_ascii_digit() || letter == ',' || letter == '-' || letter == ' ');
    if !numeric {
        let hits: Vec<&OrgQueue> = queues
            .iter()
            .filter(|queue| name_matches(&queue.name, selection))
            .collect();
        if hits.is_empty() {
            return Err(format!("no queue name matches `{selection}`"));
        }
        return Ok(hits);
    }
    let mut picked = Vec::new();
    for part in selection
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
    {
        let (from, to) = part.split_once('-').unwrap_or((part, part));
        let number = |text: &str| text.trim().parse::<usize>().ok();
        let (Some(from), Some(to)) = (number(from), number(to)) else {
            return Err(format!("`{part}` is not a number or a range such as 3-5"));
        };
        if from == 0 || to > queues.len() || from > to {
            return Err(format!(
                "`{part}` is outside the list (1 to {})",
                queues.len()
            ));
        }
        for queue in &queues[from - 1..to] {
            if !picked.contains(&queue) {
                picked.push(queue);
            }
        }
    }
    if picked.is_empty() {
        return Err("nothing selected".into());
    }
    Ok(picked)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(name: &str) -> OrgQueue {
        OrgQueue {
            id: format!("id-{name}"),
            name: name.into(),
            division: None,
            member_count: Some(3),
        }
    }

    #[test]
    fn selections_by_number_range_and_pattern() {
        let all = [q("Billing"), q("Sales"), q("Support EN"), q("Support ES")];
        let names = |s: &str| -> Vec<String> {
            select(&all, s)
                .unwrap()
                .iter()
                .map(|q| q.name.clone())
                .collect()
        };
        assert_eq!(names("1, 3-4"), ["Billing", "Support EN", "Support ES"]);
        assert_eq!(names("support*"), ["Support EN", "Support ES"]);
        assert_eq!(names("all").len(), 4);
        assert!(
            select(&all, "5")
                .unwrap_err()
                .contains("outside the list (1 to 4)")
        );
        assert!(
            select(&all, "Nope")
                .unwrap_err()
                .contains("no queue name matches")
        );
        let t = table(&all[..1]);
        assert_eq!(
            t,
            "#  NAME     DIVISION  MEMBERS  ID\n1  Billing  -               3  id-Billing\n"
        );
    }
}
