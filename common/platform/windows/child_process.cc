// Child processes on Windows: CreateProcessW with a command line quoted the way the
// C runtime's argv parser reads it back, started suspended and put in a Job Object
// before it runs its first instruction (so that whatever it starts belongs to the job
// too, and a stop ends the whole tree), stdin from NUL, stdout and stderr on one
// anonymous pipe whose write end only this child inherits.
#include "common/platform/child_process.h"

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <utility>

#include "common/platform/windows/win32.h"
// After win32.h (<windows.h>): tlhelp32.h needs its types.
#include <tlhelp32.h>

namespace osfleet::platform {
namespace {

using Clock = std::chrono::steady_clock;
using win::LastError;
using win::UniqueHandle;
using win::Wide;

constexpr std::chrono::milliseconds kMaxPoll(20);  // how late a command's exit may be noticed

// The exit code a process ends with when osagent terminates it (a job or a process):
// ExitStatus::Exited() is false for it, as for a process killed by a signal on POSIX.
constexpr DWORD kTerminatedCode = 0x4F53464C;  // "OSFL"

bool SameName(std::wstring_view a, std::wstring_view b) {
  return a.size() == b.size() &&
         CompareStringOrdinal(a.data(), static_cast<int>(a.size()), b.data(),
                              static_cast<int>(b.size()), TRUE) == CSTR_EQUAL;
}

// This process's environment with spec.env added (names compare without case, as
// Windows does), sorted as CreateProcessW asks, as a double-NUL-terminated block.
std::wstring EnvironmentBlock(const std::map<std::string, std::string>& added) {
  std::vector<std::wstring> entries;
  std::vector<std::wstring> added_names;
  for (const auto& [name, value] : added) added_names.push_back(Wide(name));
  if (wchar_t* block = GetEnvironmentStringsW(); block != nullptr) {
    for (const wchar_t* entry = block; *entry != L'\0'; entry += wcslen(entry) + 1) {
      const std::wstring_view text(entry);
      // "=C:=C:\dir" entries (a drive's current folder) have an empty name before a '='.
      const std::size_t equals = text.find(L'=', 1);
      const std::wstring_view name = text.substr(0, equals);
      const bool replaced = std::any_of(added_names.begin(), added_names.end(),
                                        [&](const std::wstring& n) { return SameName(n, name); });
      if (!replaced) entries.emplace_back(text);
    }
    FreeEnvironmentStringsW(block);
  }
  for (const auto& [name, value] : added) entries.push_back(Wide(name) + L"=" + Wide(value));
  std::sort(entries.begin(), entries.end(), [](const std::wstring& a, const std::wstring& b) {
    return CompareStringOrdinal(a.data(), static_cast<int>(a.size()), b.data(),
                                static_cast<int>(b.size()), TRUE) == CSTR_LESS_THAN;
  });
  std::wstring out;
  for (const std::wstring& entry : entries) {
    out += entry;
    out += L'\0';
  }
  out += L'\0';
  return out;
}

Error CannotStart(const CommandSpec& spec, const std::string& step, DWORD code) {
  return win::PlatformError(Errc::kCannotStart,
                            "cannot start " + spec.argv[0] + ": " + step + ": " +
                                win::WindowsCategory().message(static_cast<int>(code)));
}

struct Spawned {
  DWORD pid = 0;
  UniqueHandle process;
  UniqueHandle job;
  UniqueHandle output;  // the pipe's read end
};

// The pipe's write end and NUL for stdin, made inheritable only while CreateProcessW
// runs: the mutex keeps another thread's child from inheriting them (where
// PROC_THREAD_ATTRIBUTE_HANDLE_LIST is not honoured, as under Wine).
std::mutex& InheritMutex() {
  static std::mutex mutex;
  return mutex;
}

Result<void> CreateSuspended(const CommandSpec& spec, HANDLE stdin_handle, HANDLE output_write,
                             PROCESS_INFORMATION& info) {
  std::wstring application = Wide(spec.argv[0]);
  std::wstring command_line = win::CommandLine(spec.argv);
  std::wstring environment = EnvironmentBlock(spec.env);
  std::wstring folder = Wide(spec.working_dir);

  HANDLE inherited[2] = {stdin_handle, output_write};
  SIZE_T list_size = 0;
  InitializeProcThreadAttributeList(nullptr, 1, 0, &list_size);
  std::vector<char> list_memory(list_size);
  auto* list = reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(list_memory.data());
  if (!InitializeProcThreadAttributeList(list, 1, 0, &list_size)) {
    return LastError("starting " + spec.argv[0] + ": preparing its attributes");
  }
  const bool listed = UpdateProcThreadAttribute(list, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST,
                                                inherited, sizeof(inherited), nullptr, nullptr);
  STARTUPINFOEXW startup = {};
  startup.StartupInfo.cb = sizeof(startup);
  startup.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
  startup.StartupInfo.hStdInput = stdin_handle;
  startup.StartupInfo.hStdOutput = output_write;
  startup.StartupInfo.hStdError = output_write;
  startup.lpAttributeList = listed ? list : nullptr;
  // A process group of its own, so that a console break (StopMode::kAsk) reaches it
  // alone; a hidden console of its own when this process has none (a service).
  DWORD flags = CREATE_SUSPENDED | CREATE_UNICODE_ENVIRONMENT | CREATE_NEW_PROCESS_GROUP;
  if (listed) flags |= EXTENDED_STARTUPINFO_PRESENT;
  if (GetConsoleWindow() == nullptr) flags |= CREATE_NO_WINDOW;

  std::lock_guard<std::mutex> lock(InheritMutex());
  SetHandleInformation(stdin_handle, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
  SetHandleInformation(output_write, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
  const BOOL created = CreateProcessW(
      application.c_str(), command_line.data(), nullptr, nullptr, TRUE, flags, environment.data(),
      folder.empty() ? nullptr : folder.c_str(), &startup.StartupInfo, &info);
  const DWORD error = GetLastError();
  // It may hold a credential filled into a placeholder (the Configuration Tool's switches).
  SecureZeroMemory(command_line.data(), command_line.size() * sizeof(wchar_t));
  SetHandleInformation(stdin_handle, HANDLE_FLAG_INHERIT, 0);
  SetHandleInformation(output_write, HANDLE_FLAG_INHERIT, 0);
  DeleteProcThreadAttributeList(list);
  if (!created) return CannotStart(spec, "running " + spec.argv[0], error);
  return {};
}

Result<void> CheckFolder(const CommandSpec& spec) {
  if (spec.working_dir.empty()) return {};
  const DWORD attributes = GetFileAttributesW(Wide(spec.working_dir).c_str());
  if (attributes == INVALID_FILE_ATTRIBUTES) {
    return CannotStart(spec, "changing to the folder " + spec.working_dir, GetLastError());
  }
  if ((attributes & FILE_ATTRIBUTE_DIRECTORY) == 0) {
    return CannotStart(spec, "changing to the folder " + spec.working_dir, ERROR_DIRECTORY);
  }
  return {};
}

Result<Spawned> SpawnRaw(const CommandSpec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty()) {
    return win::PlatformError(Errc::kInvalidArgument, "no command to run");
  }
  if (Result<void> folder = CheckFolder(spec); !folder.ok()) return folder.error();
  HANDLE read_end = nullptr;
  HANDLE write_end = nullptr;
  if (!CreatePipe(&read_end, &write_end, nullptr, 0)) return LastError("creating a pipe");
  UniqueHandle output_read(read_end), output_write(write_end);
  UniqueHandle nul(CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                               OPEN_EXISTING, 0, nullptr));
  if (!nul.valid()) return LastError("opening NUL");
  UniqueHandle job(CreateJobObjectW(nullptr, nullptr));
  if (!job.valid()) return LastError("starting " + spec.argv[0] + ": creating a job object");

  PROCESS_INFORMATION info = {};
  if (Result<void> created = CreateSuspended(spec, nul.get(), output_write.get(), info);
      !created.ok()) {
    return created.error();
  }
  UniqueHandle process(info.hProcess), thread(info.hThread);
  if (!AssignProcessToJobObject(job.get(), process.get())) {
    const Error error = LastError("starting " + spec.argv[0] + ": putting it in a job object");
    TerminateProcess(process.get(), kTerminatedCode);
    return error;
  }
  ResumeThread(thread.get());
  return Spawned{info.dwProcessId, std::move(process), std::move(job), std::move(output_read)};
}

// Ends the job's processes: kAsk sends a console break to the child's process group (it
// shares this process's console) and, where no console is shared, ends them as kForce.
void StopJob(DWORD pid, HANDLE job, StopMode mode) {
  if (mode == StopMode::kAsk && GetConsoleWindow() != nullptr &&
      GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, pid)) {
    return;
  }
  TerminateJobObject(job, kTerminatedCode);
}

// Reads what the pipe holds without blocking; false once every writer has closed it.
bool Drain(HANDLE pipe, OutputTail& tail, const CommandWatch& watch) {
  for (;;) {
    DWORD available = 0;
    if (!PeekNamedPipe(pipe, nullptr, 0, nullptr, &available, nullptr)) return false;
    if (available == 0) return true;
    char buffer[4096];
    DWORD n = 0;
    if (!ReadFile(pipe, buffer, std::min<DWORD>(available, sizeof(buffer)), &n, nullptr)) {
      return false;
    }
    const std::string_view bytes(buffer, n);
    if (watch.output) watch.output(bytes);
    tail.Append(bytes);
  }
}

std::uint64_t Ticks(const FILETIME& time) {
  return (static_cast<std::uint64_t>(time.dwHighDateTime) << 32) | time.dwLowDateTime;
}

// The creation time of a running process; nullopt when it has ended or cannot be seen.
std::optional<std::uint64_t> CreationTime(HANDLE process) {
  DWORD code = 0;
  if (!GetExitCodeProcess(process, &code) || code != STILL_ACTIVE) return std::nullopt;
  // STILL_ACTIVE is also a code a process may exit with: the handle tells for sure.
  if (WaitForSingleObject(process, 0) != WAIT_TIMEOUT) return std::nullopt;
  FILETIME created, exited, kernel, user;
  if (!GetProcessTimes(process, &created, &exited, &kernel, &user)) return std::nullopt;
  return Ticks(created);
}

void Terminate(DWORD pid) {
  UniqueHandle process(OpenProcess(PROCESS_TERMINATE, FALSE, pid));
  if (process.valid()) TerminateProcess(process.get(), kTerminatedCode);
}

// The processes `root` started, and theirs, that still run: those whose parent is in the
// tree and that were created after it (a parent id may have been reused).
std::vector<DWORD> Descendants(DWORD root, std::uint64_t root_created) {
  UniqueHandle snapshot(CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0));
  std::vector<std::pair<DWORD, DWORD>> links;  // {pid, parent}
  PROCESSENTRY32W entry = {};
  entry.dwSize = sizeof(entry);
  if (!snapshot.valid() || !Process32FirstW(snapshot.get(), &entry)) return {};
  do {
    links.emplace_back(entry.th32ProcessID, entry.th32ParentProcessID);
  } while (Process32NextW(snapshot.get(), &entry));
  std::vector<DWORD> tree = {root};
  for (std::size_t i = 0; i < tree.size(); ++i) {
    for (const auto& [pid, parent] : links) {
      if (parent != tree[i] || pid == root ||
          std::find(tree.begin(), tree.end(), pid) != tree.end()) {
        continue;
      }
      const std::optional<std::uint64_t> created = ProcessStartStamp(pid);
      if (created && *created >= root_created) tree.push_back(pid);
    }
  }
  tree.erase(tree.begin());
  return tree;
}

}  // namespace

