//! Writes a synthetic data folder of any size, for benchmarks and scale
//! tests: `gen-data --rows 10000000 [--seed 1] DIR` (about that many rows:
//! every month is whole).
//!
//! Same schema as the shipped sample (`regions.csv`, `industries.csv`,
//! `price_index.csv`, `industry_monthly.csv`): the eight county-level units of
//! 延边朝鲜族自治州 and 16 divisions, months 2022-01 to 2024-12, enterprises
//! joining and leaving. Every value is a hash of (seed, enterprise, month), so
//! the file is the same for the same arguments on every machine, and it is
//! written month by month as a stream: memory does not grow with `--rows`.
//! Identifiers are 18-character 统一社会信用代码 (unified social credit
//! codes, GB 32100: `91`, the region, a 9-character organisation code and
//! the check character), as real 规上 returns carry them; `--short-ids`
//! writes the old `E000000026` instead.
//! `--divisions N` (1 to 41) replaces the 16 divisions with N of all 41,
//! spread over the 三大门类 (long names such as 木材加工和木、竹、藤、棕、草制品业
//! among them).
//! `--counties N` (1 to 99) replaces the eight units with N made-up ones
//! (codes 222401…, names of two to eleven characters, some 自治县 with a
//! short name), for prefectures of other shapes and batch-scale tests.
//! `--prefecture NAME` names the prefecture otherwise (a 市 such as 松原市,
//! which then calls itself 全市; the codes stay 2224…).
//! With `--parquet` the enterprise rows go to `industry_monthly.parquet`
//! (converted with Polars) instead of the CSV.

use std::io::Write as _;
use std::path::PathBuf;

const PREFECTURE: (&str, &str, &str) = ("222400", "延边朝鲜族自治州", "延边州");
/// Region, name, weight of enterprises.
const REGIONS: [(&str, &str, u64); 8] = [
    ("222401", "延吉市", 34),
    ("222402", "图们市", 6),
    ("222403", "敦化市", 17),
    ("222404", "珲春市", 14),
    ("222405", "龙井市", 7),
    ("222406", "和龙市", 6),
    ("222424", "汪清县", 8),
    ("222426", "安图县", 8),
];
/// The default divisions (the sample's 16) and their value-added ratios
/// (per cent of output); names from [`ALL_DIVISIONS`].
const INDUSTRIES: [(&str, u64); 16] = [
    ("08", 30),
    ("09", 38),
    ("13", 22),
    ("14", 27),
    ("15", 33),
    ("16", 62),
    ("20", 24),
    ("22", 25),
    ("26", 28),
    ("27", 38),
    ("30", 26),
    ("32", 20),
    ("34", 27),
    ("35", 28),
    ("39", 24),
    ("44", 35),
];
/// Every division of GB/T 4754-2017's 三大门类 (06 to 46), for
/// `--divisions N`: N of them, spread over the list, with a value-added
/// ratio (per cent of output) each.
const ALL_DIVISIONS: [(&str, &str); 41] = [
    ("06", "煤炭开采和洗选业"),
    ("07", "石油和天然气开采业"),
    ("08", "黑色金属矿采选业"),
    ("09", "有色金属矿采选业"),
    ("10", "非金属矿采选业"),
    ("11", "开采专业及辅助性活动"),
    ("12", "其他采矿业"),
    ("13", "农副食品加工业"),
    ("14", "食品制造业"),
    ("15", "酒、饮料和精制茶制造业"),
    ("16", "烟草制品业"),
    ("17", "纺织业"),
    ("18", "纺织服装、服饰业"),
    ("19", "皮革、毛皮、羽毛及其制品和制鞋业"),
    ("20", "木材加工和木、竹、藤、棕、草制品业"),
    ("21", "家具制造业"),
    ("22", "造纸和纸制品业"),
    ("23", "印刷和记录媒介复制业"),
    ("24", "文教、工美、体育和娱乐用品制造业"),
    ("25", "石油、煤炭及其他燃料加工业"),
    ("26", "化学原料和化学制品制造业"),
    ("27", "医药制造业"),
    ("28", "化学纤维制造业"),
    ("29", "橡胶和塑料制品业"),
    ("30", "非金属矿物制品业"),
    ("31", "黑色金属冶炼和压延加工业"),
    ("32", "有色金属冶炼和压延加工业"),
    ("33", "金属制品业"),
    ("34", "通用设备制造业"),
    ("35", "专用设备制造业"),
    ("36", "汽车制造业"),
    ("37", "铁路、船舶、航空航天和其他运输设备制造业"),
    ("38", "电气机械和器材制造业"),
    ("39", "计算机、通信和其他电子设备制造业"),
    ("40", "仪器仪表制造业"),
    ("41", "其他制造业"),
    ("42", "废弃资源综合利用业"),
    ("43", "金属制品、机械和设备修理业"),
    ("44", "电力、热力生产和供应业"),
    ("45", "燃气生产和供应业"),
    ("46", "水的生产和供应业"),
];

