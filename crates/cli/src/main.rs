//! `skillreg`: the registry's command-line tool. `main` only wires: parse arguments, load
//! settings, build adapters, hand them to the use cases or to the server.

mod audit;
mod author;
mod config;
mod context;
mod discover;
mod findings;
mod import;
mod install;
mod log;
mod manage;
mod oci;
mod output;
mod profile;
mod serve;

use clap::{Parser, Subcommand};

use crate::output::{Code, Failure, Out};

/// A registry for agent skills, and the tool that publishes, finds, verifies and installs
/// them into agents.
#[derive(Debug, Parser)]
#[command(name = "skillreg", version, about)]
struct Cli {
    /// Print results as JSON.
    #[arg(long, global = true)]
    json: bool,
    /// Print only results and errors.
    #[arg(long, short, global = true)]
    quiet: bool,
    /// The registry to talk to (a configured name or a URL); default: the first configured.
    #[arg(long, global = true)]
    registry: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the registry server.
    Serve(Box<serve::ServeArgs>),
    /// Print the server's OpenAPI document (what `docs/openapi.json` holds).
    Openapi,
    /// Store a token for a registry.
    Login(manage::LoginArgs),
    /// Configured registries.
    #[command(subcommand)]
    Registry(manage::RegistryCommand),
    /// Create a new skill folder with a valid SKILL.md.
    Init(author::InitArgs),
    /// Check a skill folder against the SKILL.md and bundle rules (`--strict`: and the
    /// specification's fields only).
    Validate(author::ValidateArgs),
    /// Pack a skill folder into its deterministic archive.
    Pack(author::PackArgs),
    /// Audit a skill folder as a registry will when it is published (text, --json, --sarif).
    Audit(audit::AuditArgs),
    /// Publish a skill folder (or archive) to a registry.
    Publish(author::PublishArgs),
    /// Import a skill folder, a folder of them (--from) or an agent client's skills
    /// (--from-client) into a namespace, with a conflict strategy.
    Import(import::ImportArgs),
    /// Make an Ed25519 key pair for signing publishes, and register it.
    Keygen(author::KeygenArgs),
    /// Search skills.
    Search(discover::SearchArgs),
    /// A skill's page: description, latest version, files, rating, installs.
    Info(discover::IdArgs),
    /// Every version of a skill.
    Versions(discover::IdArgs),
    /// The registry's audit of a version: verdict, findings with their fixes, marks, override.
    Findings(findings::FindingsArgs),
    /// Mark a finding of your skill's version as a false positive, with a note.
    FalsePositive(findings::FalsePositiveArgs),
    /// An admin's work: rescans, verdict overrides.
    #[command(subcommand)]
    Admin(findings::AdminCommand),
    /// A skill's rating and recent reviews.
    Ratings(discover::IdArgs),
    /// The most installed skills of the last days.
    Trending(discover::TrendingArgs),
    /// Rate a skill (1–5 stars, halves allowed).
    Rate(manage::RateArgs),
    /// Yank a version.
    Yank(manage::YankArgs),
    /// Take a yank back.
    Unyank(manage::YankArgs),
    /// Deprecate a skill with a message (or clear it).
    Deprecate(manage::DeprecateArgs),
    /// Move a skill into another namespace (its name, versions and ratings stay).
    Move(manage::MoveArgs),
    /// API tokens.
    #[command(subcommand)]
    Token(manage::TokenCommand),
    /// Publisher keys (`keygen` makes and registers one).
    #[command(subcommand)]
    Key(manage::KeyCommand),
    /// Namespaces and their members.
    #[command(subcommand)]
    Namespace(manage::NamespaceCommand),
    /// Agent profiles: named sets of skills the registry keeps (`install --profile`).
    #[command(subcommand)]
    Profile(profile::ProfileCommand),
    /// Install skills into agent clients (no argument: what skills.lock says).
    Install(install::InstallArgs),
    /// Remove an installed skill.
    Uninstall(install::UninstallArgs),
    /// Installed skills.
    List(install::ScopeArgs),
    /// The agent clients, their skill folders, and which are found here.
    Clients(install::ScopeArgs),
    /// Re-resolve skills and install newer versions.
    Update(install::UpdateArgs),
    /// Skills with newer versions than installed.
    Outdated(install::ScopeArgs),
    /// Compare installed folders with the lock (exit 3 on drift).
    Sync(install::SyncArgs),
    /// Fetch a published version and check its digests and signatures.
    Verify(install::VerifyArgs),
    /// The registry's transparency log: its checkpoint, or a walk of all of it.
    #[command(subcommand)]
    Log(log::LogCommand),
    /// Build a skill folder into an OCI artifact in the local store; prints its reference.
    Build(oci::BuildArgs),
    /// The builds in the local store (`builds rm <reference>` removes one).
    Builds(oci::BuildsArgs),
    /// Push a build to an OCI registry.
    Push(oci::PushArgs),
    /// Pull a skill artifact from an OCI registry into the local store.
    Pull(oci::PullArgs),
}

