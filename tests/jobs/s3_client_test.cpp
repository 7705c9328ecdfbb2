// CurlS3Client against the local S3 server through the SigV4-verifying proxy, so a request
// that is signed wrongly fails here as it would on AWS.

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "s3/curl_s3_client.hpp"
#include "support/s3_fixture.hpp"

namespace aurora::testing {
namespace {

using s3::CurlS3Client;
using s3::GetRequest;
using s3::PutRequest;

TEST(S3KeyTest, EncodesEverythingButUnreservedCharactersAndSlashes) {
  EXPECT_EQ(s3::EncodeKey("a/b c+d%é~_.-"), "a/b%20c%2Bd%25%C3%A9~_.-");
  EXPECT_EQ(s3::Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(S3UrlTest, BuildsPathStyleAndVirtualHostedUrls) {
  s3::ClientOptions o;
  o.bucket = "flags";
  o.region = "eu-west-1";
  EXPECT_EQ(CurlS3Client(o).ObjectUrl("a b.json"),
            "https://flags.s3.eu-west-1.amazonaws.com/a%20b.json");
  o.path_style = true;
  EXPECT_EQ(CurlS3Client(o).ObjectUrl("x/y.json"),
            "https://s3.eu-west-1.amazonaws.com/flags/x/y.json");
  o.endpoint = "http://127.0.0.1:9000/";
  EXPECT_EQ(CurlS3Client(o).ObjectUrl("x/y.json"), "http://127.0.0.1:9000/flags/x/y.json");
  o.path_style = false;
  EXPECT_EQ(CurlS3Client(o).ObjectUrl("k"), "http://flags.127.0.0.1:9000/k");
}

TEST(S3CredentialsTest, ComeFromTheStandardAwsVariables) {
  EXPECT_FALSE(s3::CredentialsFromEnvironment({}).has_value());
  EXPECT_FALSE(s3::CredentialsFromEnvironment({{"AWS_ACCESS_KEY_ID", "AK"}}).has_value());
  const auto c = s3::CredentialsFromEnvironment({{"AWS_ACCESS_KEY_ID", "AK"},
                                                       {"AWS_SECRET_ACCESS_KEY", "SK"},
                                                       {"AWS_SESSION_TOKEN", "TOKEN"}});
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->access_key_id, "AK");
  EXPECT_EQ(c->secret_access_key, "SK");
  EXPECT_EQ(c->session_token, "TOKEN");
  EXPECT_EQ(s3::RegionFromEnvironment({{"AWS_DEFAULT_REGION", "eu-west-2"}}), "eu-west-2");
  EXPECT_EQ(
      s3::RegionFromEnvironment({{"AWS_REGION", "eu-west-1"}, {"AWS_DEFAULT_REGION", "x"}}),
      "eu-west-1");
}

class S3ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (S3Endpoint().empty()) GTEST_SKIP() << kS3SkipMessage;
    prefix_ = UniquePrefix("s3client");
  }
  std::string prefix_;
};

TEST_F(S3ClientTest, PutsGetsAndHeadsAnObjectWithMetadata) {
  CurlS3Client client(S3TestOptions());
  PutRequest put;
  put.key = prefix_ + "snapshot.json";
  put.body = R"({"revision": 7})";
  put.metadata["aurora-revision"] = "7";
  put.cache_control = "no-cache";
  auto written = client.Put(put);
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_FALSE(written->etag.empty());

  auto got = client.Get(GetRequest{put.key, "", {}});
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->body, put.body);
  EXPECT_EQ(got->etag, written->etag);
  EXPECT_EQ(got->content_type, "application/json");
  EXPECT_EQ(got->metadata["aurora-revision"], "7");

  auto head = client.Head(put.key, {});
  ASSERT_TRUE(head) << head.error().message;
  EXPECT_EQ(head->metadata["aurora-revision"], "7");
  EXPECT_EQ(head->content_length, static_cast<std::int64_t>(put.body.size()));
  EXPECT_TRUE(head->body.empty());
}

