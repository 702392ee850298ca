#include "twinbench/hil/FileAudit.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "twinbench/core/JsonReader.hpp"

namespace twinbench::hil {

namespace {

/** What the log held when the checkpoint was written: records and head. */
struct Checkpoint {
  std::uint64_t records = 0;
  std::string head;
};

std::optional<Checkpoint> read_checkpoint(const std::string& path) {
  std::string why;
  const auto text = core::read_regular_file(path, 4096, why);
  if (!text) {
    if (why == "no such file") return std::nullopt;
    throw std::runtime_error(path + ": cannot read the audit log's checkpoint: " + why);
  }
  const auto j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object() || j.value("format", "") != "twinbench-audit-checkpoint/1" || !j.contains("records") || !j["records"].is_number_unsigned() ||
      !j.contains("head") || !j["head"].is_string())
    throw std::runtime_error(path + ": not an audit log checkpoint of twinbench-edge's (it is not overwritten)");
  return Checkpoint{j["records"].get<std::uint64_t>(), j["head"].get<std::string>()};
}

/** The first `n` lines of the log (each with its newline). */
std::string_view first_lines(std::string_view text, std::uint64_t n) {
  std::size_t end = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    const auto nl = text.find('\n', end);
    if (nl == std::string_view::npos) return text;
    end = nl + 1;
  }
  return text.substr(0, end);
}

void fail_io(const std::string& what) { throw std::runtime_error(what + ": " + std::strerror(errno)); }

}  // namespace

FileAudit::FileAudit(std::string path, runtime::TimeUs utc_at_start_us)
    : path_(std::move(path)), checkpoint_path_(path_ + ".checkpoint"), utc_at_start_us_(utc_at_start_us) {
  std::string why;
  std::string text = core::read_regular_file(path_, core::kInputBytesMax * 16, why).value_or("");
  if (text.empty() && !why.empty() && why != "no such file") throw std::runtime_error(path_ + ": cannot read the audit log: " + why);
  const std::optional<Checkpoint> checkpoint = read_checkpoint(checkpoint_path_);
  if (!text.empty() && text.back() != '\n') {
    // A power cut during an append leaves a last line without its newline. If all before it verifies,
    // that line is torn, not tampered with: it is cut off, and the recovery audited.
    const std::size_t keep = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
    if (runtime::audit::verify(std::string_view(text).substr(0, keep)).ok && !runtime::audit::verify(text).ok) {
      recovered_bytes_ = text.size() - keep;
      text.resize(keep);
      if (::truncate(path_.c_str(), static_cast<off_t>(keep)) != 0) fail_io(path_ + ": cannot cut the torn last record off the audit log");
    }
  }
  const runtime::audit::Verdict v = runtime::audit::verify(text);
  if (!v.ok)
    throw std::runtime_error(path_ + (v.line ? ":" + std::to_string(v.line) : std::string()) + ": " + v.reason +
                             " (the audit log is not intact: it is not extended)");
  if (checkpoint) {  // the log must still hold everything the checkpoint saw
    if (v.records < checkpoint->records)
      throw std::runtime_error(path_ + ": the audit log holds " + std::to_string(v.records) + " records, but its checkpoint (" + checkpoint_path_ +
                               ") says " + std::to_string(checkpoint->records) + " were written: it was cut short, emptied or deleted (it is not extended)");
    if (!runtime::audit::verify(first_lines(text, checkpoint->records), checkpoint->head).ok)
      throw std::runtime_error(path_ + ": the audit log's first " + std::to_string(checkpoint->records) +
                               " records do not end at the head its checkpoint kept (" + checkpoint->head + "): it was rewritten (it is not extended)");
  }
  chain_ = runtime::audit::Chain(v.records, v.head);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) fail_io(path_ + ": cannot open the audit log");
  if (!text.empty() && text.back() != '\n' && ::write(fd_, "\n", 1) != 1) fail_io(path_ + ": cannot write the audit log");
  write_checkpoint();
}

FileAudit::~FileAudit() {
  if (fd_ >= 0) ::close(fd_);
}

void FileAudit::record(runtime::TimeUs t_us, std::string_view actor, std::string_view action, std::string_view details_json) {
  const std::string line = chain_.append(utc_at_start_us_ + t_us, actor, action, details_json) + '\n';
  // One write of the whole line, then fsync: a crash leaves the log ending at a whole record (or at most
  // one torn last line, which the next start cuts off). Then the checkpoint.
  if (::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size()) || ::fsync(fd_) != 0) fail_io(path_ + ": cannot write the audit log");
  write_checkpoint();
}

void FileAudit::write_checkpoint() {
  // Written beside, synced, renamed over the old one, the folder synced: the checkpoint is whole, old or new.
  const std::string text =
      nlohmann::json{{"format", "twinbench-audit-checkpoint/1"}, {"records", chain_.records()}, {"head", chain_.head()}}.dump() + "\n";
  const std::string tmp = checkpoint_path_ + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail_io(tmp + ": cannot write the audit log's checkpoint");
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), checkpoint_path_.c_str()) != 0) fail_io(checkpoint_path_ + ": cannot write the audit log's checkpoint");
  const std::string dir = std::filesystem::path(checkpoint_path_).parent_path().string();
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace twinbench::hil
