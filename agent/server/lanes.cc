#include "agent/server/lanes.h"

namespace osfleet::agent {

Executor* Lanes::For(Lane lane, bool viewer) const {
  switch (lane) {
    case Lane::kCritical:
      return critical;
    case Lane::kRollback:
      return rollback;
    case Lane::kChanges:
      return changes;
    case Lane::kControl:
      return control;
    case Lane::kProbes:
      return viewer ? viewer_probes : probes;
    case Lane::kPhase:
      return phase;
    case Lane::kChecks:
      return checks;
  }
  return critical;
}

}  // namespace osfleet::agent
