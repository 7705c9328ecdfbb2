#include "sdk/cache/snapshot_record.hpp"

#include <charconv>

#include <openssl/evp.h>

namespace aurora::sdk {
namespace {

constexpr std::string_view kMagic = "AURORA-SNAPSHOT 1 ";
constexpr std::size_t kHexLength = 64;

Error Corrupt(std::string message) {
  return Error{ErrorCode::kCorrupt, "cached snapshot: " + std::move(message)};
}

// Splits off the text up to the next '\n'; false when there is none.
bool NextLine(std::string_view& rest, std::string_view& line) {
  const auto end = rest.find('\n');
  if (end == std::string_view::npos) return false;
  line = rest.substr(0, end);
  rest.remove_prefix(end + 1);
  return true;
}

}  // namespace

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1)
    return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

std::string EncodeSnapshotRecord(const CachedSnapshot& snapshot) {
  std::string body = std::to_string(snapshot.revision);
  body += '\n';
  // An ETag never holds a newline (it is one header value); drop any to keep the framing.
  for (const char c : snapshot.etag) {
    if (c != '\n' && c != '\r') body += c;
  }
  body += '\n';
  body += snapshot.json;
  std::string record(kMagic);
  record += Sha256Hex(body);
  record += '\n';
  record += body;
  return record;
}

Result<CachedSnapshot> DecodeSnapshotRecord(std::string_view record) {
  if (!record.starts_with(kMagic)) return Corrupt("unknown header");
  record.remove_prefix(kMagic.size());
  if (record.size() < kHexLength + 1 || record[kHexLength] != '\n')
    return Corrupt("malformed checksum line");
  const std::string_view checksum = record.substr(0, kHexLength);
  const std::string_view body = record.substr(kHexLength + 1);
  if (Sha256Hex(body) != checksum) return Corrupt("checksum mismatch");
  std::string_view rest = body;
  std::string_view revision_text;
  std::string_view etag;
  if (!NextLine(rest, revision_text) || !NextLine(rest, etag)) return Corrupt("truncated header");
  CachedSnapshot out;
  const auto [end, ec] = std::from_chars(revision_text.data(),
                                         revision_text.data() + revision_text.size(), out.revision);
  if (ec != std::errc() || end != revision_text.data() + revision_text.size() || out.revision < 0) {
    return Corrupt("bad revision");
  }
  out.etag = etag;
  out.json = rest;
  return out;
}

}  // namespace aurora::sdk
