//! The validated cache's data files: Arrow IPC files, read back memory-mapped. The
//! batches a load returns point into the mapped file instead of holding a decoded copy:
//! a warm load decodes and copies nothing, only checks each array in place, and the
//! rows' memory is the kernel's page cache (clean pages, shared by every process that
//! maps the same entry, dropped under memory pressure and read again when needed,
//! never swapped) rather than the process's own heap (issue 16).
//!
//! A mapped file must not change while it is mapped. The cache's files never do: each
//! is written once under a temporary name and renamed into place ([`AtomicFile`]), a
//! newer entry replaces it by another rename, and pruning unlinks it; in each case the
//! mapped file stays as it was. Only truncating an entry in place by hand, while a
//! tiexin has it mapped, would break this.
//!
//! [`AtomicFile`]: crate::files::AtomicFile

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::ptr::NonNull;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayData, RecordBatch};
use datafusion::arrow::buffer::Buffer;
use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::arrow::ipc::convert::fb_to_schema;
use datafusion::arrow::ipc::reader::{read_footer_length, FileDecoder};
use datafusion::arrow::ipc::root_as_footer;
use datafusion::arrow::ipc::writer::FileWriter;
use encoding_rs::Encoding;

/// Rows per stored batch: sources read in smaller batches (a workbook's, a Parquet
/// file's) are gathered up to this many rows, as many as a CSV source's batches hold.
const ROWS: usize = 65_536;

/// Writes `batches` (of `schema`) to `out` as one Arrow IPC file, and gives `out` back;
/// `None` when writing failed.
pub fn write<W: Write>(out: W, schema: &SchemaRef, batches: &[RecordBatch]) -> Option<W> {
    let mut w = FileWriter::try_new(out, schema).ok()?;
    let mut pending: Vec<RecordBatch> = Vec::new();
    let mut rows = 0;
    for (i, b) in batches.iter().enumerate() {
        pending.push(b.clone());
        rows += b.num_rows();
        if rows >= ROWS || i + 1 == batches.len() {
            match pending.as_slice() {
                [one] => w.write(one).ok()?,
                many => w.write(&concat_batches(schema, many).ok()?).ok()?,
            }
            pending.clear();
            rows = 0;
        }
    }
    w.into_inner().ok()
}

/// The batches of the Arrow IPC file at `path`, pointing into the mapped file; `None`
/// when it cannot be read or does not hold `schema`'s columns (a miss, for the cache).
pub fn read(path: &Path, schema: &SchemaRef) -> Option<Vec<RecordBatch>> {
    let file = File::open(path).ok()?;
    // SAFETY: the file is not changed while mapped (see the module's documentation).
    let map = unsafe { memmap2::Mmap::map(&file) }.ok()?;
    let len = map.len();
    let ptr = NonNull::new(map.as_ptr().cast_mut())?;
    // SAFETY: `ptr` is valid for `len` bytes as long as `map` lives, and the buffer owns
    // `map`.
    let buffer = unsafe { Buffer::from_custom_allocation(ptr, len, Arc::new(map)) };
    let trailer = len.checked_sub(10)?;
    let footer_len = read_footer_length(buffer[trailer..].try_into().ok()?).ok()?;
    let footer = root_as_footer(&buffer[trailer.checked_sub(footer_len)?..trailer]).ok()?;
    if fb_to_schema(footer.schema()?).fields() != schema.fields() {
        return None;
    }
    // Every array is checked before it is returned (see [`checked`]): a damaged file is a
    // miss, never undefined behaviour.
    // SAFETY: no decoded array leaves this function before `checked` has validated it.
    let mut decoder =
        unsafe { FileDecoder::new(schema.clone(), footer.version()).with_skip_validation(true) };
    let block = |b: &datafusion::arrow::ipc::Block| {
        let start = usize::try_from(b.offset()).ok()?;
        let n = usize::try_from(b.metaDataLength())
            .ok()?
            .checked_add(usize::try_from(b.bodyLength()).ok()?)?;
        (start.checked_add(n)? <= trailer).then(|| buffer.slice_with_length(start, n))
    };
    for d in footer.dictionaries().iter().flatten() {
        decoder.read_dictionary(d, &block(d)?).ok()?;
    }
    let mut batches = Vec::new();
    for b in footer.recordBatches()? {
        let batch = decoder.read_record_batch(b, &block(b)?).ok()??;
        batch
            .columns()
            .iter()
            .all(|c| checked(&c.to_data()))
            .then_some(())?;
        batches.push(batch);
    }
    Some(batches)
}

