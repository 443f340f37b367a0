#include "common/platform/replace_temp_name.h"

#include <random>

#include "common/platform/atomic_replace.h"

namespace osfleet::platform {
namespace {

constexpr std::string_view kTempMarker = ".tmp-";
constexpr std::size_t kTempSuffixLength = 6;
constexpr std::string_view kTempAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

}  // namespace

std::string NewReplaceTempName(std::string_view base) {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  std::uniform_int_distribution<std::size_t> pick(0, kTempAlphabet.size() - 1);
  std::string name = "." + std::string(base) + std::string(kTempMarker);
  for (std::size_t i = 0; i < kTempSuffixLength; ++i) name += kTempAlphabet[pick(random)];
  return name;
}

bool IsReplaceTempName(std::string_view name, std::string_view base) {
  const std::size_t tail = kTempMarker.size() + kTempSuffixLength;
  if (name.size() < 2 + tail || name[0] != '.') return false;
  const std::string_view middle = name.substr(1, name.size() - 1 - tail);
  const std::string_view marker = name.substr(name.size() - tail, kTempMarker.size());
  const std::string_view suffix = name.substr(name.size() - kTempSuffixLength);
  if (marker != kTempMarker || (!base.empty() && middle != base)) return false;
  for (char c : suffix) {
    if (kTempAlphabet.find(c) == std::string_view::npos) return false;
  }
  return true;
}

}  // namespace osfleet::platform