bool ExitStatus::Exited() const {
  const DWORD code = static_cast<DWORD>(raw);
  // NTSTATUS error values: an unhandled exception, a Ctrl-C exit.
  return code != kTerminatedCode && code < 0xC0000000u;
}

int ExitStatus::Code() const { return Exited() ? raw : -1; }

std::string ExitStatus::Describe() const {
  const DWORD code = static_cast<DWORD>(raw);
  if (code == kTerminatedCode) return "was terminated";
  if (Exited()) return "exited with status " + std::to_string(code);
  char hex[16];
  std::snprintf(hex, sizeof(hex), "0x%08lX", static_cast<unsigned long>(code));
  if (code == 0xC000013Au) return std::string("was ended by Ctrl+C (") + hex + ")";
  return std::string("ended with exception ") + hex;
}

Result<ChildProcess> ChildProcess::Spawn(const CommandSpec& spec) {
  Result<Spawned> spawned = SpawnRaw(spec);
  if (!spawned.ok()) return spawned.error();
  ChildProcess child;
  child.pid_ = spawned->pid;
  child.output_ = reinterpret_cast<std::intptr_t>(spawned->output.Release());
  child.process_ = reinterpret_cast<std::intptr_t>(spawned->process.Release());
  child.job_ = reinterpret_cast<std::intptr_t>(spawned->job.Release());
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, 0)),
      output_(std::exchange(other.output_, kNone)),
      process_(std::exchange(other.process_, kNone)),
      job_(std::exchange(other.job_, kNone)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    Close();
    for (std::intptr_t* handle : {&process_, &job_}) {
      if (*handle != kNone) CloseHandle(reinterpret_cast<HANDLE>(*handle));
    }
    pid_ = std::exchange(other.pid_, 0);
    output_ = std::exchange(other.output_, kNone);
    process_ = std::exchange(other.process_, kNone);
    job_ = std::exchange(other.job_, kNone);
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  Close();
  for (std::intptr_t handle : {process_, job_}) {
    if (handle != kNone) CloseHandle(reinterpret_cast<HANDLE>(handle));
  }
}

