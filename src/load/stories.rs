//! Editors' stories: the prose the data cannot write, in a small text format
//! (README, "Editors' stories").
//!
//! ```text
//! title: 小木耳撑起“钱袋子”
//! kicker: 汪清县
//! byline: 本报记者 李明
//! region: 222424
//! image: muer.svg
//! caption: 汪清县道光镇太平村木耳基地
//! credit: 本报制图
//!
//! 上半年，汪清县规模以上工业产值{222424.output_value.yoy_pct|tongbi}……
//!
//! 第二段……
//! ```
//!
//! A header of `field: value` lines (`#` starts a comment), a blank line, then
//! paragraphs separated by blank lines; the lines of a paragraph are joined
//! without spaces, as Chinese is written. `{key}` cites a figure of
//! `summary.csv` (`region.indicator.measure` or
//! `region.group.indicator.measure`), `{key|format}` words it; `{{` and `}}`
//! are literal braces. The phrase stage resolves the keys.

use std::path::{Path, PathBuf};

use crate::error::DataError;

/// A piece of story text: literal prose or a cited figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Prose as written.
    Text(String),
    /// `{key|format}`: a figure of `summary.csv`, worded by the phrase stage.
    Field(Field),
}

/// A cited figure and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// `region.indicator.measure` or `region.group.indicator.measure`.
    pub key: String,
    /// The wording option after `|`, if any.
    pub format: Option<String>,
    /// 1-based line of the `{`.
    pub line: u64,
    /// 1-based character position of the `{` in its line.
    pub position: u64,
}

/// Text that may cite figures.
pub type Text = Vec<Segment>;

/// A story's picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    /// File name inside the story folder.
    pub name: String,
    /// 1-based line of the `image:` field.
    pub line: u64,
    /// The file's bytes (empty until [`super::stories`] reads them).
    pub bytes: Vec<u8>,
}

/// One parsed story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Story {
    /// The story file, for messages.
    pub file: PathBuf,
    /// The file's text as read (attached to the PDF).
    pub source: String,
    /// `title:` (required).
    pub title: Text,
    /// `kicker:` (引题), a line set above the title.
    pub kicker: Option<Text>,
    /// `byline:`, such as 本报记者 李明.
    pub byline: Option<String>,
    /// `region:` as written (code or name), with its line; `None` for a
    /// story about the whole prefecture.
    pub region: Option<(String, u64)>,
    /// `image:`.
    pub image: Option<Picture>,
    /// `caption:` of the picture.
    pub caption: Option<Text>,
    /// `credit:` of the picture, such as 金洪石 摄.
    pub credit: Option<String>,
    /// Body paragraphs.
    pub paragraphs: Vec<Text>,
}

/// Header fields, with the Chinese names editors may type instead.
const FIELDS: [(&str, &str); 8] = [
    ("title", "标题"),
    ("kicker", "引题"),
    ("byline", "作者"),
    ("region", "地区"),
    ("image", "图片"),
    ("caption", "图说"),
    ("credit", "摄影"),
    ("order", "顺序"),
];

