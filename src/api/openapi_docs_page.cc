// GET /docs: the OpenAPI document rendered as one self-contained HTML page (no script, nothing
// loaded from elsewhere): operations grouped by tag with their access, parameters, request body
// and responses, then the schemas they link to.
#include <map>
#include <vector>

#include "api/openapi.h"

namespace hookd::api {
namespace json = boost::json;

namespace {

std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Str(const json::value* v) {
  return v && v->is_string() ? std::string(v->as_string()) : "";
}

std::string RefName(std::string_view ref) { return std::string(ref.substr(ref.rfind('/') + 1)); }

// A schema in one line: a link for a $ref, "X[]" for arrays, "X page" for list responses.
std::string SchemaText(const json::value& s) {
  const auto* o = s.if_object();
  if (!o) return "";
  if (const auto* ref = o->if_contains("$ref")) {
    auto name = Escape(RefName(ref->as_string()));
    return "<a href=\"#schema-" + name + "\">" + name + "</a>";
  }
  if (const auto* all = o->if_contains("allOf")) {
    std::string out;
    for (const auto& part : all->as_array()) {
      const auto* data = part.as_object().if_contains("properties");
      if (data && data->as_object().contains("data"))
        return SchemaText(data->at("data").at("items")) + " page";
      out += (out.empty() ? "" : " &amp; ") + SchemaText(part);
    }
    return out;
  }
  if (const auto* items = o->if_contains("items")) return SchemaText(*items) + "[]";
  std::string out;
  if (const auto* type = o->if_contains("type")) {
    for (const auto& t : type->is_array() ? type->as_array() : json::array{*type})
      out += (out.empty() ? "" : " | ") + Escape(t.as_string());
  }
  if (const auto* e = o->if_contains("enum")) out += " " + Escape(json::serialize(*e));
  return out.empty() ? "any" : out;
}

// A body's schema and media type.
std::string ContentText(const json::object& body) {
  std::string out;
  if (const auto* content = body.if_contains("content")) {
    for (const auto& [media, m] : content->as_object())
      out += SchemaText(m.at("schema")) + " <code>" + Escape(media) + "</code> ";
  }
  return out;
}

std::string Parameters(const json::object& components, const json::array& params) {
  std::string out = "<table><tr><th>parameter</th><th>in</th><th>schema</th><th></th></tr>";
  for (const auto& raw : params) {
    const json::value* p = &raw;
    if (const auto* ref = raw.as_object().if_contains("$ref"))
      p = &components.at("parameters").at(RefName(ref->as_string()));
    out += "<tr><td><code>" + Escape(p->at("name").as_string()) + "</code></td><td>" +
           Escape(p->at("in").as_string()) + "</td><td>" + SchemaText(p->at("schema")) +
           "</td><td>" + Escape(Str(p->as_object().if_contains("description"))) + "</td></tr>";
  }
  return out + "</table>";
}

std::string Operation(const json::object& components, std::string_view path,
                      std::string_view method, const json::object& op) {
  std::string upper(method);
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string id = Escape(op.at("operationId").as_string());
  std::string out = "<details id=\"" + id + "\"><summary><span class=\"m " + std::string(method) +
                    "\">" + upper + "</span> <code>" + Escape(path) + "</code> " +
                    Escape(op.at("summary").as_string()) + " <span class=\"access\">" +
                    Escape(op.at("x-hookd-access").as_string()) + "</span></summary>";
  out += "<p>operationId <code>" + id + "</code></p>";
  if (const auto* params = op.if_contains("parameters"))
    out += Parameters(components, params->as_array());
  if (const auto* body = op.if_contains("requestBody"))
    out += "<p>Request body: " + ContentText(body->as_object()) + "</p>";
  // The success response in full; the shared error responses by name.
  std::string errors;
  for (const auto& [status, r] : op.at("responses").as_object()) {
    const auto& response = r.as_object();
    if (const auto* ref = response.if_contains("$ref"))
      errors += " <b>" + Escape(status) + "</b> " + RefName(ref->as_string());
    else
      out += "<p><b>" + Escape(status) + "</b> " + Escape(response.at("description").as_string()) +
             " " + ContentText(response) + "</p>";
  }
  if (!errors.empty()) out += "<p>Errors:" + errors + "</p>";
  return out + "</details>\n";
}

std::string Schema(std::string_view name, const json::object& s) {
  std::string out = "<details id=\"schema-" + Escape(name) + "\"><summary><code>" + Escape(name) +
                    "</code> " + Escape(Str(s.if_contains("description"))) + "</summary>";
  if (s.contains("allOf")) out += "<p>Includes " + SchemaText(s) + "</p>";
  std::map<std::string, bool> required;
  if (const auto* req = s.if_contains("required"))
    for (const auto& r : req->as_array()) required[std::string(r.as_string())] = true;
  if (const auto* props = s.if_contains("properties")) {
    out += "<table>";
    for (const auto& [field, p] : props->as_object()) {
      std::string f = Escape(field);
      out += "<tr><td><code>" + (required[std::string(field)] ? "<b>" + f + "</b>" : f) +
             "</code></td><td>" + SchemaText(p) + "</td><td>" +
             Escape(Str(p.as_object().if_contains("description"))) + "</td></tr>";
    }
    out += "</table>";
  } else if (!s.contains("allOf")) {
    out += "<p>" + SchemaText(s) + "</p>";
  }
  return out + "</details>\n";
}

constexpr std::string_view kStyle = R"css(
body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 62em; padding: 1em 2em; color: #222; }
code { font: 13px ui-monospace, monospace; }
nav a { margin-right: .8em; }
details { border: 1px solid #ddd; border-radius: 4px; margin: .4em 0; padding: .3em .6em; }
summary { cursor: pointer; }
.m { display: inline-block; width: 4.5em; font-weight: bold; }
.get { color: #1565c0; } .post { color: #2e7d32; } .put, .patch { color: #ef6c00; } .delete { color: #c62828; }
.access { float: right; font-size: 12px; background: #eee; border-radius: 3px; padding: 0 .4em; }
table { border-collapse: collapse; } td, th { border-bottom: 1px solid #eee; padding: .2em .6em; text-align: left; vertical-align: top; }
)css";

}  // namespace

std::string RenderDocsPage(const json::object& doc) {
  const auto& components = doc.at("components").as_object();
  std::map<std::string, std::string> by_tag;
  for (const auto& [path, item] : doc.at("paths").as_object())
    for (const auto& [method, op] : item.as_object())
      by_tag[std::string(op.at("tags").at(0).as_string())] +=
          Operation(components, path, method, op.as_object());
  const auto& info = doc.at("info");
  std::string title =
      Escape(info.at("title").as_string()) + " " + Escape(info.at("version").as_string());
  std::string nav, body;
  int tags = 0;
  for (const auto& t : doc.at("tags").as_array()) {
    std::string tag(t.at("name").as_string());
    std::string id = "tag-" + std::to_string(++tags);
    nav += "<a href=\"#" + id + "\">" + Escape(tag) + "</a> ";
    body += "<h2 id=\"" + id + "\">" + Escape(tag) + "</h2>\n" + by_tag[tag];
  }
  body += "<h2 id=\"schemas\">Schemas</h2>\n";
  for (const auto& [name, s] : components.at("schemas").as_object())
    body += Schema(name, s.as_object());
  return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + title +
         " API reference</title><style>" + std::string(kStyle) + "</style></head><body><h1>" +
         title + "</h1><p>" + Escape(info.at("description").as_string()) +
         " Errors answer <a href=\"#schema-HttpError\">HttpError</a> (422: <a "
         "href=\"#schema-HTTPValidationError\">HTTPValidationError</a>). The document: <a "
         "href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a>.</p><nav>" +
         nav + "<a href=\"#schemas\">Schemas</a></nav>\n" + body + "</body></html>\n";
}

}  // namespace hookd::api
