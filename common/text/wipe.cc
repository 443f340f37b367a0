#include "common/text/wipe.h"

#include <openssl/crypto.h>

namespace osfleet {

void Wipe(std::string& secret) {
  OPENSSL_cleanse(&secret[0], secret.capacity());
  secret.clear();
}

void Wipe(std::map<std::string, std::string>& secrets) {
  for (auto& [name, value] : secrets) {
    Wipe(value);
    // Keys are const in the map; their bytes are names, never secrets.
  }
  secrets.clear();
}

void Wipe(std::vector<std::string>& secrets) {
  for (std::string& s : secrets) Wipe(s);
  secrets.clear();
}

}  // namespace osfleet
