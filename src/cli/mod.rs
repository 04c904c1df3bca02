//! The command line: one subcommand per job, each a thin wiring of library modules. [`batch`]
//! answers stdin on every core; [`progress`] shows how far a big knowledge folder has loaded.

pub mod batch;
pub mod progress;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::{Parser, Subcommand};

use self::progress::LoadProgressBar;
use crate::answer::engine::Engine;
use crate::db::Database;
use crate::live::LiveKnowledge;
use crate::render::explain::explanation_text;
use crate::{config, render};

/// fanzha-bot (反诈 bot): answers anti-fraud questions with the exact figure and its source.
#[derive(Debug, Parser)]
#[command(name = "fanzha-bot", version, about)]
pub struct Cli {
    /// The knowledge folder (else KNOWLEDGE_DIR, else ./knowledge).
    #[arg(long, global = true, value_name = "DIR")]
    pub knowledge: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Answer a question as the bot would; with no QUESTION, answer one question per stdin line.
    Ask {
        /// Print JSON (one object per question) instead of the reply text.
        #[arg(long)]
        json: bool,
        /// Show how the question is read: words, synonyms, weights and the best candidates.
        #[arg(long, conflicts_with = "json")]
        explain: bool,
        /// Also write the answer's series as a PNG bar chart to FILE (one question only; exit
        /// code 1 when the answer has no series to chart).
        #[arg(long, value_name = "FILE", conflicts_with = "explain")]
        chart: Option<PathBuf>,
        /// Threads answering stdin questions (default: one per core). Answers keep input order.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
        jobs: Option<u16>,
        /// The question; the words are joined with spaces.
        question: Vec<String>,
    },
    /// Load the knowledge folder and report every problem as `path:line: message`.
    Check {
        /// Also list the site boilerplate (editor lines, related links, comment boxes, licence
        /// and copyright lines) left out of pasted web pages, as `path:line: "text"`.
        #[arg(long)]
        dropped: bool,
    },
    /// Build or refresh the persistent index under DATA_DIR; only changed files are re-parsed.
    Index {
        /// Where the index is kept (in DIR/index/; else DATA_DIR, else ./data).
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Run a question file (JSON lines: kind, q, expect) and print every wrong answer.
    Eval {
        /// The question file, e.g. knowledge/regression.jsonl.
        file: PathBuf,
    },
    /// Check a message for scam red flags; with no TEXT, check one message per stdin line and
    /// print one JSON line each.
    Scan {
        /// Print JSON (risk, types, flags, advice, reply) instead of the reply text.
        #[arg(long)]
        json: bool,
        /// The message; the words are joined with spaces.
        text: Vec<String>,
    },
    /// Run the Telegram bot (configuration from the environment and .env; see .env.example).
    Run,
    /// Remove the bot's webhook at Telegram (stopping `run` never does: replicas share it).
    DeleteWebhook,
    /// Print the maintainers' report: most asked, unanswered and down-voted questions.
    Feedback {
        /// How many questions to list per section.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
}

/// Runs a parsed command line. Exit codes: 0 ok, 1 problems found, 2 could not run.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // Every subcommand reads the same settings: `index` must find the DATA_DIR `run` uses.
    load_dotenv()?;
    match cli.command {
        Command::Run => return run_bot(cli.knowledge),
        Command::DeleteWebhook => {
            let config = bot_environment(cli.knowledge)?;
            tokio_runtime()?.block_on(crate::bot::run::delete_webhook(&config))?;
            println!(
                "webhook removed: the bot receives updates only once `run` sets one again or polls"
            );
            return Ok(ExitCode::SUCCESS);
        }
        Command::Feedback { limit } => return feedback(limit),
        _ => {}
    }
    let knowledge = config::knowledge_dir(cli.knowledge);
    match cli.command {
        Command::Ask {
            json,
            explain,
            chart,
            jobs,
            question,
        } => {
            let question = question.join(" ");
            if explain {
                let (engine, _) = Engine::load(&knowledge)?;
                print!("{}", explanation_text(&engine.explain(&question)));
                return Ok(ExitCode::SUCCESS);
            }
            if let Some(file) = chart {
                return ask_with_chart(&knowledge, json, &question, &file);
            }
            ask(&knowledge, json, &question, jobs)
        }
        Command::Check { dropped } => {
            let code = check(&knowledge, None)?;
            if dropped {
                list_dropped(&knowledge)?;
            }
            Ok(code)
        }
        Command::Index { data_dir } => check(&knowledge, Some(&config::data_dir(data_dir))),
        Command::Eval { file } => eval(&knowledge, &file),
        Command::Scan { json, text } => scan(&knowledge, json, &text.join(" ")),
        Command::Run | Command::DeleteWebhook | Command::Feedback { .. } => {
            unreachable!("handled above")
        }
    }
}

/// `scan`: patterns from `<knowledge>/scam-patterns.yaml`, else the built-in ones.
fn scan(knowledge: &std::path::Path, json: bool, message: &str) -> anyhow::Result<ExitCode> {
    let scanner = crate::scam::Scanner::for_knowledge(knowledge)?;
    if message.is_empty() && !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        // Batch mode: one message per line, one JSON line out each, in input order.
        map_stdin_lines(
            "reading messages from stdin",
            batch::default_workers(),
            move |text| crate::scam::json_line(&scanner.scan(text)),
        )?;
    } else {
        let verdict = scanner.scan(message);
        print_line(&if json {
            crate::scam::json_line(&verdict)
        } else {
            crate::scam::plain_reply(&verdict)
        });
    }
    Ok(ExitCode::SUCCESS)
}

