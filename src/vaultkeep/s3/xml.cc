#include "vaultkeep/s3/xml.h"

#include <pugixml.hpp>

#include <optional>

#include "kit/base/strings.h"

namespace vk::s3 {
namespace {

std::string_view LocalName(const char* name) {
  std::string_view n(name);
  size_t colon = n.find(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

pugi::xml_node Child(pugi::xml_node parent, std::string_view name) {
  for (pugi::xml_node c : parent.children())
    if (LocalName(c.name()) == name) return c;
  return {};
}

std::string Text(pugi::xml_node parent, std::string_view name) {
  return Child(parent, name).text().get();
}

bool Load(pugi::xml_document& doc, std::string_view xml) {
  return doc.load_buffer(xml.data(), xml.size(), pugi::parse_default,
                         pugi::encoding_utf8);
}

void EscapeInto(std::string& out, std::string_view s) {
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
}

}  // namespace

Result<ListPage> ParseListPage(std::string_view xml) {
  pugi::xml_document doc;
  pugi::xml_node root;
  if (Load(doc, xml)) root = doc.document_element();
  if (!root || LocalName(root.name()) != "ListBucketResult")
    return Corruption("S3 list response is not a ListBucketResult document");
  ListPage page;
  for (pugi::xml_node c : root.children()) {
    if (LocalName(c.name()) != "Contents") continue;
    ListedObject o;
    o.key = Text(c, "Key");
    std::optional<uint64_t> size = ParseUint64(Text(c, "Size"));
    if (o.key.empty() || !size)
      return Corruption("S3 list response has an entry without Key or Size");
    o.size = *size;
    page.objects.push_back(std::move(o));
  }
  page.truncated = Text(root, "IsTruncated") == "true";
  page.next_token = Text(root, "NextContinuationToken");
  if (page.truncated && page.next_token.empty()) {
    return Corruption(
        "S3 list response is truncated but has no NextContinuationToken");
  }
  return page;
}

ErrorDoc ParseError(std::string_view xml) {
  pugi::xml_document doc;
  if (!Load(doc, xml)) return {};
  pugi::xml_node root = doc.document_element();
  if (LocalName(root.name()) != "Error") return {};
  return {Text(root, "Code"), Text(root, "Message")};
}

Result<std::string> ParseUploadId(std::string_view xml) {
  pugi::xml_document doc;
  std::string id;
  if (Load(doc, xml)) id = Text(doc.document_element(), "UploadId");
  if (id.empty())
    return Corruption("S3 multipart upload response has no UploadId");
  return id;
}

std::string CompleteMultipartBody(const std::vector<std::string>& etags) {
  std::string out = "<CompleteMultipartUpload>";
  for (size_t i = 0; i < etags.size(); ++i) {
    out += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>";
    EscapeInto(out, etags[i]);
    out += "</ETag></Part>";
  }
  out += "</CompleteMultipartUpload>";
  return out;
}

}  // namespace vk::s3
