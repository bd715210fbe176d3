// Notes on how ghostnet decided what it runs (which cuDNN algorithm a convolution takes, and
// why it does or does not fuse), for whoever asked to see them: the environment variable
// GHOSTNET_VERBOSE=1, or the command line's --verbose. One line each, on stderr.
#pragma once

#include <string>

namespace ghostnet {

void set_verbose(bool on);
bool verbose();
// Writes "ghostnet: <text>" to stderr when verbose() is on.
void note(const std::string& text);

}  // namespace ghostnet
