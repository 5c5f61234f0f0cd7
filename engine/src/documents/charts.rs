//! Charts as SVG (plotters), placed in documents with Typst's `image()`.
//!
//! Text in the SVG names a real bundled family (`FandolHei`): Typst resolves SVG text
//! against the document's fonts and ignores generic names such as `sans-serif`.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

use crate::error::{Error, Result};

const FAMILY: &str = "FandolHei";
/// The bars' and the line's colour (a dark red, as official documents use).
pub const INK: RGBColor = RGBColor(0xB0, 0x1E, 0x23);
/// The second series of a paired chart (a light grey).
pub const PALE: RGBColor = RGBColor(0x9A, 0x9A, 0x9A);
const GRID: RGBColor = RGBColor(0xDD, 0xDD, 0xDD);
/// Label size in the SVG's pixels (the charts are scaled to the type area's width).
const LABEL: u32 = 16;

fn failed(e: impl std::fmt::Display) -> Error {
    Error::Render(format!("a chart could not be drawn: {e}"))
}

/// Horizontal bars, one per label (top to bottom in the given order), values in
/// `0..=max`; a `None` value draws no bar and prints "—".
pub fn horizontal_bars(
    labels: &[String],
    values: &[Option<f64>],
    max: f64,
    unit: &str,
) -> Result<String> {
    bar_rows(
        labels,
        &[Series {
            name: None,
            values,
            colour: INK,
            margins: (5, 5),
        }],
        max,
        unit,
    )
}

/// Two horizontal bars per label: `first` (dark red) over `second` (grey), with a legend.
pub fn paired_bars(
    labels: &[String],
    first: (&str, &[f64]),
    second: (&str, &[f64]),
    max: f64,
) -> Result<String> {
    let (a, b): (Vec<Option<f64>>, Vec<Option<f64>>) = (
        first.1.iter().map(|v| Some(*v)).collect(),
        second.1.iter().map(|v| Some(*v)).collect(),
    );
    bar_rows(
        labels,
        &[
            Series {
                name: Some(first.0),
                values: &a,
                colour: INK,
                margins: (4, 15),
            },
            Series {
                name: Some(second.0),
                values: &b,
                colour: PALE,
                margins: (15, 4),
            },
        ],
        max,
        "",
    )
}

/// One series of bars of [`bar_rows`]: its legend name, values, colour and the bar's
/// margins (top, bottom) within its row.
struct Series<'a> {
    name: Option<&'a str>,
    values: &'a [Option<f64>],
    colour: RGBColor,
    margins: (u32, u32),
}

/// A row per label, top to bottom, with a bar of each series in it.
fn bar_rows(labels: &[String], series: &[Series<'_>], max: f64, unit: &str) -> Result<String> {
    let n = labels.len().max(1);
    let legend = series.iter().any(|s| s.name.is_some());
    // Room for the longest label, whole (up to 16 characters).
    let longest = labels.iter().map(|l| label_width(l)).max().unwrap_or(0);
    let label_area = (longest + 16).clamp(80, 16 * LABEL + 16);
    let height = if legend { 90 } else { 60 } + if legend { 30 } else { 28 } * n as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (620, height)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        // The right margin holds half of the last tick's label (100000).
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .margin_right(40)
            .x_label_area_size(30)
            .y_label_area_size(label_area)
            // An integer range is inclusive in plotters: 0..n - 1 gives n rows.
            .build_cartesian_2d(0f64..max, (0..n - 1).into_segmented())
            .map_err(failed)?;
        let label_of = |v: &SegmentValue<usize>| match v {
            // Row 0 at the top: plotters counts upwards.
            SegmentValue::CenterOf(i) if *i < labels.len() => labels[n - 1 - i].clone(),
            _ => String::new(),
        };
        let unit = unit.to_string();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .y_labels(n)
            .y_label_formatter(&label_of)
            .x_label_formatter(&|x| format!("{}{unit}", tick(*x, max)))
            .label_style((FAMILY, LABEL))
            .draw()
            .map_err(failed)?;
        for s in series {
            let (top, bottom) = s.margins;
            let colour = s.colour;
            let drawn = chart
                .draw_series(s.values.iter().enumerate().filter_map(|(i, v)| {
                    let v = (*v)?;
                    let row = n - 1 - i;
                    let mut bar = Rectangle::new(
                        [
                            (0.0, SegmentValue::Exact(row)),
                            (v.min(max), SegmentValue::Exact(row + 1)),
                        ],
                        colour.filled(),
                    );
                    bar.set_margin(top, bottom, 0, 0);
                    Some(bar)
                }))
                .map_err(failed)?;
            if let Some(name) = s.name {
                drawn.label(name).legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 14, y + 5)], colour.filled())
                });
            }
        }
        if legend {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .background_style(WHITE)
                .border_style(GRID)
                .label_font((FAMILY, LABEL))
                .draw()
                .map_err(failed)?;
        }
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

/// A line with a point per label (left to right); `None` leaves a gap in the line.
pub fn line(labels: &[String], values: &[Option<f64>], max: f64, unit: &str) -> Result<String> {
    let n = labels.len().max(1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (620, 300)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(16)
            .x_label_area_size(36)
            .y_label_area_size(56)
            // An integer range is inclusive in plotters: 0..n - 1 gives n slots.
            .build_cartesian_2d((0..n - 1).into_segmented(), 0f64..max)
            .map_err(failed)?;
        let unit = unit.to_string();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .x_labels(n)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) if *i < labels.len() => labels[*i].clone(),
                _ => String::new(),
            })
            .y_label_formatter(&|y| format!("{y:.0}{unit}"))
            .label_style((FAMILY, LABEL))
            // Eight quarters (26年3季度) side by side.
            .x_label_style((FAMILY, LABEL * 13 / 16))
            .draw()
            .map_err(failed)?;
        // One polyline per run of defined values.
        let mut runs: Vec<Vec<(SegmentValue<usize>, f64)>> = vec![Vec::new()];
        for (i, v) in values.iter().enumerate() {
            match v {
                Some(v) => runs
                    .last_mut()
                    .map(|r| r.push((SegmentValue::CenterOf(i), *v)))
                    .unwrap_or(()),
                None => runs.push(Vec::new()),
            }
        }
        for run in runs.into_iter().filter(|r| !r.is_empty()) {
            chart
                .draw_series(LineSeries::new(run.clone(), INK.stroke_width(2)))
                .map_err(failed)?;
            chart
                .draw_series(PointSeries::of_element(
                    run,
                    4,
                    INK.filled(),
                    &|c, s, st| EmptyElement::at(c) + Circle::new((0, 0), s, st),
                ))
                .map_err(failed)?;
        }
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

/// The width of a label in the SVG's pixels: a CJK character is [`LABEL`] wide, an
/// ASCII one a little over half of it.
fn label_width(s: &str) -> u32 {
    s.chars()
        .map(|c| if c.is_ascii() { LABEL * 6 / 10 } else { LABEL })
        .sum()
}

/// An axis tick: whole numbers, or one decimal on an axis up to 10.
fn tick(x: f64, max: f64) -> String {
    if max <= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.0}")
    }
}

/// A nice upper bound for an axis showing values up to `v` (1, 1.2, 1.5, 2, 2.5, 3, 4,
/// 5, 6 or 8 × 10^k), so that the longest bar fills most of the axis.
pub fn axis_max(v: f64) -> f64 {
    if !v.is_finite() || v <= 0.0 {
        return 1.0;
    }
    let mag = 10f64.powf(v.log10().floor());
    [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|m| *m >= v)
        .unwrap_or(10.0 * mag)
}
