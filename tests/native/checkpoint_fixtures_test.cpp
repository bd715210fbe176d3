// The checkpoint fixtures PyTorch wrote (tests/fixtures/manifest.json, "formats" and
// "hostile"): every format must give the same tensors, every hostile file its error.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "ghostnet/checkpoint.h"
#include "ghostnet/error.h"

namespace ghostnet {
namespace {

using json = nlohmann::json;

const std::string kFixtures = GHOSTNET_FIXTURES_DIR;

json manifest() {
  std::ifstream in(kFixtures + "/manifest.json");
  if (!in) return json();
  return json::parse(in);
}

// The F32 safetensors file is the reference every other format is compared with.
const Checkpoint& reference() {
  static const Checkpoint checkpoint = read_checkpoint(kFixtures + "/formats/small_f32.safetensors");
  return checkpoint;
}

const char* expected_format(const std::string& name) {
  if (name == "safetensors") return "safetensors";
  if (name == "torch-zip") return "PyTorch zip";
  return "PyTorch legacy";
}

TEST(CheckpointFixtures, EveryFormatGivesTheSameTensors) {
  const json formats = manifest().value("formats", json::array());
  if (formats.empty()) GTEST_SKIP() << "no format fixtures in " << kFixtures;
  ASSERT_FALSE(reference().tensors.empty());

  for (const json& entry : formats) {
    const std::string file = entry.at("file").get<std::string>();
    SCOPED_TRACE(file);
    const Checkpoint checkpoint = read_checkpoint(kFixtures + "/" + file);
    EXPECT_STREQ(checkpoint_format_name(checkpoint.format), expected_format(entry.at("format").get<std::string>()));
    EXPECT_EQ(checkpoint.wrapper, entry.at("wrapper").is_null() ? "" : entry.at("wrapper").get<std::string>());
    EXPECT_EQ(checkpoint.stripped_module_prefix, entry.at("prefix").get<std::string>() == "module.");

    const std::string dtype = entry.at("dtype").get<std::string>();
    std::size_t floating = 0;
    for (const auto& item : checkpoint.tensors) {
      const StoredTensor& tensor = item.second;
      if (!tensor.is_floating()) {
        // Only BatchNorm's step counters are integers; the safetensors files leave them out.
        EXPECT_NE(item.first.find("num_batches_tracked"), std::string::npos) << item.first;
        EXPECT_EQ(tensor.type, StoredType::I64) << item.first;
        continue;
      }
      ++floating;
      EXPECT_STREQ(stored_type_name(tensor.type), dtype.c_str()) << item.first;
      const auto expected = reference().tensors.find(item.first);
      ASSERT_NE(expected, reference().tensors.end()) << item.first;
      EXPECT_EQ(tensor.shape, expected->second.shape) << item.first;
      // The fixture's values are exact in F16 and BF16, so every format holds the same numbers.
      EXPECT_EQ(tensor.to_float(), expected->second.to_float()) << item.first;
    }
    EXPECT_EQ(floating, reference().tensors.size());
  }
}

TEST(CheckpointFixtures, HostileFilesAreRefusedNamingWhatIsWrong) {
  const json hostile = manifest().value("hostile", json::array());
  if (hostile.empty()) GTEST_SKIP() << "no hostile fixtures in " << kFixtures;

  std::size_t pickles = 0;
  for (const json& entry : hostile) {
    const std::string file = entry.at("file").get<std::string>();
    SCOPED_TRACE(file);
    if (entry.contains("missing") || entry.contains("expected_shape")) {
      // Well-formed files that do not fit the model: refusing them is the model loader's job.
      const Checkpoint checkpoint = read_checkpoint(kFixtures + "/" + file);
      if (entry.contains("found_shape")) {
        EXPECT_EQ(checkpoint.tensors.at("classifier.weight").shape, entry.at("found_shape").get<std::vector<int64_t>>());
      }
      for (const std::string& key : entry.value("missing", std::vector<std::string>())) {
        EXPECT_EQ(checkpoint.tensors.count(key), 0u) << key;
      }
      for (const std::string& key : entry.value("unexpected", std::vector<std::string>())) {
        EXPECT_EQ(checkpoint.tensors.count(key), 1u) << key;
      }
      continue;
    }
    try {
      read_checkpoint(kFixtures + "/" + file);
      ADD_FAILURE() << "loaded";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::Checkpoint) << error.what();
      EXPECT_NE(std::string(error.what()).find(file), std::string::npos) << error.what();
      for (const std::string& fragment : entry.at("expect_error_contains").get<std::vector<std::string>>()) {
        EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what();
        if (fragment.find('.') != std::string::npos) {
          ++pickles;
          EXPECT_NE(std::string(error.what()).find("refused pickle global '" + fragment + "'"), std::string::npos)
              << error.what();
        }
      }
    }
  }
  EXPECT_GE(pickles, 3u) << "the os.system, builtins.eval and subprocess.Popen pickles";
}

}  // namespace
}  // namespace ghostnet
