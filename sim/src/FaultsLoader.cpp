// The scenario's adversity: scheduled faults (asset, link, gateway reboots; drift in LifecycleLoader.cpp)
// and the security section's rogue clients (docs/scenario-format.md).
#include <algorithm>
#include <cctype>
#include <string>

#include "LoaderParts.hpp"

namespace twinbench::sim::loader {

using core::JsonObject;

void read_fault(Scenario& sc, const JsonObject& o) {
  const std::string kind = o.string("kind");
  if (kind == "asset") {
    o.allow({"kind", "at_s", "mode", "fraction", "ramp_s", "site", "asset_class"});
    AssetFault f;
    f.at_s = scheduled_at(sc, o);
    f.mode = o.string("mode");
    f.fraction = o.probability("fraction");
    f.ramp_s = o.positive("ramp_s");
    if (o.has("site")) f.site = site_index(sc, o, "site");
    if (o.has("asset_class")) {
      f.asset = twins::find_asset_class(o.string("asset_class"));
      if (!f.asset) o.fail("asset_class", "unknown asset class '" + o.string("asset_class") + "' (expected one of: " + twins::asset_class_names() + ")");
      if (!f.asset->descriptor.fault(f.mode))
        o.fail("mode", "the " + f.asset->descriptor.name + " class has no fault '" + f.mode + "' (expected one of: " + f.asset->descriptor.fault_names() + ")");
    }
    // Every site in scope must know the mode: a fault of (one of) its device groups' asset classes.
    const auto known = std::find(sc.fault_modes.begin(), sc.fault_modes.end(), f.mode);
    if (known == sc.fault_modes.end()) o.fail("mode", "unknown fault mode '" + f.mode + "' (expected one of: " + joined(sc.fault_modes) + ")");
    for (std::size_t s = 0; s < sc.sites.size(); ++s) {
      if (f.site && *f.site != s) continue;
      bool any = false;
      std::string classes;
      for (std::size_t g = 0; g < sc.sites[s].groups(); ++g) {
        const twins::AssetClass* c = sc.sites[s].group(g).asset;
        any = any || ((!f.asset || c == f.asset) && c->descriptor.fault(f.mode));
        classes += (classes.empty() ? "" : ", ") + c->descriptor.name;
      }
      if (any) continue;
      const twins::AssetDescriptor& asset = sc.sites[s].asset->descriptor;
      if (sc.sites[s].groups() == 1 && !f.asset)
        o.fail("mode", "site '" + sc.sites[s].name + "' has " + asset.name + " devices, which have no fault '" + f.mode + "' (expected one of: " +
                           asset.fault_names() + ")" + (f.site ? "" : "; name a \"site\" to scope it"));
      o.fail(f.asset ? "asset_class" : "mode", "site '" + sc.sites[s].name + "' has no " + (f.asset ? f.asset->descriptor.name + " " : std::string()) +
                                                   "devices with a fault '" + f.mode + "' (its classes: " + classes + ")" +
                                                   (f.site ? "" : "; name a \"site\" to scope it"));
    }
    f.mode_index = static_cast<std::size_t>(known - sc.fault_modes.begin());
    sc.asset_faults.push_back(f);
  } else if (kind == "link_down") {
    o.allow({"kind", "at_s", "duration_s", "link", "site", "gateway"});
    LinkFault f;
    f.at_s = scheduled_at(sc, o);
    f.duration_s = o.positive("duration_s");
    const std::string link = o.string_or("link", "access");
    if (link != "access" && link != "wan") o.fail("link", "expected \"access\" or \"wan\", got '" + link + "'");
    f.link = link == "wan" ? LinkKind::wan : LinkKind::access;
    f.site = site_index(sc, o, "site");
    if (o.has("gateway")) f.gateway = static_cast<std::uint32_t>(o.integer("gateway", 0, sc.sites[f.site].gateways - 1));
    sc.link_faults.push_back(f);
  } else if (kind == "gateway_reboot") {
    o.allow({"kind", "at_s", "duration_s", "site", "gateway", "power_cut"});
    GatewayReboot f;
    f.at_s = scheduled_at(sc, o);
    f.duration_s = o.positive("duration_s");
    f.power_cut = o.boolean_or("power_cut", false);
    f.site = site_index(sc, o, "site");
    if (o.has("gateway")) f.gateway = static_cast<std::uint32_t>(o.integer("gateway", 0, sc.sites[f.site].gateways - 1));
    sc.gateway_reboots.push_back(f);
  } else if (kind == "partner_down") {
    o.allow({"kind", "at_s", "duration_s", "partner", "status"});
    PartnerOutage f;
    f.at_s = scheduled_at(sc, o);
    f.duration_s = o.positive("duration_s");
    const std::string name = o.string("partner");
    const auto it = std::find_if(sc.partners.begin(), sc.partners.end(), [&](const PartnerSpec& p) { return p.name == name; });
    if (it == sc.partners.end()) {
      std::vector<std::string> names;
      for (const PartnerSpec& p : sc.partners) names.push_back(p.name);
      o.fail("partner", "no partner is named '" + name + "' (the scenario's \"partners\": " + (names.empty() ? std::string("none") : joined(names)) + ")");
    }
    f.partner = static_cast<std::size_t>(it - sc.partners.begin());
    f.status = static_cast<int>(o.integer_or("status", 400, 599, f.status));
    sc.partner_outages.push_back(f);
  } else if (!loader::read_drift_fault(sc, o, kind)) {
    o.fail("kind", "unknown fault kind '" + kind +
                       "' (expected one of: asset, link_down, gateway_reboot, partner_down, ambient_shift, sensor_bias_creep, new_variant)");
  }
}

void read_partner(Scenario& sc, const JsonObject& o) {
  o.allow({"name", "kinds", "latency_ms", "timeout_s", "queue_bytes", "sla_s"});
  PartnerSpec p;
  p.name = o.string("name");
  if (p.name.empty() || p.name.size() > 64 ||
      !std::all_of(p.name.begin(), p.name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; }))
    o.fail("name", "expected a name of letters, digits, '-' or '_' (at most 64), got '" + p.name + "'");
  for (const PartnerSpec& other : sc.partners)
    if (other.name == p.name) o.fail("name", "duplicate partner name '" + p.name + "'");
  if (o.has("kinds")) {
    p.kinds.clear();
    for (const auto& [j, path] : o.array("kinds", true)) {
      const std::string kind = j->is_string() ? j->get<std::string>() : std::string();
      if (kind != "alert" && kind != "summary") core::JsonObject::fail_at(o.file(), path, "expected \"alert\" or \"summary\"");
      if (std::find(p.kinds.begin(), p.kinds.end(), kind) == p.kinds.end()) p.kinds.push_back(kind);
    }
  }
  p.latency_ms = o.non_negative_or("latency_ms", p.latency_ms);
  p.timeout_s = o.positive_or("timeout_s", p.timeout_s);
  p.queue_bytes = o.integer_or("queue_bytes", 4096, std::uint64_t{1} << 32, p.queue_bytes);
  p.sla_s = o.positive_or("sla_s", p.sla_s);
  sc.partners.push_back(std::move(p));
}