/// `n` divisions spread evenly over [`ALL_DIVISIONS`] (the first and the
/// last always among them), each with a value-added ratio of 20 to 44 %.
fn divisions(n: usize) -> Vec<(&'static str, &'static str, u64)> {
    let all = ALL_DIVISIONS.len();
    (0..n)
        .map(|i| if n == 1 { 0 } else { i * (all - 1) / (n - 1) })
        .map(|i| {
            let (code, name) = ALL_DIVISIONS[i];
            (code, name, 20 + (i as u64 * 7) % 25)
        })
        .collect()
}

const HEADS: [&str; 8] = [
    "长白",
    "海兰",
    "图们江",
    "天池",
    "红石",
    "松花",
    "北山",
    "东盛",
];
const MONTHS: u64 = 36; // 2022-01 … 2024-12

/// Syllables of the made-up county names.
const SYLLABLES: [&str; 24] = [
    "安", "白", "长", "春", "东", "丰", "抚", "海", "和", "桦", "靖", "梨", "临", "龙", "梅", "农",
    "磐", "乾", "舒", "通", "洮", "伊", "榆", "镇",
];

/// `n` made-up county-level units: (code, name, short name, weight).
/// Every fifth is an autonomous county with a long name and a short one;
/// weights spread over an order of magnitude.
fn made_up_counties(n: usize) -> Vec<(String, String, String, u64)> {
    (1..=n)
        .map(|i| {
            let a = SYLLABLES[(i * 7) % SYLLABLES.len()];
            let b = SYLLABLES[(i * 11 + i / SYLLABLES.len()) % SYLLABLES.len()];
            let (name, short) = match i % 5 {
                0 => {
                    let name = format!("{a}{b}{}自治县", ["满族", "朝鲜族", "蒙古族"][i % 3]);
                    (name, format!("{a}{b}县"))
                }
                1 | 3 => (format!("{a}{b}市"), format!("{a}{b}市")),
                2 => (format!("{a}{b}区"), format!("{a}{b}区")),
                _ => (format!("{a}{b}县"), format!("{a}{b}县")),
            };
            let weight = 3 + (mix(i as u64) % 30);
            (format!("2224{i:02}"), name, short, weight)
        })
        .collect()
}

/// SplitMix64's finaliser: a well-mixed hash of a 64-bit value.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn hash(seed: u64, a: u64, b: u64) -> u64 {
    mix(mix(mix(seed) ^ a) ^ b.wrapping_mul(0x2545_F491_4F6C_DD1D))
}

