// How a test scripts the stand-in cuDNN (fake_cudnn_script.cpp), and what it records.
#pragma once

#include "cuda/cudnn_api.h"

struct FakeCudnnScript {
  int returned = 0;                                                      // results of the algorithm search
  ghostnet::cudnn::ConvFwdAlgoPerf results[int(ghostnet::cudnn::ConvFwdAlgo::Count)] = {};
  std::size_t workspace[int(ghostnet::cudnn::ConvFwdAlgo::Count)] = {};  // by algorithm, as asked
  ghostnet::cudnn::Status fused = ghostnet::cudnn::Status::Success;      // the fused call's answer
};

struct FakeCudnnRecord {
  ghostnet::cudnn::MathType math = ghostnet::cudnn::MathType::Default;  // the descriptor's last
  int searches = 0;                                                     // algorithm searches
  int fused_calls = 0;
  ghostnet::cudnn::ConvFwdAlgo fused_algo = ghostnet::cudnn::ConvFwdAlgo::ImplicitGemm;
  ghostnet::cudnn::MathType fused_math = ghostnet::cudnn::MathType::Default;
  std::size_t fused_workspace = 0;
};

// Sets the script and returns the record, both fresh.
using FakeCudnnScriptFunction = void (*)(const FakeCudnnScript*, FakeCudnnRecord**);
