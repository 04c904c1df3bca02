//! Knowledge maintenance: live reload while questions stream in, last good versions of broken
//! files, problem notifications, the persistent index across restarts, and several years of the
//! same measure.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use fanzha_bot::answer::engine::Engine;
use fanzha_bot::live::LiveKnowledge;
use fanzha_bot::sync::unpoisoned;

/// How long a change may take to become visible (the promise).
const VISIBLE_WITHIN: Duration = Duration::from_secs(2);

/// Tests in this file build engines; run them one at a time so the 2-second promise is measured
/// on a machine that is not also building five other engines in debug mode.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> MutexGuard<'static, ()> {
    unpoisoned(&ONE_AT_A_TIME)
}

/// A temporary knowledge folder.
struct Folder {
    dir: tempfile::TempDir,
}

impl Folder {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temporary folder"),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) {
        let path = self.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        // Written beside and renamed, as editors do, so the watcher never reads half a file
        // unless a test means it to.
        let temporary = self.path().join(format!(".{}.tmp", name.replace('/', "_")));
        std::fs::write(&temporary, bytes).unwrap();
        std::fs::rename(&temporary, &path).unwrap();
    }

    fn article(&self, name: &str, title: &str, body: &str) {
        self.write(name, article(title, "2023-05-01", body));
    }

    fn remove(&self, name: &str) {
        std::fs::remove_file(self.path().join(name)).unwrap();
    }
}

fn article(title: &str, date: &str, body: &str) -> String {
    format!("---\ntitle: {title}\ndate: {date}\nauthor: 测试\n---\n\n{body}\n")
}

/// The path of the article that answers `question`, if it is answered.
fn answered_from(engine: &Engine, question: &str) -> Option<String> {
    let answer = engine.answer(question);
    if !answer.answered {
        return None;
    }
    answer
        .passages
        .first()
        .map(|p| p.path.clone())
        .or_else(|| answer.figures.first().map(|f| f.source.path.clone()))
}

