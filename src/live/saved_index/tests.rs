//! The persistent index: save, reopen, update in place, and refuse what does not match.

use super::*;

/// `files` built and saved in a store in a temporary folder (kept while `_dir` lives).
struct Built {
    _dir: tempfile::TempDir,
    store: IndexStore,
    cache: KnowledgeCache,
    engine: Engine,
    saved: SavedIndex,
}

fn built(files: &[(&str, &str)]) -> Built {
    let dir = tempfile::tempdir().unwrap();
    let store = IndexStore::in_data_dir(dir.path());
    let cache = KnowledgeCache::of_texts(files);
    let (engine, saved) = store
        .build_and_save(&cache, None, SystemTime::now())
        .unwrap();
    Built {
        _dir: dir,
        store,
        cache,
        engine,
        saved,
    }
}

#[test]
fn a_saved_snapshot_round_trips_and_reads_articles_on_first_use() {
    let Built {
        _dir,
        store,
        cache,
        engine,
        ..
    } = built(&[
        ("a.md", "拦截涉诈电话19.5亿次。"),
        ("b.md", "青松守护计划今年走进120所学校。"),
    ]);
    let (mut saved, reopened) = store.load_snapshot().expect("saved");
    assert_eq!(saved.fingerprint, cache.fingerprint());
    assert_eq!(reopened.fingerprint(), cache.fingerprint());
    let opened = store.open_engine(&mut saved, &reopened).expect("opens");
    assert!(
        reopened
            .articles
            .values()
            .all(|c| !c.article.body_is_loaded()),
        "no article read at start-up"
    );
    assert_eq!(opened.stats(), engine.stats());
    assert_eq!(
        opened.answer("拦截了多少涉诈电话"),
        engine.answer("拦截了多少涉诈电话")
    );
    assert!(reopened.articles["a.md"].article.body_is_loaded());
    assert!(
        !reopened.articles["b.md"].article.body_is_loaded(),
        "only the articles a question touches are read"
    );
}

#[test]
fn a_change_updates_the_search_index_in_place() {
    let Built {
        _dir,
        store,
        cache,
        saved: first,
        ..
    } = built(&[
        ("a.md", "拦截涉诈电话19.5亿次。"),
        ("b.md", "青松守护计划今年走进120所学校。"),
        ("c.md", "红棉护卫行动今年覆盖了300个村。"),
    ]);
    assert_eq!(first.reindexed, 3);
    let mut changed = cache.clone();
    changed.articles.remove("c.md");
    let edited = KnowledgeCache::of_texts(&[("b.md", "青松守护计划今年走进150所学校。")]);
    changed
        .articles
        .insert("b.md".into(), edited.articles["b.md"].clone());
    let (engine, second) = store
        .build_and_save(&changed, Some(&first), SystemTime::now())
        .unwrap();
    assert_eq!(second.reindexed, 1, "only the changed article");
    assert_eq!(second.search_dir, first.search_dir, "updated in place");
    assert_eq!(second.slots["a.md"], first.slots["a.md"]);
    assert_ne!(second.slots["b.md"].0, first.slots["b.md"].0);
    assert_eq!(engine.stats().documents, 2);
    let answer = engine.answer("青松守护计划走进了多少所学校");
    assert_eq!(answer.figures[0].figure.value, "150所");
    assert!(!engine.answer("红棉护卫行动覆盖了多少个村").answered);
    assert!(engine.answer("拦截了多少涉诈电话").answered);
    let bodies = || {
        std::fs::read_dir(store.dir().join(ARTICLES_DIR))
            .unwrap()
            .count()
    };
    assert_eq!(
        bodies(),
        4,
        "the previous version's bodies stay, for its engine"
    );

    // A restart opens the updated index.
    let (mut saved, reopened) = store.load_snapshot().unwrap();
    let opened = store.open_engine(&mut saved, &reopened).expect("opens");
    assert_eq!(
        opened.answer("青松守护计划走进了多少所学校"),
        engine.answer("青松守护计划走进了多少所学校")
    );
    // The next change removes them.
    let mut third = reopened.clone();
    third.articles.remove("a.md");
    store
        .build_and_save(&third, Some(&saved), SystemTime::now())
        .unwrap();
    assert_eq!(
        bodies(),
        2,
        "b.md's current version, and a.md's until the next change"
    );
}