/// A uniform number in [0, 1).
fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut rows, mut seed, mut dir, mut parquet, mut short_ids) =
        (1_000_000u64, 1u64, None, false, false);
    let mut counties: Option<usize> = None;
    let mut division_count: Option<usize> = None;
    let (mut prefecture, mut prefecture_short) =
        (PREFECTURE.1.to_string(), PREFECTURE.2.to_string());
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rows" => rows = parse(args.next(), "--rows"),
            "--seed" => seed = parse(args.next(), "--seed"),
            "--counties" => counties = Some(parse(args.next(), "--counties") as usize),
            "--divisions" => division_count = Some(parse(args.next(), "--divisions") as usize),
            "--parquet" => parquet = true,
            "--short-ids" => short_ids = true,
            "--prefecture" => {
                let name = args
                    .next()
                    .filter(|n| !n.trim().is_empty() && !n.contains([',', '"', '\n']))
                    .unwrap_or_else(|| fail("--prefecture: expected a name such as 松原市"));
                prefecture_short = name.clone();
                prefecture = name;
            }
            "-h" | "--help" => {
                println!(
                    "usage: gen-data --rows N [--seed S] [--counties N] [--divisions N] [--prefecture NAME] [--parquet] [--short-ids] DIR"
                );
                return;
            }
            other if !other.starts_with('-') => dir = Some(PathBuf::from(other)),
            other => fail(&format!("unknown argument {other}")),
        }
    }
    let dir = dir
        .unwrap_or_else(|| fail("name the folder to write, such as gen-data --rows 1000000 big/"));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| fail(&format!("{}: {e}", dir.display())));
    // About 1 in 12 enterprises joins or leaves within the 36 months, so a
    // little over rows / 36 enterprises give about the rows asked for. Every
    // month is written whole: stopping at exactly `rows` left the last
    // month with only some of its enterprises (535 of 836 in December at
    // 30,000 rows), which read as a real fall (Q4 −9.9 %) in every bulletin
    // of a period that ends there.
    let enterprises = (rows as f64 / (MONTHS as f64 * 0.96)).ceil() as u64;

    let regions: Vec<(String, String, String, u64)> = match counties {
        None => REGIONS
            .iter()
            .map(|(c, n, w)| (c.to_string(), n.to_string(), n.to_string(), *w))
            .collect(),
        Some(n @ 1..=99) => made_up_counties(n),
        Some(n) => fail(&format!("--counties {n}: expected 1 to 99")),
    };
    let mut text = String::from("region_code,name,parent_code,short_name\n");
    text += &format!("{},{prefecture},,{prefecture_short}\n", PREFECTURE.0);
    for (code, name, short, _) in &regions {
        text += &format!("{code},{name},{},{short}\n", PREFECTURE.0);
    }
    write(&dir, "regions.csv", &text);
    let industries: Vec<(&str, &str, u64)> = match division_count {
        None => INDUSTRIES
            .iter()
            .map(|&(code, ratio)| {
                let (_, name) = ALL_DIVISIONS
                    .iter()
                    .find(|(c, _)| *c == code)
                    .expect("a GB/T 4754 division");
                (code, *name, ratio)
            })
            .collect(),
        Some(n @ 1..=41) => divisions(n),
        Some(n) => fail(&format!("--divisions {n}: expected 1 to 41")),
    };
    let mut text = String::from("industry_code,name\n");
    for (code, name, _) in &industries {
        text += &format!("{code},\"{name}\"\n");
    }
    write(&dir, "industries.csv", &text);
    let mut text = String::from("month,industry_code,index\n");
    for m in 0..MONTHS {
        let (y, mm) = (2022 + m / 12, m % 12 + 1);
        let base = [104.5, 97.6, 98.4][(m / 12) as usize];
        text += &format!(
            "{y}-{mm:02},all,{:.1}\n",
            base + unit(hash(seed, 1, m)) - 0.5
        );
        let indexed = ["16", "27", "32", "44"];
        for (k, code) in indexed.iter().enumerate() {
            // Only divisions the file has: the load checks every code.
            if !industries.iter().any(|(c, _, _)| c == code) {
                continue;
            }
            let v = 100.0 + 4.0 * (unit(hash(seed, 2 + k as u64, m)) - 0.5);
            text += &format!("{y}-{mm:02},{code},{v:.1}\n");
        }
    }
    write(&dir, "price_index.csv", &text);

    let path = dir.join("industry_monthly.csv");
    let file =
        std::fs::File::create(&path).unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())));
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let total_weight: u64 = regions.iter().map(|r| r.3).sum();
    let mut written = 0u64;
    let _ = writeln!(
        out,
        "month,enterprise_id,enterprise_name,region_code,industry_code,output_value,value_added"
    );
    for m in 0..MONTHS {
        let (y, mm) = (2022 + m / 12, m % 12 + 1);
        let season = [
            0.86, 0.72, 1.0, 1.02, 1.04, 1.1, 0.98, 1.0, 1.04, 1.06, 1.05, 1.13,
        ][(m % 12) as usize];
        for e in 0..enterprises {
            let h = hash(seed, e, 0);
            // Joins or leaves: 1 in 24 joins after a random month, 1 in 24 leaves.
            let turn = (h >> 40) % MONTHS;
            match h % 24 {
                0 if m < turn => continue,
                1 if m >= turn => continue,
                _ => {}
            }
            let mut pick = (h >> 8) % total_weight;
            let region = regions
                .iter()
                .position(|r| {
                    if pick < r.3 {
                        true
                    } else {
                        pick -= r.3;
                        false
                    }
                })
                .unwrap_or(0);
            let industry = ((h >> 20) % industries.len() as u64) as usize;
            // Sizes spread over two orders of magnitude; growth per year.
            let size = 200.0 * (1.0 + 40.0 * unit(mix(h)).powi(3));
            let growth = 1.0 + 0.12 * (unit(mix(h ^ 7)) - 0.45);
            let level = size * growth.powi((m / 12) as i32) * season;
            let noise = 1.0 + 0.1 * (unit(hash(seed, e, m + 1)) - 0.5);
            let output = level * noise;
            let va = output * industries[industry].2 as f64 / 100.0;
            let id = if short_ids {
                format!("E{e:09}")
            } else {
                uscc(&regions[region].0, e)
            };
            let _ = writeln!(
                out,
                "{y}-{mm:02},{id},{}{}厂,{},{},{output:.1},{va:.1}",
                HEADS[(e % 8) as usize],
                e,
                regions[region].0,
                industries[industry].0
            );
            written += 1;
        }
    }
    out.flush()
        .unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())));
    eprintln!(
        "wrote {written} enterprise-month rows ({enterprises} enterprises, 2022-01 to 2024-12) to {}",
        dir.display()
    );
    if parquet {
        to_parquet(&dir);
        std::fs::remove_file(&path).unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())));
    }
}