/// Polls `condition` until it holds or `VISIBLE_WITHIN` passes; returns how long it took.
fn wait_until(what: &str, mut condition: impl FnMut() -> bool) -> Duration {
    let started = Instant::now();
    loop {
        if condition() {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < VISIBLE_WITHIN,
            "not visible within {VISIBLE_WITHIN:?}: {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

const STEADY: &str = "steady.md";
const STEADY_QUESTION: &str = "蓝鲸护航行动是什么";
const STEADY_BODY: &str = "蓝鲸护航行动是一项面向老年人的反诈宣传活动，志愿者上门讲解防骗知识。";

#[test]
fn questions_stream_while_files_are_added_changed_broken_and_deleted() {
    let _serial = one_at_a_time();
    let folder = Folder::new();
    questions_stream_while_files_change(&folder, || LiveKnowledge::load(folder.path()).unwrap());
}

/// The same with the persistent index, as the bot runs: reopened from disk (articles read on
/// first use) and updated in place.
#[test]
fn questions_stream_while_files_change_with_the_persistent_index() {
    let _serial = one_at_a_time();
    let folder = Folder::new();
    let data = tempfile::tempdir().unwrap();
    questions_stream_while_files_change(&folder, || {
        drop(LiveKnowledge::open(folder.path(), data.path()).unwrap());
        let (live, report) = LiveKnowledge::open(folder.path(), data.path()).unwrap();
        assert!(report.opened_saved_index, "{report:?}");
        (live, report)
    });
}

fn questions_stream_while_files_change(
    folder: &Folder,
    load: impl FnOnce() -> (LiveKnowledge, fanzha_bot::live::refresh::ReloadReport),
) {
    folder.article(STEADY, "蓝鲸护航行动", STEADY_BODY);
    folder.article(
        "old.md",
        "白鹭守望计划",
        "白鹭守望计划在社区设立反诈驿站，帮助居民识别冒充客服的骗局。",
    );
    let (live, report) = load();
    assert_eq!(report.documents, 2);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let _watcher = live.watch().unwrap();

    // Questions stream in from another thread for the whole test; every one must be answered.
    let stop = Arc::new(AtomicBool::new(false));
    let asked = Arc::new(AtomicUsize::new(0));
    let questioner = {
        let (live, stop, asked) = (live.clone(), Arc::clone(&stop), Arc::clone(&asked));
        std::thread::spawn(move || {
            let mut unanswered = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let engine = live.engine();
                if answered_from(&engine, STEADY_QUESTION).as_deref() != Some(STEADY) {
                    unanswered.push(engine.stats());
                }
                asked.fetch_add(1, Ordering::Relaxed);
                // A steady stream, not a busy loop: the rebuild shares two cores with it.
                std::thread::sleep(Duration::from_millis(2));
            }
            unanswered
        })
    };

    let new_question = "青松守护计划走进了多少所学校";
    folder.article(
        "new.md",
        "青松守护计划",
        "青松守护计划是本市推出的反诈宣传项目，今年已走进120所学校。",
    );
    let took = wait_until("a new article", || {
        answered_from(&live.engine(), new_question).as_deref() == Some("new.md")
    });
    eprintln!("new article visible after {took:?}");

    let changed_question = "红棉护卫行动覆盖了多少个村";
    folder.article(
        "new.md",
        "红棉护卫行动",
        "红棉护卫行动取代了原来的宣传项目，今年覆盖了300个村。",
    );
    wait_until("a changed article", || {
        let engine = live.engine();
        answered_from(&engine, changed_question).as_deref() == Some("new.md")
            && answered_from(&engine, new_question).is_none()
    });

    // A bad edit — broken front matter, GBK bytes — keeps the last good version served and
    // reports the problem.
    let mut gbk = article("红棉护卫行动", "2023-05-01", "").into_bytes();
    gbk.extend_from_slice(&[0xba, 0xec, 0xc3, 0xde, 0xbb, 0xa4, 0xce, 0xc0]);
    let broken_front_matter = "---\ntitle: [未闭合\ndate: 2023-05-01\n---\n\n正文\n";
    for (broken, expected_message) in [
        (broken_front_matter.as_bytes().to_vec(), "last good version"),
        (gbk, "UTF-8"),
    ] {
        folder.write("new.md", broken);
        wait_until(expected_message, || {
            live.problems()
                .iter()
                .any(|p| p.path.ends_with("new.md") && p.message.contains(expected_message))
        });
        assert_eq!(
            answered_from(&live.engine(), changed_question).as_deref(),
            Some("new.md"),
            "the last good version is served"
        );
    }

    // Deleted: gone, broken or not.
    folder.remove("old.md");
    folder.remove("new.md");
    // The engine is swapped in a moment before the problem list is updated: wait for both.
    wait_until("deleted articles disappear, and their problems", || {
        let engine = live.engine();
        engine.stats().documents == 1
            && answered_from(&engine, changed_question).is_none()
            && answered_from(&engine, "白鹭守望计划设立了什么").is_none()
            && live.problems().is_empty()
    });

    stop.store(true, Ordering::Relaxed);
    let unanswered = questioner.join().unwrap();
    assert!(asked.load(Ordering::Relaxed) > 0);
    assert!(
        unanswered.is_empty(),
        "{} of {} questions went unanswered, by engines with {:?}",
        unanswered.len(),
        asked.load(Ordering::Relaxed),
        unanswered.first()
    );
}

#[test]
fn a_broken_synonyms_file_keeps_the_previous_synonyms() {
    let _serial = one_at_a_time();
    let folder = Folder::new();
    folder.article(STEADY, "蓝鲸护航行动", STEADY_BODY);
    let colloquial = "鲸鱼行动是什么";
    folder.write("synonyms.txt", "蓝鲸护航行动 鲸鱼行动\n");
    folder.write("dictionary.txt", "蓝鲸护航行动\n鲸鱼行动\n");
    let (live, report) = LiveKnowledge::load(folder.path()).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(
        answered_from(&live.engine(), colloquial).as_deref(),
        Some(STEADY)
    );

    for (broken, expected_message) in [
        (b"\xff\xfe\xd0\xc2 \xba\xec\n".to_vec(), "UTF-8"),
        ("蓝鲸护航行动\n".as_bytes().to_vec(), "at least two words"),
    ] {
        folder.write("synonyms.txt", broken);
        let report = live.rebuild().unwrap();
        assert_eq!(report.kept_last_good, 1);
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.path.ends_with("synonyms.txt")
                    && p.message.contains(expected_message)
                    && p.message.contains("last good version")),
            "{:?}",
            report.problems
        );
        assert_eq!(
            answered_from(&live.engine(), colloquial).as_deref(),
            Some(STEADY),
            "previous synonyms still served"
        );
    }

    // Fixed: the new synonyms replace the old ones.
    folder.write("synonyms.txt", "蓝鲸护航行动 海豚行动\n");
    folder.write("dictionary.txt", "蓝鲸护航行动\n海豚行动\n");
    let report = live.rebuild().unwrap();
    assert!(report.rebuilt);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(
        answered_from(&live.engine(), "海豚行动是什么").as_deref(),
        Some(STEADY)
    );
}

