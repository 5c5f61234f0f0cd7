//! The command line's clap types. Their doc comments are the `--help` texts, so
//! fields that need no help text carry none.
#![allow(missing_docs)]

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "tiexin",
    version = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("TIEXIN_COMMIT"), ")"),
    about = "贴心 tiexin: accountability and evaluation reports for the hardship-contact system of trade unions",
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Say nothing but the answer, warnings and errors (no progress line).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Say every step on its own line (each table read, with its rows).
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Never send a long table through the pager ($PAGER, less by default).
    #[arg(long, global = true)]
    pub no_pager: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load and check every table of the archive; print counts per table.
    Validate(ValidateArgs),
    /// Visit compliance, exits, fund usage and findings per union subtree for a period.
    Metrics(MetricsArgs),
    /// The findings (rule violations) of a quarter.
    Findings(FindingsArgs),
    /// Read-only SQL over the archive, for inspectors' audits.
    Query(QueryArgs),
    /// Write a deterministic synthetic archive (a whole province).
    Generate(GenerateArgs),
    /// The periodic bulletin (工作通报) of a union as PDF.
    Bulletin(BulletinArgs),
    /// One supervisory circular (督查通报) PDF per union with major findings in a quarter.
    Circulars(CircularsArgs),
    /// The year's award shortlist (困难职工贴心人 nominees), in rank order.
    Shortlist(ShortlistArgs),
    /// The outbox of emails: list, show, retry, approve, send.
    Outbox(OutboxArgs),
    /// Run the scheduled jobs of the config (cron) until stopped.
    Schedule(ScheduleArgs),
    /// Early warnings: what becomes a finding unless something is done, as of a day.
    Warnings(WarningsArgs),
    /// The major findings of a quarter with their deadline and correction status.
    Rectify(RectifyArgs),
    /// The whole job on the bundled sample archive: validation, metrics, findings, a
    /// bulletin, the shortlist and the circulars (written, not sent), into one folder.
    Demo(DemoArgs),
    /// The web console for inspectors, award committees and union offices (users in `[[users]]` of the config).
    Serve(ServeArgs),
    /// Print the argon2 hash of a password (read from standard input) for `[[users]]` password-hash.
    Passwd,
    /// Print shell completions for bash, zsh or fish (e.g. `tiexin completions bash > ~/.local/share/bash-completion/completions/tiexin`).
    Completions(CompletionsArgs),
    /// Check the installation and the configuration: where the fonts, the sample archive and the queries come from, the config file, every template's syntax.
    Check(CheckArgs),
    /// Write the workbook offices fill in: one sheet per table, Chinese headers,
    /// drop-down lists, and a first sheet 填表说明.
    Template(TemplateArgs),
}

#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// The workbook to write (e.g. 档案模板.xlsx).
    #[arg(long, value_name = "FILE.xlsx")]
    pub out: PathBuf,
}

