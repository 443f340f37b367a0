// The rollout: discover every server, preflight from every server, plan, apply in
// batches (Deployment Controller first, canary, then Front-Ends) with a service restart
// under a confirm window, stop and roll back past --max-fail, confirm everything, run
// the Service Center phase, summarise. Every step is recorded in the journal first, and
// every step is idempotent, so `resume` and `rollback` work from the journal alone.
//
// Never a split fleet: every change is held by a lease osctl renews while it runs (a
// dead, paused or cut-off osctl lets every changed server revert within one lease).
// Before every batch and before the finish, every lease is renewed in one pass; when
// one is no longer held the rollout stops and brings every changed server back. The
// finish confirms only after every lease was verified in that pass, and when a server
// cannot be confirmed after others were, those are rolled back from their backups.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ctl/fleet/context.h"
#include "ctl/ops/fleet_hold_keeper.h"
#include "ctl/ops/lease_keeper.h"
#include "ctl/ops/progress_watch.h"
#include "ctl/ops/rollout/drain.h"
#include "ctl/ops/rollout/journal.h"
#include "ctl/output/progress.h"
#include "ctl/rpc/fanout.h"
#include "osfleet/v1/agent.pb.h"
#include "osfleet/v1/endpoints.pb.h"

namespace osfleet::ctl {

struct RolloutEvent {
  std::string kind;    // discover, drift, preflight, plan, batch, host, confirm, sc, stop, ...
  std::string server;  // empty for fleet-wide events
  std::string text;
  bool bad = false;
  RolloutPosition position;              // where the rollout stood (ctl/output/progress.h)
  std::optional<StepProgress> progress;  // kind "progress" only
};

using RolloutSink = std::function<void(const RolloutEvent&)>;

class Rollout {
 public:
  // ctx selects every server of the journal; interrupted (may be null) is polled between
  // steps: when it becomes true the rollout stops at the next safe point.
  Rollout(const FleetContext& ctx, Journal journal, RolloutSink sink,
          const std::atomic<bool>* interrupted);

  // Discover, preflight and plan a new rollout (nothing changes). Refused (IsRefused,
  // FAILED_PRECONDITION "refused: ...") when a server does not answer, a probe or a service
  // fails or a change is pending (drift is only a warning); the events say why, per server.
  absl::Status Prepare();
  // Before a resume: says the target and what is done and left, then runs the discovery
  // and the preflight of Prepare again (the plan stays the journal's). Refused like
  // Prepare; the servers this rollout was changing may have its change pending.
  absl::Status Recheck();
  // Apply (or continue) the batches, confirm, run the Service Center phase. Holds the
  // fleet (Endpoints.TakeHold on the Deployment Controller) from before its first change
  // to its end: refused (exit 3, naming the holder) while another rollout holds it.
  absl::Status Execute();
  // Revert every change this rollout made (pending or confirmed), restarting services;
  // holds the fleet as Execute does. A pending change is reverted only by its change id.
  absl::Status RollBack();
  ~Rollout();

  // The credentials for the agents' Configuration Tool placeholders, for this run only
  // (never in the journal: a resumed rollout is given them again).
  void set_tool_credentials(std::map<std::string, std::string> credentials) {
    tool_credentials_ = std::move(credentials);
  }

  // How a finished Execute checks that the old addresses are no longer used (drain.h):
  // one check by default; --wait-drained waits.
  void set_drain(DrainOptions options) { drain_ = std::move(options); }

  // How often a long step's heartbeat comes (ctl/ops/progress_watch.h); tests shorten it.
  void set_heartbeat(absl::Duration interval) { heartbeat_ = interval; }
  // Called at every safe point before the interrupted flag is read (between batches, and
  // between servers that run the Configuration Tool one at a time): may block while the
  // operator is asked whether to stop (ctl/commands/rollout/interrupt_prompt.h).
  void set_before_step(std::function<void()> wait) { before_step_ = std::move(wait); }

  Journal& journal() { return journal_; }
  const Journal& journal() const { return journal_; }
  // INVALID_ARGUMENT when a server of the journal is missing from the inventory.
  absl::Status CheckHostsKnown() const;
  // The per-batch server names, for printing the plan.
  std::vector<std::vector<std::string>> BatchNames() const;

