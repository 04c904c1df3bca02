//! Charts: a series ([`SeriesPoint`]s, oldest first) → a PNG bar chart a family group can
//! forward — the measure as its title, one bar per period labelled with the period and the
//! value as written, the unit, and the sources in the footer.
//!
//! Drawn with tiny-skia (shapes, PNG encoding) and ab_glyph (glyph outlines of the embedded
//! font). The font is Noto Sans CJK SC cut to GB 2312 (SIL Open Font License 1.1; see
//! `src/render/fonts/OFL.txt`, and `subset.py` beside it to make it again), so a machine without
//! CJK fonts draws the same chart. The picture is an opaque light card with mid-tone bars, which
//! reads the same in Telegram's light and dark themes.

use std::sync::LazyLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use tiny_skia::{
    Color, FillRule, Paint, PathBuilder, Pixmap, PremultipliedColorU8, Rect, Transform,
};

use crate::answer::SeriesPoint;
use crate::answer::series::SeriesKind;
use crate::figures::period_span;
use crate::normalize::to_simplified;
use crate::render::{series_change, series_sources, series_title, source_line};

/// The chart's size: Telegram's landscape preview size, sharp on a phone.
pub const CHART_WIDTH: u32 = 1280;
pub const CHART_HEIGHT: u32 = 720;

/// The bars' colour: a mid-tone blue, readable on the light card in either theme.
pub const BAR_COLOUR: [u8; 3] = [0x2F, 0x6F, 0xCF];
/// The card behind everything.
pub const BACKGROUND: [u8; 3] = [0xF7, 0xF8, 0xFA];
const INK: [u8; 3] = [0x1A, 0x22, 0x30];
const MUTED: [u8; 3] = [0x55, 0x60, 0x70];
const RULE: [u8; 3] = [0xC5, 0xCC, 0xD6];
/// A year without a figure: lighter than the labels of years with one, still readable.
const ABSENT: [u8; 3] = [0x9A, 0xA3, 0xAF];

/// The embedded font: Noto Sans CJK SC, GB 2312 subset (CFF outlines, which ab_glyph reads).
static FONT_DATA: &[u8] = include_bytes!("fonts/NotoSansSC-GB2312.otf");
static FONT: LazyLock<Option<FontRef<'static>>> =
    LazyLock::new(|| FontRef::try_from_slice(FONT_DATA).ok());

/// Sizes, in pixels.
const MARGIN: f32 = 64.0;
const TITLE_SIZE: f32 = 56.0;
const SUBTITLE_SIZE: f32 = 30.0;
const VALUE_SIZE: f32 = 38.0;
const PERIOD_SIZE: f32 = 32.0;
const FOOTER_SIZE: f32 = 22.0;
const FOOTER_LINE: f32 = 30.0;
/// Most years a chart spreads out one slot each, gaps included; longer series get a slot per
/// point.
const MAX_YEAR_SLOTS: u32 = 12;
const FOOTER_LINES: usize = 3;
/// The smallest a bar label may shrink to so that neighbours never overlap.
const LABEL_MIN_SIZE: f32 = 14.0;

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("no series to chart: the answer needs figures for two or more comparable periods")]
    NoSeries,
    #[error("the embedded chart font cannot be read; rebuild with src/render/fonts intact")]
    Font,
    #[error("could not encode the chart as PNG: {0}")]
    Encode(String),
    #[error("the chart was not finished ({0}); ask again")]
    Interrupted(String),
}

/// The PNG bar chart of a series ([`CHART_WIDTH`] × [`CHART_HEIGHT`]).
pub fn series_chart(series: &[SeriesPoint]) -> Result<Vec<u8>, ChartError> {
    if series.is_empty() {
        return Err(ChartError::NoSeries);
    }
    let font = FONT.as_ref().ok_or(ChartError::Font)?;
    let mut canvas = Canvas::new(font)?;
    canvas.draw(series);
    canvas
        .pixmap
        .encode_png()
        .map_err(|err| ChartError::Encode(err.to_string()))
}

/// A pixmap and the font to write on it with.
struct Canvas<'f> {
    pixmap: Pixmap,
    font: &'f FontRef<'static>,
}

/// Where text goes relative to its x.
#[derive(Clone, Copy)]
enum Align {
    Left,
    Centre,
}

