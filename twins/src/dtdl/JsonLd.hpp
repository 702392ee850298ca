#pragma once
// DTDL is JSON-LD, and a model may use JSON-LD's longer forms where the parser reads DTDL's compact one.
// compact() rewrites a document, once its DTDL version is known, into the compact form:
//  - terms spelled as their full IRIs: keys (dtmi:dtdl:property:comment;3 -> comment), types
//    (dtmi:dtdl:class:Array;3 -> Array), schemas (dtmi:dtdl:instance:Schema:double;3 -> double,
//    dtmi:standard:schema:geospatial:point;3 -> point), QuantitativeTypes' semantic types and units
//    (dtmi:standard:class:Temperature;3, dtmi:standard:unit:degreeCelsius;3); a term of another DTDL
//    version than the document's is an error;
//  - value objects ({"@value": 5, "@type": "xsd:int"} -> 5; the @type must fit the value), and display
//    strings as value objects with "@language" (one, or a list of them) -> a language map;
//  - one-element arrays where DTDL expects one value (unwrapped) and empty arrays where it expects an
//    optional value (no value: the key goes);
//  - @context on an element that is not an Interface: an empty one, or the document's own DTDL context with
//    extensions it already has, is dropped; anything else is an error (an inline Interface's @context is
//    read by the parser).
// Problems go to `report` as (JSON pointer, message). Pointers are those of the rewritten document.

#include <nlohmann/json.hpp>

#include <functional>
#include <string>

namespace twinbench::twins::dtdl {

void compact(nlohmann::json& doc, int version, const std::string& path, const std::function<void(const std::string&, const std::string&)>& report);

}  // namespace twinbench::twins::dtdl
