// How a rollout's journal is printed at the end of apply, resume, rollback and status: a
// per-host table with the phase, the Service Center result and what is left to do; or the
// journal itself as JSON.
#pragma once

#include <string>

#include "ctl/ops/rollout/journal.h"
#include "ctl/output/output_format.h"

namespace osfleet::ctl {

// A journal whose `updated` is InfinitePast is a plan that was never saved.
std::string RolloutSummary(const Journal& journal, bool color);

// table: RolloutSummary; json: the journal file; jsonl: {"kind": "summary", "journal": ...}.
void PrintRolloutResult(OutputFormat format, bool color, const Journal& journal);

}  // namespace osfleet::ctl