/// Batch mode of `ask` and `scan`: `reply` to every stdin line on `workers` threads, printed in
/// input order (see [`batch::map_lines`]).
fn map_stdin_lines(
    reading: &'static str,
    workers: usize,
    reply: impl Fn(&str) -> String + Send + Sync + 'static,
) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    batch::map_lines(std::io::stdin(), &mut out, workers, reply).context(reading)?;
    Ok(())
}

/// Prints one reply. A closed stdout (`| head`) is not an error worth a message.
fn print_line(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}").and_then(|()| out.flush());
}

/// Loads `.env` (if any) into the environment. A missing `.env` is normal; a broken one is not.
fn load_dotenv() -> anyhow::Result<()> {
    match dotenvy::dotenv() {
        Err(err) if !err.not_found() => anyhow::bail!(".env: {err}"),
        _ => Ok(()),
    }
}

/// `.env` (if any) into the environment, then the bot's configuration from it.
fn bot_environment(knowledge: Option<PathBuf>) -> anyhow::Result<crate::bot::config::BotConfig> {
    load_dotenv()?;
    Ok(crate::bot::config::BotConfig::from_env(knowledge)?)
}

fn tokio_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn run_bot(knowledge: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let config = bot_environment(knowledge)?;
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    tokio_runtime()?.block_on(crate::bot::run::run(config))?;
    Ok(ExitCode::SUCCESS)
}

fn feedback(limit: usize) -> anyhow::Result<ExitCode> {
    load_dotenv()?;
    let data_dir = config::data_dir(None);
    let database_url = std::env::var("DATABASE_URL").ok().filter(|v| !v.is_empty());
    let report = tokio_runtime()?.block_on(async {
        let database = Database::open(&data_dir, database_url.as_deref()).await?;
        let report = database.report(limit).await;
        database.close().await;
        report
    })?;
    print!("{report}");
    Ok(ExitCode::SUCCESS)
}

fn ask(
    knowledge: &std::path::Path,
    json: bool,
    question: &str,
    jobs: Option<u16>,
) -> anyhow::Result<ExitCode> {
    let (engine, _problems) = Engine::load(knowledge)?;
    let reply = move |question: &str| {
        let answer = engine.answer(question);
        if json {
            render::json(&answer)
        } else {
            render::plain(&answer)
        }
    };
    if question.trim().is_empty() && !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        // Batch mode: one question per line, answered on every core, in input order.
        let workers = jobs.map_or_else(batch::default_workers, usize::from);
        map_stdin_lines("reading questions from stdin", workers, reply)?;
    } else {
        print_line(&reply(question));
    }
    Ok(ExitCode::SUCCESS)
}