fn print_openapi() -> Result<(), Failure> {
    use std::io::Write as _;
    std::io::stdout()
        .write_all(skillreg_server::openapi_document().as_bytes())
        .map_err(|e| Failure::new(format!("writing the document: {e}")))
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::new(format!("cannot start the async runtime: {e}")))
}

fn run(cli: Cli) -> Result<(), Failure> {
    let out = Out {
        json: cli.json,
        quiet: cli.quiet,
    };
    let command = match cli.command {
        Command::Serve(args) => {
            return serve::run(*args).map_err(|e| Failure::new(format!("{e:#}")));
        }
        Command::Openapi => return print_openapi(),
        command => command,
    };
    let ctx = context::Context::new(out, cli.registry)?;
    runtime()?.block_on(async move {
        match command {
            Command::Serve(_) | Command::Openapi => Ok(()),
            Command::Login(args) => manage::login(&ctx, args).await,
            Command::Registry(command) => manage::registry(&ctx, command),
            Command::Init(args) => author::init(&ctx, &args),
            Command::Validate(args) => author::validate(&ctx, &args),
            Command::Pack(args) => author::pack(&ctx, &args),
            Command::Audit(args) => audit::run(&ctx, &args),
            Command::Publish(args) => author::publish(&ctx, args).await,
            Command::Import(args) => import::import(&ctx, args).await,
            Command::Keygen(args) => author::keygen(&ctx, args).await,
            Command::Search(args) => discover::search(&ctx, args).await,
            Command::Info(args) => discover::info(&ctx, &args).await,
            Command::Findings(args) => findings::findings(&ctx, &args).await,
            Command::FalsePositive(args) => findings::false_positive(&ctx, &args).await,
            Command::Admin(command) => findings::admin(&ctx, &command).await,
            Command::Versions(args) => discover::versions(&ctx, &args).await,
            Command::Ratings(args) => discover::ratings(&ctx, &args).await,
            Command::Trending(args) => discover::trending(&ctx, &args).await,
            Command::Rate(args) => manage::rate(&ctx, args).await,
            Command::Yank(args) => manage::yank(&ctx, &args, true).await,
            Command::Unyank(args) => manage::yank(&ctx, &args, false).await,
            Command::Deprecate(args) => manage::deprecate(&ctx, args).await,
            Command::Move(args) => manage::move_skill(&ctx, &args).await,
            Command::Token(command) => manage::token(&ctx, command).await,
            Command::Key(command) => manage::key(&ctx, command).await,
            Command::Namespace(command) => manage::namespace(&ctx, command).await,
            Command::Profile(command) => profile::profile(&ctx, command).await,
            Command::Install(args) => install::install(&ctx, args).await,
            Command::Uninstall(args) => install::uninstall(&ctx, args).await,
            Command::List(args) => install::list(&ctx, &args).await,
            Command::Clients(args) => install::clients(&ctx, &args),
            Command::Update(args) => install::update(&ctx, args).await,
            Command::Outdated(args) => install::outdated(&ctx, &args).await,
            Command::Sync(args) => install::sync(&ctx, args).await,
            Command::Verify(args) => install::verify(&ctx, &args).await,
            Command::Log(command) => log::log(&ctx, &command).await,
            Command::Build(args) => oci::build(&ctx, &args),
            Command::Builds(args) => oci::builds(&ctx, args),
            Command::Push(args) => oci::push(&ctx, &args).await,
            Command::Pull(args) => oci::pull(&ctx, &args).await,
        }
    })
}

fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() {
                Code::Usage as u8
            } else {
                0
            };
            let _ = error.print();
            return std::process::ExitCode::from(code);
        }
    };
    let json = cli.json;
    match run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(failure) => {
            if json {
                let body = serde_json::json!({ "error": {
                    "message": failure.message, "hint": failure.hint, "details": failure.details,
                    "exit_code": failure.code as u8,
                }});
                output::write_stderr(&format!("{body}\n"));
            } else {
                output::write_stderr(&format!("error: {}\n", failure.message));
                if let Some(hint) = &failure.hint {
                    output::write_stderr(&format!("hint: {hint}\n"));
                }
            }
            std::process::ExitCode::from(failure.code as u8)
        }
    }
}