/// Whether `data` is a valid array: Arrow's own full validation, except for a text
/// array, checked here with the same guarantee (its offsets rise from 0 or more to at
/// most the values' length, the values between the first and last offset are UTF-8,
/// and every offset falls on a character's first byte) in a tenth of the time: text of
/// ASCII only (the ids) is known sound from one pass, and other text is checked by
/// `encoding_rs`'s SIMD UTF-8 check (0.02 s against the standard library's 0.24 s for
/// the 260 MiB of `visits.notes` at 1M households).
fn checked(data: &ArrayData) -> bool {
    if data.data_type() != &DataType::Utf8 {
        return data.validate_full().is_ok();
    }
    if data.validate().is_err() || data.validate_nulls().is_err() {
        return false;
    }
    if data.is_empty() {
        return true;
    }
    // `validate` has checked that the offsets buffer holds `offset + len + 1` offsets,
    // aligned (the decoder copies a misaligned buffer): read in place, not copied.
    let Some(offsets) = data.buffer::<i32>(0).get(..data.len() + 1) else {
        return false;
    };
    let values = data.buffers()[1].as_slice();
    // Without a branch, so that the comparison runs on whole vectors.
    let rising = offsets.windows(2).fold(true, |ok, w| ok & (w[0] <= w[1]));
    let (Ok(first), Ok(last)) = (
        usize::try_from(offsets[0]),
        usize::try_from(offsets[data.len()]),
    ) else {
        return false;
    };
    if !rising || last > values.len() {
        return false;
    }
    // Rising from `first` to `last`, every offset lies between them.
    let text = &values[first..last];
    // A byte of 0x80..=0xBF continues a character; any other byte begins one.
    let begins = |&o: &i32| values.get(o as usize).is_none_or(|&b| (b as i8) >= -0x40);
    text.is_ascii()
        || (Encoding::utf8_valid_up_to(text) == text.len() && offsets.iter().all(begins))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Date32Array, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};

    fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("household_id", DataType::Utf8, false),
            Field::new("visited_on", DataType::Date32, true),
        ]))
    }

    fn batch(ids: &[&str], first_day: i32) -> RecordBatch {
        let days = (0..ids.len() as i32).map(|i| Some(first_day + i));
        RecordBatch::try_new(
            schema(),
            vec![
                Arc::new(StringArray::from(ids.to_vec())),
                Arc::new(days.collect::<Date32Array>()),
            ],
        )
        .unwrap()
    }

    fn written(batches: &[RecordBatch]) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("visits.arrow");
        let out = write(File::create(&path).unwrap(), &schema(), batches).unwrap();
        drop(out);
        (dir, path)
    }

    /// Small batches come back gathered, with every value, in order.
    #[test]
    fn batches_come_back_from_the_mapped_file() {
        let given = [batch(&["H01", "H02"], 20_000), batch(&["H03困难"], 20_100)];
        let (_dir, path) = written(&given);
        let back = read(&path, &schema()).unwrap();
        assert_eq!(back.len(), 1);
        assert_eq!(back[0], concat_batches(&schema(), &given).unwrap());
        let ids = back[0]
            .column(0)
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        assert_eq!(ids.value(2), "H03困难");
    }

    /// A truncated file, another schema and damaged text are misses, not a panic.
    #[test]
    fn a_damaged_file_or_another_schema_is_a_miss() {
        let (_dir, path) = written(&[batch(&["H0001", "Hxyzw"], 20_000)]);
        let bytes = std::fs::read(&path).unwrap();
        let other = Arc::new(Schema::new(vec![Field::new("x", DataType::Utf8, false)]));
        assert!(read(&path, &other).is_none());

        std::fs::write(&path, &bytes[..bytes.len() - 20]).unwrap();
        assert!(read(&path, &schema()).is_none());
        std::fs::write(&path, b"").unwrap();
        assert!(read(&path, &schema()).is_none());

        // Bytes that are not UTF-8 where a text was: refused by the arrays' checks.
        let at = bytes.windows(4).position(|w| w == b"xyzw").unwrap();
        let mut damaged = bytes.clone();
        damaged[at..at + 4].copy_from_slice(&[0xff, 0xfe, 0xff, 0xfe]);
        std::fs::write(&path, &damaged).unwrap();
        assert!(read(&path, &schema()).is_none());

        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(read(&path, &schema()).unwrap()[0].num_rows(), 2);
    }

    /// A text array built from `offsets` into `values`, unchecked, as a damaged file
    /// would give it.
    fn text(offsets: &[i32], values: &[u8]) -> ArrayData {
        let builder = ArrayData::builder(DataType::Utf8)
            .len(offsets.len() - 1)
            .add_buffer(Buffer::from_slice_ref(offsets))
            .add_buffer(Buffer::from_slice_ref(values));
        // SAFETY: the array is only given to `checked`, which reads it within bounds.
        unsafe { builder.build_unchecked() }
    }

    /// Offsets that split a character, fall back, or pass the values' end are refused;
    /// a sound array, sliced or not, is kept.
    #[test]
    fn text_arrays_are_checked_offset_by_offset() {
        let values = "H01困难H02".as_bytes();
        assert!(checked(&text(&[0, 3, 9, 12], values)));
        assert!(checked(&text(&[0, 3, 9, 12], values).slice(1, 2)));
        assert!(checked(&text(&[0], b"")));
        assert!(checked(&text(&[0, 3, 3, 6], b"H01H02")), "ASCII only");
        assert!(
            !checked(&text(&[0, 4, 2, 6], b"H01H02")),
            "ASCII, falls back"
        );
        assert!(
            !checked(&text(&[-1, 3, 6], b"H01H02")),
            "starts before the values"
        );
        assert!(!checked(&text(&[0, 4, 9, 12], values)), "inside 困");
        assert!(!checked(&text(&[0, 9, 3, 12], values)), "falls back");
        assert!(!checked(&text(&[0, 3, 9, 13], values)), "past the end");
        assert!(!checked(&text(&[0, 3, 9, 12], &[b'H'; 12][..11])));
        let mut broken = values.to_vec();
        broken[4] = 0xff;
        assert!(!checked(&text(&[0, 3, 9, 12], &broken)), "not UTF-8");
    }
}
