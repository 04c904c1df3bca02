//! The live knowledge's guard against mass removals: a folder caught half-way through a change
//! is not served; a removal that stays is, and the admins hear about it.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

const ARTICLES: [(&str, &str); 6] = [
    ("a.md", "拦截涉诈电话19.5亿次。"),
    ("b.md", "青松守护计划今年走进120所学校。"),
    ("c.md", "红棉护卫行动今年覆盖了300个村。"),
    ("d.md", "断卡行动今年查处银行卡8000张。"),
    ("e.md", "反诈宣传今年进社区450场。"),
    ("f.md", "预警劝阻今年见面劝阻2万人次。"),
];

/// The six articles in a temporary knowledge folder, loaded, with a guard whose settling runs
/// `settle` (counted) instead of sleeping.
fn loaded(
    settle: impl Fn(&Path) + Send + Sync + 'static,
) -> (tempfile::TempDir, LiveKnowledge, Arc<AtomicUsize>) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in ARTICLES {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let (live, _) = LiveKnowledge::load(dir.path()).unwrap();
    let settled = Arc::new(AtomicUsize::new(0));
    let (count, folder) = (Arc::clone(&settled), dir.path().to_path_buf());
    live.set_mass_removal_guard(MassRemovalGuard {
        settle: Arc::new(move || {
            count.fetch_add(1, Ordering::SeqCst);
            settle(&folder);
        }),
        ..MassRemovalGuard::default()
    });
    (dir, live, settled)
}

fn remove_all_but_a(dir: &Path) {
    for (name, _) in &ARTICLES[1..] {
        std::fs::remove_file(dir.join(name)).unwrap();
    }
}

#[test]
fn a_folder_caught_half_way_through_a_copy_is_not_served() {
    // `rm *.md && cp new/*.md .` caught between the two: the copy ends while the bot waits.
    let (dir, live, settled) = loaded(|folder| {
        for (name, text) in &ARTICLES[1..] {
            std::fs::write(folder.join(name), text).unwrap();
        }
    });
    let mut notices = live.subscribe_problems();
    remove_all_but_a(dir.path());
    let report = live.rebuild().unwrap();
    assert_eq!(settled.load(Ordering::SeqCst), 1);
    assert_eq!(report.removed, 0);
    assert_eq!(live.engine().stats().documents, 6);
    assert!(live.engine().answer("反诈宣传进社区多少场").answered);
    assert!(notices.try_recv().is_err(), "nothing to tell the admins");
}

#[test]
fn a_removal_that_stays_is_served_and_the_admins_hear_of_it() {
    let (dir, live, settled) = loaded(|_| {});
    let mut notices = live.subscribe_problems();
    remove_all_but_a(dir.path());
    let report = live.rebuild().unwrap();
    assert_eq!(
        settled.load(Ordering::SeqCst),
        1,
        "one more look confirms it"
    );
    assert_eq!(report.removed, 5);
    assert_eq!(live.engine().stats().documents, 1);
    let batch = notices.try_recv().expect("the admins are told");
    assert!(
        batch[0]
            .message
            .starts_with("5 of 6 articles were removed at once"),
        "{}",
        batch[0]
    );
}

#[test]
fn removing_a_few_articles_needs_no_second_look() {
    let (dir, live, settled) = loaded(|_| panic!("no settling"));
    for (name, _) in &ARTICLES[..3] {
        std::fs::remove_file(dir.path().join(name)).unwrap();
    }
    let report = live.rebuild().unwrap();
    assert_eq!(settled.load(Ordering::SeqCst), 0);
    assert_eq!(report.removed, 3, "half is not most");
}
