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