/// Parses one story file's text. `file` is only used in messages. Returns
/// every problem found, each with its line and character position.
pub fn parse_story(file: &Path, text: &str) -> Result<Story, Vec<DataError>> {
    let source = text.to_string();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut errors = Vec::new();
    let mut story = Story {
        file: file.to_path_buf(),
        source,
        title: Vec::new(),
        kicker: None,
        byline: None,
        region: None,
        image: None,
        caption: None,
        credit: None,
        paragraphs: Vec::new(),
    };
    let mut has_title = false;
    let mut lines = text.lines().enumerate().map(|(i, l)| (i as u64 + 1, l));

    // Header: up to the first blank line.
    let mut header_lines = 0;
    for (no, line) in lines.by_ref() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            if header_lines == 0 {
                continue; // blank lines before the header
            }
            break;
        }
        header_lines += 1;
        if trimmed.starts_with('#') {
            continue;
        }
        let Some((name, value)) = split_field(line) else {
            errors.push(DataError::at_char(
                file,
                no,
                1,
                format!(
                    "expected a header line `field: value` (one of {}), or a blank line before the body; found `{}`",
                    field_list(),
                    clip(trimmed)
                ),
            ));
            continue;
        };
        let Some((field, _)) = FIELDS
            .iter()
            .find(|(en, zh)| name.eq_ignore_ascii_case(en) || name == *zh)
        else {
            errors.push(DataError::at_char(
                file,
                no,
                1,
                format!(
                    "unknown field `{name}`; a story header has {}",
                    field_list()
                ),
            ));
            continue;
        };
        let value_at = value_position(line);
        let value = value.trim();
        if value.is_empty() {
            errors.push(DataError::at_char(
                file,
                no,
                value_at,
                format!("`{field}:` is empty"),
            ));
            continue;
        }
        let cited = |errors: &mut Vec<DataError>| {
            parse_text(value, file, no, value_at, errors).unwrap_or_default()
        };
        match *field {
            "title" => {
                story.title = cited(&mut errors);
                has_title = true;
            }
            "kicker" => story.kicker = Some(cited(&mut errors)),
            "caption" => story.caption = Some(cited(&mut errors)),
            "byline" => story.byline = Some(value.to_string()),
            "credit" => story.credit = Some(value.to_string()),
            "region" => story.region = Some((value.to_string(), no)),
            "order" => {} // file names order the stories; kept for editors' notes
            "image" => {
                let bad = value.contains(['/', '\\']) || value.starts_with('.');
                let known = Path::new(value)
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| {
                        IMAGE_TYPES
                            .iter()
                            .any(|(ext, _)| e.eq_ignore_ascii_case(ext))
                    });
                if bad {
                    errors.push(DataError::at_char(
                        file,
                        no,
                        value_at,
                        format!(
                            "image `{value}`: name a file in the story's own folder, without / or a leading ."
                        ),
                    ));
                } else if !known {
                    errors.push(DataError::at_char(
                        file,
                        no,
                        value_at,
                        format!(
                            "image `{value}`: expected a {} file",
                            IMAGE_TYPES
                                .iter()
                                .map(|(e, _)| *e)
                                .collect::<Vec<_>>()
                                .join(", .")
                        ),
                    ));
                } else {
                    story.image = Some(Picture {
                        name: value.to_string(),
                        line: no,
                        bytes: Vec::new(),
                    });
                }
            }
            _ => unreachable!("every field of FIELDS is handled"),
        }
    }
    if !has_title {
        errors.push(DataError::at_char(
            file,
            1,
            1,
            "a story needs a `title:` line in its header",
        ));
    }
    if story.caption.is_some() && story.image.is_none() {
        errors.push(DataError::file(
            file,
            "`caption:` without `image:`: a caption needs a picture",
        ));
    }

    // Body: paragraphs separated by blank lines.
    let mut paragraph: Text = Vec::new();
    for (no, line) in lines {
        let trimmed = line.trim_matches(|c: char| c.is_whitespace());
        if trimmed.is_empty() {
            if !paragraph.is_empty() {
                story.paragraphs.push(std::mem::take(&mut paragraph));
            }
            continue;
        }
        let offset = line.chars().take_while(|c| c.is_whitespace()).count() as u64 + 1;
        if let Some(segments) = parse_text(trimmed, file, no, offset, &mut errors) {
            for s in segments {
                match (paragraph.last_mut(), s) {
                    (Some(Segment::Text(prev)), Segment::Text(next)) => prev.push_str(&next),
                    (_, s) => paragraph.push(s),
                }
            }
        }
    }
    if !paragraph.is_empty() {
        story.paragraphs.push(paragraph);
    }
    if story.paragraphs.is_empty() && errors.is_empty() {
        errors.push(DataError::file(
            file,
            "the story has no body: after the header, leave a blank line and write its paragraphs",
        ));
    }
    if errors.is_empty() {
        Ok(story)
    } else {
        Err(errors)
    }
}

/// Image types Typst reads, by extension.
pub const IMAGE_TYPES: [(&str, &str); 5] = [
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("svg", "image/svg+xml"),
];