TEST_F(S3ClientTest, AnswersNotModifiedForAMatchingEtag) {
  CurlS3Client client(S3TestOptions());
  const std::string key = prefix_ + "etag.json";
  ASSERT_TRUE(client.Put(PutRequest{key, "{\"a\":1}", "application/json", "", {}, {}}));
  auto first = client.Get(GetRequest{key, "", {}});
  ASSERT_TRUE(first);
  auto again = client.Get(GetRequest{key, first->etag, {}});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_TRUE(again->not_modified);
  EXPECT_TRUE(again->body.empty());
  EXPECT_EQ(again->etag, first->etag);

  ASSERT_TRUE(client.Put(PutRequest{key, "{\"a\":2}", "application/json", "", {}, {}}));
  auto changed = client.Get(GetRequest{key, first->etag, {}});
  ASSERT_TRUE(changed);
  EXPECT_FALSE(changed->not_modified);
  EXPECT_EQ(changed->body, "{\"a\":2}");
  EXPECT_NE(changed->etag, first->etag);
}

TEST_F(S3ClientTest, AMissingObjectIsNotFound) {
  CurlS3Client client(S3TestOptions());
  auto got = client.Get(GetRequest{prefix_ + "missing.json", "", {}});
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kNotFound);
  auto head = client.Head(prefix_ + "missing.json", {});
  ASSERT_FALSE(head);
  EXPECT_EQ(head.error().code, ErrorCode::kNotFound);
}

TEST_F(S3ClientTest, KeysWithSpacesAndUnicodeAreSignedCorrectly) {
  CurlS3Client client(S3TestOptions());
  const std::string key = prefix_ + "a dir/ünï côdé+(1).json";
  ASSERT_TRUE(client.Put(PutRequest{key, "x", "text/plain", "", {}, {}}));
  auto got = client.Get(GetRequest{key, "", {}});
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->body, "x");
  EXPECT_TRUE(client.Delete(key, {}));
  EXPECT_EQ(client.Get(GetRequest{key, "", {}}).error().code, ErrorCode::kNotFound);
}

TEST_F(S3ClientTest, AWrongSecretIsRefusedByTheSignatureCheck) {
  auto options = S3TestOptions();
  options.credentials.secret_access_key = "not-the-secret";
  CurlS3Client client(options);
  auto put = client.Put(PutRequest{prefix_ + "x.json", "{}", "application/json", "", {}, {}});
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(put.error().message.find("SignatureDoesNotMatch"), std::string::npos)
      << put.error().message;
}

TEST_F(S3ClientTest, ASessionTokenIsSentAndSigned) {
  auto options = S3TestOptions();
  options.credentials.session_token = "FwoGZXIvYXdzEXAMPLETOKEN";
  CurlS3Client client(options);
  EXPECT_TRUE(client.Put(PutRequest{prefix_ + "token.json", "{}", "application/json", "", {}, {}}));
}

TEST_F(S3ClientTest, AWrongRegionIsRefused) {
  auto options = S3TestOptions();
  options.region = "eu-west-1";
  CurlS3Client client(options);
  auto put = client.Put(PutRequest{prefix_ + "x.json", "{}", "application/json", "", {}, {}});
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(S3ClientTest, RetriesServerErrorsThenGivesUpAsUnavailable) {
  auto options = S3TestOptions();
  options.max_attempts = 3;
  CurlS3Client client(options);
  S3Fault(prefix_, "503");
  const std::string key = prefix_ + "retry.json";
  auto put = client.Put(PutRequest{key, "{}", "application/json", "", {}, {}});
  S3Fault(prefix_, "off");
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(S3Count("PUT", key, 503), 3);
}

TEST_F(S3ClientTest, ADroppedConnectionIsUnavailable) {
  auto options = S3TestOptions();
  options.max_attempts = 2;
  CurlS3Client client(options);
  S3Fault(prefix_, "reset");
  auto got = client.Get(GetRequest{prefix_ + "x.json", "", {}});
  S3Fault(prefix_, "off");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kUnavailable);
}

TEST_F(S3ClientTest, AStopRequestAbortsASlowTransferAtOnce) {
  CurlS3Client client(S3TestOptions());
  S3Fault(prefix_, "delay", 4000);
  std::stop_source stop;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop.request_stop();
  });
  const auto start = std::chrono::steady_clock::now();
  auto got = client.Get(GetRequest{prefix_ + "slow.json", "", stop.get_token()});
  const auto took = std::chrono::steady_clock::now() - start;
  S3Fault(prefix_, "off");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kUnavailable);
  EXPECT_LT(took, std::chrono::seconds(2));
}

TEST_F(S3ClientTest, CreatingAnExistingBucketSucceeds) {
  CurlS3Client client(S3TestOptions());
  auto created = client.CreateBucket();
  EXPECT_TRUE(created) << created.error().message;
}

}  // namespace
}  // namespace aurora::testing
