//! The stateful fuzzer: random sequences of commands from several clients
//! against an in-process server on in-memory transports, with invariants
//! checked after every step (see [`world::Checks`]): no panic, the nick map
//! one-to-one, membership symmetric, no line over 512 bytes plus tags, and
//! no message readable by a client that could not have read it live.
//!
//! Each case is one seed: a fresh server, `HICHAT_FUZZ_STEPS` steps (300),
//! every line chosen by a `StdRng` from that seed alone. Each test runs
//! cases for `HICHAT_FUZZ_SECS` seconds (10), from a base seed that differs
//! each run (`HICHAT_FUZZ_BASE` fixes it). A failure prints its seed, step
//! and the last lines sent; `HICHAT_FUZZ_SEED=<n>` runs that one case again
//! and prints every step, the channels' lives and who may read each
//! message:
//!
//! ```sh
//! HICHAT_FUZZ_SECS=600 cargo test --release -p hichat-server --test stateful_fuzz -- --test-threads=3
//! HICHAT_FUZZ_SEED=42 cargo test -p hichat-server --test stateful_fuzz history -- --nocapture
//! ```
//!
//! Each kind of check has its own test (`registry`, `lines`, `history`),
//! so one failing leaves the others meaningful and each runs alone by name.
//! All three check for panics. Of the server's answers only a closed
//! connection steers what is sent next, so a seed sends the same lines each
//! time; the timing of history replays (on blocking threads) can move a
//! failure by a step or two.

mod gen;
mod world;

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use world::{Checks, World};

/// Client slots per case: enough for races, few enough to collide.
const SLOTS: usize = 6;
/// How a failed case's report starts.
const REPORT: &str = "stateful fuzz `";
/// Lines of the log shown with a failure.
const SHOWN: usize = 40;

/// Panics seen anywhere in the process (the server's tasks included),
/// recorded by the hook [`watch_panics`] installs.
static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn watch_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // A test's own report of a failed case is not the server's.
            let report = info.payload().downcast_ref::<String>().is_some_and(|m| m.starts_with(REPORT));
            if !report {
                PANICS.lock().unwrap_or_else(|e| e.into_inner()).push(info.to_string());
            }
            previous(info);
        }));
    });
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// How a case failed.
struct Failure {
    step: usize,
    problems: Vec<String>,
    log: Vec<String>,
}

/// One step's action.
enum Action {
    /// Connect an empty slot and send these lines.
    Connect(usize, Vec<String>),
    /// One line from one slot.
    Line(usize, String),
    /// Lines from several slots at once, for races (NICK, JOIN only, so a
    /// member never comes and goes unseen between two checks).
    Burst(Vec<(usize, String)>),
    /// Drop a connection without a QUIT.
    HangUp(usize),
}

/// What happens next: an empty slot connects; an open one quits, hangs up,
/// races others or sends a command.
fn next_action(rng: &mut StdRng, world: &World, tokens: &mut u64) -> Action {
    let slot = rng.gen_range(0..SLOTS);
    if !world.is_open(slot) {
        return Action::Connect(slot, gen::registration(rng));
    }
    match rng.gen_range(0..100) {
        0..=2 => Action::Line(slot, format!("QUIT :{}", gen::nick(rng))),
        3..=4 => Action::HangUp(slot),
        5..=9 => {
            let open: Vec<usize> = (0..SLOTS).filter(|s| world.is_open(*s)).collect();
            let n = rng.gen_range(2..=open.len().clamp(2, 4));
            let line = if rng.gen_bool(0.6) {
                format!("NICK {}", gen::nick(rng))
            } else {
                format!("JOIN {}", gen::channel(rng))
            };
            let chosen = open.choose_multiple(rng, n).map(|s| (*s, line.clone()));
            Action::Burst(chosen.collect())
        }
        _ => Action::Line(slot, gen::command(rng, tokens)),
    }
}

/// The target of a PRIVMSG or NOTICE line carrying a token.
fn token_target(line: &str) -> Option<(u64, String)> {
    let token = *gen::tokens_in(line).first()?;
    let untagged = if line.starts_with('@') { line.split_once(' ')?.1 } else { line };
    Some((token, untagged.split(' ').nth(1)?.to_owned()))
}

