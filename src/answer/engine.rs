//! The engine: built once per version of the knowledge from derived articles and a search
//! index, then read by every question. This file builds it and serves what it holds (articles,
//! paragraphs, headline figures, suggestions); answering is [`super::rank`]'s.

use foldhash::{HashMap, HashMapExt};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use super::{EngineError, FigureHit, ParagraphContext, ParagraphRef, PassageHit, Source, Stats};
use crate::corpus::{Article, ArticleMeta, IndexedFigure};
use crate::knowledge::{Passage, Problem};
use crate::search::lexicon::{Lexicon, LexiconFiles};
use crate::search::terms::{TermFinders, TermSet};
use crate::search::{IndexError, PassageToIndex, SearchIndex, passage_key, split_passage_key};

/// A passage or figure: its article (a position in the engine's articles) and its position in
/// that article's body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ItemRef {
    pub(super) article: u32,
    pub(super) local: u32,
}

/// Minimum figure confidence for a quantity question to lead with a figure.
pub(super) const FIGURE_CONFIDENCE: f32 = 0.6;

/// A candidate figure as ranking scored it, and how its period fits the period asked: what
/// ranking hands to the period ordering and the series.
pub(super) struct RankedFigure {
    pub(super) figure: ItemRef,
    pub(super) score: f32,
    pub(super) confidence: f32,
    /// How the figure's period fits the period asked, when both are known.
    pub(super) fit: Option<crate::figures::PeriodFit>,
}

/// How many figures of the headline order are looked at for headlines and suggestions.
const HEADLINES_KEPT: usize = 500;
/// Suggested questions tried (each answered once to check it) per list of suggestions.
const SUGGESTION_TRIALS: usize = 12;

/// The answer engine. See the module docs.
pub struct Engine {
    /// In path order.
    pub(super) articles: Vec<Arc<Article>>,
    /// The position in `articles` of the article in each slot of the search index (see
    /// [`crate::search::passage_key`]); `u32::MAX` for a slot no article holds.
    pub(super) article_by_slot: Vec<u32>,
    /// Article position by [`ParagraphRef::doc_key`].
    pub(super) article_by_key: HashMap<u32, usize>,
    /// Articles with figures, newest first (then in path order): where headlines come from.
    pub(super) headline_articles: Vec<u32>,
    pub(super) lexicon: Lexicon,
    pub(super) index: SearchIndex,
    /// What each figure measures ([`Lexicon::measure_key`]), per article and figure, worked
    /// out the first time a question needs it and kept for every later question: the word cut
    /// it takes is the costliest step of ranking a figure.
    pub(super) figure_measures: Vec<Box<[OnceLock<String>]>>,
    /// Whether each figure's label, asked back as a question, is answered with a figure of its
    /// measure (see [`Engine::figure_questions`]), worked out once per figure: an unanswered
    /// question would otherwise rank a dozen suggestions each time.
    pub(super) figure_suggestible: Vec<Box<[OnceLock<bool>]>>,
    /// The articles' words by sound, for misspelt question words; made the first time a
    /// question has a word the articles never use.
    pub(super) homophones: OnceLock<crate::search::typos::Homophones>,
    /// Each article's title in key form (see [`crate::corpus::search_key`]), by position.
    pub(super) title_keys: Vec<String>,
    /// Their signatures (see [`crate::search::terms::TextSignature`]).
    pub(super) title_signatures: Vec<crate::search::terms::TextSignature>,
    /// Questions about the headline figures, worked out on first use (it reads articles).
    pub(super) headline_suggestions: OnceLock<Vec<String>>,
    pub(super) stats: Stats,
}

impl Engine {
    /// Loads and indexes a knowledge folder. Problems with single files are returned, not fatal.
    pub fn load(dir: &Path) -> Result<(Engine, Vec<Problem>), EngineError> {
        crate::search::lexicon::prepare_general_segmenter();
        let loaded = crate::knowledge::load_folder(dir)?;
        let mut problems = loaded.problems;
        let (lexicon_files, lexicon_problems) = LexiconFiles::read(dir);
        problems.extend(lexicon_problems);
        let articles = loaded
            .documents
            .into_iter()
            .map(|document| Arc::new(Article::derive(document)))
            .collect();
        let engine = Engine::from_articles(articles, &lexicon_files)?;
        Ok((engine, problems))
    }