void ChildProcess::Close() {
  if (output_ != kNone) CloseHandle(reinterpret_cast<HANDLE>(output_));
  output_ = kNone;
}

std::string ChildProcess::ReadOutput() {
  char buffer[4096];
  while (output_ != kNone) {
    DWORD n = 0;
    if (ReadFile(reinterpret_cast<HANDLE>(output_), buffer, sizeof(buffer), &n, nullptr) && n > 0) {
      return std::string(buffer, n);
    }
    if (GetLastError() == ERROR_MORE_DATA) return std::string(buffer, n);
    Close();  // ERROR_BROKEN_PIPE: every writer has closed it
  }
  return "";
}

ExitStatus ChildProcess::Wait() {
  const HANDLE process = reinterpret_cast<HANDLE>(process_);
  WaitForSingleObject(process, INFINITE);
  DWORD code = 0;
  GetExitCodeProcess(process, &code);
  return ExitStatus{static_cast<int>(code)};
}

void ChildProcess::Stop(StopMode mode) const {
  StopJob(static_cast<DWORD>(pid_), reinterpret_cast<HANDLE>(job_), mode);
}

Result<CommandOutcome> RunCommand(const CommandSpec& spec, std::chrono::nanoseconds timeout,
                                  const CommandWatch& watch) {
  Result<Spawned> child = SpawnRaw(spec);
  if (!child.ok()) return child.error();
  if (watch.started) watch.started(child->pid);
  const Clock::time_point deadline = Clock::now() + timeout;
  CommandOutcome outcome;
  OutputTail tail;
  bool reading = true;
  for (;;) {
    if (reading) reading = Drain(child->output.get(), tail, watch);
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    const DWORD wait =
        static_cast<DWORD>(std::clamp(left, std::chrono::milliseconds(0), kMaxPoll).count());
    if (WaitForSingleObject(child->process.get(), wait) == WAIT_OBJECT_0) {
      if (reading) Drain(child->output.get(), tail, watch);  // what it wrote before exiting
      DWORD code = 0;
      GetExitCodeProcess(child->process.get(), &code);
      outcome.exit = ExitStatus{static_cast<int>(code)};
      break;
    }
    const bool stop = watch.stop && watch.stop();
    if (!stop && Clock::now() < deadline) continue;
    TerminateJobObject(child->job.get(), kTerminatedCode);
    WaitForSingleObject(child->process.get(), INFINITE);
    (stop ? outcome.stopped : outcome.timed_out) = true;
    break;
  }
  outcome.output = tail.Text();
  return outcome;
}

