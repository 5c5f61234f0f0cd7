//! The bundled fonts (`report-templates/fonts/`), read once per process and shared by
//! every document rendered in it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use typst::foundations::Bytes;
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;

use crate::error::{Error, Result};

/// The faces the templates name; each must be present in the folder.
pub const REQUIRED_FAMILIES: &[&str] = &[
    "FandolSong",
    "FandolFang R",
    "FandolHei",
    "FandolKai",
    "Noto Serif CJK SC",
];

/// The fonts of the font folder, as Typst needs them.
pub struct Fonts {
    /// The folder they were read from.
    pub dir: PathBuf,
    /// Typst's index of the faces, by family and style.
    pub book: LazyHash<FontBook>,
    /// Every face, in file-name order (the book's indices point here).
    pub fonts: Vec<Font>,
    /// One bit per character of the Basic Multilingual Plane, set when some face has
    /// it: Typst's coverage is a list of runs searched from the start, too slow to ask
    /// for each character of a 99-page bulletin's data (0.25 s at 1M households).
    plane: Vec<u64>,
}

/// The characters of the Basic Multilingual Plane (U+0000 to U+FFFF).
const PLANE: usize = 0x10000;

static FONTS: OnceLock<std::result::Result<Arc<Fonts>, String>> = OnceLock::new();

/// The bundled fonts, loaded on first use: `$TIEXIN_FONT_DIR` if set, else those the
/// executable carries, else a font folder found on disk ([`locate`]).
pub fn shared() -> Result<Arc<Fonts>> {
    FONTS
        .get_or_init(|| {
            let from_env = std::env::var_os("TIEXIN_FONT_DIR").is_some_and(|d| !d.is_empty());
            match crate::assets::fonts() {
                Some(files) if !from_env => from_embedded(files),
                _ => load(&locate()?),
            }
            .map(Arc::new)
            .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(Error::Render)
}

/// The fonts the executable carries.
fn from_embedded(files: crate::assets::Files) -> Result<Fonts> {
    let mut fonts = Vec::new();
    for (name, data) in files {
        let before = fonts.len();
        fonts.extend(Font::iter(Bytes::new(*data)));
        if fonts.len() == before {
            return Err(Error::Render(format!(
                "the embedded font {name} cannot be read"
            )));
        }
    }
    finish(PathBuf::from("(embedded in the tiexin executable)"), fonts)
}

/// Where the font folder is: `$TIEXIN_FONT_DIR`, `fonts/` or `report-templates/fonts/`
/// next to the executable or up to two levels above it, else the source tree's.
pub fn locate() -> std::result::Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("TIEXIN_FONT_DIR").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        return if has_fonts(&dir) {
            Ok(dir)
        } else {
            Err(format!(
                "TIEXIN_FONT_DIR names {}, which holds no bundled fonts (FandolFang-Regular.otf is missing)",
                dir.display()
            ))
        };
    }
    let mut candidates = Vec::new();
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
    {
        for up in [exe_dir.clone(), exe_dir.join(".."), exe_dir.join("../..")] {
            candidates.push(up.join("fonts"));
            candidates.push(up.join("report-templates/fonts"));
        }
    }
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("report-templates/fonts"));
    candidates
        .into_iter()
        .find(|d| has_fonts(d))
        .ok_or_else(|| {
            "the bundled fonts were not found: put report-templates/fonts/ next to the tiexin executable or set TIEXIN_FONT_DIR".to_string()
        })
}

fn has_fonts(dir: &Path) -> bool {
    dir.join("FandolFang-Regular.otf").is_file()
}

/// Reads every `.otf`, `.ttf` and `.ttc` of `dir`, in file-name order.
pub fn load(dir: &Path) -> Result<Fonts> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            matches!(
                p.extension().and_then(|x| x.to_str()),
                Some("otf" | "ttf" | "ttc")
            )
        })
        .collect();
    files.sort();
    let mut fonts = Vec::new();
    for path in &files {
        let data = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let before = fonts.len();
        fonts.extend(Font::iter(Bytes::new(data)));
        if fonts.len() == before {
            return Err(Error::Render(format!(
                "{} is not a font file tiexin can read",
                path.display()
            )));
        }
    }
    finish(dir.to_path_buf(), fonts)
}

/// The book of `fonts`, checked to hold every family the templates name.
fn finish(dir: PathBuf, fonts: Vec<Font>) -> Result<Fonts> {
    let book = FontBook::from_fonts(&fonts);
    for family in REQUIRED_FAMILIES {
        if !book.contains_family(&family.to_lowercase()) {
            return Err(Error::Render(format!(
                "the font folder {} has no face of the family \"{family}\"",
                dir.display()
            )));
        }
    }
    let mut plane = vec![0u64; PLANE / 64];
    for c in fonts.iter().flat_map(|f| f.info().coverage.iter()) {
        if let Some(word) = plane.get_mut(c as usize / 64) {
            *word |= 1 << (c % 64);
        }
    }
    Ok(Fonts {
        dir,
        book: LazyHash::new(book),
        fonts,
        plane,
    })
}

impl Fonts {
    /// The characters of `text` that no bundled font can print.
    pub fn missing(&self, text: &str) -> Vec<char> {
        let mut out: Vec<char> = text
            .chars()
            .filter(|c| !c.is_control())
            .filter(|&c| !self.covers(c))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Whether some face has the character `c`.
    fn covers(&self, c: char) -> bool {
        let c = c as u32;
        match self.plane.get(c as usize / 64) {
            Some(word) => word & (1 << (c % 64)) != 0,
            None => self.fonts.iter().any(|f| f.info().coverage.contains(c)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plane's bits say what the faces' own coverage says, for every 61st
    /// character up to U+10FFF and for characters of the documents.
    #[test]
    fn the_plane_agrees_with_the_faces_coverage() {
        let fonts = shared().unwrap();
        let slow = |c: u32| fonts.fonts.iter().any(|f| f.info().coverage.contains(c));
        let sample = (0..0x11000u32)
            .step_by(61)
            .chain("困难职工贴心人鲁〔〕2026Q3，ཀ😀𠀀".chars().map(u32::from));
        let mut covered = 0;
        for c in sample.filter_map(char::from_u32) {
            assert_eq!(fonts.covers(c), slow(c as u32), "U+{:04X}", c as u32);
            covered += usize::from(fonts.covers(c));
        }
        assert!(covered > 100, "{covered}");
        assert!(fonts.covers('困') && fonts.covers('〔'));
        assert_eq!(fonts.missing("王ཀ建😀国"), vec!['ཀ', '😀']);
    }
}