    /// Indexes derived articles in memory (their slots are their positions).
    pub fn from_articles(
        articles: Vec<Arc<Article>>,
        files: &LexiconFiles,
    ) -> Result<Engine, EngineError> {
        let slotted: Vec<(u32, Arc<Article>)> = (0..).zip(articles).collect();
        let passages: Vec<PassageToIndex<'_>> = slotted
            .iter()
            .flat_map(|(slot, article)| passages_to_index(*slot, article))
            .collect();
        Engine::assemble(slotted.clone(), files, |lexicon| {
            SearchIndex::build(lexicon, passages)
        })
    }

    /// Builds the engine over derived articles, each with the slot its passages have in the
    /// search index that `make_index` provides (built in memory, built or updated on disk, or
    /// opened from disk: see [`crate::live::saved_index`]). Cheap next to deriving the articles: only the
    /// articles' metas are read here.
    pub(crate) fn assemble(
        articles: Vec<(u32, Arc<Article>)>,
        files: &LexiconFiles,
        make_index: impl FnOnce(&Lexicon) -> Result<SearchIndex, IndexError>,
    ) -> Result<Engine, EngineError> {
        let lexicon = Lexicon::new(
            &segmenter_words(articles.iter().map(|(_, a)| a.as_ref()), files),
            files.synonyms.clone(),
        );
        let index = make_index(&lexicon).map_err(|e| EngineError::Index(e.to_string()))?;
        let slot_count = articles.iter().map(|&(slot, _)| slot as usize + 1).max();
        let mut article_by_slot = vec![u32::MAX; slot_count.unwrap_or(0)];
        let mut stats = Stats {
            documents: articles.len(),
            passages: 0,
            figures: 0,
        };
        let mut article_by_key = HashMap::with_capacity(articles.len());
        for (position, (slot, article)) in articles.iter().enumerate() {
            article_by_slot[*slot as usize] = position as u32;
            let meta = article.meta();
            article_by_key.insert(ParagraphRef::doc_key(&meta.path), position);
            stats.passages += meta.passages as usize;
            stats.figures += meta.figures as usize;
        }
        let articles: Vec<Arc<Article>> = articles.into_iter().map(|(_, a)| a).collect();
        let mut headline_articles: Vec<u32> = (0..articles.len() as u32)
            .filter(|&i| articles[i as usize].meta().figures > 0)
            .collect();
        headline_articles
            .sort_by_key(|&i| (std::cmp::Reverse(articles[i as usize].meta().date), i));
        let figure_measures = per_figure(&articles);
        let figure_suggestible = per_figure(&articles);
        let title_keys: Vec<String> = articles
            .iter()
            .map(|article| crate::corpus::search_key(&article.meta().title))
            .collect();
        let title_signatures = title_keys
            .iter()
            .map(|key| crate::search::terms::TextSignature::of(key))
            .collect();
        Ok(Engine {
            figure_measures,
            figure_suggestible,
            homophones: OnceLock::new(),
            title_keys,
            title_signatures,
            articles,
            article_by_slot,
            article_by_key,
            headline_articles,
            lexicon,
            index,
            headline_suggestions: OnceLock::new(),
            stats,
        })
    }

    /// The article of a search hit's passage key, and the passage's position in it; `None`
    /// for a key no served article holds (or a body that could not be read).
    pub(super) fn passage_of_key(&self, key: u64) -> Option<ItemRef> {
        let (slot, local) = split_passage_key(key);
        let &article = self.article_by_slot.get(slot as usize)?;
        let body = self.articles.get(article as usize)?.body();
        ((local as usize) < body.passages.len()).then_some(ItemRef { article, local })
    }

    pub(super) fn passage(&self, id: ItemRef) -> &Passage {
        &self.articles[id.article as usize].body().passages[id.local as usize]
    }

    /// The passage text as searched.
    pub(super) fn passage_key(&self, id: ItemRef) -> &str {
        &self.articles[id.article as usize].body().passage_keys[id.local as usize]
    }

    /// The question's terms passage `id` holds, searched with its index-time signature.
    pub(super) fn terms_in_passage(&self, finders: &TermFinders, id: ItemRef) -> TermSet {
        let body = self.articles[id.article as usize].body();
        let local = id.local as usize;
        finders.found_in_signed(&body.passage_keys[local], &body.passage_signatures[local])
    }

