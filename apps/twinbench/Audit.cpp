// twinbench audit: verify a tamper-evident audit log, or append a record to one (runtime/audit).

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <charconv>
#include <filesystem>
#include <iostream>
#include <optional>

#include "Commands.hpp"
#include "twinbench/core/JsonReader.hpp"
#include "twinbench/runtime/audit/AuditLog.hpp"

namespace twinbench::app {

namespace {

constexpr const char* kAuditHelp = R"(usage: twinbench audit verify <log> [--expect-head [N:]HASH]
       twinbench audit append <log> --actor WHO --action WHAT [--details JSON] [--t-us N]

An audit log is append-only JSON lines in a SHA-256 hash chain (docs/audit.md): each record says who did
what and when, with details, and carries the hash of its content and of the record before it.

verify   checks every record. A modified record, a dropped one, records out of order, or one replaced
         and re-hashed is reported as the first bad record ("FAIL: <log>:<line>: record <n>: ...", exit 1).
         Records cut off the end leave a valid shorter log: --expect-head compares the head (the last
         hash, printed on success) with one kept elsewhere; N:HASH, the head after the first N records
         (what twinbench-edge sends on tb/audit/<name>: the log must still hold them, unchanged).
append   verifies the log (a broken one is not extended: exit 1), then appends a record and syncs it to
         disk. --details is a JSON object (default {}); --t-us the time in microseconds since 1970
         (default: now). Prints the new head.
exit codes: 0 ok, 1 the log is not intact, 2 bad usage or an unreadable log.
)";

std::string read_log(const std::string& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return "";  // append may start a log; verify reports it below
  return core::read_text_file(file, "audit log");
}

int fail(const std::string& file, const runtime::audit::Verdict& v) {
  std::cerr << "FAIL: " << file;
  if (v.line) std::cerr << ':' << v.line;
  std::cerr << ": " << v.reason << '\n';
  return kAssertionFailed;
}

}  // namespace

int cmd_audit(const std::vector<std::string>& args) {
  if (args.empty()) throw UsageError{"missing a subcommand: verify or append"};
  if (args[0] == "--help" || args[0] == "-h") {
    std::cout << kAuditHelp;
    return kOk;
  }
  const std::string sub = args[0];
  if (sub != "verify" && sub != "append") throw UsageError{"unknown subcommand '" + sub + "' (expected verify or append)"};
  std::string file, expect_head, actor, action, details = "{}";
  std::optional<std::uint64_t> expect_at;
  std::optional<runtime::TimeUs> t_us;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw UsageError{a + " needs a value"};
      return args[++i];
    };
    if (a == "--help" || a == "-h") {
      std::cout << kAuditHelp;
      return kOk;
    } else if (sub == "verify" && a == "--expect-head") {
      expect_head = value();
      if (const auto colon = expect_head.find(':'); colon != std::string::npos) {
        const std::string n = expect_head.substr(0, colon);
        std::uint64_t at = 0;
        const auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), at);
        if (n.empty() || ec != std::errc{} || end != n.data() + n.size())
          throw UsageError{"--expect-head: expected [N:]HASH with N a number of records, got '" + expect_head + "'"};
        expect_at = at;
        expect_head = expect_head.substr(colon + 1);
      }
      if (expect_head.size() != 64 || expect_head.find_first_not_of("0123456789abcdef") != std::string::npos)
        throw UsageError{"--expect-head: expected [N:] and 64 lowercase hex digits, got '" + expect_head + "'"};
    } else if (sub == "append" && a == "--actor") {
      actor = value();
    } else if (sub == "append" && a == "--action") {
      action = value();
    } else if (sub == "append" && a == "--details") {
      details = value();
    } else if (sub == "append" && a == "--t-us") {
      const std::string& s = value();
      try {
        std::size_t used = 0;
        t_us = std::stoll(s, &used);
        if (used != s.size() || *t_us < 0) throw std::invalid_argument(s);
      } catch (const std::exception&) {
        throw UsageError{"--t-us: expected a non-negative integer, got '" + s + "'"};
      }
    } else if (!a.empty() && a[0] == '-') {
      throw UsageError{"unknown option '" + a + "'"};
    } else if (file.empty()) {
      file = a;
    } else {
      throw UsageError{"one log at a time (got '" + file + "' and '" + a + "')"};
    }
  }
  if (file.empty()) throw UsageError{"missing <log>"};
  if (sub == "verify") {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) throw core::InputError(file + ": cannot read audit log: no such file");
    const auto v = runtime::audit::verify(read_log(file), expect_head, expect_at);
    if (!v.ok) return fail(file, v);
    std::cout << "ok: " << file << ": " << v.records << " records, head " << v.head << '\n';
    return kOk;
  }
  if (actor.empty() || action.empty()) throw UsageError{"append needs --actor and --action"};
  if (nlohmann::json::parse(details, nullptr, false).is_object() == false) throw UsageError{"--details: expected a JSON object, got '" + details + "'"};
  const std::string text = read_log(file);
  const auto v = runtime::audit::verify(text);
  if (!v.ok) return fail(file, v);
  if (!text.empty() && text.back() != '\n') throw core::InputError(file + ": the last record has no line break: not a log this tool wrote");
  runtime::audit::Chain chain(v.records, v.head);
  const runtime::TimeUs now = t_us.value_or(std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  const std::string line = chain.append(now, actor, action, details) + "\n";
  const int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (fd < 0 || ::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()) || ::fsync(fd) != 0) {
    const std::string why = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    throw core::InputError(file + ": cannot append to the audit log: " + why);
  }
  ::close(fd);
  std::cout << "appended record " << v.records << " to " << file << ", head " << chain.head() << '\n';
  return kOk;
}

}  // namespace twinbench::app