#[test]
fn a_new_quoted_term_tokenizes_everything_again() {
    let Built {
        _dir,
        store,
        cache,
        saved: first,
        ..
    } = built(&[("a.md", "银行卡断卡行动已开展两年。")]);
    let mut changed = cache.clone();
    let quoting = KnowledgeCache::of_texts(&[("b.md", "所谓“断卡”，就是打击非法买卖银行卡。")]);
    changed
        .articles
        .insert("b.md".into(), quoting.articles["b.md"].clone());
    let (_, second) = store
        .build_and_save(&changed, Some(&first), SystemTime::now())
        .unwrap();
    assert_eq!(second.reindexed, 2, "every article tokenized with 断卡");
    assert_ne!(second.search_dir, first.search_dir);
    assert!(!store.dir().join(&first.search_dir).exists());
}

#[test]
fn an_index_that_does_not_match_its_snapshot_is_rebuilt_not_served() {
    let Built {
        _dir,
        store,
        saved: first,
        ..
    } = built(&[("a.md", "拦截涉诈电话19.5亿次。")]);
    // As if the bot stopped after committing an update but before saving its snapshot.
    let index = tantivy::Index::open_in_dir(store.dir().join(&first.search_dir)).unwrap();
    let mut writer: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
    let mut commit = writer.prepare_commit().unwrap();
    commit.set_payload("something else");
    commit.commit().unwrap();
    drop(writer);
    let (mut saved, reopened) = store.load_snapshot().unwrap();
    assert!(store.open_engine(&mut saved, &reopened).is_none());
    let (engine, rebuilt) = store
        .build_and_save(&reopened, Some(&saved), SystemTime::now())
        .unwrap();
    assert_eq!(rebuilt.reindexed, 1, "built anew");
    assert!(engine.answer("拦截了多少涉诈电话").answered);
}

#[test]
fn a_snapshot_with_bad_slots_is_ignored() {
    let Built { _dir, store, .. } =
        built(&[("a.md", "拦截涉诈电话19.5亿次。"), ("b.md", "乙文章正文。")]);
    let path = store.dir().join(SNAPSHOT_FILE);
    let good = std::fs::read_to_string(&path).unwrap();
    assert!(store.load_snapshot().is_some());
    for (from, to) in [
        ("\"next_slot\":2", "\"next_slot\":4000000000"),
        ("\"slot\":1", "\"slot\":0"),
        ("\"slot\":1", "\"slot\":7"),
    ] {
        assert!(good.contains(from), "{good}");
        std::fs::write(&path, good.replace(from, to)).unwrap();
        assert!(store.load_snapshot().is_none(), "{to}");
    }
}

#[test]
fn a_missing_or_damaged_article_file_is_not_a_crash() {
    let Built {
        _dir, store, cache, ..
    } = built(&[
        ("a.md", "拦截涉诈电话19.5亿次。"),
        ("b.md", "青松守护计划今年走进120所学校。"),
        ("c.md", "红棉护卫行动今年覆盖了300个村。"),
    ]);
    let body = |path: &str| {
        store
            .dir()
            .join(ARTICLES_DIR)
            .join(body_file_name(path, &cache.articles[path].hash))
    };
    std::fs::remove_file(body("a.md")).unwrap();
    let whole = std::fs::read(body("b.md")).unwrap();
    std::fs::write(body("b.md"), &whole[..whole.len() / 2]).unwrap();
    // The same length, another figure: seen only when the body is read.
    let bytes = std::fs::read(body("c.md")).unwrap();
    let at = bytes.windows(3).position(|w| w == b"300").unwrap();
    let mut changed = bytes.clone();
    changed[at] = b'9';
    std::fs::write(body("c.md"), &changed).unwrap();
    let (mut saved, mut reopened) = store.load_snapshot().unwrap();
    assert!(
        !reopened.articles.contains_key("a.md"),
        "an article without its file is left to be parsed again"
    );
    assert!(
        !reopened.articles.contains_key("b.md"),
        "an article whose file has another length is left to be parsed again"
    );
    assert!(store.open_engine(&mut saved, &reopened).is_none());
    // Parsed again (as the reload does), they are the same version: the index is opened as it
    // is, and the articles' files saved again.
    let parsed_again = KnowledgeCache::of_texts(&[
        ("a.md", "拦截涉诈电话19.5亿次。"),
        ("b.md", "青松守护计划今年走进120所学校。"),
    ]);
    reopened.articles.extend(parsed_again.articles);
    let engine = store.open_engine(&mut saved, &reopened).expect("opens");
    assert!(body("a.md").exists());
    assert_eq!(std::fs::read(body("b.md")).unwrap(), whole);
    assert!(engine.answer("拦截了多少涉诈电话").answered);
    assert!(engine.answer("青松守护计划走进了多少所学校").answered);
    assert!(
        !engine.answer("红棉护卫行动覆盖了多少个村").answered,
        "a body changed on disk is served empty, not with its changed figure"
    );
    assert!(reopened.articles["c.md"].article.is_damaged());
}