fn field_list() -> String {
    FIELDS
        .iter()
        .map(|(en, _)| format!("`{en}:`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `name: value` or `name：value` (full-width colon).
fn split_field(line: &str) -> Option<(&str, &str)> {
    let at = line.find([':', '：'])?;
    let name = line[..at].trim();
    let colon = line[at..].chars().next()?;
    if name.is_empty() || name.contains(char::is_whitespace) {
        return None;
    }
    Some((name, &line[at + colon.len_utf8()..]))
}

/// 1-based character position where a header value starts.
fn value_position(line: &str) -> u64 {
    let Some(at) = line.find([':', '：']) else {
        return 1;
    };
    let after = &line[at..];
    let colon = after.chars().next().map_or(1, char::len_utf8);
    let lead = after[colon..]
        .chars()
        .take_while(|c| c.is_whitespace())
        .count();
    (line[..at].chars().count() + 1 + lead) as u64 + 1
}

fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// Splits a line into prose and `{key|format}` fields. `first` is the
/// 1-based character position of the text's first character in its line.
fn parse_text(
    text: &str,
    file: &Path,
    line: u64,
    first: u64,
    errors: &mut Vec<DataError>,
) -> Option<Text> {
    let mut out: Text = Vec::new();
    let mut prose = String::new();
    let mut chars = text.chars().enumerate().peekable();
    let before = errors.len();
    while let Some((i, c)) = chars.next() {
        let at = first + i as u64;
        match c {
            '{' if chars.peek().is_some_and(|&(_, n)| n == '{') => {
                chars.next();
                prose.push('{');
            }
            '}' if chars.peek().is_some_and(|&(_, n)| n == '}') => {
                chars.next();
                prose.push('}');
            }
            '}' => errors.push(DataError::at_char(
                file,
                line,
                at,
                "a `}` without its `{` (write `}}` for a literal brace)",
            )),
            '{' => {
                let mut inner = String::new();
                let mut closed = false;
                for (_, n) in chars.by_ref() {
                    if n == '}' {
                        closed = true;
                        break;
                    }
                    inner.push(n);
                }
                if !closed {
                    errors.push(DataError::at_char(
                        file,
                        line,
                        at,
                        "a `{` that is not closed on its line (fields look like {222401.output_value.yoy_pct}; write `{{` for a literal brace)",
                    ));
                    break;
                }
                let (key, format) = match inner.split_once('|') {
                    Some((k, f)) => (k.trim(), Some(f.trim().to_string())),
                    None => (inner.trim(), None),
                };
                let parts = key.split('.').count();
                if key.is_empty()
                    || !(3..=4).contains(&parts)
                    || key.split('.').any(|p| p.trim().is_empty())
                {
                    errors.push(DataError::at_char(
                        file,
                        line,
                        at,
                        format!(
                            "`{{{inner}}}` is not a figure key: expected region.indicator.measure or region.group.indicator.measure, such as {{222401.output_value.yoy_pct}}"
                        ),
                    ));
                    continue;
                }
                if !prose.is_empty() {
                    out.push(Segment::Text(std::mem::take(&mut prose)));
                }
                out.push(Segment::Field(Field {
                    key: key.to_string(),
                    format: format.filter(|f| !f.is_empty()),
                    line,
                    position: at,
                }));
            }
            c => prose.push(c),
        }
    }
    if !prose.is_empty() {
        out.push(Segment::Text(prose));
    }
    (errors.len() == before).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Story, Vec<String>> {
        parse_story(Path::new("s.txt"), text)
            .map_err(|e| e.into_iter().map(|e| e.to_string()).collect())
    }

    #[test]
    fn a_whole_story() {
        let s = parse(
            "\u{feff}# 编辑部：七月定稿\r\ntitle: 小木耳{{大}}产业\r\n引题：汪清县\nbyline: 本报记者 李明\nregion: 222424\nimage: muer.svg\ncaption: 木耳基地\ncredit: 本报制图\n\n　　上半年，产值{222424.output_value.yoy_pct|tongbi}，\n居全州{222424.output_value.rank}。\n\n\n第二段}}。\n",
        )
        .unwrap();
        assert_eq!(s.title, vec![Segment::Text("小木耳{大}产业".into())]);
        assert_eq!(s.kicker, Some(vec![Segment::Text("汪清县".into())]));
        assert_eq!(s.byline.as_deref(), Some("本报记者 李明"));
        assert_eq!(s.region, Some(("222424".into(), 5)));
        assert_eq!(s.image.as_ref().unwrap().name, "muer.svg");
        assert_eq!(s.credit.as_deref(), Some("本报制图"));
        assert_eq!(s.paragraphs.len(), 2);
        assert_eq!(
            s.paragraphs[0],
            vec![
                Segment::Text("上半年，产值".into()),
                Segment::Field(Field {
                    key: "222424.output_value.yoy_pct".into(),
                    format: Some("tongbi".into()),
                    line: 10,
                    position: 9,
                }),
                Segment::Text("，居全州".into()),
                Segment::Field(Field {
                    key: "222424.output_value.rank".into(),
                    format: None,
                    line: 11,
                    position: 4,
                }),
                Segment::Text("。".into()),
            ]
        );
        assert_eq!(s.paragraphs[1], vec![Segment::Text("第二段}。".into())]);
    }

    #[test]
    fn problems_name_line_and_position() {
        let errs = parse(
            "title: 标题\nheadline: x\nimage: ../x.png\n\n正文{222401.output_value\n}\n再{x}。",
        )
        .unwrap_err();
        assert_eq!(errs.len(), 5, "{errs:#?}");
        assert!(errs[0].starts_with("s.txt:2:1: unknown field `headline`"));
        assert!(errs[1].starts_with("s.txt:3:8: image `../x.png`"));
        assert!(errs[2].starts_with("s.txt:5:3: a `{` that is not closed"));
        assert!(errs[3].starts_with("s.txt:6:1: a `}` without its `{`"));
        assert!(errs[4].starts_with("s.txt:7:2: `{x}` is not a figure key"));
    }

    #[test]
    fn header_rules() {
        assert!(
            parse("byline: x\n\n正文")
                .unwrap_err()
                .iter()
                .any(|e| e.contains("needs a `title:`"))
        );
        assert!(parse("title: t\n").unwrap_err()[0].contains("has no body"));
        assert!(
            parse("title: t\nthis is prose\n\nbody").unwrap_err()[0]
                .contains("expected a header line")
        );
        assert!(parse("title: t\nimage: a.bmp\n\nbody").unwrap_err()[0].contains("expected a png"));
        assert!(
            parse("title: t\ncaption: c\n\nbody").unwrap_err()[0]
                .contains("caption needs a picture")
        );
        assert!(parse("title:  \n\nbody").unwrap_err()[0].contains("s.txt:1:9: `title:` is empty"));
    }
}
