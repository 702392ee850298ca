#include "Page.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "twinbench/results/Report.hpp"

namespace twinbench::results::report {

json parse(const std::string& text, const std::string& file) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw std::runtime_error(file + ": not a JSON object");
  return j;
}

std::string show(const json& v, int digits) {
  if (!v.is_number()) return "n/a";
  const double x = v.get<double>();
  char b[64];
  if (std::abs(x) >= 1e4) {
    std::snprintf(b, sizeof b, "%.0f", x);
    std::string s = b, out;
    const std::size_t start = s[0] == '-' ? 1 : 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (i > start && (s.size() - i) % 3 == 0) out += ',';
      out += s[i];
    }
    return out;
  }
  std::snprintf(b, sizeof b, "%.*g", digits, x);
  return b;
}

std::string fixed(const json& v, int decimals) {
  if (!v.is_number()) return "n/a";
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", decimals, v.get<double>());
  return b;
}

const json& at(const json& j, const std::string& pointer) {
  static const json null;
  const json::json_pointer p(pointer);
  return j.contains(p) ? j.at(p) : null;
}

namespace {
constexpr const char* kStyle = R"(
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
main{max-width:1340px;margin:0 auto;padding:20px 28px}
h1{font-size:24px;margin:4px 0 2px}h2{font-size:19px;margin:28px 0 8px;border-bottom:1px solid #d8dce2;padding-bottom:4px}
.sub{color:#5a6470;margin:0 0 14px}
.verdict{display:inline-block;font-weight:700;font-size:20px;padding:8px 18px;border-radius:8px;color:#fff}
.go{background:#1a7f37}.nogo{background:#c62828}.none{background:#6b7280}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:12px;margin:14px 0}
.card{background:#fff;border:1px solid #d8dce2;border-radius:8px;padding:10px 14px}
.card .v{font-size:22px;font-weight:650}.card .k{color:#5a6470;font-size:13px}
table{border-collapse:collapse;background:#fff;margin:6px 0 10px}th,td{border:1px solid #d8dce2;padding:4px 10px;text-align:right}
th{background:#eef0f3}td:first-child,th:first-child,#worst-sites td:nth-child(2),#worst-sites th:nth-child(2),#headlines td:nth-child(2){text-align:left}
.pass{color:#1a7f37;font-weight:600}.fail{color:#c62828;font-weight:600}.skip{color:#6b7280}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(600px,1fr));gap:14px}
figure{margin:0;background:#fff;border:1px solid #d8dce2;border-radius:8px;padding:8px}
figcaption{color:#5a6470;font-size:13px;margin:2px 6px}
svg.chart{width:100%;height:auto;font-size:11px}svg .title{font-size:13px;font-weight:600}
svg .grid{stroke:#e5e7eb}svg .frame{stroke:#6b7280}svg .series{fill:none;stroke-width:1.6}
.t{text-align:left!important}svg .band{fill:#f59e0b;opacity:.4}svg .marker{fill:#c62828}svg .label{fill:#5a6470}svg .empty{fill:#6b7280;font-size:14px}
)";

}  // namespace

std::string head(const std::string& title, const std::string& extra_style) {
  return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">"
         "<meta name=\"generator\" content=\"" + std::string(kReportGenerator) + "\"><title>" + escape(title) + "</title><style>" + kStyle + extra_style +
         "</style></head><body><main>";
}

std::string figure(const Chart& c, const std::string& id, const std::string& caption) {
  return "<figure>" + c.svg(id) + "<figcaption>" + escape(caption) + "</figcaption></figure>";
}

}  // namespace twinbench::results::report
