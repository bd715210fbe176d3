// The checkpoint fixtures PyTorch wrote (tests/fixtures/manifest.json, "formats" and
// "hostile"): every format must give the same tensors, every hostile file its error.
#include <gtest/gtest.h>

#include <string>

#include "fixtures.h"
#include "ghostnet/checkpoint.h"
#include "ghostnet/error.h"

namespace ghostnet {
namespace {

using json::Value;

// The F32 safetensors file is the reference every other format is compared with.
const Checkpoint& reference() {
  static const Checkpoint checkpoint = read_checkpoint(testing::fixture("formats/small_f32.safetensors"));
  return checkpoint;
}

std::vector<std::string> strings(const Value* array) {
  std::vector<std::string> out;
  if (array != nullptr) {
    for (const Value& item : array->items()) out.push_back(item.string());
  }
  return out;
}

const char* expected_format(const std::string& name) {
  if (name == "safetensors") return "safetensors";
  if (name == "torch-zip") return "PyTorch zip";
  return "PyTorch legacy";
}

TEST(CheckpointFixtures, EveryFormatGivesTheSameTensors) {
  const Value manifest = testing::manifest();
  const std::vector<Value>& formats = manifest.at("formats").items();
  ASSERT_FALSE(formats.empty());
  ASSERT_FALSE(reference().tensors.empty());

  for (const Value& entry : formats) {
    // The family's other formats hold models of their own: their cases hold them to PyTorch.
    if (entry.at("case").string() != "v1_w025_c10_64x48") continue;
    const std::string file = entry.at("file").string();
    SCOPED_TRACE(file);
    const Checkpoint checkpoint = read_checkpoint(testing::fixture(file));
    EXPECT_STREQ(checkpoint_format_name(checkpoint.format), expected_format(entry.at("format").string()));
    EXPECT_EQ(checkpoint.wrapper, entry.at("wrapper").is_string() ? entry.at("wrapper").string() : "");
    EXPECT_EQ(checkpoint.stripped_module_prefix, entry.at("prefix").string() == "module.");

    const std::string dtype = entry.at("dtype").string();
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
  const Value manifest = testing::manifest();
  const std::vector<Value>& hostile = manifest.at("hostile").items();
  ASSERT_FALSE(hostile.empty());

  std::size_t pickles = 0;
  for (const Value& entry : hostile) {
    const std::string file = entry.at("file").string();
    SCOPED_TRACE(file);
    if (entry.find("missing") != nullptr || entry.find("expected_shape") != nullptr) {
      // Well-formed files that do not fit the model: refusing them is the model loader's job.
      const Checkpoint checkpoint = read_checkpoint(testing::fixture(file));
      if (const Value* found = entry.find("found_shape")) {
        std::vector<int64_t> shape;
        for (const Value& d : found->items()) shape.push_back(int64_t(d.unsigned_integer()));
        EXPECT_EQ(checkpoint.tensors.at("classifier.weight").shape, shape);
      }
      for (const std::string& key : strings(entry.find("missing"))) {
        EXPECT_EQ(checkpoint.tensors.count(key), 0u) << key;
      }
      for (const std::string& key : strings(entry.find("unexpected"))) {
        EXPECT_EQ(checkpoint.tensors.count(key), 1u) << key;
      }
      continue;
    }
    try {
      read_checkpoint(testing::fixture(file));
      ADD_FAILURE() << "loaded";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::Checkpoint) << error.what();
      EXPECT_NE(std::string(error.what()).find(file), std::string::npos) << error.what();
      for (const std::string& fragment : strings(&entry.at("expect_error_contains"))) {
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