#[test]
fn each_new_problem_is_sent_once() {
    let _serial = one_at_a_time();
    let folder = Folder::new();
    folder.article(STEADY, "蓝鲸护航行动", STEADY_BODY);
    let (live, _) = LiveKnowledge::load(folder.path()).unwrap();
    let mut problems = live.subscribe_problems();

    folder.write("broken.md", "---\ntitle: 没有结束的前言\n");
    let report = live.rebuild().unwrap();
    assert!(!report.rebuilt, "nothing served changed");
    let batch = problems.try_recv().expect("one batch for the new problem");
    assert_eq!(batch.len(), 1);
    assert!(batch[0].path.ends_with("broken.md"));
    assert!(batch[0].to_string().contains("broken.md:"), "{}", batch[0]);

    live.rebuild().unwrap();
    assert!(
        problems.try_recv().is_err(),
        "the same problem is not sent again"
    );

    folder.remove("broken.md");
    live.rebuild().unwrap();
    assert!(live.problems().is_empty());
    assert!(
        problems.try_recv().is_err(),
        "a fixed problem sends nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_now_swaps_in_the_new_engine() {
    let folder = Folder::new();
    folder.article(STEADY, "蓝鲸护航行动", STEADY_BODY);
    let (live, _) = LiveKnowledge::load(folder.path()).unwrap();
    let before = live.engine();
    folder.article(
        "added.md",
        "青松守护计划",
        "青松守护计划是本市推出的反诈宣传项目，今年已走进120所学校。",
    );
    let report = live.reload_now().await.unwrap();
    assert!(report.rebuilt);
    assert_eq!(report.reparsed, 1, "only the new file is parsed");
    assert_eq!(before.stats().documents, 1, "a held engine never changes");
    assert_eq!(live.engine().stats().documents, 2);
    assert!(live.index_age() < Duration::from_secs(60));
}

#[test]
fn a_restart_reuses_the_persisted_index() {
    let _serial = one_at_a_time();
    let folder = Folder::new();
    let data = tempfile::tempdir().unwrap();
    folder.article(STEADY, "蓝鲸护航行动", STEADY_BODY);
    folder.article(
        "sub/second.md",
        "青松守护计划",
        "青松守护计划是本市推出的反诈宣传项目，今年已走进120所学校。",
    );
    folder.write("synonyms.txt", "蓝鲸护航行动 鲸鱼行动\n");

    let (first, report) = LiveKnowledge::open(folder.path(), data.path()).unwrap();
    assert!(report.rebuilt && !report.opened_saved_index);
    assert_eq!(report.reparsed, 3, "two articles and the synonyms");
    let expected = first.engine().answer("青松守护计划走进了多少所学校");
    drop(first);

    let (second, report) = LiveKnowledge::open(folder.path(), data.path()).unwrap();
    assert!(report.opened_saved_index, "{report:?}");
    assert!(!report.rebuilt);
    assert_eq!(report.reparsed, 0, "nothing re-parsed");
    assert_eq!(
        second.engine().answer("青松守护计划走进了多少所学校"),
        expected
    );
    drop(second);

    // Rewritten with the same bytes (a new modification time): hashed again, not re-parsed.
    let steady = folder.path().join(STEADY);
    std::fs::write(&steady, std::fs::read(&steady).unwrap()).unwrap();
    let (_, report) = LiveKnowledge::open(folder.path(), data.path()).unwrap();
    assert!(report.opened_saved_index, "{report:?}");
    assert_eq!(report.reparsed, 0, "same content, nothing re-parsed");

    folder.article(
        "sub/second.md",
        "红棉护卫行动",
        "红棉护卫行动今年覆盖了300个村。",
    );
    // One changed file: only it is re-parsed and re-indexed, in the same search index.
    let (third, report) = LiveKnowledge::open(folder.path(), data.path()).unwrap();
    assert!(report.rebuilt && !report.opened_saved_index);
    assert_eq!(report.reparsed, 1);
    assert_eq!(report.reindexed, 1, "{report:?}");
    assert_eq!(
        answered_from(&third.engine(), "红棉护卫行动覆盖了多少个村").as_deref(),
        Some("sub/second.md")
    );
    assert!(
        !third
            .engine()
            .answer("青松守护计划走进了多少所学校")
            .answered
    );
    let index = data.path().join("index");
    let search_folders = std::fs::read_dir(&index)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("search-"))
        .count();
    assert_eq!(search_folders, 1, "one search index");
    let article_files = std::fs::read_dir(index.join("articles")).unwrap().count();
    assert_eq!(
        article_files, 3,
        "two articles, and the changed one's previous version until the next change"
    );
}

