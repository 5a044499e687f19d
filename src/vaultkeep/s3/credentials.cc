#include "vaultkeep/s3/credentials.h"

#include "kit/base/strings.h"
#include "kit/env/file.h"

namespace vk::s3 {

Result<Credentials> ParseSharedCredentials(std::string_view text,
                                           std::string_view profile,
                                           std::string_view file) {
  Credentials c;
  bool found = false, in_profile = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string line = TrimSpace(text.substr(pos, end - pos));
    pos = end + 1;
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      std::string name = TrimSpace(line.substr(1, line.size() - 2));
      in_profile = name == profile;
      found = found || in_profile;
      continue;
    }
    if (!in_profile) continue;
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = AsciiLower(TrimSpace(line.substr(0, eq)));
    std::string value = TrimSpace(line.substr(eq + 1));
    if (key == "aws_access_key_id") c.access_key_id = value;
    if (key == "aws_secret_access_key") c.secret_access_key = value;
    if (key == "aws_session_token") c.session_token = value;
  }
  std::string where = "profile " + Quote(profile) + " of " + std::string(file);
  if (!found) return NotFound("no " + where);
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return InvalidArgument(
        where + " lacks aws_access_key_id or aws_secret_access_key");
  }
  return c;
}

Result<Credentials> LoadCredentials() {
  Credentials c{Getenv("AWS_ACCESS_KEY_ID"), Getenv("AWS_SECRET_ACCESS_KEY"),
                Getenv("AWS_SESSION_TOKEN")};
  if (!c.access_key_id.empty() || !c.secret_access_key.empty()) {
    if (c.access_key_id.empty() || c.secret_access_key.empty()) {
      return InvalidArgument(
          "set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, not one");
    }
    return c;
  }
  std::string file = Getenv("AWS_SHARED_CREDENTIALS_FILE");
  if (file.empty() && !Getenv("HOME").empty())
    file = Getenv("HOME") + "/.aws/credentials";
  std::string profile = Getenv("AWS_PROFILE");
  if (profile.empty()) profile = "default";
  auto source = FileSource::Open(file);
  if (!source.ok()) {
    return InvalidArgument(
        "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
        "or AWS_PROFILE with a shared credentials file (" +
        (file.empty() ? std::string("~/.aws/credentials") : file) +
        " could not be read)");
  }
  VK_ASSIGN_OR_RETURN(std::string text, ReadAllBounded(**source, 1 << 20));
  return ParseSharedCredentials(text, profile, file);
}

std::string DefaultRegion() {
  std::string r = Getenv("AWS_DEFAULT_REGION");
  if (r.empty()) r = Getenv("AWS_REGION");
  return r.empty() ? "us-east-1" : r;
}

}  // namespace vk::s3
