#pragma once
// twinbench-edge's "auth" section (who may connect and what they may do), the secrets it reads from
// files, and the passwd command that manages its password file (docs/security.md).

#include <functional>
#include <string>
#include <vector>

#include "twinbench/core/JsonReader.hpp"
#include "twinbench/runtime/mqtt/Access.hpp"

namespace twinbench::edge {

/** @brief The "auth" object; `relative` resolves a path in it against the configuration's folder. */
runtime::mqtt::AccessConfig read_auth(const core::JsonObject& auth, const std::function<std::string(const std::string&)>& relative);

/**
 * @brief A secret kept in its own file (a password, a key): the file's first line. The file must be
 * readable by its owner only (mode 0600 or stricter), as ssh asks of its keys; `key` names the
 * configuration key for errors.
 */
std::string read_secret_file(const std::string& path, const core::JsonObject& o, std::string_view key);

/** @brief `twinbench-edge passwd ...` (args after "passwd"): the exit code. */
int passwd(const std::vector<std::string>& args);

}  // namespace twinbench::edge