impl<'f> Canvas<'f> {
    fn new(font: &'f FontRef<'static>) -> Result<Canvas<'f>, ChartError> {
        let mut pixmap = Pixmap::new(CHART_WIDTH, CHART_HEIGHT)
            .ok_or_else(|| ChartError::Encode("no room for the picture".into()))?;
        let [r, g, b] = BACKGROUND;
        pixmap.fill(Color::from_rgba8(r, g, b, 255));
        Ok(Canvas { pixmap, font })
    }

    fn draw(&mut self, series: &[SeriesPoint]) {
        let width = CHART_WIDTH as f32;
        let height = CHART_HEIGHT as f32;
        // Title and subtitle.
        let title = series_title(series);
        let title_size = self.fitting_size(&title, TITLE_SIZE, width - 2.0 * MARGIN);
        self.text(&title, title_size, MARGIN, 88.0, INK, Align::Left);
        let subtitle = subtitle(series);
        let subtitle_size = self.fitting_size(&subtitle, SUBTITLE_SIZE, width - 2.0 * MARGIN);
        self.text(&subtitle, subtitle_size, MARGIN, 138.0, MUTED, Align::Left);

        // Footer: the sources, wrapped, from the bottom up.
        let footer = self.wrap(&footer_text(series), FOOTER_SIZE, width - 2.0 * MARGIN);
        let footer_top = height - 26.0 - FOOTER_LINE * footer.len() as f32;
        for (i, line) in footer.iter().enumerate() {
            let baseline = footer_top + FOOTER_LINE * (i as f32 + 1.0);
            self.text(line, FOOTER_SIZE, MARGIN, baseline, MUTED, Align::Left);
        }

        // Bars between the subtitle and the period labels, one slot per period (per year, when
        // whole years have gaps: a missing year is shown as missing, not closed up).
        let slots = slots(series);
        let slot = (width - 2.0 * MARGIN) / slots.len() as f32;
        let room = slot - 14.0;
        let values: Vec<String> = series.iter().map(|p| to_simplified(&p.value)).collect();
        let periods: Vec<String> = slots.iter().map(|s| to_simplified(&s.period)).collect();
        let value_size = self.common_size(&values, VALUE_SIZE, room);
        let period_size = self.common_size(&periods, PERIOD_SIZE, room);
        let baseline = footer_top - period_size - 34.0;
        let plot_top = 178.0 + value_size + 12.0;
        let max = series
            .iter()
            .map(|p| p.number)
            .fold(0.0_f64, f64::max)
            .max(f64::MIN_POSITIVE);
        let bar_width = (slot * 0.58).min(150.0);
        self.fill_rect(
            MARGIN - 8.0,
            baseline,
            width - 2.0 * MARGIN + 16.0,
            2.0,
            RULE,
        );
        let period_baseline = baseline + period_size + 14.0;
        for (i, (slot_of, period)) in slots.iter().zip(&periods).enumerate() {
            let centre = MARGIN + slot * (i as f32 + 0.5);
            let Some(index) = slot_of.point else {
                self.text(
                    period,
                    period_size,
                    centre,
                    period_baseline,
                    ABSENT,
                    Align::Centre,
                );
                let note_size = PERIOD_SIZE.min(self.fitting_size(NO_FIGURE, PERIOD_SIZE, room));
                self.text(
                    NO_FIGURE,
                    note_size,
                    centre,
                    baseline - 14.0,
                    ABSENT,
                    Align::Centre,
                );
                continue;
            };
            let share = (series[index].number.max(0.0) / max) as f32;
            let bar_height = ((baseline - plot_top) * share).max(3.0);
            let top = baseline - bar_height;
            self.bar(centre - bar_width / 2.0, top, bar_width, bar_height);
            self.text(
                &values[index],
                value_size,
                centre,
                top - 12.0,
                INK,
                Align::Centre,
            );
            self.text(
                period,
                period_size,
                centre,
                period_baseline,
                MUTED,
                Align::Centre,
            );
        }
    }

    /// A bar with rounded top corners.
    fn bar(&mut self, x: f32, y: f32, width: f32, height: f32) {
        let radius = 8.0_f32.min(width / 2.0).min(height / 2.0);
        let mut path = PathBuilder::new();
        path.move_to(x, y + height);
        path.line_to(x, y + radius);
        path.quad_to(x, y, x + radius, y);
        path.line_to(x + width - radius, y);
        path.quad_to(x + width, y, x + width, y + radius);
        path.line_to(x + width, y + height);
        path.close();
        let Some(path) = path.finish() else { return };
        self.pixmap.fill_path(
            &path,
            &paint(BAR_COLOUR),
            FillRule::Winding,
            Transform::identity(),
            None,
        );
    }

    fn fill_rect(&mut self, x: f32, y: f32, width: f32, height: f32, colour: [u8; 3]) {
        if let Some(rect) = Rect::from_xywh(x, y, width, height) {
            self.pixmap
                .fill_rect(rect, &paint(colour), Transform::identity(), None);
        }
    }

    /// How wide `text` is at `size`.
    fn text_width(&self, text: &str, size: f32) -> f32 {
        let scaled = self.font.as_scaled(PxScale::from(size));
        let mut width = 0.0;
        let mut previous = None;
        for c in text.chars() {
            let id = self.font.glyph_id(c);
            if let Some(previous) = previous {
                width += scaled.kern(previous, id);
            }
            width += scaled.h_advance(id);
            previous = Some(id);
        }
        width
    }

    /// `size`, or smaller so that `text` fits in `room` (never below [`LABEL_MIN_SIZE`]).
    fn fitting_size(&self, text: &str, size: f32, room: f32) -> f32 {
        let width = self.text_width(text, size);
        if width <= room {
            size
        } else {
            (size * room / width).max(LABEL_MIN_SIZE)
        }
    }

    /// One size at which every text fits in `room`: labels of one row look alike.
    fn common_size(&self, texts: &[String], size: f32, room: f32) -> f32 {
        texts
            .iter()
            .map(|text| self.fitting_size(text, size, room))
            .fold(size, f32::min)
    }

    /// `text` cut into lines no wider than `room`, at most [`FOOTER_LINES`] (the last one ends
    /// with "…" when text is left over). A line breaks after its last "；" when it has one far
    /// enough in: a source is better kept whole on the next line than cut in two.
    fn wrap(&self, text: &str, size: f32, room: f32) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        let mut line = String::new();
        for c in text.chars() {
            line.push(c);
            if self.text_width(&line, size) <= room {
                continue;
            }
            line.pop();
            if lines.len() + 1 == FOOTER_LINES {
                while self.text_width(&format!("{line}…"), size) > room && line.pop().is_some() {}
                line.push('…');
                lines.push(line);
                return lines;
            }
            let carried = match line.rfind('；') {
                Some(at) if at > line.len() / 3 => line.split_off(at + '；'.len_utf8()),
                _ => String::new(),
            };
            lines.push(std::mem::replace(&mut line, format!("{carried}{c}")));
        }
        lines.push(line);
        lines
    }

    /// Writes `text` with its baseline at `baseline`.
    fn text(
        &mut self,
        text: &str,
        size: f32,
        x: f32,
        baseline: f32,
        colour: [u8; 3],
        align: Align,
    ) {
        let scale = PxScale::from(size);
        let scaled = self.font.as_scaled(scale);
        let mut caret = match align {
            Align::Left => x,
            Align::Centre => x - self.text_width(text, size) / 2.0,
        };
        let (width, height) = (self.pixmap.width(), self.pixmap.height());
        let mut previous = None;
        for c in text.chars() {
            let id = self.font.glyph_id(c);
            if let Some(previous) = previous {
                caret += scaled.kern(previous, id);
            }
            previous = Some(id);
            let glyph = id.with_scale_and_position(scale, point(caret, baseline));
            caret += scaled.h_advance(id);
            let Some(outline) = self.font.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outline.px_bounds();
            let pixels = self.pixmap.pixels_mut();
            outline.draw(|gx, gy, coverage| {
                let px = bounds.min.x as i64 + i64::from(gx);
                let py = bounds.min.y as i64 + i64::from(gy);
                if px < 0 || py < 0 || px >= i64::from(width) || py >= i64::from(height) {
                    return;
                }
                let index = py as usize * width as usize + px as usize;
                pixels[index] = blend(pixels[index], colour, coverage.clamp(0.0, 1.0));
            });
        }
    }
}