/// `ask --chart FILE`: the reply, and the answer's series drawn to `file`.
fn ask_with_chart(
    knowledge: &Path,
    json: bool,
    question: &str,
    file: &Path,
) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        !question.trim().is_empty(),
        "ask --chart needs a question on the command line, e.g. `fanzha-bot ask --chart chart.png 历年拦截涉诈电话`"
    );
    let (engine, _problems) = Engine::load(knowledge)?;
    let answer = engine.answer(question);
    print_line(&if json {
        render::json(&answer)
    } else {
        render::plain(&answer)
    });
    if answer.series.is_empty() {
        eprintln!(
            "no chart written: the knowledge has this figure for fewer than two comparable periods \
             (whole years, or running totals); ask about a measure reported for several years, \
             e.g. 历年拦截涉诈电话"
        );
        return Ok(ExitCode::from(1));
    }
    let png = render::chart::series_chart(&answer.series)?;
    std::fs::write(file, png).with_context(|| {
        format!(
            "{}: cannot write the chart; check the folder exists",
            file.display()
        )
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `check --dropped`: the boilerplate each article lost when it was read.
fn list_dropped(knowledge: &Path) -> anyhow::Result<()> {
    let loaded = crate::knowledge::load_folder(knowledge)?;
    let mut count = 0;
    for document in &loaded.documents {
        for block in &document.dropped {
            let path = knowledge.join(&document.path);
            println!(
                "{}:{}: dropped {:?}",
                path.display(),
                block.line,
                block.text
            );
            count += 1;
        }
    }
    println!("{count} block(s) of site boilerplate dropped");
    Ok(())
}

/// `check` (in memory) or `index` (persisted under `data_dir`): loads the knowledge with a
/// progress bar on big folders and reports every problem.
fn check(knowledge: &Path, data_dir: Option<&Path>) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let bar = LoadProgressBar::new(data_dir.is_some());
    let (live, report) =
        LiveKnowledge::load_with_progress(knowledge, data_dir, &|step| bar.show(step))?;
    bar.finish();
    let stats = live.engine().stats();
    println!(
        "{}: {} documents, {} passages, {} figures",
        knowledge.display(),
        stats.documents,
        stats.passages,
        stats.figures
    );
    if let Some(data_dir) = data_dir {
        if report.index_locked {
            anyhow::bail!(
                "{}: locked by another fanzha-bot (a running bot or another `index`), nothing was \
                 saved: run `index` again once it has finished, or stop the bot first",
                data_dir.join("index").display()
            );
        }
        let index = if report.opened_saved_index {
            "reused"
        } else if report.reindexed < report.documents {
            "updated in place"
        } else {
            "rebuilt"
        };
        println!(
            "{}: {} file(s) parsed, {} article(s) indexed, index {index} in {:.2?}",
            data_dir.join("index").display(),
            report.reparsed,
            report.reindexed,
            started.elapsed()
        );
    }
    let mut problems: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    // The scam patterns and case library are checked too: a broken one is kept out of `scan`
    // and the bot, which keep their last good scanner.
    if let Err(err) = crate::scam::Scanner::for_knowledge(knowledge) {
        problems.push(err.to_string());
    }
    for problem in &problems {
        println!("{problem}");
    }
    if problems.is_empty() {
        println!("no problems found");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("{} problem(s) found", problems.len());
        Ok(ExitCode::from(1))
    }
}

fn eval(knowledge: &std::path::Path, file: &std::path::Path) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("{}: cannot read the question file", file.display()))?;
    let questions =
        crate::eval::parse_questions(&text).with_context(|| format!("{}", file.display()))?;
    let (engine, _problems) = Engine::load(knowledge)?;
    let report = crate::eval::evaluate(&engine, &questions);
    for failure in &report.failures {
        let q = &failure.question;
        println!(
            "FAIL {} [{}] {:?}: expected {}, got {}",
            q.id,
            format!("{:?}", q.kind).to_lowercase(),
            q.q,
            if q.expect.is_empty() {
                "no answer".to_string()
            } else {
                format!("{:?}", q.expect)
            },
            failure.got
        );
    }
    println!(
        "{} passed, {} failed",
        report.passed(),
        report.failures.len()
    );
    Ok(if report.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
