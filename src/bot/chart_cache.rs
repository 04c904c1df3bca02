//! The chart cache: PNG charts by (engine, series), drawn off the async runtime. A chart takes
//! milliseconds of CPU to draw; a trend question forwarded around a few groups is asked again
//! and again, and then costs nothing. A new engine (reloaded knowledge) never sees the old one's
//! charts.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, Weak};

use crate::answer::engine::Engine;
use crate::answer::{Answer, SeriesPoint};
use crate::render::chart::{ChartError, series_chart};
use crate::sync::unpoisoned;

/// Most charts kept (each some tens of kilobytes).
const CACHED_CHARTS: usize = 64;

/// Charts by (engine address, measure and periods), oldest evicted first.
#[derive(Debug, Default)]
pub struct ChartCache {
    entries: Mutex<VecDeque<CachedChart>>,
}

#[derive(Debug)]
struct CachedChart {
    key: (usize, String),
    /// Keeps the engine's allocation from being reused while the entry lives, so a later engine
    /// can never get the same address (the key) and be served an older engine's chart.
    _engine: Weak<Engine>,
    png: Arc<Vec<u8>>,
}

impl ChartCache {
    /// The chart of `answer`'s series under `engine`: cached, or drawn on a blocking thread and
    /// cached.
    pub async fn chart(
        &self,
        engine: &Arc<Engine>,
        answer: &Answer,
    ) -> Result<Arc<Vec<u8>>, ChartError> {
        if answer.series.is_empty() {
            return Err(ChartError::NoSeries);
        }
        let key = (Arc::as_ptr(engine) as usize, series_key(answer));
        if let Some(cached) = unpoisoned(&self.entries)
            .iter()
            .find(|entry| entry.key == key)
        {
            return Ok(cached.png.clone());
        }
        let series = answer.series.clone();
        let png = tokio::task::spawn_blocking(move || series_chart(&series))
            .await
            .map_err(|err| ChartError::Interrupted(err.to_string()))??;
        let png = Arc::new(png);
        let mut entries = unpoisoned(&self.entries);
        if !entries.iter().any(|entry| entry.key == key) {
            if entries.len() == CACHED_CHARTS {
                entries.pop_front();
            }
            entries.push_back(CachedChart {
                key,
                _engine: Arc::downgrade(engine),
                png: png.clone(),
            });
        }
        Ok(png)
    }
}

/// What a chart shows, as a key: the leading measure and the series' periods and values.
fn series_key(answer: &Answer) -> String {
    let measure = answer
        .figures
        .first()
        .map_or("", |lead| lead.measure.as_str());
    let points: Vec<String> = answer
        .series
        .iter()
        .map(|SeriesPoint { period, value, .. }| format!("{period}={value}"))
        .collect();
    format!("{measure}|{}", points.join("|"))
}