/// Where the archive and the configuration are.
#[derive(Debug, Args)]
pub struct ArchiveArgs {
    /// The archive folder (one <table>.csv, .parquet or .xlsx per table, named in English or Chinese, or workbooks with a sheet per table) [default: the bundled sample-data/]
    #[arg(long, value_name = "DIR")]
    pub archive: Option<PathBuf>,
    /// Configuration file (TOML) [default: built-in values]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Do not read or write the validated cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Use the .sql files in this folder instead of the built-in ones of the same name.
    #[arg(long, value_name = "DIR")]
    pub queries: Option<PathBuf>,
    /// Run the queries on a Ballista cluster (a tiexin built with the `ballista` feature) [default: local]
    #[arg(long, value_name = "ballista://HOST:PORT")]
    pub engine: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Csv,
    Json,
    /// A workbook for people (Chinese column labels, a sheet 说明); needs --out FILE.xlsx.
    Xlsx,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format [default: table on a terminal, csv otherwise]
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Only these columns, in this order (names or Chinese labels, comma-separated).
    /// On a terminal the table shows the key columns that fit its width.
    #[arg(long, value_name = "A,B,…", value_delimiter = ',')]
    pub columns: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub archive: ArchiveArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Write every rejected row as CSV (table,line,column,value,reason).
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
    /// Write every warning as CSV (table,line,column,value,reason).
    #[arg(long, value_name = "FILE")]
    pub warnings: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FileFormat {
    Csv,
    Parquet,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Folder to write the archive into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Number of households.
    #[arg(long, default_value_t = 10_000)]
    pub households: u64,
    /// Seed: the same seed and options give identical files.
    #[arg(long, default_value_t = 2018)]
    pub seed: u64,
    /// File format of every table.
    #[arg(long, value_enum, default_value_t = FileFormat::Csv)]
    pub format: FileFormat,
    /// Write into a folder that is not empty: its table files are replaced, and those of
    /// the other format removed.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct MetricsArgs {
    #[command(flatten)]
    pub archive: ArchiveArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// A quarter (2026Q3) or a year (2026).
    #[arg(long)]
    pub period: String,
    /// Only this union and its subtree [default: every union]
    #[arg(long, value_name = "UNION_ID")]
    pub union: Option<String>,
    /// Only this many levels below --union (0 = the union alone)
    #[arg(long, value_name = "N")]
    pub depth: Option<u32>,
}

#[derive(Debug, Args)]
pub struct FindingsArgs {
    #[command(flatten)]
    pub archive: ArchiveArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// A quarter, e.g. 2026Q3.
    #[arg(long)]
    pub period: String,
    /// Only findings belonging to this union's subtree.
    #[arg(long, value_name = "UNION_ID")]
    pub union: Option<String>,
    /// Only this rule (e.g. V1).
    #[arg(long)]
    pub rule: Option<String>,
    /// Only this severity.
    #[arg(long, value_parser = ["major", "minor"])]
    pub severity: Option<String>,
}

#[derive(Debug, Args)]
pub struct WarningsArgs {
    #[command(flatten)]
    pub archive: ArchiveArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// The day of the warnings, YYYY-MM-DD.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: String,
    /// Only warnings due in at most N days.
    #[arg(long, value_name = "N")]
    pub within: Option<i64>,
    /// Only warnings belonging to this union's subtree.
    #[arg(long, value_name = "UNION_ID")]
    pub union: Option<String>,
}

#[derive(Debug, Args)]
pub struct RectifyArgs {
    #[command(flatten)]
    pub archive: ArchiveArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// A quarter, e.g. 2026Q3: its major findings.
    #[arg(long)]
    pub period: String,
    /// Only findings belonging to this union's subtree.
    #[arg(long, value_name = "UNION_ID")]
    pub union: Option<String>,
    /// The day the status is judged on, YYYY-MM-DD [default: today in China (Asia/Shanghai)]
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<String>,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    #[command(flatten)]
    pub archive: ArchiveArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// The SQL (one query); or use -f, or standard input.
    pub sql: Option<String>,
    /// Read the SQL from this file (e.g. queries/audits/*.sql).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Restrict every table to this union's subtree.
    #[arg(long, value_name = "UNION_ID")]
    pub scope: Option<String>,
    /// Also offer the tables `metrics` and `findings` of this period.
    #[arg(long)]
    pub period: Option<String>,
    /// The name recorded in the audit log [default: the OS user]
    #[arg(long = "as", value_name = "NAME")]
    pub as_name: Option<String>,
}

#[derive(Debug, Args)]
pub struct BulletinArgs {
    #[command(flatten)]
    pub archive: ArchiveArgs,
    /// A quarter (2026Q3) or a year (2026).
    #[arg(long)]
    pub period: String,
    /// The union whose bulletin it is [default: the root of the union tree]
    #[arg(long, value_name = "UNION_ID")]
    pub union: Option<String>,
    /// The PDF file to write.
    #[arg(long, value_name = "FILE.pdf")]
    pub out: PathBuf,
    /// The document's date, YYYY-MM-DD [default: today in China (Asia/Shanghai)]
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
    /// The serial of the document number (鲁工帮〔2026〕N号) [default: the next one of the state directory's counter, or the one this bulletin was given before]
    #[arg(long, value_name = "N")]
    pub number: Option<u32>,
}

#[derive(Debug, Args)]
pub struct CircularsArgs {
    #[command(flatten)]
    pub archive: ArchiveArgs,
    /// A quarter, e.g. 2026Q3.
    #[arg(long)]
    pub period: String,
    /// The folder to write the PDFs and the index circulars.csv into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Also send them by e-mail through the outbox (criticism is held until approved).
    #[arg(long)]
    pub send: bool,
    /// The documents' date, YYYY-MM-DD [default: today in China (Asia/Shanghai)]
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShortlistFormat {
    Table,
    Csv,
    Json,
    /// The award committee's document (method, nominees, reserve, exclusions, sensitivity).
    Pdf,
    /// A workbook for people (Chinese column labels, a sheet 说明); needs --out FILE.xlsx.
    Xlsx,
}

#[derive(Debug, Args)]
pub struct ShortlistArgs {
    #[command(flatten)]
    pub archive: ArchiveArgs,
    /// Output format: the list as a table, CSV or JSON, or the award committee's document as PDF (needs --out) [default: table on a terminal, csv otherwise]
    #[arg(long, value_enum)]
    pub format: Option<ShortlistFormat>,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Only these columns, in this order (names or Chinese labels, comma-separated).
    #[arg(long, value_name = "A,B,…", value_delimiter = ',')]
    pub columns: Vec<String>,
    /// The year, e.g. 2026.
    #[arg(long)]
    pub year: String,
    /// Number of nominees [default: [shortlist] size of the config, else 100]
    #[arg(long, value_name = "N")]
    pub size: Option<u64>,
    /// 1: each city first gets its best eligible contact; 0: merit only [default: [shortlist] min-per-city of the config, else 1]
    #[arg(long, value_name = "0|1", value_parser = clap::value_parser!(u8).range(0..=1))]
    pub min_per_city: Option<u8>,
    /// Also write the public notice (公示名单) as CSV: rank,name,union.
    #[arg(long, value_name = "FILE")]
    pub notice: Option<PathBuf>,
    /// With --format pdf: the document's date, YYYY-MM-DD [default: today in China (Asia/Shanghai)]
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
    /// With --format pdf: the serial of the document number (鲁工评〔2026〕N号) [default: the state directory's counter]
    #[arg(long, value_name = "N")]
    pub number: Option<u32>,
}

#[derive(Debug, Args)]
pub struct OutboxArgs {
    /// Configuration file (TOML): state-dir and [smtp] [default: built-in values]
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub action: OutboxAction,
}

#[derive(Debug, Subcommand)]
pub enum OutboxAction {
    /// Every message, with its state.
    List {
        #[command(flatten)]
        output: OutputArgs,
        /// Only messages in this state.
        #[arg(long, value_parser = ["held", "pending", "sending", "sent", "failed", "ambiguous"])]
        state: Option<String>,
    },
    /// One message in full.
    Show { id: i64 },
    /// Send a failed or ambiguous message again.
    Retry { id: i64 },
    /// Approve a held message (a second person: not the one who queued it).
    Approve {
        id: i64,
        /// The approver [default: the OS user]
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
    },
    /// Send every message due now; print a one-line summary.
    Send,
}

#[derive(Debug, Args)]
pub struct ScheduleArgs {
    #[command(flatten)]
    pub archive: ArchiveArgs,
    /// Run what is due now and exit.
    #[arg(long)]
    pub once: bool,
    /// The clock's current time, RFC 3339 (e.g. 2026-04-01T08:00:00+08:00).
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub archive: ArchiveArgs,
    /// Address and port to listen on; anything but loopback needs --behind-proxy.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub bind: std::net::SocketAddr,
    /// Served behind a TLS reverse proxy (nginx, Caddy): cookies are Secure, the client address is the last X-Forwarded-For, and a non-loopback --bind is allowed.
    #[arg(long)]
    pub behind_proxy: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The folder to write into (created if missing).
    #[arg(long, value_name = "DIR", default_value = "demo-out")]
    pub out: PathBuf,
    /// Another archive than the bundled sample-data/.
    #[arg(long, value_name = "DIR")]
    pub archive: Option<PathBuf>,
    /// Configuration file (TOML) [default: built-in values]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Configuration file (TOML) to check [default: built-in values]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Also check the .sql files of this folder that replace built-in ones.
    #[arg(long, value_name = "DIR")]
    pub queries: Option<PathBuf>,
}
