#include "Auth.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "twinbench/runtime/mqtt/Codec.hpp"
#include "twinbench/runtime/mqtt/Passwords.hpp"

namespace twinbench::edge {
namespace {

namespace mqtt = runtime::mqtt;

/** A pattern with %c, %u, %g is a valid filter once they are put in (as any one level's text). */
bool valid_pattern(const std::string& p) {
  std::string probe;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] != '%') {
      probe += p[i];
      continue;
    }
    if (i + 1 == p.size() || (p[i + 1] != 'c' && p[i + 1] != 'u' && p[i + 1] != 'g')) return false;
    probe += 'x';
    ++i;
  }
  return mqtt::valid_topic_filter(probe) && mqtt::valid_mqtt_utf8(probe);
}

std::vector<std::string> strings(const core::JsonObject& o, std::string_view key, const char* expected, bool (*ok)(const std::string&)) {
  std::vector<std::string> out;
  for (const auto& [j, path] : o.array(key, false)) {
    if (!j->is_string() || !ok(j->get<std::string>())) core::JsonObject::fail_at(o.file(), path, std::string("expected ") + expected + ", got " + core::JsonObject::show(*j));
    out.push_back(j->get<std::string>());
  }
  return out;
}

bool valid_name(const std::string& s) { return !s.empty() && s.size() <= 65535 && mqtt::valid_mqtt_utf8(s); }

std::string octal_mode(const struct stat& st) {
  char mode[8];
  std::snprintf(mode, sizeof mode, "%o", st.st_mode & 0777);
  return mode;
}

}  // namespace

runtime::mqtt::AccessConfig read_auth(const core::JsonObject& auth, const std::function<std::string(const std::string&)>& relative) {
  auth.allow({"password_file", "allow_anonymous", "certificate_identity", "acl", "control_identities"});
  mqtt::AccessConfig a;
  if (auth.has("password_file")) {
    const std::string file = relative(auth.string("password_file"));
    struct stat st {};
    if (::stat(file.c_str(), &st) == 0 && (st.st_mode & (S_IWGRP | S_IWOTH)))
      auth.fail("password_file", file + " can be changed by others (mode " + octal_mode(st) + "): expected a file only its owner can write (chmod 600)");
    try {
      a.passwords = mqtt::PasswordFile::parse(core::read_text_file(file, "password file"));
    } catch (const std::invalid_argument& e) {
      auth.fail("password_file", file + ": " + e.what());
    } catch (const core::InputError& e) {
      auth.fail("password_file", e.what());
    }
  }
  a.allow_anonymous = auth.boolean_or("allow_anonymous", false);
  a.certificate_identity = auth.boolean_or("certificate_identity", false);
  for (const auto& [j, path] : auth.array("acl", false)) {
    const core::JsonObject r(*j, path, auth.file());
    r.allow({"identity", "publish", "subscribe"});
    mqtt::AclRule rule;
    rule.identity = r.string("identity");
    if (!valid_name(rule.identity)) r.fail("identity", "expected a username, a certificate name, \"*\" or \"anonymous\"");
    rule.publish = strings(r, "publish", "a topic filter (with %c, %u, %g)", valid_pattern);
    rule.subscribe = strings(r, "subscribe", "a topic filter (with %c, %u, %g)", valid_pattern);
    a.acl.push_back(std::move(rule));
  }
  a.control_identities = strings(auth, "control_identities", "a username or certificate name", valid_name);
  if (a.passwords.hashes.empty() && !a.allow_anonymous && !a.certificate_identity)
    auth.fail("password_file", "no client could connect: expected a password file (twinbench-edge passwd), certificate_identity, or allow_anonymous");
  return a;
}

std::string read_secret_file(const std::string& path, const core::JsonObject& o, std::string_view key) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) o.fail(key, "cannot read " + path + ": " + std::strerror(errno));
  if (st.st_mode & (S_IRWXG | S_IRWXO)) o.fail(key, path + " is open to others (mode " + octal_mode(st) + "): expected a file only its owner can read (chmod 600)");
  std::string text;
  try {
    text = core::read_text_file(path, "secret", 4096);
  } catch (const core::InputError& e) {
    o.fail(key, e.what());
  }
  text = text.substr(0, text.find('\n'));
  if (!text.empty() && text.back() == '\r') text.pop_back();
  if (text.empty()) o.fail(key, path + " is empty: expected the secret on its first line");
  return text;
}

namespace {

constexpr const char* kPasswdUsage = R"(usage: twinbench-edge passwd <password-file> <username> [--delete] [--cost <log2 N>]
       twinbench-edge passwd <password-file> --batch [--cost <log2 N>]

Add a user to twinbench-edge's password file, change their password, or (--delete) remove them. The
password is read from standard input: from a terminal, typed twice without echo; otherwise its first
line. With --batch, standard input holds "<username> <password>" lines, one user each (a lab's devices:
twinbench credentials <scenario> --gateway NAME | twinbench-edge passwd passwords --batch). The file keeps salted scrypt hashes only (docs/security.md); it is created with mode 0600 and
replaced atomically. --cost: scrypt's N = 2^cost, 4 to 20 (default 15: 32 MiB, about 0.1 s a check).
exit codes: 0 done, 2 bad usage or a file that is not a password file.
)";

