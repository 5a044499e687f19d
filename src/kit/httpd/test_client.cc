#include "kit/httpd/test_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace vk::httpd {
namespace {

size_t OnHeaderLine(char* data, size_t size, size_t n, void* ud) {
  auto* reply = static_cast<Reply*>(ud);
  std::string line(data, size * n);
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(c));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) {
      value.pop_back();
    }
    reply->headers.emplace_back(name, value);
  }
  return size * n;
}

struct Transfer {
  const Call* call;
  Reply* reply;
  size_t body_pos = 0;
};

size_t OnBodyData(char* data, size_t size, size_t n, void* ud) {
  auto* t = static_cast<Transfer*>(ud);
  std::string_view chunk(data, size * n);
  if (t->call->on_data) return t->call->on_data(chunk) ? size * n : 0;
  t->reply->body.append(chunk);
  return size * n;
}

size_t OnUploadData(char* buf, size_t size, size_t n, void* ud) {
  auto* t = static_cast<Transfer*>(ud);
  if (t->call->upload) {
    return t->call->upload(reinterpret_cast<uint8_t*>(buf), size * n);
  }
  const std::string& body = *t->call->body;
  size_t k = std::min(size * n, body.size() - t->body_pos);
  std::memcpy(buf, body.data() + t->body_pos, k);
  t->body_pos += k;
  return k;
}

std::string BioString(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

}  // namespace

Reply Perform(CURL* curl, int port, const Call& call) {
  Reply reply;
  Transfer t{&call, &reply};
  curl_easy_reset(curl);
  std::string url = std::string(call.ca_file.empty() ? "http" : "https") +
                    "://127.0.0.1:" + std::to_string(port) + call.path;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, call.timeout_ms);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeaderLine);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBodyData);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  if (!call.ca_file.empty()) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, call.ca_file.c_str());
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  }
  if (call.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (call.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  }
  if (call.body || call.upload) {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, &OnUploadData);
    curl_easy_setopt(curl, CURLOPT_READDATA, &t);
    curl_off_t size = call.body ? static_cast<curl_off_t>(call.body->size())
                                : call.upload_size;
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, size);
  }
  curl_slist* list = nullptr;
  for (const auto& h : call.headers) list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  reply.code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  curl_slist_free_all(list);
  return reply;
}

Reply Perform(int port, const Call& call) {
  CURL* curl = curl_easy_init();
  Reply r = Perform(curl, port, call);
  curl_easy_cleanup(curl);
  return r;
}

int ConnectRaw(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

void SendRaw(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = send(fd, s.data(), s.size(), MSG_NOSIGNAL);
    ASSERT_GT(n, 0);
    s.remove_prefix(static_cast<size_t>(n));
  }
}

TlsPair MakeSelfSigned() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(
      name, "CN", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>("vaultkeep test"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name,
                                            "IP:127.0.0.1,DNS:localhost");
  X509_add_ext(x, san, -1);
  X509_EXTENSION_free(san);
  X509_sign(x, key, EVP_sha256());
  BIO* cert_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cert_bio, x);
  BIO* key_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(key_bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  TlsPair pair{BioString(cert_bio), BioString(key_bio)};
  BIO_free(cert_bio);
  BIO_free(key_bio);
  X509_free(x);
  EVP_PKEY_free(key);
  return pair;
}

Handler WithPing(Handler rest) {
  return [rest](Request& req, ResponseWriter& w) {
    if (req.path == "/ping") return w.Send(200, "pong", "text/plain");
    rest(req, w);
  };
}

}  // namespace vk::httpd
