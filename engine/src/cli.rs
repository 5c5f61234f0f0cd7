//! The command line (clap types only; the work is in `commands/`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "tiexin",
    version,
    about = "贴心 tiexin: accountability and evaluation reports for the hardship-contact system of trade unions",
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load and check every table of the archive; print counts per table.
    Validate(ValidateArgs),
    /// Write a deterministic synthetic archive (a whole province).
    Generate(GenerateArgs),
}

/// Where the archive and the configuration are.
#[derive(Debug, Args)]
pub struct ArchiveArgs {
    /// The archive folder (one <table>.csv or <table>.parquet per table) [default: the bundled sample-data/]
    #[arg(long, value_name = "DIR")]
    pub archive: Option<PathBuf>,
    /// Configuration file (TOML) [default: built-in values]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Do not read or write the validated cache.
    #[arg(long)]
    pub no_cache: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format [default: table on a terminal, csv otherwise]
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
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
}