 private:
  absl::Status Save();
  absl::Status ExecuteHeld();
  // After a finished rollout (fleet hold released): what still uses the old addresses,
  // recorded in the journal (drain.h). Never fails the rollout.
  void CheckDrainedAfter();
  absl::Status RollBackHeld();
  // The fleet hold (hold.cc): taken once (OK when already held), checked before every
  // step (FAILED_PRECONDITION once lost), released at the end.
  absl::Status TakeFleetHold();
  absl::Status CheckFleetHold();
  void ReleaseFleetHold();
  void Emit(std::string kind, std::string server, std::string text, bool bad = false);
  RolloutPosition Position() const;
  // Runs `call`, a long call on `servers` (targets[k] is servers[k]) whose statuses it
  // returns in that order, with its progress: a start event per server, heartbeats every
  // heartbeat_ from their agents while it runs (another thread), then done or failed.
  void Watched(const std::string& step, const std::vector<std::string>& servers,
               const std::vector<Target>& targets,
               const std::function<std::vector<grpc::Status>()>& call);
  absl::Status Refuse(const std::string& why);
  absl::Status Discover(std::vector<v1::GetEndpointsResponse>& endpoints);
  // Why a server's Configuration Tool cannot run with this rollout's credentials; "" if it can.
  std::string MissingCredentials(const v1::AgentInfo& info) const;
  absl::Status Preflight();
  absl::Status PlanHosts(const std::vector<v1::GetEndpointsResponse>& endpoints);
  // Asks every host in one of `states` where it stands and records it; the hosts that
  // did not answer are left as they were and returned.
  // retry_failed: a failed host found on the old address is planned again (resume).
  std::vector<size_t> Reconcile(const std::vector<HostState>& states, bool retry_failed = false);
  absl::Status ReconcileAll();  // UNAVAILABLE when a touched host does not answer
  absl::Status StartLeases();
  void HoldLeases();  // every pending host's change
  // OK while every changed server still holds this rollout's change; else why not.
  absl::Status CheckLeases(const std::string& before);
  absl::Status ApplyBatch(int batch);
  // Whether any of targets runs the Configuration Tool after a change (Agent.GetInfo).
  bool AnyConfigurationTool(const std::vector<Target>& targets) const;
  // Records in the journal and the events what the Configuration Tool did on `host`.
  void RecordToolRun(size_t host, const HostReply<v1::SetEndpointsResponse>& reply);
  // Restarts, all at once, the servers whose Set wrote a change without restarting; a
  // failure replaces that server's reply (its agent has reverted it).
  void RestartWritten(const std::vector<size_t>& hosts, const std::vector<Target>& targets,
                      const FanOutOptions& fanout,
                      std::vector<HostReply<v1::SetEndpointsResponse>>& replies);
  // Stops the rollout because of `why`: rolls every changed server back (or, with
  // --on-failure keep, confirms what is still held) and returns FAILED_PRECONDITION.
  absl::Status Stop(std::string why);
  absl::Status StopInterrupted(int batch);
  absl::Status ConfirmAll();  // verifies every lease first
  // Confirms every pending host; drop_lost: renews first and marks failed (does not
  // confirm) the ones whose lease is no longer held (--on-failure keep).
  absl::Status ConfirmHeld(bool drop_lost);
  // `unreachable`: confirmed servers that did not answer; `busy`: servers still busy with
  // another change (ABORTED "in progress"). Both are asked again until RollBack gives up.
  absl::Status RollBackOnce(std::vector<std::string>* unreachable, std::vector<std::string>* busy);
  // Each reply's outcome on its host (hosts[k] got replies[k]): `ok_state` and an event
  // `ok_text`, or the error; returns the names of the hosts that failed.
  template <typename Reply>
  std::vector<std::string> RecordOutcomes(const std::vector<size_t>& hosts,
                                          const std::vector<Reply>& replies,
                                          const std::string& kind, HostState ok_state,
                                          const std::string& ok_text);
  std::vector<HostReply<v1::ConfirmResponse>> ConfirmWithRetry(const std::vector<size_t>& hosts);
  absl::Status RunServiceCenter();
  std::vector<v1::EndpointChange> Changes() const;
  std::vector<size_t> HostsIn(int batch, HostState state) const;
  std::vector<Target> TargetsFor(const std::vector<size_t>& hosts) const;
  int Failures() const;
  bool Interrupted() const { return interrupted_ != nullptr && interrupted_->load(); }
  // At a safe point: waits for an open question (before_step_), then Interrupted().
  bool StopRequested();

  const FleetContext& ctx_;
  Journal journal_;
  RolloutSink sink_;
  const std::atomic<bool>* interrupted_;
  std::vector<size_t> server_of_host_;     // journal host index -> ctx server index
  std::unique_ptr<LeaseKeeper> leases_;    // while Execute runs
  std::unique_ptr<FleetHoldKeeper> hold_;  // while Execute or RollBack runs
  std::map<std::string, std::string> tool_credentials_;
  DrainOptions drain_;
  absl::Duration heartbeat_ = kDefaultHeartbeat;
  std::function<void()> before_step_;
  // Set by ApplyBatch when a stop was asked for between two servers: the last one changed.
  std::string stopped_after_;
  int current_batch_ = 0;  // 1-based while the batches run
};

}  // namespace osfleet::ctl
