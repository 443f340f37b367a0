#include "common/platform/interrupt.h"

#include <signal.h>
#include <unistd.h>

namespace osfleet::platform {
namespace {

std::atomic<std::atomic<bool>*> g_flag{nullptr};
std::atomic<int> g_requests{0};
// Written once, before the handlers are installed; only read by them afterwards.
std::vector<std::string>* g_notices = nullptr;

void WriteAll(const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(STDERR_FILENO, text.data() + done, text.size() - done);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

std::atomic<std::atomic<int>*> g_counter{nullptr};

// Only atomics: async-signal-safe.
void OnCountedSignal(int /*sig*/) {
  if (std::atomic<int>* counter = g_counter.load()) counter->fetch_add(1);
}

// Only async-signal-safe calls: atomics, write, signal, raise.
void OnSignal(int sig) {
  const int n = g_requests.fetch_add(1);  // requests before this one
  const int allowed = g_notices->empty() ? 1 : static_cast<int>(g_notices->size());
  if (n >= allowed) {
    signal(sig, SIG_DFL);
    raise(sig);
    return;
  }
  if (std::atomic<bool>* flag = g_flag.load()) flag->store(true);
  if (!g_notices->empty()) WriteAll((*g_notices)[static_cast<size_t>(n)]);
}

}  // namespace

void SetFlagOnInterrupt(std::atomic<bool>* flag, std::vector<std::string> notices) {
  if (g_notices == nullptr) g_notices = new std::vector<std::string>(std::move(notices));
  g_flag.store(flag);
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

void CountInterrupts(std::atomic<int>* requests) {
  g_counter.store(requests);
  struct sigaction sa {};
  sa.sa_handler = OnCountedSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

void EndAsInterrupted() {
  signal(SIGINT, SIG_DFL);
  raise(SIGINT);
  _exit(130);  // SIGINT blocked: the shell's code for it
}

}  // namespace osfleet::platform
