//! The scenarios, and the set-up steps they share: opening many clients at
//! once and a barrier that makes sure every client has read everything the
//! set-up caused before measuring starts.

pub mod connect;
pub mod fanout;
pub mod history;
pub mod idle;
pub mod latency;
pub mod sim;
pub mod storm;

use crate::args::{Command, Common};
use crate::client::{BenchConn, Plan};
use crate::procstat::{self, ProcSample};
use crate::report::Report;
use anyhow::{anyhow, bail};
use bytes::Bytes;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio::time::{timeout_at, Instant};

/// What a scenario needs besides its own options.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub plan: Arc<Plan>,
    pub common: Common,
    /// When the whole run must be over.
    pub deadline: Instant,
    /// The machine's load average when the run started.
    pub load_before: Option<f64>,
}

impl Ctx {
    /// A context from the global options; the deadline starts now.
    pub fn new(common: &Common) -> anyhow::Result<Ctx> {
        Ok(Ctx {
            plan: Plan::new(common)?,
            common: common.clone(),
            deadline: Instant::now() + common.timeout(),
            load_before: procstat::load_average(),
        })
    }

    /// An empty report for this run.
    pub fn report(&self, scenario: &str, case: String) -> Report {
        let mut report = Report::new(scenario, self.common.label(), self.plan.addr.to_string(), case);
        if let Some(load) = self.load_before {
            report.add("load_before", load, "");
        }
        report
    }

    /// The server's CPU time and RSS now, if `--server-pid` was given.
    pub fn sample(&self) -> Option<ProcSample> {
        procstat::sample_opt(self.common.server_pid)
    }

    /// This process's own CPU time and RSS now.
    pub fn sample_self(&self) -> Option<ProcSample> {
        procstat::sample(std::process::id()).ok()
    }

    /// Refuses scenarios that need a real IRC server when the target is a relay.
    fn require_irc(&self, scenario: &str) -> anyhow::Result<()> {
        if self.plan.raw {
            bail!("{scenario} needs an IRC server; a relay (--raw) only supports fanout and latency");
        }
        Ok(())
    }
}

/// Runs one scenario. `relay`, `summarize` and `chart` are not scenarios and are
/// handled by the binary.
pub async fn run(ctx: &Ctx, command: &Command) -> anyhow::Result<Report> {
    match command {
        Command::Fanout(a) => fanout::run(ctx, a).await,
        Command::Latency(a) => latency::run(ctx, a).await,
        Command::Connect(a) => {
            ctx.require_irc("connect")?;
            connect::run(ctx, a).await
        }
        Command::Idle(a) => {
            ctx.require_irc("idle")?;
            idle::run(ctx, a).await
        }
        Command::Storm(a) => {
            ctx.require_irc("storm")?;
            storm::run(ctx, a).await
        }
        Command::History(a) => {
            ctx.require_irc("history")?;
            history::run(ctx, a).await
        }
        Command::Sim(a) => sim::run(ctx, a).await,
        Command::Relay(_) | Command::Summarize(_) | Command::Chart(_) => bail!("not a scenario"),
    }
}

/// Opens clients `0..n` concurrently (TCP connects limited by the plan's
/// gate), registered and, when `join`, in the channel. Fails if any fails.
pub async fn open_many(plan: &Arc<Plan>, n: u64, join: bool, deadline: Instant) -> anyhow::Result<Vec<BenchConn>> {
    let mut set = JoinSet::new();
    for i in 0..n {
        let plan = plan.clone();
        set.spawn(async move { (i, timeout_at(deadline, plan.open(i, join)).await) });
    }
    let mut conns: Vec<Option<BenchConn>> = (0..n).map(|_| None).collect();
    let mut failed = 0;
    let mut first_error = None;
    while let Some(joined) = set.join_next().await {
        let (i, result) = joined?;
        match result.map_err(|_| anyhow!("timed out")).and_then(|r| r) {
            Ok(conn) => conns[i as usize] = Some(conn),
            Err(e) => {
                failed += 1;
                first_error.get_or_insert(e);
            }
        }
    }
    if let Some(e) = first_error {
        bail!("{failed} of {n} clients could not be set up; first error: {e:#}");
    }
    Ok(conns.into_iter().flatten().collect())
}