/// What a year without a figure shows in its slot.
const NO_FIGURE: &str = "未收录";

/// One place on the x axis: a period, and the point drawn there (none for a year between two
/// points that the knowledge has no figure for).
struct Slot {
    period: String,
    point: Option<usize>,
}

/// The x axis: a slot per year from the first point's to the last's when every point is a whole
/// calendar year (and there are at most [`MAX_YEAR_SLOTS`]), else a slot per point.
fn slots(series: &[SeriesPoint]) -> Vec<Slot> {
    let years: Option<Vec<u32>> = series
        .iter()
        .map(|point| {
            let span = period_span(&point.period)?;
            (SeriesKind::of(&span) == Some(SeriesKind::Years)).then_some(span.end_year())
        })
        .collect();
    if let Some(years) = years
        && let (Some(&first), Some(&last)) = (years.first(), years.last())
        && last >= first
        && last - first < MAX_YEAR_SLOTS
    {
        return (first..=last)
            .map(|year| Slot {
                period: format!("{year}年"),
                point: years.iter().position(|&y| y == year),
            })
            .collect();
    }
    series
        .iter()
        .enumerate()
        .map(|(index, point)| Slot {
            period: point.period.clone(),
            point: Some(index),
        })
        .collect()
}

/// `colour` laid over an opaque pixel with `coverage`.
fn blend(under: PremultipliedColorU8, colour: [u8; 3], coverage: f32) -> PremultipliedColorU8 {
    let mix = |under: u8, over: u8| {
        (f32::from(under) * (1.0 - coverage) + f32::from(over) * coverage).round() as u8
    };
    PremultipliedColorU8::from_rgba(
        mix(under.red(), colour[0]),
        mix(under.green(), colour[1]),
        mix(under.blue(), colour[2]),
        255,
    )
    .unwrap_or(under)
}

