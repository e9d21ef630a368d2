//! The editors' story format: any text gives a story or located errors.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use review::load::{Segment, parse_story};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse_story(Path::new("story.txt"), text) {
        Ok(story) => {
            assert!(!story.title.is_empty() || text.contains("title") || text.contains("标题"));
            for paragraph in &story.paragraphs {
                for segment in paragraph {
                    if let Segment::Field(field) = segment {
                        let lines = text.lines().count() as u64;
                        assert!(field.line >= 1 && field.line <= lines.max(1));
                        assert!(field.position >= 1);
                    }
                }
            }
        }
        Err(errors) => {
            assert!(!errors.is_empty());
            for e in &errors {
                let _ = e.to_string();
            }
        }
    }
});