/// Runs the case of `seed`; `verbose` prints every step.
async fn run_case(seed: u64, steps: usize, checks: Checks, verbose: bool) -> Result<(), Failure> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut world = World::new(SLOTS, checks).await;
    world.verbose = verbose;
    let mut log = Vec::new();
    let mut tokens = 0;
    for step in 0..=steps {
        let result = if step == steps {
            // Last: let late replays arrive, then a final check.
            tokio::time::sleep(Duration::from_millis(20)).await;
            let open: Vec<_> = (0..SLOTS).filter(|s| world.is_open(*s)).map(|s| (s, Vec::new())).collect();
            world.send(&open, &[]).await
        } else {
            let action = next_action(&mut rng, &world, &mut tokens);
            let entry = match &action {
                Action::Connect(s, lines) => format!("{step}: [{s}] connect: {}", lines.join(" | ")),
                Action::Line(s, line) => format!("{step}: [{s}] {line:.200}"),
                Action::Burst(lines) => format!("{step}: burst {lines:?}"),
                Action::HangUp(s) => format!("{step}: [{s}] hang up"),
            };
            if verbose {
                println!("{entry}");
            }
            log.push(entry);
            match action {
                Action::Connect(s, lines) => {
                    let conn = world.connect(s);
                    if verbose {
                        println!("   slot {s} is connection {conn}");
                    }
                    world.send(&[(s, lines)], &[]).await
                }
                Action::Line(s, line) => {
                    let sent: Vec<_> = token_target(&line).into_iter().collect();
                    world.send(&[(s, vec![line])], &sent).await
                }
                Action::Burst(lines) => {
                    let lines: Vec<_> = lines.into_iter().map(|(s, l)| (s, vec![l])).collect();
                    world.send(&lines, &[]).await
                }
                Action::HangUp(s) => world.hang_up(s).await,
            }
        };
        let mut problems = world.check();
        problems.extend(result.err());
        problems.extend(
            std::mem::take(&mut *PANICS.lock().unwrap_or_else(|e| e.into_inner()))
                .into_iter()
                .map(|p| format!("panic: {p}")),
        );
        if !problems.is_empty() {
            world.finish().await;
            return Err(Failure { step, problems, log });
        }
    }
    world.finish().await;
    Ok(())
}

/// Runs cases for the configured time (or the one `HICHAT_FUZZ_SEED`),
/// panicking with the first failure.
fn fuzz(name: &str, checks: Checks) {
    watch_panics();
    let secs = env_u64("HICHAT_FUZZ_SECS").unwrap_or(10);
    let steps = env_u64("HICHAT_FUZZ_STEPS").unwrap_or(300) as usize;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let one = env_u64("HICHAT_FUZZ_SEED");
    let base = env_u64("HICHAT_FUZZ_BASE").or(one).unwrap_or_else(|| {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        now.as_secs() * 1_000_000 + u64::from(now.subsec_micros())
    });
    let start = Instant::now();
    let mut seed = base;
    loop {
        if let Err(f) = runtime.block_on(run_case(seed, steps, checks, one.is_some())) {
            let shown = f.log.len().saturating_sub(SHOWN);
            panic!(
                "{REPORT}{name}`: seed {seed} failed at step {}:\n  {}\nlast lines sent:\n  {}\n\
                 replay: HICHAT_FUZZ_SEED={seed} HICHAT_FUZZ_STEPS={steps} \
                 cargo test -p hichat-server --test stateful_fuzz {name} -- --nocapture",
                f.step,
                f.problems.join("\n  "),
                f.log[shown..].join("\n  "),
            );
        }
        seed += 1;
        if one.is_some() || start.elapsed() >= Duration::from_secs(secs) {
            break;
        }
    }
    println!("stateful fuzz `{name}`: {} cases of {steps} steps from seed {base} passed", seed - base);
}

/// The registry stays consistent: nicks one-to-one, membership symmetric,
/// no empty channel, LUSERS counts right; and nothing panics.
#[test]
fn registry() {
    fuzz("registry", Checks { state: true, lines: false, history: false });
}

/// Every line sent to a client parses, and is at most 512 bytes after its
/// tags and 8191 of tags.
#[test]
fn lines() {
    fuzz("lines", Checks { state: false, lines: true, history: false });
}

/// No client reads a message (live, replayed on JOIN, by CHATHISTORY or
/// SEARCH) that it could not have read when it was said.
#[test]
fn history() {
    fuzz("history", Checks { state: false, lines: false, history: true });
}
