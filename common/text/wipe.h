// Erasing secrets from memory once they are no longer needed: the database administrator's
// password lives in the agent only while its change is pending (issue 26, finding 4), and
// every copy is overwritten (OPENSSL_cleanse, which the compiler may not drop) before its
// memory is freed or reused, so that neither a core file nor another process reading this
// one's memory finds it later.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace osfleet {

// Overwrites the string's whole buffer — up to its capacity, so also what a shorter value
// or a move left behind in it — then empties it.
void Wipe(std::string& secret);
// Wipes every value of the map (the names are no secrets), then empties it.
void Wipe(std::map<std::string, std::string>& secrets);
void Wipe(std::vector<std::string>& secrets);

}  // namespace osfleet