fn multi_year_fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/multi-year")
}

#[test]
fn several_years_of_one_measure_lead_with_the_newest() {
    let _serial = one_at_a_time();
    let (live, report) = LiveKnowledge::load(&multi_year_fixtures()).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.documents, 3);
    let answer = live.engine().answer("拦截了多少涉诈电话");
    assert!(answer.answered, "{answer:?}");
    let first = answer.figures.first().expect("a figure");
    assert_eq!(first.figure.value, "23.1亿次", "{:#?}", answer.figures);
    assert_eq!(
        first.figure.period.as_deref(),
        Some("2023年"),
        "the answer says its year"
    );
    assert!(
        answer.figures.iter().any(|f| f.figure.value == "19.5亿次"),
        "older years are shown too: {:#?}",
        answer.figures
    );
}

#[test]
fn the_index_command_builds_once_then_reuses_then_updates_in_place() {
    let _serial = one_at_a_time();
    let data = tempfile::tempdir().unwrap();
    let folder = Folder::new();
    for entry in std::fs::read_dir(multi_year_fixtures()).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        folder.write(&name, std::fs::read(entry.path()).unwrap());
    }
    let run = || {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_fanzha-bot"))
            .arg("--knowledge")
            .arg(folder.path())
            .arg("index")
            .arg("--data-dir")
            .arg(data.path())
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let first = run();
    assert!(first.contains("3 documents"), "{first}");
    assert!(
        first.contains("3 file(s) parsed, 3 article(s) indexed, index rebuilt"),
        "{first}"
    );
    let second = run();
    assert!(
        second.contains("0 file(s) parsed, 0 article(s) indexed, index reused"),
        "{second}"
    );
    folder.article(
        "d-new.md",
        "青松守护计划",
        "青松守护计划今年走进120所学校。",
    );
    let third = run();
    assert!(third.contains("4 documents"), "{third}");
    assert!(
        third.contains("1 file(s) parsed, 1 article(s) indexed, index updated in place"),
        "{third}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifos_devices_and_huge_files_are_problems_and_the_last_good_version_is_served() {
    let folder = Folder::new();
    folder.article(STEADY, "蓝鲸护航行动", STEADY_BODY);
    let (live, _) = LiveKnowledge::load(folder.path()).unwrap();
    // The article becomes a link to /dev/zero; beside it a FIFO and a file over the limit.
    folder.remove(STEADY);
    std::os::unix::fs::symlink("/dev/zero", folder.path().join(STEADY)).unwrap();
    let fifo = folder.path().join("fifo.md");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let huge = std::fs::File::create(folder.path().join("huge.md")).unwrap();
    huge.set_len(fanzha_bot::knowledge::MAX_ARTICLE_BYTES + 1)
        .unwrap();
    let reloaded = tokio::time::timeout(Duration::from_secs(30), live.reload_now()).await;
    reloaded.expect("the reload hangs").unwrap();
    let problems: Vec<String> = live.problems().iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(
        problems
            .iter()
            .any(|p| p.contains("huge.md:1: too large (17 MB, limit 16 MB)")),
        "{problems:?}"
    );
    let not_regular = problems
        .iter()
        .filter(|p| p.contains("not a regular file"))
        .count();
    assert_eq!(not_regular, 2, "{problems:?}");
    assert_eq!(
        answered_from(&live.engine(), STEADY_QUESTION).as_deref(),
        Some(STEADY)
    );
    // `check` reads through the same reader: it returns too.
    let checked = fanzha_bot::knowledge::load_folder(folder.path()).unwrap();
    assert_eq!(checked.problems.len(), 3);
}

#[test]
fn every_subcommand_reads_the_env_file() {
    let _serial = one_at_a_time();
    let folder = Folder::new();
    folder.article(STEADY, "蓝鲸护航行动", STEADY_BODY);
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data-from-env");
    let env = format!(
        "KNOWLEDGE_DIR={}\nDATA_DIR={}\n",
        folder.path().display(),
        data.display()
    );
    std::fs::write(work.path().join(".env"), env).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_fanzha-bot"))
        .current_dir(work.path())
        .env_remove("KNOWLEDGE_DIR")
        .env_remove("DATA_DIR")
        .arg("index")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(data.join("index").is_dir(), "{output:?}");
}