    /// The question's terms that the heading passage `id` stands under holds.
    pub(super) fn terms_in_section(&self, finders: &TermFinders, id: ItemRef) -> TermSet {
        let body = self.articles[id.article as usize].body();
        match body.passages[id.local as usize].section.as_deref() {
            None | Some("") => TermSet::default(),
            Some(section) => {
                finders.found_in_signed(section, &body.section_signatures[id.local as usize])
            }
        }
    }

    /// The question's terms the title of article `article` holds.
    pub(super) fn terms_in_title(&self, finders: &TermFinders, article: u32) -> TermSet {
        let article = article as usize;
        finders.found_in_signed(&self.title_keys[article], &self.title_signatures[article])
    }

    pub(super) fn figure(&self, id: ItemRef) -> &IndexedFigure {
        &self.articles[id.article as usize].body().figures[id.local as usize]
    }

    /// What figure `id` measures (see [`Engine::figure_measures`]).
    pub(super) fn measure_of_figure(&self, id: ItemRef) -> &str {
        let cell = &self.figure_measures[id.article as usize][id.local as usize];
        cell.get_or_init(|| self.lexicon.measure_key(&self.figure(id).label_key))
    }

    /// Figures in headline order, the first few hundred: newest article first, then each
    /// article's own headline order (see [`crate::corpus::ArticleBody::headlines`]). Only the
    /// articles reached are read.
    pub(super) fn headlines(&self) -> impl Iterator<Item = ItemRef> + '_ {
        self.headline_articles
            .iter()
            .flat_map(|&article| {
                self.articles[article as usize]
                    .body()
                    .headlines()
                    .map(move |local| ItemRef {
                        article,
                        local: local as u32,
                    })
            })
            .take(HEADLINES_KEPT)
    }

    pub(super) fn source(&self, article: u32) -> Source {
        let meta = self.articles[article as usize].meta();
        Source {
            title: meta.title.clone(),
            author: meta.author.clone(),
            path: meta.path.clone(),
            date: meta.date,
        }
    }

    pub(super) fn paragraph_ref(&self, article: u32, paragraph: usize) -> ParagraphRef {
        ParagraphRef {
            doc_key: ParagraphRef::doc_key(&self.articles[article as usize].meta().path),
            paragraph: paragraph as u32,
        }
    }

    /// The hit for figure `id`; `measure` is its [`Lexicon::measure_key`].
    pub(super) fn figure_hit(&self, id: ItemRef, score: f32, measure: String) -> FigureHit {
        let indexed = self.figure(id);
        FigureHit {
            measure,
            figure: indexed.figure.clone(),
            source: self.source(id.article),
            paragraph: self.paragraph_ref(id.article, indexed.paragraph as usize),
            score,
        }
    }

    pub(super) fn passage_hit(&self, id: ItemRef, score: f32) -> PassageHit {
        let passage = self.passage(id);
        let source = self.source(id.article);
        PassageHit {
            text: passage.text.clone(),
            score,
            title: source.title.clone(),
            path: source.path.clone(),
            date: source.date,
            section: passage.section.clone(),
            paragraph: self.paragraph_ref(id.article, passage.paragraph),
            source,
        }
    }

    /// The search index served (the persistent store keeps its tantivy index to update it).
    pub(crate) fn search_index(&self) -> &SearchIndex {
        &self.index
    }

    /// The articles served, in path order.
    pub fn articles(&self) -> impl Iterator<Item = &ArticleMeta> {
        self.articles.iter().map(|article| article.meta())
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The paragraph a hit came from, whole, with its neighbours.
    pub fn paragraph_context(&self, paragraph: ParagraphRef) -> Option<ParagraphContext> {
        let &article = self.article_by_key.get(&paragraph.doc_key)?;
        let document = &self.articles[article].body().document;
        let index = paragraph.paragraph as usize;
        let current = document.paragraphs.get(index)?;
        let neighbour = |i: Option<usize>| {
            i.and_then(|i| document.paragraphs.get(i))
                .filter(|p| p.section == current.section)
                .map(|p| p.text.clone())
        };
        Some(ParagraphContext {
            source: self.source(article as u32),
            section: current.section.clone(),
            before: neighbour(index.checked_sub(1)),
            paragraph: current.text.clone(),
            after: neighbour(index.checked_add(1)),
        })
    }

    /// A few headline figures (for an empty inline query), most recent first, one per label.
    pub fn headline_figures(&self, count: usize) -> Vec<FigureHit> {
        let mut seen = Vec::new();
        self.headlines()
            .filter(|&i| {
                let figure = self.figure(i);
                let label = &figure.label_key;
                let fresh = !seen.contains(label) && !figure.figure.unit.contains('%');
                if fresh {
                    seen.push(label.clone());
                }
                fresh
            })
            .take(count)
            .map(|i| self.figure_hit(i, 0.0, self.lexicon.measure_key(&self.figure(i).label_key)))
            .collect()
    }

    /// Example questions the engine can answer.
    pub fn suggestions(&self, count: usize) -> Vec<String> {
        self.headline_suggestions
            .get_or_init(|| self.figure_questions(self.headlines(), 5))
            .iter()
            .take(count)
            .cloned()
            .collect()
    }

    /// Questions built from figure labels ("拦截涉诈电话有多少？"), one per label, each one the
    /// engine itself answers with a figure of that label's measure: a suggestion that gets "I
    /// don't know", or another figure, only disappoints. Labels that do not read as the name of
    /// a measure ("或者涉及对象的", "数字分别比上年增加") are passed over (see
    /// [`crate::figures::reads_as_measure`]). At most [`SUGGESTION_TRIALS`] candidates are
    /// tried, each worked out once per figure, so an unanswered question stays cheap.
    pub(super) fn figure_questions(
        &self,
        figures: impl Iterator<Item = ItemRef>,
        count: usize,
    ) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        // The measures suggested so far: one question each ("起诉电信网络诈骗犯罪" and
        // "起诉电信网络诈骗犯罪数量" are one).
        let mut measures: Vec<&str> = Vec::new();
        let mut trials = 0;
        for id in figures {
            let figure = &self.figure(id).figure;
            if !crate::figures::reads_as_measure(&figure.label) || figure.unit.contains('%') {
                continue;
            }
            let measure = self.measure_of_figure(id);
            let asked_already = |other: &&str| {
                crate::figures::same_measure(measure, other)
                    || measure.starts_with(other)
                    || other.starts_with(measure)
            };
            if measures.iter().any(asked_already) {
                continue;
            }
            let question = format!("{}有多少？", figure.label);
            let cell = &self.figure_suggestible[id.article as usize][id.local as usize];
            // Counted whether worked out now or before, so the suggestions do not depend on
            // which questions came first.
            trials += 1;
            if *cell.get_or_init(|| self.answers_with_measure(&question, measure)) {
                out.push(question);
                measures.push(measure);
            }
            if out.len() == count || trials == SUGGESTION_TRIALS {
                break;
            }
        }
        out
    }
}

