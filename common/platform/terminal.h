// Whether the standard streams are a person's terminal (prompts, colours, progress lines).
#pragma once

namespace osfleet::platform {

bool StdinIsTerminal();
bool StdoutIsTerminal();

}  // namespace osfleet::platform