fn paint(colour: [u8; 3]) -> Paint<'static> {
    let mut paint = Paint::default();
    paint.set_color_rgba8(colour[0], colour[1], colour[2], 255);
    paint.anti_alias = true;
    paint
}

/// `2021年至2025年 · 单位：亿次 · +85%`: the span, the unit the values are written in, the change.
fn subtitle(series: &[SeriesPoint]) -> String {
    let mut parts = Vec::new();
    if let Some(change) = series_change(series) {
        parts.push(format!("变化 {change}"));
    }
    let unit = written_unit(series);
    if !unit.is_empty() {
        parts.push(format!("单位：{unit}"));
    }
    to_simplified(&parts.join("　·　"))
}

/// The unit the values are written in ("亿次" for 19.5亿次 and 36亿次), when they all share
/// one; else the figures' unit ("次").
fn written_unit(series: &[SeriesPoint]) -> String {
    let tail = |value: &str| {
        let after_digits = value
            .rfind(|c: char| c.is_ascii_digit())
            .map_or(value, |i| &value[i + 1..]);
        to_simplified(after_digits.trim_start_matches(['多', '余', '左', '右']))
    };
    let first = series.first().map(|p| tail(&p.value)).unwrap_or_default();
    if !first.is_empty() && series.iter().all(|p| tail(&p.value) == first) {
        first
    } else {
        series
            .first()
            .map(|p| to_simplified(&p.unit))
            .unwrap_or_default()
    }
}

/// `来源：《title》author 2022-04-15；…`, in simplified script.
fn footer_text(series: &[SeriesPoint]) -> String {
    let sources: Vec<String> = series_sources(series)
        .into_iter()
        .map(source_line)
        .collect();
    to_simplified(&format!("来源：{}", sources.join("；")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::{ParagraphRef, Source};

    pub(crate) fn point(period: &str, value: &str, number: f64, title: &str) -> SeriesPoint {
        SeriesPoint {
            period: period.into(),
            value: value.into(),
            number,
            unit: "次".into(),
            source: Source {
                title: title.into(),
                author: Some("公安部".into()),
                path: format!("{title}.md"),
                date: chrono::NaiveDate::from_ymd_opt(2022, 1, 20),
            },
            label: "拦截涉诈电话".into(),
            paragraph: ParagraphRef {
                doc_key: 0,
                paragraph: 0,
            },
        }
    }

    #[test]
    fn the_embedded_font_reads_and_has_chinese_glyphs() {
        let font = FONT.as_ref().expect("the embedded font parses");
        for c in "拦截涉诈电话亿次年：０１２".chars() {
            assert_ne!(font.glyph_id(c).0, 0, "{c}");
        }
    }

    #[test]
    fn chart_is_a_png_of_the_agreed_size() {
        let series = [
            point("2021年", "19.5亿次", 1.95e9, "甲"),
            point("2022年", "21.7亿次", 2.17e9, "乙"),
        ];
        let png = series_chart(&series).unwrap();
        let decoded = Pixmap::decode_png(&png).unwrap();
        assert_eq!(
            (decoded.width(), decoded.height()),
            (CHART_WIDTH, CHART_HEIGHT)
        );
        assert!(matches!(series_chart(&[]), Err(ChartError::NoSeries)));
    }

    #[test]
    fn missing_years_keep_their_place() {
        let series = [
            point("2021年", "19.5亿次", 1.95e9, "甲"),
            point("2023年", "36亿次", 3.6e9, "乙"),
        ];
        let laid_out: Vec<(String, Option<usize>)> = slots(&series)
            .into_iter()
            .map(|s| (s.period, s.point))
            .collect();
        assert_eq!(
            laid_out,
            [
                ("2021年".to_string(), Some(0)),
                ("2022年".to_string(), None),
                ("2023年".to_string(), Some(1))
            ]
        );
        let totals = [
            point("截至2022年底", "41.2亿次", 4.12e9, "甲"),
            point("截至2023年底", "64.3亿次", 6.43e9, "乙"),
        ];
        assert_eq!(slots(&totals).len(), 2);
    }

    #[test]
    fn subtitle_names_the_written_unit_and_the_change() {
        let series = [
            point("2021年", "19.5亿次", 1.95e9, "甲"),
            point("2025年", "36億次", 3.6e9, "乙"),
        ];
        assert_eq!(
            subtitle(&series),
            "变化 2021年至2025年：+85%　·　单位：亿次"
        );
        let mixed = [
            point("2021年", "9700多万次", 9.7e7, "甲"),
            point("2022年", "1.2亿次", 1.2e8, "乙"),
        ];
        assert_eq!(written_unit(&mixed), "次");
    }
}