/// An empty cell for every figure of every article, to remember something per figure.
fn per_figure<T>(articles: &[Arc<Article>]) -> Vec<Box<[OnceLock<T>]>> {
    articles
        .iter()
        .map(|article| {
            (0..article.meta().figures)
                .map(|_| OnceLock::new())
                .collect()
        })
        .collect()
}

/// The passages of an article as indexed: their keys in slot `slot`, their text as searched.
pub(crate) fn passages_to_index(
    slot: u32,
    article: &Article,
) -> impl Iterator<Item = PassageToIndex<'_>> {
    (0..)
        .zip(&article.body().passage_keys)
        .map(move |(local, key)| (passage_key(slot, local), key.as_str()))
}

/// The words the segmenter learns: the dictionary's, then the terms the articles quote, in
/// article order. The search index is tokenized with them, so an index can only be updated in
/// place while they stay the same (see [`crate::live::saved_index`]).
pub(crate) fn segmenter_words<'a>(
    articles: impl Iterator<Item = &'a Article>,
    files: &LexiconFiles,
) -> Vec<(String, Option<usize>)> {
    let mut words = files.dictionary.clone();
    let mut seen = std::collections::HashSet::new();
    for article in articles {
        for term in &article.meta().quoted_terms {
            if seen.insert(term.as_str()) {
                words.push((term.clone(), None));
            }
        }
    }
    words
}