/// A knowledge folder and a data folder, for the live knowledge over a store.
fn folders(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let knowledge = root.path().join("knowledge");
    let data = root.path().join("data");
    std::fs::create_dir_all(&knowledge).unwrap();
    for (name, text) in files {
        std::fs::write(knowledge.join(name), text).unwrap();
    }
    (root, knowledge, data)
}

#[test]
fn a_body_damaged_on_disk_is_parsed_again_by_the_next_reload() {
    use crate::live::LiveKnowledge;
    let (_root, knowledge, data) = folders(&[("a.md", "拦截涉诈电话19.5亿次。")]);
    LiveKnowledge::open(&knowledge, &data).unwrap();
    let articles = data.join("index").join(ARTICLES_DIR);
    let file = std::fs::read_dir(&articles)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut bytes = std::fs::read(&file).unwrap();
    let at = bytes.windows(4).position(|w| w == b"19.5").unwrap();
    bytes[at + 3] = b'6';
    std::fs::write(&file, &bytes).unwrap();

    let (live, report) = LiveKnowledge::open(&knowledge, &data).unwrap();
    assert!(report.opened_saved_index);
    assert!(!live.engine().answer("拦截了多少涉诈电话").answered);
    let report = live.rebuild().unwrap();
    assert_eq!(report.repaired, 1);
    assert!(
        report.rebuilt,
        "no file changed, yet the article is served again"
    );
    let answer = live.engine().answer("拦截了多少涉诈电话");
    assert_eq!(answer.figures[0].figure.value, "19.5亿次");
    let (live, _) = LiveKnowledge::open(&knowledge, &data).unwrap();
    assert!(
        live.engine().answer("拦截了多少涉诈电话").answered,
        "and saved whole again"
    );
}

#[test]
fn a_store_locked_by_another_process_is_left_alone() {
    use crate::live::LiveKnowledge;
    let (_root, knowledge, data) = folders(&[("a.md", "拦截涉诈电话19.5亿次。")]);
    let store = IndexStore::in_data_dir(&data).with_lock_wait(Duration::ZERO);
    let held = store.lock().unwrap().expect("free");
    assert!(store.lock().unwrap().is_none(), "one holder at a time");
    let (live, report) =
        LiveKnowledge::load_from(&knowledge, Some(store.clone()), &|_| {}).unwrap();
    assert!(report.index_locked);
    assert!(
        live.engine().answer("拦截了多少涉诈电话").answered,
        "served from memory"
    );
    assert!(!store.dir().join(SNAPSHOT_FILE).exists(), "nothing written");
    std::fs::write(knowledge.join("b.md"), "青松守护计划今年走进120所学校。").unwrap();
    let report = live.rebuild().unwrap();
    assert!(report.index_locked && report.rebuilt);
    assert!(
        live.engine()
            .answer("青松守护计划走进了多少所学校")
            .answered
    );
    assert!(
        !store.dir().join(SNAPSHOT_FILE).exists(),
        "still nothing written"
    );
    drop(held);
    let (_, report) = LiveKnowledge::load_from(&knowledge, Some(store.clone()), &|_| {}).unwrap();
    assert!(!report.index_locked);
    assert!(store.dir().join(SNAPSHOT_FILE).exists());
}

#[test]
fn the_snapshot_is_replaced_whole() {
    let Built { _dir, store, .. } = built(&[("a.md", "拦截涉诈电话19.5亿次。")]);
    let names: Vec<String> = std::fs::read_dir(store.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
    let snapshot: SnapshotFile =
        serde_json::from_slice(&std::fs::read(store.dir().join(SNAPSHOT_FILE)).unwrap()).unwrap();
    assert!(
        snapshot.articles.values().all(|a| a.body.is_some()),
        "every body's check saved"
    );
}
