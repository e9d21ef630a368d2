//! How the loaders read a text file: as UTF-8 when it is UTF-8 (with or
//! without a byte-order mark), else as GB18030 when it decodes cleanly as
//! GB18030 (what Chinese spreadsheet software saves), with a note naming
//! the file. `--encoding` forces one encoding for every file.
//!
//! Each file is decided on its own, so a folder where one export was saved
//! as GB18030 and the rest are UTF-8 reads without a flag. A UTF-8 file is
//! read from disk as it is, streaming; only a GB18030 file is decoded, into
//! memory, and read from there. Nothing is copied to disk.

use std::fs::File;
use std::io::{Cursor, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

/// The text encodings `--encoding` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// Each file as UTF-8 when it is, else as GB18030 when it decodes as such.
    #[default]
    Auto,
    /// UTF-8, with or without a byte-order mark.
    Utf8,
    /// GB18030, a superset of GBK and GB2312.
    Gb18030,
}

impl std::str::FromStr for Encoding {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Self, String> {
        match text.to_ascii_lowercase().as_str() {
            "auto" => Ok(Encoding::Auto),
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "gb18030" | "gbk" | "gb2312" => Ok(Encoding::Gb18030),
            _ => Err(format!(
                "unknown encoding `{text}`; expected auto, utf-8 or gb18030"
            )),
        }
    }
}

/// Bytes looked at to tell the encoding of a file too large to check whole.
/// A file saved by one program is in one encoding throughout, and its
/// Chinese text (names, headers) shows in its first lines.
const PROBE: usize = 256 << 10;

/// A text file, opened for reading as UTF-8.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// UTF-8 on disk (or so its first [`PROBE`] bytes say), streamed as it
    /// is: a file larger than the probe, or any with `--encoding utf-8`.
    Disk(std::path::PathBuf),
    /// In memory: decoded from GB18030, a UTF-8 file the probe read whole,
    /// or a small file read whole ([`Source::in_memory`]).
    Memory(Arc<[u8]>),
}

/// Why a text file cannot be read.
#[derive(Debug)]
pub(crate) enum TextError {
    /// There is no such file.
    Missing,
    /// The file is there but cannot be read, or is in no encoding the
    /// run accepts: the message says which and what to do.
    Unreadable(String),
}

/// A reader over a [`Source`]: the file, or the decoded bytes.
pub(crate) enum Reader {
    Disk(File),
    Memory(Cursor<Arc<[u8]>>),
}

impl Read for Reader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Reader::Disk(file) => file.read(buf),
            Reader::Memory(bytes) => bytes.read(buf),
        }
    }
}

impl Seek for Reader {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        match self {
            Reader::Disk(file) => file.seek(to),
            Reader::Memory(bytes) => bytes.seek(to),
        }
    }
}

impl Source {
    /// Opens `path` as text in `encoding`. The note, when there is one,
    /// says the file was read as GB18030.
    pub(crate) fn open(
        path: &Path,
        encoding: Encoding,
    ) -> Result<(Source, Option<String>), TextError> {
        let mut file = match File::open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(TextError::Missing),
            Err(e) => return Err(TextError::Unreadable(format!("cannot read: {e}"))),
        };
        let unreadable = |e: std::io::Error| TextError::Unreadable(format!("cannot read: {e}"));
        let decoded = |bytes: &[u8]| {
            encoding_rs::GB18030
                .decode_without_bom_handling_and_without_replacement(bytes)
                .map(|text| Source::Memory(Arc::from(text.into_owned().into_bytes())))
        };
        match encoding {
            Encoding::Utf8 => Ok((Source::Disk(path.to_path_buf()), None)),
            Encoding::Gb18030 => {
                let mut bytes = Vec::new();
                file.read_to_end(&mut bytes).map_err(unreadable)?;
                decoded(&bytes)
                    .map(|source| (source, None))
                    .ok_or_else(|| TextError::Unreadable("not valid GB18030 text".into()))
            }
            Encoding::Auto => {
                let mut head = Vec::new();
                (&mut file)
                    .take(PROBE as u64)
                    .read_to_end(&mut head)
                    .map_err(unreadable)?;
                let whole = head.len() < PROBE;
                if looks_utf8(&head, whole) {
                    // (A file the probe read whole is kept, not read again.)
                    let source = if whole {
                        Source::Memory(Arc::from(head))
                    } else {
                        Source::Disk(path.to_path_buf())
                    };
                    return Ok((source, None));
                }
                file.read_to_end(&mut head).map_err(unreadable)?;
                match decoded(&head) {
                    Some(source) => Ok((
                        source,
                        Some(format!(
                            "{}: not UTF-8; read as GB18030 (as Chinese spreadsheet software saves it)",
                            path.display()
                        )),
                    )),
                    None => Err(TextError::Unreadable(
                        "neither UTF-8 nor GB18030 text; save the file as UTF-8".into(),
                    )),
                }
            }
        }
    }

    /// The same text held in memory: a file on disk is read whole, once
    /// (the small files, whose text load keeps for the evidence stage).
    pub(crate) fn in_memory(self) -> std::io::Result<Source> {
        Ok(match self {
            Source::Disk(path) => Source::Memory(Arc::from(std::fs::read(path)?)),
            memory => memory,
        })
    }

    /// The text, when it is in memory.
    pub(crate) fn bytes(&self) -> Option<&Arc<[u8]>> {
        match self {
            Source::Disk(_) => None,
            Source::Memory(bytes) => Some(bytes),
        }
    }

    /// A new reader from the file's first byte.
    pub(crate) fn reader(&self) -> std::io::Result<Reader> {
        Ok(match self {
            Source::Disk(path) => Reader::Disk(File::open(path)?),
            Source::Memory(bytes) => Reader::Memory(Cursor::new(bytes.clone())),
        })
    }

    /// The length in bytes of what [`Source::reader`] reads.
    pub(crate) fn len(&self) -> std::io::Result<u64> {
        Ok(match self {
            Source::Disk(path) => std::fs::metadata(path)?.len(),
            Source::Memory(bytes) => bytes.len() as u64,
        })
    }
}

