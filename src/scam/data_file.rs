//! Where a problem in one of the scanner's data files (the patterns file, the case library) is:
//! both report it as `path:line: what is wrong`.

/// The 1-based line of the first line containing `needle`, or 1: where a problem in a data file
/// (patterns or cases) is reported.
pub(super) fn line_of(text: &str, needle: &str) -> usize {
    if needle.is_empty() {
        return 1;
    }
    text.lines()
        .position(|line| line.contains(needle))
        .map_or(1, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_line_holding_the_needle_or_the_first_line() {
        let text = "a: 1\nb: 刷单\nc: 刷单";
        assert_eq!(line_of(text, "刷单"), 2);
        assert_eq!(line_of(text, "不在"), 1);
        assert_eq!(line_of(text, ""), 1);
    }
}
