//! The Typst templates of `report-templates/`, embedded in the binary so that a document
//! depends on nothing but the binary and its fonts.

macro_rules! template {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/report-templates/",
                $name
            )),
        )
    };
}

/// Every template, by file name. `official.typ` is the shared GB/T 9704 layout the
/// others import.
pub const ALL: &[(&str, &str)] = &[
    template!("official.typ"),
    template!("bulletin.typ"),
    template!("circular.typ"),
    template!("committee.typ"),
    template!("sources.typ"),
];

/// Parses every template; the names of those that parse, or the first syntax error
/// with its file.
pub fn check() -> crate::error::Result<Vec<&'static str>> {
    let mut ok = Vec::new();
    for (name, text) in ALL {
        let source = typst::syntax::Source::detached(*text);
        let (errors, _) = source.root().errors_and_warnings();
        if let Some(e) = errors.first() {
            return Err(crate::error::Error::Render(format!(
                "report-templates/{name}: {}",
                e.message
            )));
        }
        ok.push(*name);
    }
    Ok(ok)
}
