//! `--period` and month parsing: any string gives a value or an error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use review::period::{Period, parse_month};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(period) = text.parse::<Period>() {
        let (first, last) = period.month_range();
        assert!(1 <= first && first <= last && last <= 12);
        assert_eq!(period.months(2024).len(), usize::from(last - first + 1));
        let _ = (period.key(), period.prose_label(), period.table_label());
        // A period's key parses back to itself.
        assert_eq!(period.key().parse::<Period>().ok(), Some(period));
    }
    if let Some((_, month)) = parse_month(text) {
        assert!((1..=12).contains(&month));
    }
});
