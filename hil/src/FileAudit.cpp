#include "twinbench/hil/FileAudit.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace twinbench::hil {

FileAudit::FileAudit(std::string path, runtime::TimeUs utc_at_start_us) : path_(std::move(path)), utc_at_start_us_(utc_at_start_us) {
  std::string text;
  if (std::ifstream in(path_, std::ios::binary); in) {
    std::ostringstream s;
    s << in.rdbuf();
    text = s.str();
  }
  const runtime::audit::Verdict v = runtime::audit::verify(text);
  if (!v.ok)
    throw std::runtime_error(path_ + (v.line ? ":" + std::to_string(v.line) : std::string()) + ": " + v.reason +
                             " (the audit log is not intact: it is not extended)");
  chain_ = runtime::audit::Chain(v.records, v.head);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error(path_ + ": cannot open the audit log: " + std::strerror(errno));
  if (!text.empty() && text.back() != '\n' && ::write(fd_, "\n", 1) != 1)
    throw std::runtime_error(path_ + ": cannot write the audit log: " + std::strerror(errno));
}

FileAudit::~FileAudit() {
  if (fd_ >= 0) ::close(fd_);
}

void FileAudit::record(runtime::TimeUs t_us, std::string_view actor, std::string_view action, std::string_view details_json) {
  const std::string line = chain_.append(utc_at_start_us_ + t_us, actor, action, details_json) + '\n';
  // One write of the whole line, then fsync: a crash leaves the log ending at a whole record (or at most
  // one torn last line, which verify reports).
  if (::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size()) || ::fsync(fd_) != 0)
    throw std::runtime_error(path_ + ": cannot write the audit log: " + std::strerror(errno));
}

}  // namespace twinbench::hil
