#pragma once
// A set of DTDL documents, parsed and checked like a compiler would: every problem becomes a Diagnostic
// naming the file, the JSON path, the element's DTMI and the rule, and parsing goes on to find the next.

#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "twinbench/twins/dtdl/Model.hpp"

namespace twinbench::twins::dtdl {

struct Diagnostic {
  std::string file;
  std::string path;  ///< JSON pointer; "/" for the document
  std::string dtmi;  ///< the element concerned, when it has one
  std::string message;
  /** @brief `file: path: dtmi: message` (the dtmi part only when known). */
  std::string str() const;
};

struct ParseOptions {
  /// Accept @context entries this parser does not know (they are ignored). Strict by default.
  bool allow_undefined_extensions = false;
};

class ModelSet {
public:
  explicit ModelSet(ParseOptions options = {}) : options_(options) {}

  /** @brief Parse one document: an Interface, or an array of Interfaces. */
  void add_document(std::string_view text, const std::string& file);
  /** @brief Add a .json file, or every .json file under a folder (recursively, in sorted order). */
  void add_path(const std::string& path);
  /**
   * @brief Checks across documents: unique @ids, references that resolve (extends, Component schemas,
   * schema references, elements given by their @id, which it replaces by the element), no extends or schema cycles, depth limits, names unique with inherited contents,
   * no Component inside a Component. Call after adding every document.
   */
  void resolve();

  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  bool ok() const { return diagnostics_.empty(); }
  const std::map<std::string, Interface, std::less<>>& interfaces() const { return interfaces_; }
  const Interface* find(std::string_view id) const;
  /** @brief Own and inherited contents of a resolved Interface, inherited first (each Interface once). */
  std::vector<const Content*> all_contents(std::string_view id) const;

private:
  friend class DocumentParser;
  /** An element with an @id, for references to it: its DTDL type ("Telemetry", "Field", ...) and a copy. */
  struct Definition {
    std::string type;
    std::variant<Content, NamedSchema, EnumValue> element;
  };
  void report(std::string file, std::string path, std::string dtmi, std::string message);
  /** Replace every element given by its @id with the element defined under that @id (see resolve()). */
  void substitute_references();

  ParseOptions options_;
  std::map<std::string, Interface, std::less<>> interfaces_;
  std::map<std::string, std::string, std::less<>> ids_;  ///< every element @id -> "file: path", for uniqueness
  std::map<std::string, Definition, std::less<>> definitions_;  ///< contents, properties, named schemas and EnumValues by @id
  std::vector<Diagnostic> diagnostics_;
};

}  // namespace twinbench::twins::dtdl