/// Whether `head` is UTF-8; unless it is the whole file, a character cut
/// at its end does not count against it.
fn looks_utf8(head: &[u8], whole: bool) -> bool {
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => !whole && e.error_len().is_none(),
    }
}

/// The whole of `path` in `encoding`, as the bytes of UTF-8 text (not yet
/// checked when the file is read from disk), and the note when it was
/// read as GB18030.
pub(crate) fn read_bytes(
    path: &Path,
    encoding: Encoding,
) -> Result<(Vec<u8>, Option<String>), TextError> {
    let (source, note) = Source::open(path, encoding)?;
    let mut bytes = Vec::new();
    source
        .reader()
        .and_then(|mut r| r.read_to_end(&mut bytes))
        .map_err(|e| TextError::Unreadable(format!("cannot read: {e}")))?;
    Ok((bytes, note))
}

/// The text of `path` as a string, in `encoding` (the editors' stories and
/// `publication.toml`), and the note when it was read as GB18030.
pub(crate) fn read_string(
    path: &Path,
    encoding: Encoding,
) -> Result<(String, Option<String>), TextError> {
    let (bytes, note) = read_bytes(path, encoding)?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok((text, note)),
        Err(e) => Err(TextError::Unreadable(not_utf8(e.as_bytes()))),
    }
}

/// Why bytes the run took for UTF-8 are not, and what to do.
pub(crate) fn not_utf8(bytes: &[u8]) -> String {
    let gb = encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes);
    if gb.is_some() {
        "not valid UTF-8, but it reads as GB18030/GBK (as Chinese spreadsheet software saves it): \
         run with --encoding gb18030 (or without --encoding), or save the file as UTF-8"
            .to_string()
    } else {
        "not valid UTF-8 (nor GB18030); save the file as UTF-8".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8], encoding: Encoding) -> Result<(String, Option<String>), String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.csv");
        std::fs::write(&path, bytes).unwrap();
        read_string(&path, encoding).map_err(|e| match e {
            TextError::Missing => "missing".into(),
            TextError::Unreadable(m) => m,
        })
    }

    #[test]
    fn each_file_in_its_own_encoding() {
        let text = "region_code,name\n222401,延吉市\n";
        let (gb, _, _) = encoding_rs::GB18030.encode(text);
        assert_eq!(
            read(text.as_bytes(), Encoding::Auto).unwrap(),
            (text.into(), None)
        );
        let (read_gb, note) = read(&gb, Encoding::Auto).unwrap();
        assert_eq!(read_gb, text);
        assert!(note.unwrap().ends_with(
            "f.csv: not UTF-8; read as GB18030 (as Chinese spreadsheet software saves it)"
        ));
        // Forced: GB18030 text read as UTF-8 is refused with a hint; UTF-8
        // Chinese is not GB18030.
        assert!(
            read(&gb, Encoding::Utf8)
                .unwrap_err()
                .contains("reads as GB18030/GBK")
        );
        assert_eq!(read(&gb, Encoding::Gb18030).unwrap().0, text);
        // Neither: one message for the file.
        assert_eq!(
            read(b"a,b\n\xff\xff\xff\n", Encoding::Auto).unwrap_err(),
            "neither UTF-8 nor GB18030 text; save the file as UTF-8"
        );
    }

    #[test]
    fn a_character_cut_by_the_probe_is_still_utf8() {
        let text = "延".repeat(PROBE); // three bytes each: the probe cuts one
        let (read_back, note) = read(text.as_bytes(), Encoding::Auto).unwrap();
        assert!(note.is_none());
        assert_eq!(read_back, text);
        assert!(looks_utf8(&"延".as_bytes()[..2], false));
        assert!(!looks_utf8(&"延".as_bytes()[..2], true));
    }
}