/// Makes sure every client has read all the traffic set-up caused (JOINs,
/// NAMES): one client sends a marker that all others wait for, then a
/// second client sends one for the first. A server delivers to each client
/// in order, so whoever has seen a marker has seen everything before it.
///
/// A relay may not have accepted every connection yet when the marker is
/// first sent, so in raw mode the marker is a line without a source (which
/// the measuring loops ignore) repeated until everyone has it.
///
/// Returns the clients still connected and how many were lost.
pub async fn barrier(plan: &Plan, conns: Vec<BenchConn>, deadline: Instant) -> anyhow::Result<(Vec<BenchConn>, usize)> {
    let n = conns.len();
    let mut slots: Vec<Option<BenchConn>> = conns.into_iter().map(Some).collect();
    if n >= 2 {
        sync_phase(plan, &mut slots, 0, format!("{}-sync-a", plan.tag), deadline).await?;
        if !plan.raw {
            if let Some(second) = slots.iter().skip(1).position(Option::is_some) {
                sync_phase(plan, &mut slots, second + 1, format!("{}-sync-b", plan.tag), deadline).await?;
            }
        }
    }
    let alive: Vec<BenchConn> = slots.into_iter().flatten().collect();
    let lost = n - alive.len();
    Ok((alive, lost))
}

/// One barrier step: `slots[sender]` sends `marker`; every other client reads
/// until it sees it. Clients that fail are removed from `slots`.
async fn sync_phase(
    plan: &Plan,
    slots: &mut [Option<BenchConn>],
    sender: usize,
    marker: String,
    deadline: Instant,
) -> anyhow::Result<()> {
    let mut tx = slots[sender].take().ok_or_else(|| anyhow!("barrier sender is gone"))?;
    let line: Bytes = if plan.raw { format!("SYNC {marker}\r\n").into() } else { plan.privmsg(&tx.nick, &marker) };
    let mut waiting = JoinSet::new();
    for (i, slot) in slots.iter_mut().enumerate() {
        if let Some(mut conn) = slot.take() {
            let marker = marker.clone();
            waiting.spawn(async move {
                let seen = matches!(timeout_at(deadline, conn.wait_for(marker.as_bytes())).await, Ok(Ok(())));
                (i, conn, seen)
            });
        }
    }
    tx.send(&line).await?;
    let mut resend = tokio::time::interval(Duration::from_millis(50));
    resend.tick().await;
    loop {
        tokio::select! {
            joined = waiting.join_next() => match joined {
                None => break,
                Some(j) => {
                    let (i, conn, seen) = j?;
                    if seen {
                        slots[i] = Some(conn);
                    }
                }
            },
            _ = resend.tick(), if plan.raw => tx.send(&line).await?,
        }
    }
    slots[sender] = Some(tx);
    Ok(())
}

/// Sends QUIT on every connection, waiting at most a second in all.
pub async fn quit_all(splits: Vec<crate::client::Split>) {
    let mut set = JoinSet::new();
    for s in splits {
        set.spawn(s.quit());
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), async { while set.join_next().await.is_some() {} }).await;
}

/// `size` bytes of message text starting with `head`, padded with `x`.
pub fn text(head: &str, size: usize) -> String {
    let mut t = String::with_capacity(size.max(head.len()));
    t.push_str(head);
    while t.len() < size {
        t.push('x');
    }
    t
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_is_padded() {
        assert_eq!(super::text("ab", 5), "abxxx");
        assert_eq!(super::text("abcdef", 3), "abcdef");
    }
}