/// The characters of a 统一社会信用代码 (GB 32100: no I, O, S, V, Z).
const USCC_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// A 统一社会信用代码 for enterprise `e` (9 = registered by market
/// regulation, 1 = enterprise) of `region`: a nine-character organisation
/// code that scrambles `e` (one to one: multiplying by a number prime to 31
/// permutes the residues), then the check character GB 32100 computes
/// (weights 3^i mod 31).
fn uscc(region: &str, e: u64) -> String {
    const SPACE: u128 = 31u128.pow(9);
    let mut h = ((u128::from(e) + 1) * 2_654_435_761 % SPACE) as u64;
    let mut code: Vec<u8> = format!("91{region}").into_bytes();
    for _ in 0..9 {
        code.push(USCC_CHARS[(h % 31) as usize]);
        h /= 31;
    }
    let value = |c: u8| USCC_CHARS.iter().position(|&x| x == c).unwrap_or(0) as u64;
    let (mut weight, mut sum) = (1u64, 0u64);
    for &c in &code {
        sum += value(c) * weight;
        weight = weight * 3 % 31;
    }
    code.push(USCC_CHARS[((31 - sum % 31) % 31) as usize]);
    String::from_utf8(code).expect("ASCII")
}

fn to_parquet(dir: &std::path::Path) {
    use polars::prelude::*;
    let csv = dir.join("industry_monthly.csv");
    let target = dir.join("industry_monthly.parquet");
    let schema = Schema::from_iter([
        Field::new("month".into(), DataType::String),
        Field::new("enterprise_id".into(), DataType::String),
        Field::new("enterprise_name".into(), DataType::String),
        Field::new("region_code".into(), DataType::String),
        Field::new("industry_code".into(), DataType::String),
        Field::new("output_value".into(), DataType::Float64),
        Field::new("value_added".into(), DataType::Float64),
    ]);
    let frame = LazyCsvReader::new(PlRefPath::new(csv.to_string_lossy().as_ref()))
        .with_schema(Some(Arc::new(schema)))
        .finish()
        .and_then(|lf| {
            lf.sink(
                SinkDestination::File {
                    target: SinkTarget::Path(PlRefPath::new(target.to_string_lossy().as_ref())),
                },
                FileWriteFormat::Parquet(Arc::new(ParquetWriteOptions::default())),
                UnifiedSinkArgs::default(),
            )
        })
        .and_then(|lf| lf.collect());
    if let Err(e) = frame {
        fail(&format!("{}: {e}", target.display()));
    }
    eprintln!("wrote {}", target.display());
}

fn parse(value: Option<String>, flag: &str) -> u64 {
    value
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or_else(|| fail(&format!("{flag} needs a whole number")))
}

fn write(dir: &std::path::Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())));
}

fn fail(message: &str) -> ! {
    eprintln!("gen-data: {message}");
    std::process::exit(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uscc_has_gb_32100_s_shape_and_check_character() {
        // A published code (GB 32100's example style): 91350100M000100Y43.
        let check = |code: &str| {
            let value = |c: u8| USCC_CHARS.iter().position(|&x| x == c).unwrap() as u64;
            let (mut weight, mut sum) = (1u64, 0u64);
            for &c in &code.as_bytes()[..17] {
                sum += value(c) * weight;
                weight = weight * 3 % 31;
            }
            USCC_CHARS[((31 - sum % 31) % 31) as usize] == code.as_bytes()[17]
        };
        assert!(check("91350100M000100Y43"));
        for h in [0, 1, 12_345, u64::MAX] {
            let code = uscc("222401", h);
            assert_eq!(code.len(), 18, "{code}");
            assert!(code.starts_with("91222401"), "{code}");
            assert!(code.bytes().all(|b| USCC_CHARS.contains(&b)), "{code}");
            assert!(check(&code), "{code}");
        }
        let codes: std::collections::HashSet<String> =
            (0..300_000).map(|e| uscc("222401", e)).collect();
        assert_eq!(codes.len(), 300_000, "one code per enterprise");
    }
}