std::optional<std::uint64_t> ProcessStartStamp(ProcessId pid) {
  UniqueHandle process(
      OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, FALSE, static_cast<DWORD>(pid)));
  if (!process.valid()) return std::nullopt;
  return CreationTime(process.get());
}

// Windows has no process groups: a process "leads" the tree of what it started while it
// runs (StopProcess walks that tree).
bool LeadsProcessGroup(ProcessId pid) { return ProcessStartStamp(pid).has_value(); }

// An adopted process is not in a job of ours: kAsk sends it a console break when it shares
// this console, otherwise (and for kForce) it and, with whole_group, what it started are
// terminated. Once it has ended, what it started can no longer be told from processes
// that inherited its id's number, and is left alone.
void StopProcess(ProcessId pid, bool whole_group, StopMode mode) {
  const DWORD id = static_cast<DWORD>(pid);
  const std::optional<std::uint64_t> created = ProcessStartStamp(pid);
  if (!created) return;
  if (mode == StopMode::kAsk && GetConsoleWindow() != nullptr &&
      GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, id)) {
    return;
  }
  const std::vector<DWORD> tree = whole_group ? Descendants(id, *created) : std::vector<DWORD>{};
  Terminate(id);
  for (DWORD descendant : tree) Terminate(descendant);
}

}  // namespace osfleet::platform