std::string read_password() {
  const bool tty = ::isatty(STDIN_FILENO);
  termios old {};
  const auto prompt = [&](const char* what) {
    std::string line;
    if (tty) {
      std::cerr << what << std::flush;
      ::tcgetattr(STDIN_FILENO, &old);
      termios quiet = old;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    std::getline(std::cin, line);
    if (tty) {
      ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
      std::cerr << '\n';
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  };
  const std::string first = prompt("Password: ");
  if (tty && prompt("Again: ") != first) throw std::invalid_argument("the passwords differ");
  if (first.empty()) throw std::invalid_argument("expected a password on standard input, got an empty line");
  return first;
}

}  // namespace

namespace {

bool valid_username(const std::string& user) {
  return !user.empty() && user.front() != '#' && user.find(':') == std::string::npos && mqtt::valid_mqtt_utf8(user) &&
         user.find_first_of("\r\n \t") == std::string::npos;
}

/** Hash `password` for `user` into `f` with a fresh salt; false (said) if no random bytes. */
bool set_password(mqtt::PasswordFile& f, const std::string& user, const std::string& password, unsigned cost) {
  std::array<std::uint8_t, 16> salt{};
  if (::getrandom(salt.data(), salt.size(), 0) != static_cast<ssize_t>(salt.size())) {
    std::cerr << "twinbench-edge passwd: no random bytes for the salt: " << std::strerror(errno) << '\n';
    return false;
  }
  f.hashes[user] = mqtt::hash_password(password, salt, {cost, 8, 1});
  return true;
}

}  // namespace

int passwd(const std::vector<std::string>& args) {
  std::vector<std::string> pos;
  bool remove = false, batch = false;
  unsigned cost = mqtt::kPasswordCost.log2_n;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      std::cout << kPasswdUsage;
      return 0;
    } else if (args[i] == "--delete") {
      remove = true;
    } else if (args[i] == "--batch") {
      batch = true;
    } else if (args[i] == "--cost" && i + 1 < args.size()) {
      const std::string& v = args[++i];
      if (v.size() > 2 || v.find_first_not_of("0123456789") != std::string::npos || std::stoul(v) < 4 || std::stoul(v) > 20) {
        std::cerr << "twinbench-edge passwd: --cost: expected an integer in [4, 20], got '" << v << "'\n";
        return 2;
      }
      cost = static_cast<unsigned>(std::stoul(v));
    } else if (!args[i].starts_with("--")) {
      pos.push_back(args[i]);
    } else {
      std::cerr << "twinbench-edge passwd: unexpected argument '" << args[i] << "'\n\n" << kPasswdUsage;
      return 2;
    }
  }
  if (pos.size() != (batch ? 1u : 2u) || (batch && remove)) {
    std::cerr << kPasswdUsage;
    return 2;
  }
  const std::string& file = pos[0];
  if (!batch && !valid_username(pos[1])) {
    std::cerr << "twinbench-edge passwd: expected a username without ':', spaces or line breaks, not starting with '#', got '" << pos[1] << "'\n";
    return 2;
  }
  mqtt::PasswordFile f;
  std::error_code ec;
  const bool exists = std::filesystem::exists(file, ec);
  try {
    if (exists) f = mqtt::PasswordFile::parse(core::read_text_file(file, "password file"));
  } catch (const std::invalid_argument& e) {
    std::cerr << "error: " << file << ": not a password file (" << e.what() << "); nothing changed\n";
    return 2;
  } catch (const core::InputError& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 2;
  }
  std::string what;
  if (batch) {  // "<username> <password>" lines on standard input (twinbench credentials makes them)
    std::string line;
    std::size_t n = 0, line_no = 0;
    while (std::getline(std::cin, line)) {
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      const auto space = line.find(' ');
      const std::string user = line.substr(0, space), password = space == std::string::npos ? "" : line.substr(space + 1);
      if (!valid_username(user) || password.empty()) {
        std::cerr << "twinbench-edge passwd: standard input, line " << line_no << ": expected \"<username> <password>\"; nothing changed\n";
        return 2;
      }
      if (!set_password(f, user, password, cost)) return 3;
      ++n;
    }
    what = "set " + std::to_string(n) + " passwords";
  } else if (remove) {
    if (f.hashes.erase(pos[1]) == 0) {
      std::cerr << "error: " << file << ": no user '" << pos[1] << "'\n";
      return 2;
    }
    what = "removed '" + pos[1] + "'";
  } else {
    std::string password;
    try {
      password = read_password();
    } catch (const std::invalid_argument& e) {
      std::cerr << "twinbench-edge passwd: " << e.what() << "; nothing changed\n";
      return 2;
    }
    what = (f.hashes.contains(pos[1]) ? "changed the password of '" : "added '") + pos[1] + "'";
    if (!set_password(f, pos[1], password, cost)) return 3;
  }
  // Written beside it, synced, renamed over it: the file is the old one or the new one, never half of each.
  const std::string tmp = file + ".tmp-" + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::cerr << "error: cannot write " << tmp << ": " << std::strerror(errno) << '\n';
    return 2;
  }
  const std::string text = f.text();
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written || ::rename(tmp.c_str(), file.c_str()) != 0) {
    std::cerr << "error: cannot write " << file << ": " << std::strerror(errno) << '\n';
    ::unlink(tmp.c_str());
    return 2;
  }
  std::cerr << "twinbench-edge passwd: " << what << " in " << file << '\n';
  return 0;
}

}  // namespace twinbench::edge
