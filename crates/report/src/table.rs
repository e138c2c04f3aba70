//! `terminaltables` `AsciiTable` as Taurus prints it: `+-|` borders, one space of padding, a
//! header separator, multi-line cells spread over several lines.

/// How a column's cells are aligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
    Center,
}

fn width(s: &str) -> usize {
    s.chars().count()
}

/// Python's `str.center`: the odd space goes left when the target width is odd.
fn center(s: &str, w: usize) -> String {
    let marg = w.saturating_sub(width(s));
    let left = marg / 2 + (marg & w & 1);
    format!("{}{s}{}", " ".repeat(left), " ".repeat(marg - left))
}

fn align(s: &str, w: usize, a: Align) -> String {
    match a {
        Align::Left => format!("{s:<w$}"),
        Align::Right => format!("{s:>w$}"),
        Align::Center => center(s, w),
    }
}

/// Renders `header` + `rows` (cells may contain `\n`); `aligns` has one entry per column.
pub fn ascii_table(header: &[&str], rows: &[Vec<String>], aligns: &[Align]) -> String {
    let cols = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(cols) {
            for line in cell.split('\n') {
                widths[i] = widths[i].max(width(line));
            }
        }
    }
    let border: String = {
        let parts: Vec<String> = widths.iter().map(|w| "-".repeat(w + 2)).collect();
        format!("+{}+", parts.join("+"))
    };
    let mut out = vec![border.clone()];
    let header_row: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    render_row(&mut out, &header_row, &widths, aligns);
    out.push(border.clone());
    for row in rows {
        render_row(&mut out, row, &widths, aligns);
    }
    out.push(border);
    out.join("\n")
}

fn render_row(out: &mut Vec<String>, row: &[String], widths: &[usize], aligns: &[Align]) {
    let lines: Vec<Vec<&str>> = row.iter().map(|c| c.split('\n').collect()).collect();
    let height = lines.iter().map(Vec::len).max().unwrap_or(1);
    for l in 0..height {
        let cells: Vec<String> = widths
            .iter()
            .enumerate()
            .map(|(i, &w)| {
                let text = lines.get(i).and_then(|c| c.get(l)).copied().unwrap_or("");
                format!(" {} ", align(text, w, aligns[i]))
            })
            .collect();
        out.push(format!("|{}|", cells.join("|")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_terminaltables() {
        let t = ascii_table(
            &["label", "status", "succ"],
            &[vec!["a".into(), "OK".into(), "100.00%".into()]],
            &[Align::Left, Align::Center, Align::Right],
        );
        assert_eq!(
            t,
            "+-------+--------+---------+\n| label | status |    succ |\n+-------+--------+---------+\n| a     |   OK   | 100.00% |\n+-------+--------+---------+"
        );
        assert_eq!(center("abc", 6), " abc  ");
        assert_eq!(center("ab", 5), "  ab ");
    }
}
