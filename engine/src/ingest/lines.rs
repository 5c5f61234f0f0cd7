//! The source line of every accepted row, held as runs of consecutive lines. A file's
//! accepted rows mostly sit on consecutive lines, broken only by a rejected row, a
//! blank line or a value over several lines, so a table of millions of rows takes a
//! few runs instead of four bytes a row (100 MB for the 26M rows of a 1M-household
//! archive; issue 16).

/// The lines of a table's accepted rows, in row order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lines {
    /// `(first row, its line)` of each run; the run goes on up to the next one's row.
    runs: Vec<(u32, u32)>,
    len: u32,
}

impl Lines {
    /// No rows.
    pub fn new() -> Lines {
        Lines::default()
    }

    /// Appends the line of the next row.
    pub fn push(&mut self, line: u32) {
        let continues = self.runs.last().is_some_and(|&(row, first)| {
            u64::from(first) + u64::from(self.len - row) == u64::from(line)
        });
        if !continues {
            self.runs.push((self.len, line));
        }
        self.len += 1;
    }

    /// How many rows.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The line of row `row`, if there is such a row.
    pub fn get(&self, row: usize) -> Option<u32> {
        self.slice(row, 1).next()
    }

    /// Every row's line, in order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.slice(0, self.len())
    }

    /// The lines of rows `start..start + n` (fewer past the last row), found by the run
    /// holding `start` rather than by walking the rows before it.
    pub fn slice(&self, start: usize, n: usize) -> impl Iterator<Item = u32> + '_ {
        let k = self
            .runs
            .partition_point(|&(first, _)| first as usize <= start)
            .saturating_sub(1);
        let skip = self
            .runs
            .get(k)
            .map_or(0, |&(first, _)| start.saturating_sub(first as usize));
        self.runs[k..]
            .iter()
            .enumerate()
            .flat_map(move |(i, &(row, line))| {
                let end = self.runs.get(k + i + 1).map_or(self.len, |&(next, _)| next);
                (0..end - row).map(move |j| line + j)
            })
            .skip(skip)
            .take(n)
    }

    /// The runs: `(first row, its line)` of each, in row order.
    pub fn runs(&self) -> &[(u32, u32)] {
        &self.runs
    }

    /// The lines of `len` rows held as `runs` ([`Lines::runs`]), or `None` when the runs
    /// do not describe them: the first not at row 0, rows not increasing or past `len`.
    pub fn from_runs(runs: Vec<(u32, u32)>, len: u32) -> Option<Lines> {
        let starts_at_0 = runs.first().map_or(len == 0, |&(row, _)| row == 0);
        let increasing = runs.windows(2).all(|w| w[0].0 < w[1].0);
        let within = runs.last().is_none_or(|&(row, _)| row < len);
        (starts_at_0 && increasing && within).then_some(Lines { runs, len })
    }

    /// The lines as a vector (for tests and small tables).
    pub fn to_vec(&self) -> Vec<u32> {
        self.iter().collect()
    }
}

impl Extend<u32> for Lines {
    fn extend<I: IntoIterator<Item = u32>>(&mut self, lines: I) {
        for line in lines {
            self.push(line);
        }
    }
}

impl FromIterator<u32> for Lines {
    fn from_iter<I: IntoIterator<Item = u32>>(lines: I) -> Lines {
        let mut out = Lines::new();
        out.extend(lines);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Lines;

    #[test]
    fn runs_give_back_every_line() {
        let given = [2, 3, 4, 6, 7, 13, 14, 15, 16, 20];
        let lines: Lines = given.iter().copied().collect();
        assert_eq!(lines.runs.len(), 4);
        assert_eq!(lines.len(), 10);
        assert_eq!(lines.to_vec(), given);
        for (i, l) in given.iter().enumerate() {
            assert_eq!(lines.get(i), Some(*l));
        }
        assert_eq!(lines.get(10), None);
        assert_eq!(lines.slice(3, 4).collect::<Vec<_>>(), [6, 7, 13, 14]);
        assert_eq!(lines.slice(6, 2).collect::<Vec<_>>(), [14, 15]);
        assert_eq!(lines.slice(9, 5).collect::<Vec<_>>(), [20]);
        assert_eq!(lines.slice(10, 1).count(), 0);
        assert_eq!(Lines::new().slice(0, 3).count(), 0);
        assert!(Lines::new().is_empty());
        assert_eq!(Lines::new().get(0), None);
    }

    #[test]
    fn runs_give_back_the_lines_and_bad_runs_are_refused() {
        let lines: Lines = [2, 3, 4, 6, 7].into_iter().collect();
        let back = Lines::from_runs(lines.runs().to_vec(), 5).unwrap();
        assert_eq!(back, lines);
        assert_eq!(Lines::from_runs(Vec::new(), 0), Some(Lines::new()));
        assert_eq!(Lines::from_runs(Vec::new(), 1), None);
        assert_eq!(Lines::from_runs(vec![(1, 2)], 3), None);
        assert_eq!(Lines::from_runs(vec![(0, 2), (0, 9)], 3), None);
        assert_eq!(Lines::from_runs(vec![(0, 2), (3, 9)], 3), None);
    }

    #[test]
    fn equal_lines_are_equal_however_pushed() {
        let a: Lines = [2, 3, 5].into_iter().collect();
        let mut b = Lines::new();
        b.extend([2, 3]);
        b.push(5);
        assert_eq!(a, b);
        assert_ne!(a, [2, 3, 4].into_iter().collect::<Lines>());
    }
}
