//! What the binary carries inside it: the fonts and the sample archive, registered by
//! `main` at start (the library and its tests read them from the source tree instead).
//! So an installed `tiexin` renders documents and runs the demo with no source tree.

use std::path::PathBuf;
use std::sync::OnceLock;

use crate::error::{Error, Result};

/// Files carried in the executable: `(file name, bytes)`.
pub type Files = &'static [(&'static str, &'static [u8])];

static FONTS: OnceLock<Files> = OnceLock::new();
static SAMPLE: OnceLock<Files> = OnceLock::new();

/// Registers the embedded fonts and sample archive (once, from `main`).
pub fn register(fonts: Files, sample: Files) {
    let _ = FONTS.set(fonts);
    let _ = SAMPLE.set(sample);
}

/// The embedded fonts, if the executable carries them.
pub fn fonts() -> Option<Files> {
    FONTS.get().copied().filter(|f| !f.is_empty())
}

/// The embedded sample archive written out to a folder of the cache (once per version
/// of its contents), or `None` when the executable carries none.
pub fn sample_dir() -> Option<Result<PathBuf>> {
    let files = SAMPLE.get().copied().filter(|f| !f.is_empty())?;
    Some(extract(files))
}

fn extract(files: Files) -> Result<PathBuf> {
    // FNV-1a over names and bytes: a folder per content, so an upgrade never reads a
    // stale copy.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (name, bytes) in files {
        for b in name.bytes().chain([0]).chain(bytes.iter().copied()) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    let base = crate::dirs::cache_dir().unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("sample-data-{hash:016x}"));
    let complete = dir.join(".complete");
    if complete.is_file() {
        return Ok(dir);
    }
    let tmp = base.join(format!("sample-data-{hash:016x}.{}", std::process::id()));
    std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    for (name, bytes) in files {
        let p = tmp.join(name);
        std::fs::write(&p, bytes).map_err(|e| Error::io(&p, e))?;
    }
    std::fs::write(tmp.join(".complete"), b"").map_err(|e| Error::io(&tmp, e))?;
    // Another process may have finished first: its copy is as good as ours.
    if std::fs::rename(&tmp, &dir).is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    if complete.is_file() {
        Ok(dir)
    } else {
        Err(Error::Internal(format!(
            "the bundled sample archive could not be written to {}",
            dir.display()
        )))
    }
}
