//! Reading a text column whichever way it is held: the archive's ids as Arrow string
//! views (`Utf8View`, [`crate::ingest::schema::ColType::arrow`]), other text as `Utf8`.

use datafusion::arrow::array::{Array, AsArray, StringArray, StringViewArray};

/// A text column of either layout.
#[derive(Clone, Copy)]
pub enum Texts<'a> {
    /// Offsets into one buffer (`Utf8`).
    Utf8(&'a StringArray),
    /// Views, short values inline (`Utf8View`).
    View(&'a StringViewArray),
}

impl<'a> Texts<'a> {
    /// The text column `a`; `None` when `a` holds no text.
    pub fn of(a: &'a dyn Array) -> Option<Texts<'a>> {
        a.as_string_opt::<i32>()
            .map(Texts::Utf8)
            .or_else(|| a.as_string_view_opt().map(Texts::View))
    }

    /// The value of row `r`; `None` when it is null.
    pub fn get(&self, r: usize) -> Option<&'a str> {
        match self {
            Texts::Utf8(a) => a.is_valid(r).then(|| a.value(r)),
            Texts::View(a) => a.is_valid(r).then(|| a.value(r)),
        }
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        match self {
            Texts::Utf8(a) => a.len(),
            Texts::View(a) => a.len(),
        }
    }

    /// Whether the column has no row.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every row's value, in order.
    pub fn iter(self) -> impl Iterator<Item = Option<&'a str>> + 'a {
        (0..self.len()).map(move |r| self.get(r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::Int64Array;

    #[test]
    fn both_layouts_read_alike() {
        let plain = StringArray::from(vec![Some("H00000001"), None, Some("U370101001-001")]);
        let view = StringViewArray::from(vec![Some("H00000001"), None, Some("U370101001-001")]);
        let a: Vec<_> = Texts::of(&plain).unwrap().iter().collect();
        let b: Vec<_> = Texts::of(&view).unwrap().iter().collect();
        assert_eq!(a, vec![Some("H00000001"), None, Some("U370101001-001")]);
        assert_eq!(a, b);
        assert!(Texts::of(&Int64Array::from(vec![1])).is_none());
    }
}