void read_security(Scenario& sc, const JsonObject& o) {
  o.allow({"password_cost_log2", "rogue_clients"});
  SecuritySpec sec;
  sec.password_cost_log2 = static_cast<unsigned>(o.integer_or("password_cost_log2", 4, 20, sec.password_cost_log2));
  for (const auto& [j, path] : o.array("rogue_clients", false)) {
    const JsonObject r(*j, path, o.file());
    r.allow({"attack", "site", "gateway", "at_s", "every_s", "attempts"});
    SecuritySpec::Rogue g;
    using A = SecuritySpec::Rogue::Attack;
    const std::string attack = r.string("attack");
    if (attack == "wrong_password") g.attack = A::wrong_password;
    else if (attack == "anonymous") g.attack = A::anonymous;
    else if (attack == "fake_rules") g.attack = A::fake_rules;
    else if (attack == "read_all") g.attack = A::read_all;
    else r.fail("attack", "expected one of wrong_password, anonymous, fake_rules, read_all, got '" + attack + "'");
    g.site = site_index(sc, r, "site");
    if (r.has("gateway")) g.gateway = static_cast<std::uint32_t>(r.integer("gateway", 0, sc.sites[g.site].gateways - 1));
    g.at_s = r.non_negative_or("at_s", 0);
    g.every_s = r.positive_or("every_s", g.every_s);
    g.attempts = static_cast<std::uint32_t>(r.integer_or("attempts", 1, 1'000'000, 1));
    if (g.at_s + g.every_s * (g.attempts - 1) >= sc.duration_s)
      r.fail("attempts", "expected the last attempt before the end of the run (" + std::to_string(sc.duration_s) + " s)");
    sec.rogues.push_back(g);
  }
  sc.security = std::move(sec);
}

}  // namespace twinbench::sim::loader
